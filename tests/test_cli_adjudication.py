"""`argmap adjudication`: the coders' tags side by side, and accepting them, from the command
line (run in this process)."""

from sqlmodel import Session, col, select
from typer.testing import CliRunner

from app.cli import cli
from app.config import get_settings
from app.db import make_engine
from app.models import Annotation, HistoryEntry, User
from app.services.adjudication import may_adjudicate
from tests.adjudication import both_done
from tests.coding import CodingScene, coding_scene
from tests.test_cli import argmap


def scene_in(database: str, *, done: bool = True) -> CodingScene:
    engine = make_engine(database)
    try:
        with Session(engine) as session:
            return both_done(session) if done else coding_scene(session)
    finally:
        engine.dispose()


def adjudicated_in(database: str) -> list[tuple[str, str | None, str | None]]:
    """(analyst, adopted_from, the actor its history entry names) of each adjudicated tag."""
    engine = make_engine(database)
    try:
        with Session(engine) as session:
            tags = session.exec(select(Annotation).where(col(Annotation.adjudicated))).all()
            return [
                (
                    tag.analyst,
                    tag.adopted_from,
                    session.exec(
                        select(HistoryEntry.actor).where(HistoryEntry.item_id == tag.id)
                    ).one(),
                )
                for tag in tags
            ]
    finally:
        engine.dispose()


def test_show_prints_each_coders_labels_and_the_differences(seeded_db_url: str) -> None:
    scene = scene_in(seeded_db_url)
    result = argmap(seeded_db_url, "adjudication", "show", scene.document_id)
    assert result.exit_code == 0, result.output
    assert "compared: alice, bob" in result.output
    assert scene.passage_id in result.output
    assert "  alice: russia states" in result.output
    assert "  bob: ukraine opposes" in result.output
    assert "  adjudicated: —" in result.output
    assert "differs on russia: alice, bob" in result.output


def test_show_refuses_a_document_nobody_marked_done(seeded_db_url: str) -> None:
    scene = scene_in(seeded_db_url, done=False)
    result = argmap(seeded_db_url, "adjudication", "show", scene.document_id)
    assert result.exit_code == 1
    assert "Nobody has marked this document done yet" in result.output


def test_accept_copies_tags_as_the_curator(seeded_db_url: str) -> None:
    scene = scene_in(seeded_db_url)
    result = argmap(
        seeded_db_url,
        "adjudication",
        "accept",
        scene.alice_tag,
        scene.bob_tag,
        "--curator",
        "tester",
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("accepted ") == 2
    assert sorted(adjudicated_in(seeded_db_url)) == sorted(
        [("tester", scene.alice_tag, "tester"), ("tester", scene.bob_tag, "tester")]
    )


def test_accept_refuses_a_user_who_is_no_curator(seeded_db_url: str) -> None:
    scene = scene_in(seeded_db_url)
    result = argmap(seeded_db_url, "adjudication", "accept", scene.alice_tag, "--curator", "bob")
    assert result.exit_code == 1 and "curators" in result.output
    unknown = argmap(
        seeded_db_url, "adjudication", "accept", scene.alice_tag, "--curator", "nobody"
    )
    assert unknown.exit_code == 1 and "no user 'nobody'" in unknown.output
    assert adjudicated_in(seeded_db_url) == []


def test_create_user_makes_a_curator(db_url: str) -> None:
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            cli,
            ["create-user", "cora", "--may-adjudicate"],
            input="a long enough password\na long enough password\n",
            env={"DATABASE_URL": db_url},
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            cora = session.exec(select(User).where(User.username == "cora")).one()
            assert cora.may_adjudicate and may_adjudicate(cora)
    finally:
        engine.dispose()

"""The `assignments` commands, run in this process against a temporary database (see
tests/test_cli.py)."""

from sqlmodel import Session, col, select

from app.db import make_engine
from app.models import Document, HistoryEntry
from tests.test_cli import argmap


def first_document(database: str) -> str:
    engine = make_engine(database)
    try:
        with Session(engine) as session:
            found = session.exec(
                select(Document.id).order_by(col(Document.created_at), col(Document.id))
            ).first()
    finally:
        engine.dispose()
    assert found is not None
    return found


def history_of(database: str, item_type: str) -> list[tuple[str, str | None]]:
    engine = make_engine(database)
    try:
        with Session(engine) as session:
            rows = session.exec(
                select(HistoryEntry.action, HistoryEntry.actor)
                .where(HistoryEntry.item_type == item_type)
                .order_by(col(HistoryEntry.id))
            ).all()
    finally:
        engine.dispose()
    return [(str(action), actor) for action, actor in rows]


def test_assignments_are_given_listed_marked_done_and_counted(seeded_db_url: str) -> None:
    document_id = first_document(seeded_db_url)
    added = argmap(seeded_db_url, "assignments", "add", document_id, "alice", "bob")
    assert added.exit_code == 0, added.output
    assert f"alice codes {document_id}" in added.stdout
    assert f"bob codes {document_id}" in added.stdout
    listed = argmap(seeded_db_url, "assignments", "list", "--analyst", "bob").stdout.splitlines()
    assert len(listed) == 1
    assert listed[0].split("\t")[1:4] == [document_id, "bob", "assigned"]
    done = argmap(
        seeded_db_url, "assignments", "done", "--analyst", "alice", "--document", document_id
    )
    assert done.exit_code == 0, done.output
    progress = argmap(seeded_db_url, "assignments", "progress").stdout
    assert "alice: 0 assigned, 0 started, 1 done" in progress
    assert "bob: 1 assigned, 0 started, 0 done" in progress
    reopened = argmap(
        seeded_db_url,
        "assignments",
        "done",
        "--analyst",
        "alice",
        "--document",
        document_id,
        "--reopen",
    )
    assert reopened.exit_code == 0, reopened.output
    assert "alice: 1 assigned" in argmap(seeded_db_url, "assignments", "progress").stdout
    assert history_of(seeded_db_url, "assignment") == [
        ("create", None),
        ("create", None),
        ("update", None),
        ("update", None),
    ]


def test_a_refused_assignment_says_why_and_exits_1(seeded_db_url: str) -> None:
    document_id = first_document(seeded_db_url)
    viewer = argmap(seeded_db_url, "assignments", "add", document_id, "victor")
    assert viewer.exit_code == 1
    assert "assignments add: victor is a viewer" in viewer.stderr
    argmap(seeded_db_url, "assignments", "add", document_id, "alice")
    twice = argmap(seeded_db_url, "assignments", "add", document_id, "alice")
    assert twice.exit_code == 1
    assert "alice already codes this document" in twice.stderr
    not_theirs = argmap(
        seeded_db_url, "assignments", "done", "--analyst", "bob", "--document", document_id
    )
    assert not_theirs.exit_code == 1
    assert f"bob does not code the document '{document_id}'" in not_theirs.stderr
    assert len(argmap(seeded_db_url, "assignments", "list").stdout.splitlines()) == 1


def test_the_team_setting_is_shown_and_changed(seeded_db_url: str) -> None:
    shown = argmap(seeded_db_url, "assignments", "setting")
    assert shown.stdout.strip() == "show_others_when_done: true"
    changed = argmap(seeded_db_url, "assignments", "setting", "--no-show-others-when-done")
    assert changed.stdout.strip() == "show_others_when_done: false"
    assert argmap(seeded_db_url, "assignments", "setting").stdout.strip().endswith("false")
    assert history_of(seeded_db_url, "setting") == [("create", None)]

"""The same code on PostgreSQL: migrations (from empty, and over data), seeding, tagging,
export and import, replacing a text.

A quick check that `make test` (on SQLite) runs too; `make test-postgres` runs the whole suite
on PostgreSQL."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.config import Settings
from app.db import alembic_config, include_in_schema_comparison, make_engine, migrate
from app.main import create_app
from app.models import Passage, PassageKind
from app.services.corpus import load_seeds
from tests.accounts import ADMIN, add_test_users, sign_in_as
from tests.conftest import SEEDS_DIR
from tests.corrections import tag_and_correct
from tests.postgres import Databases, find_postgres_bin
from tests.test_migrations import MAP_AT_0002

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def postgres_url(postgres_databases: Databases) -> Iterator[str]:
    """A database of this module's own on the session's server, emptied by each test."""
    name = postgres_databases.new_name("checks")
    yield postgres_databases.create(name)
    postgres_databases.drop(name)


def reset(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    reset(postgres_url)
    migrate(postgres_url)
    engine = make_engine(postgres_url)
    yield engine
    engine.dispose()


def test_migrations_run_from_empty_and_match_the_models(pg_engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    with pg_engine.connect() as connection:
        options = {"compare_type": True, "include_object": include_in_schema_comparison}
        context = MigrationContext.configure(connection, opts=options)
        assert compare_metadata(context, SQLModel.metadata) == []


def test_seeding_twice_on_postgres_changes_nothing(pg_engine: Engine) -> None:
    with Session(pg_engine) as session:
        first = load_seeds(session, SEEDS_DIR)
        second = load_seeds(session, SEEDS_DIR)
    assert first.documents_added == 5
    assert second.documents_added == 0


def test_tag_export_and_reimport_on_postgres(pg_engine: Engine, postgres_url: str) -> None:
    with Session(pg_engine) as session:
        load_seeds(session, SEEDS_DIR)
        add_test_users(session)
    app = create_app(Settings(database_url=postgres_url))
    with sign_in_as(TestClient(app), ADMIN) as client:
        document = client.get("/api/documents").json()[1]
        passage = next(
            p
            for p in client.get(f"/api/documents/{document['id']}/passages").json()
            if p["kind"] == "paragraph"
        )
        created = client.post(
            "/api/annotations",
            json={"passage_id": passage["id"], "position_key": "ukraine", "start": 4, "end": 10},
        )
        assert created.status_code == 201
        exported = client.get("/api/export").content
    assert b'"position_key":"ukraine"' in exported.replace(b" ", b"")

    reset(postgres_url)
    migrate(postgres_url)
    app = create_app(Settings(database_url=postgres_url))
    with Session(app.state.engine) as session:
        add_test_users(session)
    with sign_in_as(TestClient(app), ADMIN) as client:
        imported = client.post(
            "/api/import", content=exported, headers={"Content-Type": "application/json"}
        )
        assert imported.status_code == 200, imported.text
        assert client.get("/api/export").content == exported


def test_migration_0003_fills_in_annotation_documents_on_postgres(postgres_url: str) -> None:
    reset(postgres_url)
    command.upgrade(alembic_config(postgres_url), "0002")
    engine = make_engine(postgres_url)
    with engine.begin() as connection:
        for statement in MAP_AT_0002:
            connection.execute(text(statement))
    engine.dispose()

    migrate(postgres_url)

    engine = make_engine(postgres_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT id, document_id, passage_id, claim_id, example FROM annotation ORDER BY id"
            )
        ).all()
        stances = connection.execute(text("SELECT claim_id FROM claim_stance")).all()
    foreign_keys = inspect(engine).get_foreign_keys("annotation")
    engine.dispose()
    assert [tuple(row) for row in rows] == [
        ("a1", "d1", "p1", "c1", False),
        ("a2", "d1", "p2", None, False),
    ]
    assert [tuple(row) for row in stances] == [("c1",)]
    on_delete = {fk["referred_table"]: fk["options"].get("ondelete") for fk in foreign_keys}
    assert (on_delete["document"], on_delete["passage"]) == ("CASCADE", "SET NULL")


def test_replacing_a_text_re_anchors_and_restores_on_postgres(
    pg_engine: Engine, postgres_url: str
) -> None:
    with Session(pg_engine) as session:
        load_seeds(session, SEEDS_DIR)
        add_test_users(session)
    app = create_app(Settings(database_url=postgres_url))
    with sign_in_as(TestClient(app), ADMIN) as client:
        tagged = tag_and_correct(client)
        url = f"/api/documents/{tagged.document['id']}/text"

        report = client.put(url, json={"text": tagged.corrected}).json()
        assert (report["kept"], report["orphaned_ids"]) == (1, [tagged.lost["id"]])
        (orphan,) = client.get("/api/orphans").json()
        assert orphan["passage_id"] is None and orphan["orphaned_at"]
        assert client.get(f"/api/claims/{tagged.claim['id']}").json()["needs_review"] is True

        again = client.put(url, json={"text": tagged.text}).json()
        assert (again["restored"], again["orphaned"]) == (1, 0)
        assert client.get("/api/orphans").json() == []
        assert client.get(f"/api/claims/{tagged.claim['id']}").json()["needs_review"] is False


def test_backup_and_restore_with_pg_dump_and_pg_restore(
    pg_engine: Engine, postgres_url: str, tmp_path: Path
) -> None:
    from app.models import Annotation
    from app.services.backup import backup_database, restore_database
    from tests.factories import make_annotation

    with Session(pg_engine) as session:
        load_seeds(session, SEEDS_DIR)
        passage = session.exec(select(Passage).where(Passage.kind == PassageKind.paragraph)).first()
        assert passage is not None
    out = tmp_path / "argmap.dump"
    made = backup_database(postgres_url, out, postgres_bin=find_postgres_bin())
    with Session(pg_engine) as session:
        make_annotation(session, passage, "russia", "states")
    pg_engine.dispose()

    restored = restore_database(postgres_url, out, force=True, postgres_bin=find_postgres_bin())

    assert out.read_bytes().startswith(b"PGDMP")
    assert restored.summary == made.summary
    assert restored.replaced is not None and restored.replaced.annotations == 1
    with Session(pg_engine) as session:
        assert session.exec(select(Annotation)).all() == []

"""The same code on PostgreSQL: migrations from empty, seeding, tagging, export and import."""

import os
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.config import Settings
from app.db import make_engine, migrate
from app.main import create_app
from app.services.corpus import load_seeds
from tests.conftest import SEEDS_DIR
from tests.postgres import temporary_postgres

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    given = os.environ.get("ARGMAP_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    with temporary_postgres() as url:
        yield url


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
        context = MigrationContext.configure(connection, opts={"compare_type": True})
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
    app = create_app(Settings(database_url=postgres_url))
    with TestClient(app) as client:
        client.cookies.set("analyst", "Ana")
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
    with TestClient(app) as client:
        imported = client.post(
            "/api/import", content=exported, headers={"Content-Type": "application/json"}
        )
        assert imported.status_code == 200, imported.text
        assert client.get("/api/export").content == exported

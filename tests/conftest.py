"""Fixtures: a migrated temporary database per test, the app on it, and a seeded variant.

Migrating is done once per session into template files that each test copies, so every test
starts from `alembic upgrade head` without paying for it each time.
"""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.config import PROJECT_ROOT, Settings
from app.db import make_engine, migrate
from app.main import create_app
from app.services.corpus import load_seeds
from tests.accounts import ADMIN, add_test_users, sign_in_as

SEEDS_DIR = PROJECT_ROOT / "seeds"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def empty_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated, with the test users (one per role) and their sessions, and nothing else."""
    path = tmp_path_factory.mktemp("templates") / "empty.db"
    migrate(sqlite_url(path))
    engine = make_engine(sqlite_url(path))
    with Session(engine) as session:
        add_test_users(session)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory, empty_template: Path) -> Path:
    path = tmp_path_factory.mktemp("templates") / "seeded.db"
    shutil.copy(empty_template, path)
    engine = make_engine(sqlite_url(path))
    with Session(engine) as session:
        load_seeds(session, SEEDS_DIR)
    engine.dispose()
    return path


@pytest.fixture
def db_path(tmp_path: Path, empty_template: Path) -> Path:
    """An empty, migrated database for this test only."""
    path = tmp_path / "test.db"
    shutil.copy(empty_template, path)
    return path


@pytest.fixture
def seeded_db_path(tmp_path: Path, seeded_template: Path) -> Path:
    """A migrated database holding the seed corpus, for this test only."""
    path = tmp_path / "seeded.db"
    shutil.copy(seeded_template, path)
    return path


def _engine(path: Path) -> Iterator[Engine]:
    engine = make_engine(sqlite_url(path))
    yield engine
    engine.dispose()


@pytest.fixture
def engine(db_path: Path) -> Iterator[Engine]:
    yield from _engine(db_path)


@pytest.fixture
def seeded_engine(seeded_db_path: Path) -> Iterator[Engine]:
    yield from _engine(seeded_db_path)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@pytest.fixture
def seeded_session(seeded_engine: Engine) -> Iterator[Session]:
    with Session(seeded_engine) as session:
        yield session


def _client(path: Path) -> Iterator[TestClient]:
    app: FastAPI = create_app(Settings(database_url=sqlite_url(path)))
    with TestClient(app) as client:
        yield client


@pytest.fixture
def client(db_path: Path) -> Iterator[TestClient]:
    """The app on an empty database, signed in as the admin `tester`."""
    for client in _client(db_path):
        yield sign_in_as(client, ADMIN)


@pytest.fixture
def seeded_client(seeded_db_path: Path) -> Iterator[TestClient]:
    """The app on the seed corpus, signed in as the admin `tester`."""
    for client in _client(seeded_db_path):
        yield sign_in_as(client, ADMIN)

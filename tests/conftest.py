"""Fixtures: a migrated temporary database per test, the app on it, and a seeded variant.

Migrating is done once per session into templates that each test copies, so every test starts
from `alembic upgrade head` without paying for it each time. On SQLite (the default) the
templates are files and each test gets a copy of one. With `ARGMAP_TEST_DATABASE=postgresql`
the same fixtures give PostgreSQL databases instead: one server per session (a private
cluster, or `ARGMAP_TEST_POSTGRES_URL`), template databases migrated once, and
`CREATE DATABASE … TEMPLATE …` per test, dropped after it.

Ask for `db_url` / `seeded_db_url` (or `engine`, `session`, `client`, …) to run on both;
`db_path` / `seeded_db_path` are SQLite files, so a test asking for them is skipped on
PostgreSQL. A test that checks something only SQLite has is marked `sqlite_only("why")`.
"""

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.config import PROJECT_ROOT, Settings
from app.db import make_engine, migrate
from app.main import create_app
from app.services import accounts
from app.services.corpus import load_seeds
from tests.accounts import ADMIN, CHEAP_PASSWORD_HASH, add_test_users, sign_in_as
from tests.postgres import Databases, postgres_server

SEEDS_DIR = PROJECT_ROOT / "seeds"
SEED_FILES = sorted(SEEDS_DIR.glob("*.txt"))


def seed_text(prefix: str) -> str:
    """The seed article whose file name starts with `prefix`, exactly as stored."""
    (path,) = [p for p in SEED_FILES if p.name.startswith(prefix)]
    return path.read_bytes().decode("utf-8")


BACKENDS = ("sqlite", "postgresql")
BACKEND = os.environ.get("ARGMAP_TEST_DATABASE", "sqlite").lower()
if BACKEND not in BACKENDS:
    raise RuntimeError(f"ARGMAP_TEST_DATABASE must be one of {BACKENDS}, not {BACKEND!r}")
ON_POSTGRES = BACKEND == "postgresql"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): checks something only SQLite has; skipped on PostgreSQL",
    )


def pytest_report_header() -> str:
    return f"argmap test database: {BACKEND}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not ON_POSTGRES:
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            reason = marker.args[0] if marker.args else "checks something only SQLite has"
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[PasswordHash]:
    """Hash and verify passwords with cheap Argon2 parameters for the whole run (production
    ones take a tenth of a second a hash); gives the production hasher it stands in for.

    Commands and servers the tests start as processes still use the production parameters.
    """
    production = accounts.password_hash
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "password_hash", CHEAP_PASSWORD_HASH)
        yield production


# --- PostgreSQL: one server, template databases, a copy per test -----------------------------


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[Databases]:
    """Whole databases on the session's PostgreSQL server (started on first use)."""
    with postgres_server() as url:
        databases = Databases(url)
        try:
            yield databases
        finally:
            databases.close()


@pytest.fixture(scope="session")
def postgres_templates(postgres_databases: Databases) -> Iterator[dict[str, str]]:
    """The names of two template databases: "empty" (migrated, with the test users) and
    "seeded" (the same with the seed corpus)."""
    empty = postgres_databases.new_name("template_empty")
    seeded = postgres_databases.new_name("template_seeded")
    try:
        url = postgres_databases.create(empty)
        migrate(url)
        engine = make_engine(url)
        with Session(engine) as session:
            add_test_users(session)
        engine.dispose()
        url = postgres_databases.create(seeded, template=empty)
        engine = make_engine(url)
        with Session(engine) as session:
            load_seeds(session, SEEDS_DIR)
        engine.dispose()
        yield {"empty": empty, "seeded": seeded}
    finally:
        postgres_databases.drop(seeded)
        postgres_databases.drop(empty)


def _postgres_copy(databases: Databases, template: str) -> Iterator[str]:
    name = databases.new_name()
    url = databases.create(name, template=template)
    try:
        yield url
    finally:
        databases.drop(name)


# --- SQLite: template files, a copy per test -----------------------------------------------


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


def _skip_on_postgres(fixture: str) -> None:
    if ON_POSTGRES:
        pytest.skip(f"uses a SQLite file ({fixture}); ask for db_url to run on PostgreSQL too")


@pytest.fixture
def db_path(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """An empty, migrated SQLite database file for this test only."""
    _skip_on_postgres("db_path")
    path = tmp_path / "test.db"
    shutil.copy(request.getfixturevalue("empty_template"), path)
    return path


@pytest.fixture
def seeded_db_path(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """A migrated SQLite database file holding the seed corpus, for this test only."""
    _skip_on_postgres("seeded_db_path")
    path = tmp_path / "seeded.db"
    shutil.copy(request.getfixturevalue("seeded_template"), path)
    return path


# --- Either database -------------------------------------------------------------------------


def _database_url(request: pytest.FixtureRequest, kind: str) -> Iterator[str]:
    if ON_POSTGRES:
        templates = request.getfixturevalue("postgres_templates")
        yield from _postgres_copy(request.getfixturevalue("postgres_databases"), templates[kind])
    else:
        path_fixture = "db_path" if kind == "empty" else "seeded_db_path"
        yield sqlite_url(request.getfixturevalue(path_fixture))


@pytest.fixture
def db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of an empty, migrated database (with the test users) for this test only."""
    yield from _database_url(request, "empty")


@pytest.fixture
def seeded_db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a migrated database holding the seed corpus, for this test only."""
    yield from _database_url(request, "seeded")


@pytest.fixture
def new_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Makes databases that do not exist yet (SQLite) or are empty, not even migrated
    (PostgreSQL): `new_db_url("fresh")` gives the URL of one, dropped after the test."""
    made: list[str] = []

    def make(label: str) -> str:
        if not ON_POSTGRES:
            return sqlite_url(tmp_path / f"{label}.db")
        databases: Databases = request.getfixturevalue("postgres_databases")
        name = databases.new_name(label)
        made.append(name)
        return databases.create(name)

    yield make
    if made:
        databases = request.getfixturevalue("postgres_databases")
        for name in made:
            databases.drop(name)


def _engine(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    yield from _engine(db_url)


@pytest.fixture
def seeded_engine(seeded_db_url: str) -> Iterator[Engine]:
    yield from _engine(seeded_db_url)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@pytest.fixture
def seeded_session(seeded_engine: Engine) -> Iterator[Session]:
    with Session(seeded_engine) as session:
        yield session


def _client(url: str) -> Iterator[TestClient]:
    app: FastAPI = create_app(Settings(database_url=url))
    with TestClient(app) as client:
        yield client


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    """The app on an empty database, signed in as the admin `tester`."""
    for client in _client(db_url):
        yield sign_in_as(client, ADMIN)


@pytest.fixture
def seeded_client(seeded_db_url: str) -> Iterator[TestClient]:
    """The app on the seed corpus, signed in as the admin `tester`."""
    for client in _client(seeded_db_url):
        yield sign_in_as(client, ADMIN)

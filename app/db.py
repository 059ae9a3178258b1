"""Engine creation, migrations and the per-request session."""

from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, SQLModel, create_engine

import app.history  # noqa: F401  (registers the history events)
from app.config import PROJECT_ROOT

SQLITE_BUSY_TIMEOUT_MS = 15000

Row = TypeVar("Row", bound=SQLModel)


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is switched off (it begins late and never for
    # reads); `_begin` below starts every transaction explicitly instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers proceed while one analyst writes; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _begin(connection: Connection) -> None:
    # BEGIN IMMEDIATE takes the write lock at once: a writer that first reads and then writes
    # would otherwise fail with "database is locked" when another writer got in between,
    # without waiting for the busy timeout.
    immediate = connection.get_execution_options().get(IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


IMMEDIATE = "sqlite_begin_immediate"


def make_engine(url: str) -> Engine:
    """Create an engine for `url`; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _set_sqlite_pragmas)
        event.listen(engine, "begin", _begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def write_engine(engine: Engine) -> Engine:
    """The same engine (and pool) for requests that change things: on SQLite their transactions
    take the write lock when they begin, so concurrent writers queue (up to the busy timeout)."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{IMMEDIATE: True})
    return engine


def alembic_config(url: str) -> Config:
    config = Config(toml_file=PROJECT_ROOT / "pyproject.toml")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Bring the database at `url` up to the newest schema (`alembic upgrade head`)."""
    command.upgrade(alembic_config(url), "head")


def save(session: Session, row: Row) -> Row:
    """Commit `row` (new or changed) and return it as stored."""
    session.add(row)
    session.flush()
    # Read back in the same transaction: after the commit another writer may already have
    # changed the row, and the caller must see (and answer with) the version it wrote.
    session.refresh(row)
    session.commit()
    return row

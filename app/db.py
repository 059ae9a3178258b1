"""Engine creation, migrations and the per-request session."""

import sqlite3
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, SQLModel, create_engine

import app.audit.events  # noqa: F401  (registers the history events)
import app.credential_stamp  # noqa: F401  (registers the events that renew the stamp)
from app.config import PROJECT_ROOT

SQLITE_BUSY_TIMEOUT_MS = 15000
SQLITE_SYNCHRONOUS = ("full", "normal")

Row = TypeVar("Row", bound=SQLModel)


def _sqlite_pragmas(busy_timeout_ms: int, synchronous: str) -> Callable[[Any, Any], None]:
    def set_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling is switched off (it begins late and never for
        # reads); `_begin` below starts every transaction explicitly instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL lets readers proceed while one analyst writes; foreign keys are off by default.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    return set_pragmas


def _begin(connection: Connection) -> None:
    # BEGIN IMMEDIATE takes the write lock at once: a writer that first reads and then writes
    # would otherwise fail with "database is locked" when another writer got in between,
    # without waiting for the busy timeout.
    immediate = connection.get_execution_options().get(IMMEDIATE, False)
    if not immediate:
        connection.exec_driver_sql("BEGIN")
        return
    _queue_for_writing(connection)
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        # No transaction began, so no commit or rollback will release the lock.
        if connection.info.pop(_HOLDS_WRITER, False):
            _writer_lock(connection).release()
        raise


IMMEDIATE = "sqlite_begin_immediate"
# Writers of one process queue on this lock before BEGIN IMMEDIATE. SQLite's own busy handler
# makes a waiting writer sleep and retry, with sleeps growing to 100 ms: under 16 concurrent
# writers that gave tail latencies of seconds and left the database idle between sleeps. A
# lock hands the database straight to the next writer. Other processes (the command line)
# still meet the busy timeout; a writer that cannot get the lock in time goes on without it.
_WRITERS: dict[str, threading.Lock] = {}  # one per database file
_HOLDS_WRITER = "argmap_holds_writer_lock"


def _writer_lock(connection: Connection) -> threading.Lock:
    return _WRITERS.setdefault(str(connection.engine.url), threading.Lock())


def _queue_for_writing(connection: Connection) -> None:
    if _writer_lock(connection).acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
        connection.info[_HOLDS_WRITER] = True


def _commit_writing(connection: Connection) -> None:
    _end_writing(connection, commit=True)


def _rollback_writing(connection: Connection) -> None:
    _end_writing(connection, commit=False)


def _end_writing(connection: Connection, *, commit: bool) -> None:
    # These events come before SQLAlchemy ends the transaction; it is ended here so that the
    # lock is released only once the database is free (the driver's own call then finds no
    # transaction and does nothing).
    if not connection.info.pop(_HOLDS_WRITER, False):
        return
    try:
        dbapi_connection = connection.connection.dbapi_connection
        if dbapi_connection is not None:
            dbapi_connection.commit() if commit else dbapi_connection.rollback()
    finally:
        _writer_lock(connection).release()


def make_engine(url: str, *, lock_wait: float | None = None, synchronous: str = "full") -> Engine:
    """Create an engine for `url`; SQLite gets WAL, foreign keys, a busy timeout and the
    `synchronous` level (`Settings.sqlite_synchronous`).

    `lock_wait` is how many seconds a statement waits for a lock another connection holds
    before it fails (see `lock_wait_ended`): SQLite's busy timeout (SQLITE_BUSY_TIMEOUT_MS
    when not given), PostgreSQL's lock_timeout (no limit when not given).
    """
    if url.startswith("sqlite"):
        busy_timeout_ms = SQLITE_BUSY_TIMEOUT_MS if lock_wait is None else int(lock_wait * 1000)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        if synchronous not in SQLITE_SYNCHRONOUS:
            raise ValueError(f"synchronous must be one of {', '.join(SQLITE_SYNCHRONOUS)}")
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_ms, synchronous))
        event.listen(engine, "begin", _begin)
        event.listen(engine, "commit", _commit_writing)
        event.listen(engine, "rollback", _rollback_writing)
        return engine
    connect_args = {}
    if lock_wait is not None:
        # At least a millisecond: a lock_timeout of 0 would mean waiting for ever.
        connect_args["options"] = f"-c lock_timeout={max(1, int(lock_wait * 1000))}"
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


# PostgreSQL's lock_not_available (lock_timeout, NOWAIT) and deadlock_detected.
_LOCK_WAIT_SQLSTATES = frozenset({"55P03", "40P01"})


def lock_wait_ended(error: DBAPIError) -> bool:
    """Whether the database refused a statement because another connection held a lock it
    needed: for longer than the wait (on SQLite, the write lock: "database is locked"), or in
    a deadlock (PostgreSQL). The same statement may go through later."""
    original = error.orig
    if isinstance(original, sqlite3.OperationalError):
        # The extended codes (SQLITE_BUSY_SNAPSHOT, …) keep the primary one in the low byte.
        code = getattr(original, "sqlite_errorcode", None)
        return code is not None and code & 0xFF == sqlite3.SQLITE_BUSY
    return getattr(original, "sqlstate", None) in _LOCK_WAIT_SQLSTATES


def write_engine(engine: Engine) -> Engine:
    """The same engine (and pool) for requests that change things: on SQLite their transactions
    take the write lock when they begin, so concurrent writers queue (up to the busy timeout)."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{IMMEDIATE: True})
    return engine


# Full-text search lives only in migrations (0005: FTS5 tables with their shadow tables and
# triggers on SQLite, GIN expression indexes on PostgreSQL; 0006: on PostgreSQL, a stored
# tsvector column on each searched table and GIN indexes on it instead); the models do not
# describe it. The names of 0005's PostgreSQL indexes stay here for databases between the two.
SEARCH_TABLES = ("passage_fts", "claim_fts", "annotation_note_fts")
SEARCH_COLUMNS = ("search_vector",)
SEARCH_INDEXES = (
    "ix_passage_text_search",
    "ix_claim_text_search",
    "ix_annotation_note_search",
    "ix_passage_search_vector",
    "ix_claim_search_vector",
    "ix_annotation_search_vector",
)


def include_in_schema_comparison(
    _object: Any, name: str | None, type_: str, _reflected: bool, _compare_to: Any
) -> bool:
    """Alembic's `include_object`: leave the full-text search objects out of autogenerate and
    of the comparison of the models with the migrated schema."""
    if type_ == "table" and name is not None:
        return not any(name == t or name.startswith(f"{t}_") for t in SEARCH_TABLES)
    if type_ == "column":
        return name not in SEARCH_COLUMNS
    if type_ == "index":
        return name not in SEARCH_INDEXES
    return True


def alembic_config(url: str) -> Config:
    config = Config(toml_file=PROJECT_ROOT / "pyproject.toml")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Bring the database at `url` up to the newest schema (`alembic upgrade head`)."""
    command.upgrade(alembic_config(url), "head")


def reads_only_from_here(session: Session) -> None:
    """Let what this session does next, until its next commit, begin without the write lock.

    For a request that has committed its change and now only reads what it shows: taking the
    lock again would make it queue behind every other writer a second time.
    """
    if session.in_transaction() or session.get_bind().dialect.name != "sqlite":
        return
    session.connection(execution_options={IMMEDIATE: False})


def end_transaction(session: Session) -> None:
    """End this session's transaction (committing what it holds), so that what the request
    does next — a fetch that may take seconds, rendering a page — holds no lock: on SQLite a
    request that may write holds the write lock for its whole transaction."""
    session.commit()


def save(session: Session, row: Row) -> Row:
    """Commit `row` (new or changed) and return it as stored."""
    session.add(row)
    session.flush()
    # What the database filled in (server defaults) is read back in the same transaction:
    # after the commit another writer may already have changed the row, and the caller must
    # see (and answer with) the row as it wrote it. Everything else, the version included, is
    # already known; reading it all again was a query per save.
    expired = inspect(row).expired_attributes
    if expired:
        session.refresh(row, attribute_names=sorted(expired))
    session.commit()
    return row

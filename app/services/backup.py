"""Backups of the whole database, and restoring one.

SQLite is copied through its online backup API (`sqlite3.Connection.backup`), page by page in
one consistent snapshot, so a backup is safe while the app runs and writes; a restore goes the
same way in the other direction. PostgreSQL is dumped with `pg_dump` in its custom format and
restored with `pg_restore`.
"""

import glob
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers the tables)
from app.credential_stamp import credentials_changed
from app.db import make_engine
from app.services.errors import Conflict, InvalidInput

# The first 16 bytes of every SQLite database file, and of every pg_dump custom-format file.
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


@dataclass(frozen=True)
class DatabaseSummary:
    """What a database holds, to say what a backup or a restore did."""

    revision: str | None
    documents: int
    annotations: int

    def __str__(self) -> str:
        schema = f"schema {self.revision}" if self.revision else "no schema"
        return f"{schema}, {self.documents} documents, {self.annotations} tags"


@dataclass(frozen=True)
class BackupReport:
    path: Path
    size: int
    summary: DatabaseSummary

    def __str__(self) -> str:
        return f"backed up to {self.path} ({self.size:,} bytes; {self.summary})"


@dataclass(frozen=True)
class RestoreReport:
    source: Path
    target: str
    replaced: DatabaseSummary | None  # what the target held, when it was not empty
    summary: DatabaseSummary

    def __str__(self) -> str:
        done = f"restored {self.source} into {self.target} ({self.summary})"
        if self.replaced is not None:
            done += f", replacing what it held ({self.replaced})"
        return done


def default_backup_path(url: str, folder: Path, now: datetime | None = None) -> Path:
    """`folder/argmap-YYYYMMDD-HHMMSS.db` (SQLite) or `….dump` (PostgreSQL)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    suffix = "db" if _is_sqlite(url) else "dump"
    return folder / f"argmap-{stamp}.{suffix}"


def backup_database(url: str, out: Path, postgres_bin: Path | None = None) -> BackupReport:
    """Write a backup of the database at `url` to `out` (written beside it, then renamed, so a
    failed backup never leaves half a file)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    try:
        if _is_sqlite(url):
            _sqlite_backup(_sqlite_file(url), partial)
        else:
            _run_postgres_tool(
                postgres_bin,
                "pg_dump",
                ["--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"],
                url,
            )
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(out, out.stat().st_size, summarize(url))


def restore_database(
    url: str, backup: Path, *, force: bool = False, postgres_bin: Path | None = None
) -> RestoreReport:
    """Replace the database at `url` with the backup `backup`.

    Refuses (Conflict) when the database holds any row, unless `force`. The restored database
    is at the backup's schema revision; `migrate` brings it to the newest.
    """
    if not backup.is_file():
        raise InvalidInput(f"There is no backup file at {backup}.")
    _check_backup_kind(url, backup)
    replaced = summarize(url) if not is_empty(url) else None
    if replaced is not None and not force:
        raise Conflict(
            f"The database is not empty ({replaced}); restoring would replace it. "
            "Add --force to replace it, after a backup of it if it matters."
        )
    if _is_sqlite(url):
        _sqlite_restore(backup, _sqlite_file(url))
    else:
        _postgres_restore(url, backup, postgres_bin)
    # Other users, sessions and tokens now: a running server must forget whom it knew.
    credentials_changed(url)
    return RestoreReport(backup, _shown(url), replaced, summarize(url))


def is_empty(url: str) -> bool:
    """True when none of the app's tables holds a row (or none exists yet). Alembic's own table
    and the search index's tables do not count."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
            return not any(
                connection.execute(text(f'SELECT 1 FROM "{name}" LIMIT 1')).first()
                for name in SQLModel.metadata.tables
                if name in present
            )
    finally:
        engine.dispose()


def summarize(url: str) -> DatabaseSummary:
    """The schema revision and how many documents and tags the database at `url` holds."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())

            def scalar(query: str, table: str) -> object:
                return connection.execute(text(query)).scalar() if table in tables else None

            revision = scalar("SELECT version_num FROM alembic_version", "alembic_version")
            documents = scalar("SELECT count(*) FROM document", "document")
            annotations = scalar("SELECT count(*) FROM annotation", "annotation")
    finally:
        engine.dispose()
    return DatabaseSummary(
        str(revision) if revision is not None else None,
        int(str(documents or 0)),
        int(str(annotations or 0)),
    )


# --- SQLite --------------------------------------------------------------------------------


def _is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise InvalidInput("Only a SQLite database in a file can be backed up or restored.")
    return Path(database)


def _sqlite_copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    # Copies in steps, letting writers in between; a write to the source during the copy
    # restarts it, so the result is one consistent snapshot.
    source.backup(target, pages=1024)


def _sqlite_backup(database: Path, out: Path) -> None:
    if not database.is_file():
        raise InvalidInput(f"There is no SQLite database at {database}.")
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=15)
    target = sqlite3.connect(out)
    try:
        _sqlite_copy(source, target)
        # One self-contained file: no write-ahead log beside it.
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
        source.close()


def _sqlite_restore(backup: Path, database: Path) -> None:
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        if source.execute("PRAGMA quick_check").fetchone() != ("ok",):
            raise InvalidInput(f"{backup} is a damaged SQLite database.")
        database.parent.mkdir(parents=True, exist_ok=True)
        # Through the backup API too: connections the app holds see the restored database at
        # their next transaction instead of a file swapped under them.
        target = sqlite3.connect(database, timeout=15)
        try:
            _sqlite_copy(source, target)
            target.execute("PRAGMA journal_mode=WAL")
        finally:
            target.close()
    finally:
        source.close()


# --- PostgreSQL ----------------------------------------------------------------------------


def find_postgres_tool(name: str, postgres_bin: Path | None = None) -> Path:
    """`name` (pg_dump, pg_restore) from `postgres_bin`, the PATH or Debian's folders."""
    if postgres_bin is not None:
        candidates = [postgres_bin / name]
    else:
        on_path = shutil.which(name)
        candidates = [Path(on_path)] if on_path else []
        # Debian keeps each version's tools in its own folder; the newest can read older dumps.
        for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
            candidates.append(Path(folder) / name)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise InvalidInput(
        f"{name} is needed for a PostgreSQL backup (Debian: apt-get install postgresql-client)."
    )


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The libpq connection URI for a SQLAlchemy URL, and the environment carrying its password
    (so that it does not show in the process list)."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run_postgres_tool(
    postgres_bin: Path | None, name: str, arguments: list[str], url: str
) -> None:
    tool = find_postgres_tool(name, postgres_bin)
    uri, env = _libpq(url)
    done = subprocess.run(
        [str(tool), *arguments, f"--dbname={uri}"], capture_output=True, text=True, env=env
    )
    if done.returncode != 0:
        raise InvalidInput(f"{name} failed: {done.stderr.strip() or done.stdout.strip()}")


def _postgres_restore(url: str, backup: Path, postgres_bin: Path | None) -> None:
    # Read the dump's table of contents first: a damaged file is refused before anything is
    # dropped.
    listed = subprocess.run(
        [str(find_postgres_tool("pg_restore", postgres_bin)), "--list", str(backup)],
        capture_output=True,
        text=True,
    )
    if listed.returncode != 0:
        raise InvalidInput(f"{backup} is not a readable pg_dump file: {listed.stderr.strip()}")
    engine = make_engine(url)
    try:
        # Everything in the schema goes, tables a newer migration added included, so that the
        # database is exactly the backup afterwards.
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    _run_postgres_tool(
        postgres_bin,
        "pg_restore",
        ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", str(backup)],
        url,
    )


def _check_backup_kind(url: str, backup: Path) -> None:
    with backup.open("rb") as file:
        head = file.read(16)
    if _is_sqlite(url) and not head.startswith(SQLITE_MAGIC):
        raise InvalidInput(f"{backup} is not a SQLite database (a SQLite backup is needed).")
    if not _is_sqlite(url) and not head.startswith(PG_DUMP_MAGIC):
        raise InvalidInput(f"{backup} is not a pg_dump custom-format file.")


def _shown(url: str) -> str:
    """The URL without its password, to name the database in messages."""
    return make_url(url).render_as_string(hide_password=True)

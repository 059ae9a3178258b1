"""The command line while the app writes to the same database: a command that writes (an
import, create-user) waits for the write lock and goes through, or, if it cannot get the locks
it needs in time, says so in a sentence with nothing changed, never with a traceback."""

import json
import shutil
import subprocess
import sys
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pwdlib import PasswordHash
from sqlalchemy import insert, text
from sqlmodel import Session, col, select
from typer.testing import CliRunner, Result

import app.cli_support
from app.cli import cli
from app.config import PROJECT_ROOT, get_settings
from app.db import make_engine
from app.models import Annotation, Passage, PassageKind
from app.services import accounts
from app.services.interchange.importer.report import INDEX_REBUILD_ROWS
from app.services.interchange.native import export_map
from tests.accounts import PASSWORD
from tests.conftest import sqlite_url

# Enough tags for the import to drop and rebuild the annotation table's indexes.
TAGS = INDEX_REBUILD_ROWS + 500

# The running app, as far as the database sees it: another process tagging through the
# services on a write engine (BEGIN IMMEDIATE, as its requests do), about 30 times a second,
# until the stop file appears. It prints "ready" after its first tag, and its count at the end.
WRITER = """
import sys, time
from pathlib import Path
from sqlmodel import Session, select
from app.db import make_engine, write_engine
from app.models import AnnotationCreate, Passage, PassageKind
from app.services.tagging import tag_passage

url, stop = sys.argv[1], Path(sys.argv[2])
engine = make_engine(url)
with Session(engine) as session:
    passage = session.exec(select(Passage.id).where(Passage.kind == PassageKind.paragraph)).first()
tags = 0
while not stop.exists():
    with Session(write_engine(engine), expire_on_commit=False) as session:
        tag = AnnotationCreate(passage_id=passage, position_key="russia", kind="states")
        tag_passage(session, tag, "writer")
    tags += 1
    if tags == 1:
        print("ready", flush=True)
    time.sleep(0.03)
print(tags, flush=True)
"""


@pytest.fixture
def settings_from_env() -> Iterator[None]:
    """The command reads DATABASE_URL afresh in each test (the settings are cached)."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def argmap(database: str, *args: str, input: str | None = None) -> Result:
    """Run the command line in this process with DATABASE_URL set to `database`."""
    get_settings.cache_clear()
    return CliRunner().invoke(cli, list(args), input=input, env={"DATABASE_URL": database})


def large_export(seeded: Path, tmp_path: Path) -> tuple[Path, set[str]]:
    """An export of the seed corpus with TAGS tags: the file and the tags' ids."""
    scratch = tmp_path / "scratch.db"
    shutil.copy(seeded, scratch)
    engine = make_engine(sqlite_url(scratch))
    with Session(engine) as session:
        passages = session.exec(
            select(Passage).where(Passage.kind == PassageKind.paragraph).order_by(col(Passage.id))
        ).all()
        now = datetime(2026, 1, 1, tzinfo=UTC)
        rows: list[dict[str, Any]] = [
            {
                "id": str(uuid.UUID(int=index + 1)),
                "document_id": passages[index % len(passages)].document_id,
                "passage_id": passages[index % len(passages)].id,
                "position_key": "ukraine",
                "kind": "states",
                "note": f"tag {index}",
                "analyst": "Ana",
                "created_at": now,
                "updated_at": now,
            }
            for index in range(TAGS)
        ]
        session.execute(insert(Annotation), rows)
        session.commit()
    exported = export_map(engine)
    engine.dispose()
    path = tmp_path / "large.json"
    path.write_text(json.dumps(exported), encoding="utf-8")
    return path, {row["id"] for row in rows}


def stored_ids(database: str, ids: set[str]) -> set[str]:
    engine = make_engine(database)
    try:
        with engine.connect() as connection:
            found = connection.execute(text("SELECT id FROM annotation")).scalars()
            return ids & set(found)
    finally:
        engine.dispose()


def usernames(database: str) -> set[str]:
    engine = make_engine(database)
    try:
        with engine.connect() as connection:
            return set(connection.execute(text("SELECT username FROM app_user")).scalars())
    finally:
        engine.dispose()


def assert_no_traceback(result: Result) -> None:
    # CliRunner keeps an exception the command let through instead of printing its traceback.
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert result.exc_info is not None
        pytest.fail("".join(traceback.format_exception(*result.exc_info)))
    assert "Traceback" not in result.output


@contextmanager
def running_app(database: str, tmp_path: Path) -> Iterator[None]:
    """WRITER tagging in `database` from its first tag until the block ends; then checks that
    none of its tags failed meanwhile (it would have stopped with a traceback)."""
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, database, str(stop)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        ready = writer.stdout.readline().strip()
        assert ready == "ready", writer.stderr.read() if writer.stderr else ""
        yield
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    assert int(out.split()[-1]) > 1


SQLITE_WRITERS_QUEUE = "one writer at a time is SQLite's; PostgreSQL's writers do not queue"


@pytest.mark.sqlite_only(SQLITE_WRITERS_QUEUE)
def test_an_import_waits_for_the_running_app_and_goes_in(
    seeded_db_path: Path, tmp_path: Path, settings_from_env: None
) -> None:
    file, ids = large_export(seeded_db_path, tmp_path)
    database = sqlite_url(seeded_db_path)

    with running_app(database, tmp_path):
        result = argmap(database, "import", str(file))

    assert_no_traceback(result)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Import done: created {TAGS} annotations")
    assert stored_ids(database, ids) == ids


@pytest.mark.sqlite_only(SQLITE_WRITERS_QUEUE)
def test_create_user_waits_for_the_running_app_and_goes_in(
    seeded_db_path: Path,
    tmp_path: Path,
    settings_from_env: None,
    cheap_password_hashing: PasswordHash,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The command reads, hashes, then writes: with the production hasher's tenth of a second
    # in between, the running app commits meanwhile, which is what made it fail before. (The
    # fixture gives the production hasher that the cheap one stands in for.)
    monkeypatch.setattr(accounts, "password_hash", cheap_password_hashing)
    database = sqlite_url(seeded_db_path)

    with running_app(database, tmp_path):
        result = argmap(database, "create-user", "dora", input=f"{PASSWORD}\n{PASSWORD}\n")

    assert_no_traceback(result)
    assert result.exit_code == 0, result.output
    assert "created analyst 'dora'" in result.stdout
    assert "dora" in usernames(database)


@contextmanager
def lock_held(database: str, table: str) -> Iterator[None]:
    """Another connection holding the database until the block ends: SQLite's write lock, or
    on PostgreSQL `table`."""
    engine = make_engine(database)
    # The driver's own connection: a write engine would also take this process's writers'
    # lock, which the command (run in this process) would then queue on.
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("BEGIN IMMEDIATE")
        else:
            cursor.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
        yield
    finally:
        connection.rollback()
        connection.close()
        engine.dispose()


def test_an_import_that_cannot_get_its_locks_in_time_says_so(
    seeded_db_url: str, settings_from_env: None
) -> None:
    file = PROJECT_ROOT / "tests" / "data" / "export-v1-sample.json"
    ids = {tag["id"] for tag in json.loads(file.read_text(encoding="utf-8"))["annotations"]}

    with lock_held(seeded_db_url, "position"):  # every import reads the positions first
        result = argmap(seeded_db_url, "import", "--wait", "1", str(file))

    assert_no_traceback(result)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{file}: the database stayed busy for 1 s")
    assert "so nothing was imported. Try again" in result.stderr
    assert result.stdout == ""
    assert stored_ids(seeded_db_url, ids) == set()
    assert argmap(seeded_db_url, "import", str(file)).exit_code == 0  # once the lock is free
    assert stored_ids(seeded_db_url, ids) == ids


def test_create_user_that_cannot_get_its_locks_in_time_says_so(
    seeded_db_url: str, settings_from_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.cli_support, "LOCK_WAIT", 1)

    with lock_held(seeded_db_url, "app_user"):
        result = argmap(seeded_db_url, "create-user", "dora", input=f"{PASSWORD}\n{PASSWORD}\n")

    assert_no_traceback(result)
    assert result.exit_code == 1
    assert result.stderr.endswith(
        "create-user: the database stayed busy for 1 s (another program, such as the running "
        "app, kept it locked), so nothing was changed. Try again.\n"
    )
    assert "dora" not in usernames(seeded_db_url)

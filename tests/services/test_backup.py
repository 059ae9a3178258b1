"""Backup and restore of the whole database, on the suite's database (SQLite through the online
backup API, PostgreSQL through pg_dump and pg_restore)."""

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlmodel import Session, select

from app.db import alembic_config, make_engine, migrate
from app.models import Annotation, AnnotationCreate, Passage, PassageKind
from app.services import backup
from app.services.errors import Conflict, InvalidInput
from app.services.tagging import tag_passage
from tests.conftest import ON_POSTGRES
from tests.postgres import find_postgres_bin

POSTGRES_BIN = find_postgres_bin() if ON_POSTGRES else None
NEWEST = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def tag_a_paragraph(url: str, position: str) -> str:
    engine = make_engine(url)
    with Session(engine) as session:
        passage = session.exec(select(Passage).where(Passage.kind == PassageKind.paragraph)).first()
        assert passage is not None
        tag = tag_passage(
            session, AnnotationCreate(passage_id=passage.id, position_key=position), "alice"
        )
        tag_id = tag.id
    engine.dispose()
    return tag_id


def tag_ids(url: str) -> set[str]:
    engine = make_engine(url)
    with Session(engine) as session:
        ids = set(session.exec(select(Annotation.id)))
    engine.dispose()
    return ids


def test_restore_brings_back_the_database_as_it_was_at_the_backup(
    seeded_db_url: str, tmp_path: Path
) -> None:
    kept = tag_a_paragraph(seeded_db_url, "russia")
    out = tmp_path / "backup.bin"

    made = backup.backup_database(seeded_db_url, out, postgres_bin=POSTGRES_BIN)
    later = tag_a_paragraph(seeded_db_url, "ukraine")
    assert {kept, later} <= tag_ids(seeded_db_url)
    restored = backup.restore_database(seeded_db_url, out, force=True, postgres_bin=POSTGRES_BIN)

    assert made.summary == restored.summary
    assert (made.summary.documents, made.summary.annotations) == (5, 1)
    assert made.summary.revision == NEWEST
    assert restored.replaced is not None and restored.replaced.annotations == 2
    assert tag_ids(seeded_db_url) == {kept}
    assert "replacing what it held" in str(restored)


def test_restore_refuses_to_replace_a_database_that_holds_anything(
    seeded_db_url: str, tmp_path: Path
) -> None:
    out = backup.backup_database(seeded_db_url, tmp_path / "b", postgres_bin=POSTGRES_BIN).path
    tag = tag_a_paragraph(seeded_db_url, "us")

    with pytest.raises(Conflict, match="--force"):
        backup.restore_database(seeded_db_url, out, postgres_bin=POSTGRES_BIN)

    assert tag in tag_ids(seeded_db_url)


def test_restore_into_an_empty_database_needs_no_force(
    seeded_db_url: str, tmp_path: Path, new_db_url: Callable[[str], str]
) -> None:
    out = backup.backup_database(seeded_db_url, tmp_path / "b", postgres_bin=POSTGRES_BIN).path
    empty = new_db_url("empty")
    migrate(empty)  # migrated but holding nothing counts as empty

    report = backup.restore_database(empty, out, postgres_bin=POSTGRES_BIN)

    assert report.replaced is None
    assert report.summary.documents == 5
    migrate(empty)  # already at the newest schema: nothing to do
    assert tag_ids(empty) == set()


def test_a_file_of_the_wrong_kind_is_refused_before_anything_changes(
    seeded_db_url: str, tmp_path: Path
) -> None:
    wrong = tmp_path / "map.json"
    wrong.write_text("{}")

    with pytest.raises(InvalidInput, match="not a"):
        backup.restore_database(seeded_db_url, wrong, force=True, postgres_bin=POSTGRES_BIN)

    assert backup.summarize(seeded_db_url).documents == 5


@pytest.mark.sqlite_only("the SQLite backup file itself is checked")
def test_a_sqlite_backup_is_one_valid_database_file_at_the_newest_migration(
    seeded_db_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "argmap.db"

    backup.backup_database(seeded_db_url, out)

    assert not Path(f"{out}-wal").exists()
    with sqlite3.connect(out) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == (NEWEST,)
        assert connection.execute("SELECT count(*) FROM document").fetchone() == (5,)
    connection.close()


def test_default_backup_names_say_when_and_which_kind() -> None:
    from datetime import UTC, datetime

    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert backup.default_backup_path("sqlite:///x.db", Path("b"), when) == Path(
        "b/argmap-20260102-030405.db"
    )
    assert backup.default_backup_path("postgresql+psycopg://u@h/d", Path("b"), when) == Path(
        "b/argmap-20260102-030405.dump"
    )

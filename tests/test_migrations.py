"""The schema exists only through Alembic: migrating an empty database must give exactly the
tables the models describe, and the SQLite connection settings must hold. Each runs on a new
database of the suite's kind (SQLite, or PostgreSQL with ARGMAP_TEST_DATABASE=postgresql)."""

from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers the tables)
from app.config import Settings
from app.db import alembic_config, include_in_schema_comparison, make_engine, migrate
from app.main import create_app

NewDatabase = Callable[[str], str]


def test_upgrade_from_an_empty_database_creates_every_table(new_db_url: NewDatabase) -> None:
    url = new_db_url("fresh")
    migrate(url)
    engine = make_engine(url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert set(SQLModel.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_models_and_migrations_agree(new_db_url: NewDatabase) -> None:
    url = new_db_url("fresh")
    migrate(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        options = {"compare_type": True, "include_object": include_in_schema_comparison}
        context = MigrationContext.configure(connection, opts=options)
        differences = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert differences == [], f"models differ from the migrations: {differences}"


def test_downgrade_to_base_and_upgrade_again(new_db_url: NewDatabase) -> None:
    url = new_db_url("fresh")
    migrate(url)
    command.downgrade(alembic_config(url), "base")
    engine = make_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    migrate(url)
    engine = make_engine(url)
    assert "annotation" in inspect(engine).get_table_names()
    engine.dispose()


@pytest.mark.sqlite_only("WAL, foreign keys and the busy timeout are SQLite pragmas")
def test_sqlite_runs_in_wal_mode_with_foreign_keys_a_busy_timeout_and_full_sync(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        busy_timeout = connection.execute(text("PRAGMA busy_timeout")).scalar()
        assert busy_timeout is not None and busy_timeout >= 1000
        # FULL (2), SQLite's default: every commit is on disk before it is answered.
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2
    engine.dispose()


@pytest.mark.sqlite_only("synchronous is a SQLite pragma")
def test_the_server_can_trade_the_last_changes_on_a_power_cut_for_speed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'normal.db'}"
    migrate(url)
    app = create_app(Settings(database_url=url, sqlite_synchronous="normal"))
    with app.state.engine.connect() as connection:
        # NORMAL (1): in WAL mode the database never corrupts, but the newest commits may be
        # lost if the machine stops; FULL stays the default.
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 1
    app.state.engine.dispose()
    with pytest.raises(ValueError, match="synchronous"):
        make_engine(url, synchronous="off")


# A small map in the schema of revision 0002, to check that 0003 keeps it and fills it in.
MAP_AT_0002 = (
    "INSERT INTO document (id, original_text, sha256, created_at) "
    "VALUES ('d1', 'One.\n\nTwo.', 'sha-1', '2025-08-20 10:00:00')",
    'INSERT INTO passage (id, document_id, ordinal, kind, text, start, "end") '
    "VALUES ('p1', 'd1', 0, 'paragraph', 'One.', 0, 4), "
    "('p2', 'd1', 1, 'paragraph', 'Two.', 6, 10)",
    "INSERT INTO position (key, name, colour, ordinal) VALUES ('russia', 'Russia', '#cc2222', 0)",
    "INSERT INTO claim (id, text, note, analyst, created_at, updated_at) VALUES "
    "('c1', 'A claim', '', 'Ana', '2025-08-20 10:00:00', '2025-08-20 10:00:00'), "
    "('c2', 'Another', '', 'Ana', '2025-08-20 10:00:00', '2025-08-20 10:00:00')",
    "INSERT INTO claim_stance (claim_id, position_key, stance) VALUES ('c1', 'russia', 'holds')",
    "INSERT INTO relation (id, source_id, target_id, kind, note, evidence_passage_id, "
    "analyst, created_at, updated_at) VALUES ('r1', 'c1', 'c2', 'supports', '', 'p2', "
    "'Ana', '2025-08-20 10:00:00', '2025-08-20 10:00:00')",
    'INSERT INTO annotation (id, passage_id, start, "end", quote, position_key, kind, '
    "note, claim_id, analyst, created_at, updated_at) VALUES "
    "('a1', 'p1', NULL, NULL, NULL, 'russia', 'states', '', 'c1', 'Ana', "
    "'2025-08-20 10:00:00', '2025-08-20 10:00:00'), "
    "('a2', 'p2', 0, 3, 'Two', 'russia', 'supports', '', NULL, 'Ana', "
    "'2025-08-20 10:00:00', '2025-08-20 10:00:00')",
)


def _rows(url: str, query: str) -> list[tuple[object, ...]]:
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(text(query))]
    engine.dispose()
    return rows


def _execute(url: str, *statements: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


def test_upgrade_to_0003_fills_in_each_annotations_document_and_keeps_the_map(
    new_db_url: NewDatabase,
) -> None:
    url = new_db_url("old")
    config = alembic_config(url)
    command.upgrade(config, "0002")
    _execute(url, *MAP_AT_0002)

    migrate(url)

    assert _rows(
        url,
        "SELECT id, document_id, passage_id, claim_id, orphaned_at, example FROM annotation "
        "ORDER BY id",
    ) == [("a1", "d1", "p1", "c1", None, 0), ("a2", "d1", "p2", None, None, 0)]
    # Rebuilding tables on SQLite must not have cascaded into the claims' stances and relations.
    assert _rows(url, "SELECT claim_id, position_key FROM claim_stance") == [("c1", "russia")]
    assert _rows(url, "SELECT id, evidence_passage_id, example FROM relation") == [("r1", "p2", 0)]
    assert _rows(url, "SELECT id, example FROM claim ORDER BY id") == [("c1", 0), ("c2", 0)]
    engine = make_engine(url)
    foreign_keys = inspect(engine).get_foreign_keys("annotation")
    engine.dispose()
    on_delete = {
        fk["referred_table"]: fk["options"].get("ondelete")
        for fk in foreign_keys
        if fk["referred_table"] in ("document", "passage")
    }
    assert on_delete == {"document": "CASCADE", "passage": "SET NULL"}

    # And back: orphans cannot exist in the old schema, everything else stays.
    _execute(url, "UPDATE annotation SET passage_id = NULL WHERE id = 'a2'")
    command.downgrade(config, "0002")
    assert _rows(url, "SELECT id, passage_id, claim_id FROM annotation") == [("a1", "p1", "c1")]
    assert _rows(url, "SELECT claim_id FROM claim_stance") == [("c1",)]
    assert _rows(url, "SELECT id FROM relation") == [("r1",)]


def test_upgrade_to_0005_indexes_what_is_already_there(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0002")
    _execute(url, *MAP_AT_0002)
    command.upgrade(alembic_config(url), "0004")
    _execute(url, "UPDATE annotation SET note = 'Twofold meaning' WHERE id = 'a2'")

    migrate(url)

    assert _rows(url, "SELECT id FROM passage_fts WHERE passage_fts MATCH 'two'") == [("p2",)]
    assert _rows(url, "SELECT id FROM claim_fts WHERE claim_fts MATCH 'another'") == [("c2",)]
    assert _rows(
        url, "SELECT id FROM annotation_note_fts WHERE annotation_note_fts MATCH 'twofold'"
    ) == [("a2",)]
    # Only tags with a note are in the notes' index.
    assert _rows(url, "SELECT count(*) FROM annotation_note_fts") == [(1,)]
    command.downgrade(alembic_config(url), "0004")
    engine = make_engine(url)
    assert not [t for t in inspect(engine).get_table_names() if t.endswith("_fts")]
    engine.dispose()

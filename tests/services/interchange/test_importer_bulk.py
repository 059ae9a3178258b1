"""What a large import relies on: the search index filled and the indexes built at the end, one
history entry per created item, the bulk inserts (a COPY on PostgreSQL) storing what SQLAlchemy
would, all or nothing when the database refuses the very last row, and a file orjson reads
differently checked as json reads it."""

import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, insert, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

from app.audit.entries import copy_of, insert_rows, record_rows
from app.audit.snapshots import table_of
from app.db import SEARCH_TABLES, make_engine, migrate
from app.models import (
    Annotation,
    Claim,
    ClaimStance,
    Document,
    HistoryAction,
    HistoryEntry,
    Passage,
    Position,
    Relation,
    Topic,
)
from app.services.errors import InvalidInput
from app.services.interchange.importer import import_map
from app.services.interchange.importer import write as importer_write
from app.services.interchange.native import export_map
from app.services.paging import PageRequest
from app.services.search import ResultType, SearchFilters, search
from tests.conftest import ON_POSTGRES
from tests.export_source import paragraphs_in_id_order
from tests.factories import make_annotation, make_claim

NOTE_WORD = "zanzibarquux"
CLAIM_WORD = "quuxtopia"
COUNTED = (
    "position",
    "topic",
    "document",
    "passage",
    "claim",
    "claim_stance",
    "relation",
    "annotation",
    "history",
)


@pytest.fixture
def exported(seeded_engine: Engine) -> dict[str, Any]:
    """An export of the seed corpus with a noted tag, a span tag and a claim."""
    with Session(seeded_engine) as session:
        passage = paragraphs_in_id_order(session)[0]
        noted = make_annotation(session, passage, "us", note=f"see {NOTE_WORD} here")
        make_annotation(session, passage, "russia", start=0, end=10)
        make_claim(session, f"The {CLAIM_WORD} claim", stances={"us": "holds"}, evidence=[noted])
    return export_map(seeded_engine)


@pytest.fixture
def fresh(new_db_url: Callable[[str], str]) -> Iterator[Engine]:
    url = new_db_url("fresh")
    migrate(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in COUNTED
        }


def _search_index(engine: Engine) -> dict[str, Any]:
    """The FTS5 tables' rows and the triggers of the searched tables (SQLite)."""
    with engine.connect() as connection:
        found: dict[str, Any] = {
            fts: sorted(connection.execute(text(f"SELECT rowid, * FROM {fts}")).all())
            for fts in SEARCH_TABLES
        }
        found["triggers"] = sorted(
            connection.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            ).all()
        )
    return found


def _indexes(engine: Engine) -> list[tuple[str, str, str]]:
    """Every index in the schema, and on PostgreSQL every foreign key: name, table and
    definition."""
    if engine.dialect.name == "sqlite":
        query = (
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        )
    else:
        query = (
            "SELECT indexname, tablename, indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema() UNION ALL "
            "SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f'"
        )
    with engine.connect() as connection:
        return sorted(connection.exec_driver_sql(query).all())


def _hits(engine: Engine, query: str, kind: ResultType) -> list[str]:
    with Session(engine) as session:
        results = search(session, query, SearchFilters(types=frozenset({kind})), PageRequest(20))
    return [hit.id for hit in results.hits]


def test_what_an_import_creates_is_found_by_search_at_once(
    exported: dict[str, Any], fresh: Engine
) -> None:
    with Session(fresh) as session:
        import_map(session, json.dumps(exported))
    (noted,) = [a for a in exported["annotations"] if NOTE_WORD in a["note"]]
    (claim,) = exported["claims"]
    passage = exported["passages"][0]
    word = max(passage["text"].split(), key=len).strip(".,;:!?\"'()")
    assert _hits(fresh, NOTE_WORD, ResultType.note) == [noted["id"]]
    assert _hits(fresh, CLAIM_WORD, ResultType.claim) == [claim["id"]]
    assert passage["id"] in _hits(fresh, word, ResultType.passage)


def test_rows_added_after_an_import_are_indexed_as_before(
    exported: dict[str, Any], fresh: Engine
) -> None:
    with Session(fresh) as session:
        import_map(session, json.dumps(exported))
        passage = session.get_one(Passage, exported["passages"][0]["id"])
        later = make_annotation(session, passage, "us", note="a laterword note")
    assert _hits(fresh, "laterword", ResultType.note) == [later.id]


@pytest.mark.sqlite_only("the FTS5 tables and their triggers are SQLite's")
def test_the_search_index_holds_what_the_triggers_would_have_put_in(
    exported: dict[str, Any], fresh: Engine
) -> None:
    with Session(fresh) as session:
        import_map(session, json.dumps(exported))
    expected = {
        "passage_fts": "SELECT rowid, id, text FROM passage",
        "claim_fts": "SELECT rowid, id, text, note FROM claim",
        "annotation_note_fts": "SELECT rowid, id, note FROM annotation WHERE note <> ''",
    }
    index = _search_index(fresh)
    with fresh.connect() as connection:
        for fts, query in expected.items():
            assert index[fts] == sorted(connection.execute(text(query)).all())
    names = {name for name, _sql in index["triggers"]}
    assert {
        f"{fts}_{event}" for fts in SEARCH_TABLES for event in ("insert", "update", "delete")
    } <= names


@pytest.fixture
def indexes_rebuilt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Build indexes after the rows for a file as small as the seed corpus's export."""
    monkeypatch.setattr(importer_write, "INDEX_REBUILD_ROWS", 1)


@pytest.mark.usefixtures("indexes_rebuilt")
def test_an_import_into_an_empty_database_leaves_every_index_as_it_was(
    exported: dict[str, Any], fresh: Engine
) -> None:
    declared = _indexes(fresh)
    assert ("ix_annotation_passage_id", "annotation") in {(n, t) for n, t, _ in declared}
    with Session(fresh) as session:
        import_map(session, json.dumps(exported))
    assert _indexes(fresh) == declared
    passage_id = exported["annotations"][0]["passage_id"]
    by_passage = text("SELECT id FROM annotation WHERE passage_id = :p ORDER BY id")
    with fresh.connect() as connection:
        found = connection.execute(by_passage, {"p": passage_id}).scalars().all()
        if fresh.dialect.name == "sqlite":
            plan = connection.execute(
                text(f"EXPLAIN QUERY PLAN {by_passage.text}"), {"p": passage_id}
            ).all()
            assert "USING INDEX ix_annotation_passage_id" in " ".join(str(r[-1]) for r in plan)
    assert found == sorted(
        a["id"] for a in exported["annotations"] if a["passage_id"] == passage_id
    )


@pytest.mark.usefixtures("indexes_rebuilt")
def test_an_import_goes_in_row_by_row_rather_than_wait_for_a_reader(
    exported: dict[str, Any], fresh: Engine
) -> None:
    if not ON_POSTGRES:
        pytest.skip("PostgreSQL only: SQLite's readers hold no lock an import would wait for")
    declared = _indexes(fresh)

    def run_import() -> None:
        with Session(fresh) as session:
            import_map(session, json.dumps(exported))

    with fresh.connect() as reader, ThreadPoolExecutor(1) as pool:
        reader.execute(text("SELECT count(*) FROM passage"))  # holds its lock until it ends
        done = pool.submit(run_import)
        try:
            done.result(timeout=30)  # had it waited for the reader, it would wait still
        finally:
            reader.rollback()
    assert _indexes(fresh) == declared
    assert _counts(fresh)["annotation"] == len(exported["annotations"])


def test_an_import_records_one_entry_per_created_item_with_its_values(
    exported: dict[str, Any], fresh: Engine
) -> None:
    with Session(fresh) as session:
        import_map(session, json.dumps(exported))
        entries = session.exec(select(HistoryEntry)).all()
        annotations = session.exec(select(func.count()).select_from(Annotation)).one()
        claims = session.exec(select(func.count()).select_from(Claim)).one()
    created = {(e.item_type, e.item_id) for e in entries if e.action == "create"}
    assert len(created) == len(entries)
    assert sum(1 for kind, _ in created if kind == "annotation") == annotations
    assert sum(1 for kind, _ in created if kind == "claim") == claims
    record = exported["annotations"][0]
    (entry,) = [e for e in entries if e.item_id == record["id"]]
    assert entry.after is not None and entry.before is None and entry.version == 1
    shown = {k: v for k, v in record.items() if k not in ("document_start", "document_end")}
    assert {k: entry.after[k] for k in shown} == shown
    (claim,) = [e for e in entries if e.item_type == "claim"]
    assert claim.after is not None
    assert claim.after["stances"] == [{"position_key": "us", "stance": "holds"}]


def _refuse_annotation(engine: Engine, annotation_id: str) -> None:
    """Make the database itself refuse one annotation (after all else went in)."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql(
                "CREATE TRIGGER test_refuse BEFORE INSERT ON annotation "
                f"WHEN NEW.id = '{annotation_id}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        else:
            connection.exec_driver_sql(
                "CREATE FUNCTION test_refuse() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.id = '{annotation_id}' THEN RAISE EXCEPTION 'refused'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            connection.exec_driver_sql(
                "CREATE TRIGGER test_refuse BEFORE INSERT ON annotation "
                "FOR EACH ROW EXECUTE FUNCTION test_refuse()"
            )


@pytest.mark.usefixtures("indexes_rebuilt")
def test_a_refusal_at_the_last_row_leaves_the_database_as_it_was(
    exported: dict[str, Any], fresh: Engine
) -> None:
    with Session(fresh) as session:
        make_claim(session, "A claim of this instance", stances={})
    _refuse_annotation(fresh, exported["annotations"][-1]["id"])
    before = _counts(fresh)
    index = None if ON_POSTGRES else _search_index(fresh)
    indexes = _indexes(fresh)
    # SQLite reports the refusal as a constraint failure, PostgreSQL as an error of its own.
    with Session(fresh) as session, pytest.raises(Exception, match="refused"):
        import_map(session, json.dumps(exported))
    assert _counts(fresh) == before
    assert _indexes(fresh) == indexes
    if index is not None:
        assert _search_index(fresh) == index
    assert _hits(fresh, "instance", ResultType.claim)  # the index still answers


def test_bulk_inserts_store_what_sqlalchemy_stores(fresh: Engine) -> None:
    at = datetime(2025, 3, 4, 5, 6, 7, 890, tzinfo=UTC)
    rows = [
        {"key": f"p{n}", "name": f"P {n}", "colour": "#000000", "ordinal": n, "created_at": at}
        for n in range(3)
    ]
    with Session(fresh) as session:
        connection = session.connection()
        statement = insert(table_of(Position))
        insert_rows(connection, statement, rows[:2], {"updated_at": at})
        connection.execute(statement, [{**rows[2], "updated_at": at}])
        stored = connection.exec_driver_sql(
            "SELECT colour, created_at, updated_at FROM position ORDER BY key"
        ).all()
        session.commit()
    assert stored[0] == stored[1] == stored[2]
    with Session(fresh) as session:
        position = session.get_one(Position, "p0")
        assert position.created_at == at and position.updated_at == at


AWKWARD_TEXTS = (
    "tab\there",
    "two\nlines\r\n",
    "back\\slash \\N \\.",
    "quotes ' and \" and ,commas,",
    "Ukraine — «Україна» 🇺🇦",
    "",
)


def test_bulk_inserts_store_any_text_as_sqlalchemy_stores_it(fresh: Engine) -> None:
    at = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    rows = [
        {"key": f"k{n}", "name": name, "colour": "#000000", "ordinal": n, "created_at": at}
        for n, name in enumerate(AWKWARD_TEXTS)
    ]
    with Session(fresh) as session:
        connection = session.connection()
        insert_rows(connection, insert(table_of(Position)), rows)
        record_rows(session, HistoryAction.create, Position, rows)
        session.commit()
    with Session(fresh) as session:
        names = session.exec(select(Position.name).order_by(col(Position.ordinal))).all()
        entries = session.exec(select(HistoryEntry).order_by(col(HistoryEntry.id))).all()
    assert names == list(AWKWARD_TEXTS)
    assert [entry.after["name"] for entry in entries if entry.after] == list(AWKWARD_TEXTS)


@pytest.mark.parametrize(
    "model",
    [Position, Topic, Document, Passage, Claim, ClaimStance, Relation, Annotation, HistoryEntry],
)
def test_every_bulk_insert_goes_to_postgresql_as_a_copy(model: type[SQLModel]) -> None:
    # SQLAlchemy leaves the dialect's constructor unannotated.
    dialect = postgresql.psycopg.dialect()  # type: ignore[no-untyped-call]
    table = table_of(model)
    keys = [column.key for column in table.columns]
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    copy = copy_of(compiled.string)
    assert copy is not None
    sql, names = copy
    assert sql.startswith(f"COPY {table.name} (") and sorted(names) == sorted(keys)


def test_a_number_orjson_reads_as_a_float_is_checked_as_json_reads_it(
    exported: dict[str, Any], fresh: Engine
) -> None:
    # 2**64 is an integer to json (the span check then refuses it), a float to orjson (which
    # the schema would refuse with another message).
    index = next(i for i, a in enumerate(exported["annotations"]) if a["start"] is not None)
    exported["annotations"][index]["end"] = 2**64
    with Session(fresh) as session, pytest.raises(InvalidInput) as refused:
        import_map(session, json.dumps(exported))
    assert refused.value.message.startswith(f"annotations[{index}]: the span 0–{2**64} lies")
    assert _counts(fresh)["annotation"] == 0

"""Writing a planned import: bulk inserts with their history, indexes and the search index
built after a large import's rows, and the locks that needs."""

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel, insert, select

from app.audit.entries import ACTOR, insert_rows, record_rows
from app.audit.snapshots import json_safe, table_of
from app.db import SEARCH_TABLES
from app.models import (
    Actor,
    Annotation,
    Assignment,
    Claim,
    ClaimStance,
    CodebookEntry,
    Document,
    HistoryAction,
    HistoryEntry,
    ItemType,
    Passage,
    Position,
    Relation,
    TeamSetting,
    Topic,
    utcnow,
)
from app.services.interchange.importer.plan import (
    ImportPlan,
    select_stored,
)
from app.services.interchange.importer.report import (
    INDEX_REBUILD_ROWS,
    INSERT_BATCH,
    Record,
)


def _insert(
    session: Session, model: type[Any], rows: list[Record], snapshots: list[Record] | None = None
) -> None:
    """Insert `rows` and record their creation in the history (`snapshots`, when given, are
    what the entries show of each row instead of the row itself)."""
    # A Core executemany on the session's connection (same transaction): the ORM's bulk path
    # sent one INSERT per row here, several times slower on a large file. The session events
    # do not see Core inserts, so the history entries are written here too, one executemany
    # per batch.
    connection = session.connection()
    statement = insert(model)
    for start in range(0, len(rows), INSERT_BATCH):
        batch = rows[start : start + INSERT_BATCH]
        insert_rows(connection, statement, batch)
        shown = snapshots[start : start + INSERT_BATCH] if snapshots is not None else batch
        record_rows(session, HistoryAction.create, model, shown)


# The trigger of migration 0005 that copies each new row of a table into its FTS5 table:
# `INSERT INTO <fts> (rowid, …) SELECT new.rowid, … WHERE <condition>;`.
_SEARCH_INSERT_TRIGGER = re.compile(
    r"CREATE TRIGGER (?P<name>\w+) AFTER INSERT ON (?P<table>\w+) BEGIN "
    r"(?P<insert>INSERT INTO \w+ \([\w, ]+\) SELECT [\w., ]+) WHERE (?P<condition>[^;]*); END"
)


@contextmanager
def _search_index_filled_after(session: Session, tables: list[str]) -> Iterator[None]:
    """On SQLite, index the rows the block inserts into `tables` for full-text search at its
    end, in one statement per table, instead of row by row.

    The triggers that copy each new row into its FTS5 table (migration 0005) did most of a
    large import's writing; they are dropped for the block and created again after it, as
    they were, in the same transaction: if the import fails, the rollback brings them back
    with everything else. New rows are those above the table's largest rowid before the
    block (SQLite gives each new row the next one). A trigger of another shape than 0005's is
    left alone, doing its work row by row.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite" or not tables:
        yield
        return
    names = [f"{fts}_insert" for fts in SEARCH_TABLES]
    triggers = connection.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name IN :names").bindparams(
            bindparam("names", expanding=True)
        ),
        {"names": names},
    ).scalars()
    deferred: list[tuple[str, str, int]] = []  # (trigger, the statement filling its table, floor)
    for sql in triggers:
        found = _SEARCH_INSERT_TRIGGER.fullmatch(sql)
        if found is None or found["table"] not in tables:
            continue
        table = found["table"]
        floor = connection.exec_driver_sql(f"SELECT max(rowid) FROM {table}").scalar() or 0
        fill = (
            f"{found['insert']} FROM {table} AS new WHERE new.rowid > ? AND ({found['condition']})"
        )
        connection.exec_driver_sql(f"DROP TRIGGER {found['name']}")
        deferred.append((sql, fill, floor))
    yield
    for trigger, fill, floor in deferred:
        connection.exec_driver_sql(fill, (floor,))
        connection.exec_driver_sql(trigger)


@contextmanager
def _indexes_built_after(session: Session, inserted: dict[str, int]) -> Iterator[None]:
    """Build the indexes of each table that the block at least doubles (by `inserted`, its
    rows to come, at least INDEX_REBUILD_ROWS) after its rows are in, instead of row by row;
    on PostgreSQL, check its foreign keys after them too.

    Keeping an index up to date costs a scattered B-tree insert per row (six indexes on tags,
    three on history entries), and on PostgreSQL each foreign key costs a query per row; the
    database builds an index from one sort, and checks a foreign key with one join, much
    faster. A table that already holds more rows than come in keeps its indexes, as a rebuild
    would read them all; so does a table that few rows come into. Indexes and foreign keys are
    dropped and made again from their own definitions in the same transaction: if the import
    fails, the rollback brings them back with everything else. Indexes that enforce a key or
    a unique column stay and check each row.

    On PostgreSQL, dropping them locks the table and the tables its keys refer to until the
    commit: readers of those tables wait for the import to end. The locks are taken at once
    and only if no one holds them (NOWAIT); otherwise the indexes stay and the rows go in one
    by one, so that the import neither waits behind a reader nor deadlocks with one. SQLite's
    readers read on (WAL), and its foreign keys cannot be dropped.
    """
    connection = session.connection()
    tables = [
        table
        for table, count in inserted.items()
        if count >= INDEX_REBUILD_ROWS
        and connection.execute(
            text(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT :limit) AS counted"),
            {"limit": count + 1},
        ).scalar_one()
        <= count
    ]
    postgres = connection.dialect.name == "postgresql"
    if not tables or (postgres and not _locked_now(session, tables)):
        yield
        return
    made_again: list[str] = []
    for table in tables:
        for name, definition in connection.execute(_INDEXES[postgres], {"table": table}).all():
            connection.exec_driver_sql(f'DROP INDEX "{name}"')
            made_again.append(definition)
    if postgres:
        for table in tables:
            for name, definition in connection.execute(_FOREIGN_KEYS, {"table": table}).all():
                connection.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                made_again.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    yield
    for sql in made_again:  # indexes first: checking a foreign key uses them
        connection.exec_driver_sql(sql)


# The indexes of a table that enforce nothing, with their definitions (by `postgres`).
_INDEXES = {
    False: text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :table "
        "AND sql IS NOT NULL"
    ),
    True: text(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index AS x "
        "JOIN pg_class AS i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = to_regclass(:table) AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint AS c WHERE c.conindid = x.indexrelid)"
    ),
}
_FOREIGN_KEYS = text(
    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE conrelid = to_regclass(:table) AND contype = 'f'"
)


def _locked_now(session: Session, tables: list[str]) -> bool:
    """Lock `tables` and the tables their foreign keys refer to for this transaction alone,
    if no one else holds them now (PostgreSQL); False, with nothing locked, if someone does."""
    connection = session.connection()
    referred = connection.execute(
        text(
            "SELECT DISTINCT confrelid::regclass::text FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = ANY(CAST(:tables AS regclass[]))"
        ),
        {"tables": tables},
    ).scalars()
    names = ", ".join(sorted({*tables, *referred}))
    try:
        with session.begin_nested():  # the savepoint is set when its connection is asked for
            session.connection().exec_driver_sql(
                f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE NOWAIT"
            )
    except OperationalError:
        return False
    return True


ANNOTATION_FIELDS = (
    "passage_id",
    "orphaned_at",
    "start",
    "end",
    "quote",
    "position_key",
    "kind",
    "topic_key",
    "actor_key",
    "claim_id",
    "note",
    "analyst",
    "updated_at",
    "example",
    "adjudicated",
    "adopted_from",
)
CLAIM_FIELDS = ("text", "topic_key", "note", "analyst", "updated_at", "example")
RELATION_FIELDS = (
    "kind",
    "note",
    "evidence_passage_id",
    "evidence_orphaned_at",
    "analyst",
    "updated_at",
    "example",
)


def _update(row: SQLModel, record: Record, names: Iterable[str]) -> None:
    # Only the fields the file has: a version 1 annotation has no claim_id to impose, a
    # version 1 or 2 one no actor_key.
    for name in names:
        if name in record:
            setattr(row, name, record[name])


def write_plan(session: Session, plan: ImportPlan) -> None:
    """Write the plan, parents before children (foreign keys are enforced).

    New rows go in first, as Core inserts on the session's connection; updates go through
    the ORM and are flushed at the end, when every row they may point at is in.
    """
    created_claims = {row["id"] for row in plan.claims}
    new_stances = [s for s in plan.stances if s["claim_id"] in created_claims]
    # Parents before children; the claims' history entries show their stances.
    inserts: list[tuple[type[SQLModel], list[Record], list[Record] | None]] = [
        (Position, plan.positions, None),
        (Topic, plan.topics, None),
        (Actor, plan.actors, None),
        (Document, plan.documents, None),
        (Passage, plan.passages, None),
        (Claim, plan.claims, _claim_snapshots(plan.claims, new_stances)),
        (ClaimStance, new_stances, None),
        (Relation, plan.relations, None),
        (Annotation, plan.annotations, None),
    ]
    inserted = {table_of(model).name: len(rows) for model, rows, _ in inserts}
    inserted[table_of(HistoryEntry).name] = sum(inserted.values())  # one entry a row
    searched = [table for table in ("passage", "claim", "annotation") if inserted[table]]
    with _indexes_built_after(session, inserted), _search_index_filled_after(session, searched):
        for model, rows, snapshots in inserts:
            _insert(session, model, rows, snapshots)
    for claim, row in plan.claim_updates:
        session.add(claim)
        _update(claim, row, CLAIM_FIELDS)
    _replace_stances(
        session,
        [claim.id for claim, _row in plan.claim_updates],
        [s for s in plan.stances if s["claim_id"] not in created_claims],
    )
    for relation, row in plan.relation_updates:
        session.add(relation)
        _update(relation, row, RELATION_FIELDS)
    for annotation, row in plan.annotation_updates:
        session.add(annotation)
        _update(annotation, row, ANNOTATION_FIELDS)
        # The newer version is live there, so it is live here again.
        annotation.deleted_at = None
    session.flush()
    _insert_coding(session, plan)


def _insert_coding(session: Session, plan: ImportPlan) -> None:
    """Insert the new assignments, codebook entries and team settings (after the documents
    and passages they name), each with its history entry."""
    connection = session.connection()
    for model, item_type, rows in (
        (Assignment, ItemType.assignment, plan.assignments),
        (CodebookEntry, ItemType.codebook, plan.codebook),
        (TeamSetting, ItemType.setting, plan.team_settings),
    ):
        if not rows:
            continue
        connection.execute(insert(model), rows)
        now = utcnow()
        actor = session.info.get(ACTOR)
        connection.execute(
            insert(HistoryEntry),
            [
                {
                    "at": now,
                    "actor": actor,
                    "action": HistoryAction.create.value,
                    "item_type": item_type.value,
                    "item_id": _coding_item_id(item_type, row),
                    "version": row.get("version", 1),
                    "before": None,
                    "after": json_safe(row),
                }
                for row in rows
            ],
        )


def _coding_item_id(item_type: ItemType, row: Record) -> str:
    """An assignment by its id, a codebook entry as `family:key`, a setting by its name."""
    if item_type is ItemType.codebook:
        return f"{row['family']}:{row['key']}"
    return str(row["name"] if item_type is ItemType.setting else row["id"])


def _claim_snapshots(claims: list[Record], stances: list[Record]) -> list[Record]:
    """The new claims as their history entries show them: with their stances."""
    by_claim: dict[str, list[Record]] = {}
    for stance in sorted(stances, key=lambda s: (s["claim_id"], s["position_key"])):
        by_claim.setdefault(stance["claim_id"], []).append(
            {"position_key": stance["position_key"], "stance": stance["stance"]}
        )
    return [{**row, "stances": by_claim.get(row["id"], [])} for row in claims]


def _replace_stances(session: Session, claim_ids: list[str], stances: list[Record]) -> None:
    """Give the updated claims the file's stances, through the ORM: the history then records
    each claim's stances as they were before the import and after it."""
    wanted = {(s["claim_id"], s["position_key"]): s["stance"] for s in stances}
    for stored in select_stored(session, select(ClaimStance), ClaimStance.claim_id, claim_ids):
        stance = wanted.pop((stored.claim_id, stored.position_key), None)
        if stance is None:
            session.delete(stored)
        else:
            stored.stance = stance
            session.add(stored)
    for (claim_id, position_key), stance in wanted.items():
        session.add(ClaimStance(claim_id=claim_id, position_key=position_key, stance=stance))

"""Writing history entries: for the changes the session events found, and for the bulk writes
that bypass the ORM (the importer's inserts, clearing the example data), which record theirs
with `record_rows` and `record_deletions`; `insert_rows` is the importer's fast insert (COPY on
PostgreSQL)."""

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    ColumnExpressionArgument,
    Dialect,
    Insert,
    TypeDecorator,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from app.audit.snapshots import (
    DOCUMENT_TEXT,
    ITEM_TYPES,
    Snapshot,
    claim_evidence,
    claim_stances,
    json_safe,
    key_name,
    live_annotations_of_documents,
    relations_of_claims,
    table_of,
)
from app.models import (
    Annotation,
    Claim,
    Document,
    HistoryAction,
    HistoryEntry,
    ItemType,
    Relation,
    utcnow,
)

# --- writing entries -----------------------------------------------------------------------

# What the web layer (or a command) puts in `session.info`.
ACTOR = "actor"  # the username behind the changes; None for the command line
MAY_EDIT_ANY = "may_edit_any"  # whether they may change other analysts' work
# Kept in `session.info` through the transaction: {(item type, id): (action, entry id)}.
WRITTEN = "history_written"


@dataclass
class Change:
    """One change to one item, found before a flush and written after it."""

    item_type: ItemType
    item_id: str
    action: HistoryAction
    before: Snapshot | None = None
    after: Snapshot | None = None
    version: int | None = None
    # The object whose state after the flush is the after-snapshot (None when the row goes).
    obj: SQLModel | None = None
    # Only brings this transaction's entry for the item up to date (its stances changed).
    refresh_only: bool = False


def _entry_row(
    session: Session,
    at: datetime,
    action: HistoryAction,
    item_type: ItemType,
    item_id: str,
    version: int | None,
    before: Snapshot | None,
    after: Snapshot | None,
) -> Snapshot:
    if (
        item_type is ItemType.document
        and before is not None
        and after is not None
        and before.get(DOCUMENT_TEXT) == after.get(DOCUMENT_TEXT)
    ):
        before = {name: value for name, value in before.items() if name != DOCUMENT_TEXT}
        after = {name: value for name, value in after.items() if name != DOCUMENT_TEXT}
    return {
        "at": at,
        "actor": session.info.get(ACTOR),
        "action": action.value,
        "item_type": item_type.value,
        "item_id": item_id,
        "version": version,
        "before": json_safe(before) if before is not None else None,
        "after": json_safe(after) if after is not None else None,
    }


def write_changes(session: Session, changes: list[Change]) -> None:
    """Insert the entries, or bring up to date the entry this transaction already wrote for an
    item that changes again."""
    history = table_of(HistoryEntry)
    connection = session.connection()
    written: dict[tuple[ItemType, str], tuple[HistoryAction, int]] = session.info.setdefault(
        WRITTEN, {}
    )
    at = utcnow()
    new: list[Change] = []
    for change in changes:
        earlier = written.get((change.item_type, change.item_id))
        if change.action is HistoryAction.update and earlier is not None:
            action, entry_id = earlier
            if action is not HistoryAction.delete:
                after = _entry_row(
                    session, at, action, change.item_type, change.item_id, None, None, change.after
                )["after"]
                connection.execute(
                    update(history)
                    .where(history.c.id == entry_id)
                    .values(after=after, version=change.version)
                )
                continue
        if not change.refresh_only:
            new.append(change)
    if not new:
        return
    rows = [
        _entry_row(session, at, c.action, c.item_type, c.item_id, c.version, c.before, c.after)
        for c in new
    ]
    ids = connection.execute(
        insert(history).returning(history.c.id, sort_by_parameter_order=True), rows
    ).scalars()
    for change, entry_id in zip(new, ids, strict=True):
        written[(change.item_type, change.item_id)] = (change.action, entry_id)


def record_rows(
    session: Session,
    action: HistoryAction,
    model: type[SQLModel],
    rows: Sequence[Mapping[str, Any]],
) -> None:
    """Record one entry per row that a Core statement writes (the session events never see
    those), in one statement: for a create or a restore each row is the item after it, for a
    delete the item before it. The version is the row's (1 for a created row that has none).

    Models that are not tracked are ignored.
    """
    item_type = ITEM_TYPES.get(model)
    if item_type is None or not rows:
        return
    deleting = action is HistoryAction.delete
    key = key_name(item_type)
    # The snapshots go in as JSON text written here: orjson writes it many times faster than
    # json_safe and json.dumps did, which took most of the time of a large import's entries.
    entries = [
        {
            "item_id": str(row[key]),
            "version": row.get("version") or (None if deleting else 1),
            "before_json": _snapshot_json(row) if deleting else None,
            "after_json": None if deleting else _snapshot_json(row),
        }
        for row in rows
    ]
    shared = {
        "at": utcnow(),
        "actor": session.info.get(ACTOR),
        "action": action.value,
        "item_type": item_type.value,
    }
    insert_rows(session.connection(), _insert_entries_as_json(), entries, shared)


def insert_rows(
    connection: Connection,
    statement: Insert,
    rows: Sequence[Mapping[str, Any]],
    shared: Mapping[str, Any] | None = None,
) -> None:
    """Execute `statement` for each row in one executemany, with the `shared` values too.

    The same as `connection.execute(statement, [{**shared, **row} for row in rows])`, values
    converted by their columns' types alike, in a fraction of SQLAlchemy's time per row (which
    took nearly as long as the database's work on a large import). The rows must have the same
    keys; a statement that needs more (Python-side defaults) is left to SQLAlchemy. On
    PostgreSQL the rows go in as one COPY (see `copy_of`): a large import took a quarter less time.
    """
    if not rows:
        return
    shared = shared or {}
    compiled = _compiled_insert(statement, tuple(rows[0]), tuple(shared), connection.dialect)
    if compiled is None:
        connection.execute(statement, [{**shared, **row} for row in rows])
        return
    sql, names, processors = compiled
    fixed = dict(shared)
    per_row: list[tuple[int, Callable[[Any], Any]]] = []
    for index, (name, process) in enumerate(zip(names, processors, strict=True)):
        if process is None:
            continue
        if name in fixed:
            fixed[name] = process(fixed[name])  # once for every row
        else:
            per_row.append((index, process))
    copy = copy_of(sql) if connection.dialect.name == "postgresql" else None
    # In the order the statement (or the COPY) takes them.
    order = names if copy is None else copy[1]
    get = itemgetter(*order) if len(order) > 1 else lambda row: (row[order[0]],)
    processes = [(order.index(names[index]), process) for index, process in per_row]
    params: list[Any] = []
    for row in rows:
        values = list(get({**row, **fixed} if fixed else row))
        for index, process in processes:
            values[index] = process(values[index])
        params.append(tuple(values))
    if copy is not None:
        _copy_rows(connection, copy[0], params)
        return
    if not connection.dialect.positional:
        params = [dict(zip(names, values, strict=True)) for values in params]
    connection.exec_driver_sql(sql, params)


# An INSERT as SQLAlchemy compiles it for psycopg: `INSERT INTO t (a, "end") VALUES (%(a)s,
# %(end)s::INTEGER)`, with RETURNING of the key when the table has one.
_INSERT_OF_BINDS = re.compile(
    r"INSERT INTO (?P<table>\w+) \((?P<columns>[\w\", ]+)\) VALUES \((?P<values>.*)\)"
    r"(?: RETURNING [\w.]+)?",
    re.DOTALL,
)
_BIND = re.compile(r"%\((?P<name>\w+)\)s(?:::[A-Z ]+)?")


@lru_cache(maxsize=256)
def copy_of(sql: str) -> tuple[str, tuple[str, ...]] | None:
    """The COPY that does what the INSERT `sql` does for each row, and the names of the values
    it takes in order; None for an INSERT of another shape than a plain list of values."""
    found = _INSERT_OF_BINDS.fullmatch(sql)
    if found is None:
        return None
    columns = found["columns"].split(", ")
    values = [_BIND.fullmatch(value) for value in found["values"].split(", ")]
    if len(columns) != len(values) or any(value is None for value in values):
        return None
    names = tuple(value["name"] for value in values if value is not None)
    return f"COPY {found['table']} ({found['columns']}) FROM STDIN", names


def _copy_rows(connection: Connection, copy_sql: str, rows: list[tuple[Any, ...]]) -> None:
    """Send `rows` to PostgreSQL with `copy_sql` (COPY … FROM STDIN), in the connection's
    transaction: one stream instead of a statement per row, as PostgreSQL's documentation
    advises for loading many rows."""
    raw = connection.connection.driver_connection
    assert raw is not None  # a connection in a transaction is checked out
    with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
        for values in rows:
            copy.write_row(values)


@lru_cache(maxsize=256)
def _compiled_insert(
    statement: Insert, row_keys: tuple[str, ...], shared_keys: tuple[str, ...], dialect: Dialect
) -> tuple[str, tuple[str, ...], tuple[Callable[[Any], Any] | None, ...]] | None:
    """The SQL of `statement` for these keys, its parameters' names in order and each one's
    conversion; None when it needs values that are not given."""
    compiled = statement.compile(dialect=dialect, column_keys=[*row_keys, *shared_keys])
    names = tuple(compiled.positiontup or ()) if dialect.positional else tuple(compiled.binds)
    if compiled.insert_prefetch or set(names) != {*row_keys, *shared_keys}:
        return None
    processors = tuple(
        compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    )
    return compiled.string, names, processors


class _JSONText(TypeDecorator[str]):
    """A value for a JSON column that is JSON text already: bound as it is."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
        return None


@cache
def _insert_entries_as_json() -> Insert:
    """An INSERT of history entries whose snapshots are given as JSON text (`before_json`,
    `after_json`)."""
    table = table_of(HistoryEntry)
    return insert(table).values(
        before=bindparam("before_json", type_=_JSONText()),
        after=bindparam("after_json", type_=_JSONText()),
    )


def _snapshot_json(row: Mapping[str, Any]) -> str:
    """`json_safe(row)` as JSON text: the same values (times as json_safe writes them)."""
    return orjson.dumps(
        row, default=_time_json, option=orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
    ).decode()


def _time_json(value: Any) -> Any:
    # A time in UTC (as nearly all are) without json_safe's conversions: the same text.
    if type(value) is datetime and value.tzinfo is UTC:
        return value.isoformat()[:-6] + "Z"
    return json_safe(value)


def record_deletions(
    session: Session, model: type[SQLModel], condition: ColumnExpressionArgument[bool]
) -> None:
    """Record `delete` entries for the rows of `model` meeting `condition`, which a Core DELETE
    is about to remove (call it just before), with what the database removes with them: a
    claim's relations, a document's live tags. A claim's snapshot lists its stances and its
    evidence tags."""
    connection = session.connection()
    rows = [
        dict(row) for row in connection.execute(select(table_of(model)).where(condition)).mappings()
    ]
    if not rows:
        return
    ids = [row["id"] for row in rows] if model in (Claim, Document) else []
    if model is Claim:
        stances = claim_stances(connection, ids)
        evidence = claim_evidence(connection, ids)
        for row in rows:
            row["stances"] = stances.get(row["id"], [])
            row["evidence"] = evidence.get(row["id"], [])
        record_rows(session, HistoryAction.delete, Relation, relations_of_claims(connection, ids))
    if model is Document:
        annotations = live_annotations_of_documents(connection, ids)
        record_rows(session, HistoryAction.delete, Annotation, annotations)
    record_rows(session, HistoryAction.delete, model, rows)

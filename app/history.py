"""The history of every change to the map: who changed which item, when, and how it was before
and after; and the ownership rule for analysts' work.

Session events record, in the transaction that makes the change, one `HistoryEntry` per
creation, change, deletion or restoration of a tracked item (tags, claims, relations,
positions, topics, documents). Each entry holds JSON snapshots of the row before and after
(times as ISO 8601 strings in UTC, enums as their values); a claim's snapshots also list its
stances, so that changing a stance alone shows as a change of its claim. What the database
deletes by itself (ON DELETE CASCADE) is recorded too: a deleted claim's relations and a
deleted document's live tags, and a deleted claim's snapshot lists its evidence tags, so that
undoing the deletion can link them again. Writes that bypass the ORM (the importer's bulk
inserts, clearing the example data) record theirs with `record_rows` and `record_deletions`.

An item changed in several flushes of one transaction gets one entry: a claim created and then
given its stances and evidence before the commit has a single `create` entry showing all of it.

Removing a tag is a soft delete (`deleted_at` set) and is recorded as a `delete`; clearing
`deleted_at` is a `restore`. The entry's version is the item's version after the change; for a
deletion that removes the row, the version it had.

The same hook enforces ownership: when `session.info["actor"]` names a user and
`session.info["may_edit_any"]` is false, changing or deleting a tag, claim or relation made by
another analyst raises Forbidden. Only the fields that are the analyst's own work count (see
`OWNED_FIELDS`); links between items (a tag's claim, a relation's ends), stances and the
re-anchoring bookkeeping are shared structure that anyone may change.
"""

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from functools import cache, lru_cache
from itertools import chain
from operator import itemgetter
from typing import Any, TypeVar, cast

import orjson
from sqlalchemy import (
    JSON,
    ColumnExpressionArgument,
    Dialect,
    Insert,
    Table,
    TypeDecorator,
    bindparam,
    event,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction
from sqlmodel import SQLModel

from app.models import (
    Annotation,
    Claim,
    ClaimStance,
    Document,
    HistoryAction,
    HistoryEntry,
    ItemType,
    Position,
    Relation,
    Topic,
    utcnow,
)
from app.services.errors import Forbidden

# What the web layer (or a command) puts in `session.info`.
ACTOR = "actor"  # the username behind the changes; None for the command line
MAY_EDIT_ANY = "may_edit_any"  # whether they may change other analysts' work
# Kept in `session.info` by the events themselves.
_PREPARED = "history_prepared"  # the changes before_flush found, for after_flush to write
_WRITTEN = "history_written"  # {(item type, id): (action, entry id)} written in this transaction

ITEM_TYPES: dict[type[SQLModel], ItemType] = {
    Annotation: ItemType.annotation,
    Claim: ItemType.claim,
    Relation: ItemType.relation,
    Position: ItemType.position,
    Topic: ItemType.topic,
    Document: ItemType.document,
}
MODELS: dict[ItemType, type[SQLModel]] = {item: model for model, item in ITEM_TYPES.items()}
KEYED = (ItemType.position, ItemType.topic)  # identified by `key`, the others by `id`
NOUNS = {
    ItemType.annotation: "tag",
    ItemType.claim: "claim",
    ItemType.relation: "relation",
    ItemType.position: "position",
    ItemType.topic: "topic",
    ItemType.document: "document",
}
# Changing one of these (or deleting the item) is editing the analyst's own work.
OWNED_FIELDS: dict[type[SQLModel], frozenset[str]] = {
    Annotation: frozenset(
        {"position_key", "kind", "topic_key", "note", "start", "end", "quote", "deleted_at"}
    ),
    Claim: frozenset({"text", "topic_key", "note"}),
    Relation: frozenset({"kind", "note", "evidence_passage_id"}),
}
# A document's text can be megabytes: an update's snapshots leave it out unless it changed.
DOCUMENT_TEXT = "original_text"
# Ids per `IN (…)` query, well under the databases' limits on bound parameters.
QUERY_BATCH = 500

T = TypeVar("T")
Snapshot = dict[str, Any]


# --- snapshots -----------------------------------------------------------------------------

_PLAIN = frozenset({str, int, float, bool, type(None)})


def json_safe(value: Any) -> Any:
    """`value` as JSON can hold it: times as ISO 8601 in UTC (ending in Z), dates as
    YYYY-MM-DD, enums as their values; dicts and lists converted throughout."""
    if type(value) in _PLAIN:  # most values: checked once instead of five times
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:  # stored as UTC by every database this app uses
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    return value


def table_of(model: type[SQLModel]) -> Table:
    return cast(Table, sa_inspect(model).local_table)


@cache
def column_names(model: type[SQLModel]) -> tuple[str, ...]:
    """The model's column attributes (named as their columns)."""
    return tuple(attribute.key for attribute in sa_inspect(model).column_attrs)


def item_id_of(item_type: ItemType, values: Mapping[str, Any]) -> str:
    """The id of an item from its row: a position's or topic's key, else its id."""
    return str(values["key"] if item_type in KEYED else values["id"])


def _key_name(item_type: ItemType) -> str:
    return "key" if item_type in KEYED else "id"


def _current_values(obj: SQLModel) -> Snapshot:
    """The object's column values as they are in Python now."""
    loaded = sa_inspect(obj).dict
    missing = object()
    values: Snapshot = {}
    for name in column_names(type(obj)):
        value = loaded.get(name, missing)
        # An expired attribute is loaded from the database.
        values[name] = getattr(obj, name) if value is missing else value
    return values


def _stored_values(session: Session, obj: SQLModel) -> Snapshot:
    """The object's column values as stored, before the changes about to be flushed.

    They come from the attributes' history; a value set without the old one ever being
    loaded is read from the database.
    """
    state = sa_inspect(obj)
    values: Snapshot = {}
    unknown: list[str] = []
    for name in column_names(type(obj)):
        history = state.attrs[name].history
        if history.deleted:
            values[name] = history.deleted[0]
        elif history.unchanged:
            values[name] = history.unchanged[0]
        else:
            unknown.append(name)
    if unknown:
        table = table_of(type(obj))
        key = _key_name(ITEM_TYPES[type(obj)])
        stored = (
            session.connection()
            .execute(
                select(*(table.c[name] for name in unknown)).where(
                    table.c[key] == state.identity[0]
                )
            )
            .mappings()
            .one()
        )
        values.update(stored)
    return values


def _batches(items: Iterable[T]) -> Iterator[list[T]]:
    ordered = sorted(set(cast(Iterable[Any], items)))
    for index in range(0, len(ordered), QUERY_BATCH):
        yield ordered[index : index + QUERY_BATCH]


def claim_stances(connection: Connection, claim_ids: Iterable[str]) -> dict[str, list[Snapshot]]:
    """Each claim's stances as stored, by position key: `[{"position_key", "stance"}, …]`."""
    table = table_of(ClaimStance)
    found: dict[str, list[Snapshot]] = defaultdict(list)
    for batch in _batches(claim_ids):
        rows = connection.execute(
            select(table.c.claim_id, table.c.position_key, table.c.stance)
            .where(table.c.claim_id.in_(batch))
            .order_by(table.c.claim_id, table.c.position_key)
        )
        for claim_id, position_key, stance in rows:
            found[claim_id].append({"position_key": position_key, "stance": str(stance)})
    return found


def _claim_evidence(connection: Connection, claim_ids: Iterable[str]) -> dict[str, list[str]]:
    """The ids of every tag (removed ones too) whose claim is one of these."""
    table = table_of(Annotation)
    found: dict[str, list[str]] = defaultdict(list)
    for batch in _batches(claim_ids):
        rows = connection.execute(
            select(table.c.claim_id, table.c.id)
            .where(table.c.claim_id.in_(batch))
            .order_by(table.c.claim_id, table.c.id)
        )
        for claim_id, annotation_id in rows:
            found[claim_id].append(annotation_id)
    return found


def _relations_of_claims(connection: Connection, claim_ids: Iterable[str]) -> list[Snapshot]:
    """The relations from or to these claims (which the database deletes with them)."""
    table = table_of(Relation)
    found: dict[str, Snapshot] = {}
    for batch in _batches(claim_ids):
        query = select(table).where(or_(table.c.source_id.in_(batch), table.c.target_id.in_(batch)))
        for row in connection.execute(query.order_by(table.c.id)).mappings():
            found[row["id"]] = dict(row)
    return list(found.values())


def _live_annotations_of_documents(
    connection: Connection, document_ids: Iterable[str]
) -> list[Snapshot]:
    """The live tags of these documents (which the database deletes with them)."""
    table = table_of(Annotation)
    found: list[Snapshot] = []
    for batch in _batches(document_ids):
        query = select(table).where(table.c.document_id.in_(batch), table.c.deleted_at.is_(None))
        found.extend(dict(row) for row in connection.execute(query.order_by(table.c.id)).mappings())
    return found


# --- writing entries -----------------------------------------------------------------------


@dataclass
class _Change:
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


def _write_changes(session: Session, changes: list[_Change]) -> None:
    """Insert the entries, or bring up to date the entry this transaction already wrote for an
    item that changes again."""
    history = table_of(HistoryEntry)
    connection = session.connection()
    written: dict[tuple[ItemType, str], tuple[HistoryAction, int]] = session.info.setdefault(
        _WRITTEN, {}
    )
    at = utcnow()
    new: list[_Change] = []
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
    key = _key_name(item_type)
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
        evidence = _claim_evidence(connection, ids)
        for row in rows:
            row["stances"] = stances.get(row["id"], [])
            row["evidence"] = evidence.get(row["id"], [])
        record_rows(session, HistoryAction.delete, Relation, _relations_of_claims(connection, ids))
    if model is Document:
        annotations = _live_annotations_of_documents(connection, ids)
        record_rows(session, HistoryAction.delete, Annotation, annotations)
    record_rows(session, HistoryAction.delete, model, rows)


# --- the session events --------------------------------------------------------------------


def _check_owner(
    session: Session, obj: SQLModel, before: Snapshot, changed: set[str] | None
) -> None:
    """Refuse a change (`changed` fields) or a deletion (None) of another analyst's work."""
    owned = OWNED_FIELDS.get(type(obj))
    actor = session.info.get(ACTOR)
    if owned is None or actor is None or session.info.get(MAY_EDIT_ANY):
        return
    owner = before.get("analyst")
    if owner == actor or (changed is not None and not changed & owned):
        return
    raise Forbidden(
        f"This {NOUNS[ITEM_TYPES[type(obj)]]} is {owner}'s work: only they, or someone allowed "
        "to edit everyone's work, may change or delete it."
    )


def _touch_claims_of_changed_stances(session: Session) -> list[Claim]:
    """Make a change to a claim's stances a change of the claim.

    A claim that is not changing otherwise gets a new `updated_at` (so that its version goes
    up and the change is recorded), unless this transaction already has an entry for it: that
    entry is brought up to date instead (the claims returned), so that a claim created with
    its stances is one `create`.
    """
    claim_ids = {
        stance.claim_id
        for stance in chain(session.new, session.dirty, session.deleted)
        if isinstance(stance, ClaimStance)
        and (stance not in session.dirty or session.is_modified(stance))
    }
    written = session.info.get(_WRITTEN, {})
    refresh: list[Claim] = []
    with session.no_autoflush:
        for claim_id in sorted(claim_ids):
            claim = session.get(Claim, claim_id)
            if claim is None or claim in session.new or claim in session.deleted:
                continue
            if session.is_modified(claim):
                continue  # its own change is recorded, stances and all
            if (ItemType.claim, claim_id) in written:
                refresh.append(claim)
            else:
                claim.updated_at = utcnow()
    return refresh


def _update_action(obj: SQLModel, before: Snapshot, after: Snapshot) -> HistoryAction:
    if isinstance(obj, Annotation):
        if before["deleted_at"] is None and after["deleted_at"] is not None:
            return HistoryAction.delete
        if before["deleted_at"] is not None and after["deleted_at"] is None:
            return HistoryAction.restore
    return HistoryAction.update


def _before_flush(session: Session, _context: UOWTransaction, _instances: object) -> None:
    refresh = _touch_claims_of_changed_stances(session)
    changes: list[_Change] = []
    for obj in session.new:
        item_type = ITEM_TYPES.get(type(obj))
        if isinstance(obj, Position | Topic | Document) and obj.created_by is None:
            obj.created_by = session.info.get(ACTOR)
        if item_type is not None:
            item_id = item_id_of(item_type, _current_values(obj))
            changes.append(_Change(item_type, item_id, HistoryAction.create, obj=obj))
    for obj in session.dirty:
        item_type = ITEM_TYPES.get(type(obj))
        if item_type is None or obj in session.deleted or not session.is_modified(obj):
            continue
        if isinstance(obj, Position | Topic | Document):
            obj.updated_at = utcnow()
        before = _stored_values(session, obj)
        now = _current_values(obj)
        action = _update_action(obj, before, now)
        # Undoing a removal is open to every analyst: it only brings back what someone made.
        if action != HistoryAction.restore:
            _check_owner(session, obj, before, {n for n in now if now[n] != before[n]})
        changes.append(_Change(item_type, item_id_of(item_type, before), action, before, obj=obj))
    for obj in session.deleted:
        item_type = ITEM_TYPES.get(type(obj))
        if item_type is not None:
            before = _stored_values(session, obj)
            _check_owner(session, obj, before, None)
            item_id = item_id_of(item_type, before)
            changes.append(
                _Change(item_type, item_id, HistoryAction.delete, before, version=before["version"])
            )
    for claim in refresh:
        changes.append(
            _Change(ItemType.claim, claim.id, HistoryAction.update, obj=claim, refresh_only=True)
        )
    if changes:
        changes.extend(_details_and_cascades(session.connection(), changes))
    session.info[_PREPARED] = changes


def _details_and_cascades(connection: Connection, changes: list[_Change]) -> list[_Change]:
    """Add the stances (and for a deletion the evidence) to the claims' before-snapshots, and
    return the deletions the database will cascade to."""
    claims = [c for c in changes if c.item_type is ItemType.claim and c.before is not None]
    stances = claim_stances(connection, (c.item_id for c in claims))
    deleted = {(c.item_type, c.item_id) for c in changes if c.obj is None}
    deleted_claims = [item_id for item_type, item_id in deleted if item_type is ItemType.claim]
    evidence = _claim_evidence(connection, deleted_claims)
    for change in claims:
        assert change.before is not None
        change.before["stances"] = stances.get(change.item_id, [])
        if change.obj is None:
            change.before["evidence"] = evidence.get(change.item_id, [])
    cascaded: list[_Change] = []
    deleted_documents = [
        item_id for item_type, item_id in deleted if item_type is ItemType.document
    ]
    for item_type, rows in (
        (ItemType.relation, _relations_of_claims(connection, deleted_claims)),
        (ItemType.annotation, _live_annotations_of_documents(connection, deleted_documents)),
    ):
        for row in rows:
            if (item_type, row["id"]) not in deleted:
                cascaded.append(
                    _Change(item_type, row["id"], HistoryAction.delete, row, version=row["version"])
                )
    return cascaded


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    changes: list[_Change] = session.info.pop(_PREPARED, None) or []
    if not changes:
        return
    for change in changes:
        if change.obj is not None:
            change.after = _current_values(change.obj)
            change.version = change.after["version"]
    claims = [c for c in changes if c.item_type is ItemType.claim and c.after is not None]
    stances = claim_stances(session.connection(), (c.item_id for c in claims))
    for change in claims:
        assert change.after is not None
        change.after["stances"] = stances.get(change.item_id, [])
    _write_changes(session, changes)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # Entries written in a transaction (or savepoint) that ended are not brought up to date
    # any more: the next change of the item gets an entry of its own. (Each flush runs in a
    # subtransaction of its own, which ends too; those do not count.)
    if transaction.parent is None or transaction.nested:
        session.info.pop(_WRITTEN, None)
        session.info.pop(_PREPARED, None)


def install() -> None:
    """Listen to every session's flushes (once; importing this module does it)."""
    for name, listener in (
        ("before_flush", _before_flush),
        ("after_flush", _after_flush),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


install()

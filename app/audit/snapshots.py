"""Snapshots of the tracked items as the history stores them (JSON-safe values), and the
rows related to a claim or a document that a change of it also concerns."""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar, cast

from sqlalchemy import (
    Table,
    or_,
    select,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from app.models import (
    Actor,
    Annotation,
    Claim,
    ClaimStance,
    Document,
    ItemType,
    Position,
    Relation,
    Topic,
)

ITEM_TYPES: dict[type[SQLModel], ItemType] = {
    Annotation: ItemType.annotation,
    Claim: ItemType.claim,
    Relation: ItemType.relation,
    Position: ItemType.position,
    Topic: ItemType.topic,
    Document: ItemType.document,
    Actor: ItemType.actor,
}
MODELS: dict[ItemType, type[SQLModel]] = {item: model for model, item in ITEM_TYPES.items()}
KEYED = (
    ItemType.position,
    ItemType.topic,
    ItemType.actor,
)  # identified by `key`, the others by `id`
NOUNS = {
    ItemType.annotation: "tag",
    ItemType.claim: "claim",
    ItemType.relation: "relation",
    ItemType.position: "position",
    ItemType.topic: "topic",
    ItemType.document: "document",
    ItemType.actor: "actor",
    ItemType.codebook: "codebook entry",
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


def key_name(item_type: ItemType) -> str:
    return "key" if item_type in KEYED else "id"


def current_values(obj: SQLModel) -> Snapshot:
    """The object's column values as they are in Python now."""
    loaded = sa_inspect(obj).dict
    missing = object()
    values: Snapshot = {}
    for name in column_names(type(obj)):
        value = loaded.get(name, missing)
        # An expired attribute is loaded from the database.
        values[name] = getattr(obj, name) if value is missing else value
    return values


def stored_values(session: Session, obj: SQLModel) -> Snapshot:
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
        key = key_name(ITEM_TYPES[type(obj)])
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


def claim_evidence(connection: Connection, claim_ids: Iterable[str]) -> dict[str, list[str]]:
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


def relations_of_claims(connection: Connection, claim_ids: Iterable[str]) -> list[Snapshot]:
    """The relations from or to these claims (which the database deletes with them)."""
    table = table_of(Relation)
    found: dict[str, Snapshot] = {}
    for batch in _batches(claim_ids):
        query = select(table).where(or_(table.c.source_id.in_(batch), table.c.target_id.in_(batch)))
        for row in connection.execute(query.order_by(table.c.id)).mappings():
            found[row["id"]] = dict(row)
    return list(found.values())


def live_annotations_of_documents(
    connection: Connection, document_ids: Iterable[str]
) -> list[Snapshot]:
    """The live tags of these documents (which the database deletes with them)."""
    table = table_of(Annotation)
    found: list[Snapshot] = []
    for batch in _batches(document_ids):
        query = select(table).where(table.c.document_id.in_(batch), table.c.deleted_at.is_(None))
        found.extend(dict(row) for row in connection.execute(query.order_by(table.c.id)).mappings())
    return found

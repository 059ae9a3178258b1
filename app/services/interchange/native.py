"""The native JSON export of the argument map (format "argmap", version 2).

The export is streamed: rows are read in batches inside one read-only snapshot and written out
as they come, so memory stays flat however large the corpus, and the file is consistent even
while analysts keep tagging. Every array is sorted and no export time is written, so the same
database always gives byte-identical output (handy for diffs and for checking a round trip).

A filtered export is self-contained: every id it mentions is defined in the same file (the
claim of an included annotation, the claims at both ends of an included relation, the passage
a relation cites as evidence), so that another tool, or an empty instance, can load it alone.

Version 2 adds claims (with the positions' stances), relations between claims and each
annotation's claim_id to version 1, and orphans: an annotation that lost its place when its
document's text was replaced has no passage (passage_id, start, end, document_start and
document_end are null), keeps the text it quoted in `quote` and says when in `orphaned_at`; a
relation whose evidence passage was lost that way says when in `evidence_orphaned_at`.
Everything else is written exactly as in version 1.
"""

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from typing import Any

import orjson
from sqlalchemy import ColumnElement, String, and_, case, func, or_, true
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.models import (
    Annotation,
    Claim,
    ClaimStance,
    Document,
    Passage,
    PassageKind,
    Position,
    Relation,
    Topic,
)
from app.services.corpus import span_to_document_offsets
from app.services.errors import NotFound

FORMAT_NAME = "argmap"
FORMAT_VERSION = 2
# The published schema of every version this instance reads; it writes only FORMAT_VERSION.
SCHEMA_FILES = {1: "export-v1.schema.json", 2: "export-v2.schema.json"}
# Rows fetched per round trip; documents carry their whole text, so they come fewer at a time.
BATCH_SIZE = 500
DOCUMENT_BATCH_SIZE = 20
# Lines are gathered into chunks of about this many characters before being handed on: one
# chunk per record would make a streaming response send thousands of tiny writes.
CHUNK_SIZE = 64 * 1024


@dataclass(frozen=True)
class ExportFilters:
    """What to export: everything (the default) or one document, position or topic."""

    document: str | None = None
    position: str | None = None
    topic: str | None = None

    @property
    def any(self) -> bool:
        """Whether the export is filtered at all."""
        return (self.document, self.position, self.topic) != (None, None, None)


@cache
def export_schema(version: int = FORMAT_VERSION) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a version of the export format (KeyError if unknown).

    The current version is published at /api/export/schema, earlier ones at
    /api/export/schema/v<n>.
    """
    path = resources.files("app").joinpath("schemas", SCHEMA_FILES[version])
    text = path.read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def stream_export(engine: Engine, filters: ExportFilters = ExportFilters()) -> Iterator[str]:
    """Check `filters`, then return an iterator over the export's JSON text, chunk by chunk.

    Unknown filter values raise NotFound here, before any output exists, so that a web route
    can still answer 404. The iterator opens its own session (a request's session would be
    closed before a streaming response is sent) and closes it when exhausted or closed.
    """
    with Session(engine) as session:
        check_filters(session, filters)
    return _generate(engine, filters)


def export_map(engine: Engine, filters: ExportFilters = ExportFilters()) -> dict[str, Any]:
    """The export as a Python dict (for tests and callers that want the whole thing at once)."""
    exported: dict[str, Any] = json.loads("".join(stream_export(engine, filters)))
    return exported


def format_datetime(value: datetime) -> str:
    """ISO 8601 in UTC with a trailing Z; fractions of a second only when there are any."""
    if value.tzinfo is None:  # SQLite hands back naive values; they are stored as UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def format_date(value: date | None) -> str | None:
    """YYYY-MM-DD, or None for an unknown date."""
    return value.isoformat() if value is not None else None


class iso_utc(FunctionElement[str]):  # noqa: N801 (named like the SQL functions it sits among)
    """A timestamp column as `format_datetime` writes it, computed by the database.

    Reading half a million rows, parsing each timestamp into a datetime and formatting it
    back was a fifth of the export's time; the database does it in C. The same text as
    format_datetime gives: UTC, a T, a trailing Z, fractions of a second only when there are
    any (a test checks the two agree on both databases).
    """

    type = String()
    inherit_cache = True


@compiles(iso_utc, "sqlite")
def _iso_utc_sqlite(element: iso_utc, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite holds UTC as text, 'YYYY-MM-DD HH:MM:SS' and then '.ffffff' (six digits) or
    # nothing; NULL stays NULL through every || below.
    value = compiler.process(list(element.clauses)[0], **kw)
    return (
        f"(substr({value}, 1, 10) || 'T' || substr({value}, 12, 8)"
        f" || CASE WHEN substr({value}, 20) IN ('', '.000000') THEN '' ELSE substr({value}, 20) END"
        " || 'Z')"
    )


@compiles(iso_utc, "postgresql")
def _iso_utc_postgresql(element: iso_utc, compiler: SQLCompiler, **kw: Any) -> str:
    # timestamptz AT TIME ZONE 'UTC' is the wall-clock time in UTC, whatever the session's zone.
    value = compiler.process(list(element.clauses)[0], **kw)
    utc = f"({value} AT TIME ZONE 'UTC')"
    return (
        f"(to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        f" || CASE WHEN date_trunc('second', {value}) = {value} THEN ''"
        f" ELSE to_char({utc}, '.US') END || 'Z')"
    )


def check_filters(session: Session, filters: ExportFilters) -> None:
    if filters.document is not None and session.get(Document, filters.document) is None:
        raise NotFound(f"There is no document with the id '{filters.document}'.")
    if filters.position is not None and session.get(Position, filters.position) is None:
        raise NotFound(f"There is no position with the key '{filters.position}'.")
    if filters.topic is not None and session.get(Topic, filters.topic) is None:
        raise NotFound(f"There is no topic with the key '{filters.topic}'.")


def begin_snapshot(session: Session) -> None:
    """Make every query of this session read the same snapshot of the database.

    Without it each SELECT sees the database as it is at that moment, and an annotation added
    between the passages query and the annotations query would point at a passage missing
    from the file, which would then not import.
    """
    connection = session.connection()
    # On SQLite every transaction starts with an explicit BEGIN (app.db), which in WAL mode
    # keeps one read snapshot from the first SELECT on, without blocking writers.
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")


def annotation_condition(filters: ExportFilters) -> ColumnElement[bool]:
    """Which live annotations the export includes (orphans too: they keep their document)."""
    conditions: list[ColumnElement[bool]] = [col(Annotation.deleted_at).is_(None)]
    if filters.document is not None:
        conditions.append(col(Annotation.document_id) == filters.document)
    if filters.position is not None:
        conditions.append(col(Annotation.position_key) == filters.position)
    if filters.topic is not None:
        conditions.append(col(Annotation.topic_key) == filters.topic)
    return and_(*conditions)


def _claims_with_evidence(condition: ColumnElement[bool]) -> SelectOfScalar[Any]:
    """Ids of the claims that a live annotation meeting `condition` is evidence for."""
    return select(Annotation.claim_id).where(col(Annotation.deleted_at).is_(None), condition)


def _claim_condition(filters: ExportFilters) -> ColumnElement[bool]:
    """Which claims the export includes: all, or those that match every filter given.

    A claim matches a document if it has evidence there; a position if the position holds or
    rejects it or it has evidence tagged with that position; a topic if it is on that topic
    or has evidence tagged with it. An included annotation is evidence matching every filter,
    so its claim is always included: the file never points at a claim it does not hold.
    """
    if not filters.any:
        return true()
    conditions: list[ColumnElement[bool]] = []
    if filters.document is not None:
        in_document = col(Annotation.document_id) == filters.document
        conditions.append(col(Claim.id).in_(_claims_with_evidence(in_document)))
    if filters.position is not None:
        held = select(ClaimStance.claim_id).where(ClaimStance.position_key == filters.position)
        tagged = col(Annotation.position_key) == filters.position
        conditions.append(
            or_(col(Claim.id).in_(held), col(Claim.id).in_(_claims_with_evidence(tagged)))
        )
    if filters.topic is not None:
        on_topic = col(Annotation.topic_key) == filters.topic
        conditions.append(
            or_(
                col(Claim.topic_key) == filters.topic,
                col(Claim.id).in_(_claims_with_evidence(on_topic)),
            )
        )
    return and_(*conditions)


def _relation_condition(filters: ExportFilters) -> ColumnElement[bool]:
    """Which relations the export includes: those between two included claims."""
    if not filters.any:
        return true()
    included = select(Claim.id).where(_claim_condition(filters))
    return and_(col(Relation.source_id).in_(included), col(Relation.target_id).in_(included))


def _document_condition(filters: ExportFilters) -> ColumnElement[bool]:
    """Which documents the export includes.

    Filtered: the chosen one, and with a position or topic filter only those holding at least
    one included annotation; and in any case the documents holding the evidence passage of an
    included relation, so that the relation's reference stays inside the file.
    """
    if not filters.any:
        return true()
    conditions: list[ColumnElement[bool]] = []
    if filters.document is not None:
        conditions.append(col(Document.id) == filters.document)
    if filters.position is not None or filters.topic is not None:
        annotated = select(Annotation.document_id).where(annotation_condition(filters))
        conditions.append(col(Document.id).in_(annotated))
    cited = (
        select(Passage.document_id)
        .join(Relation, col(Relation.evidence_passage_id) == col(Passage.id))
        .where(_relation_condition(filters))
    )
    return or_(and_(*conditions), col(Document.id).in_(cited))


def _position_records(session: Session) -> Iterator[dict[str, Any]]:
    query = select(Position).order_by(col(Position.ordinal), col(Position.key))
    for position in session.exec(query.execution_options(yield_per=BATCH_SIZE)):
        yield {
            "key": position.key,
            "name": position.name,
            "colour": position.colour,
            "ordinal": position.ordinal,
            **_made(position),
        }


def _made(row: Position | Topic) -> dict[str, Any]:
    """Who made a position or topic and when (null for those made before accounts existed)."""
    return {
        "created_by": row.created_by,
        "created_at": _format_optional(row.created_at),
        "updated_at": _format_optional(row.updated_at),
    }


def _topic_records(session: Session) -> Iterator[dict[str, Any]]:
    query = select(Topic).order_by(col(Topic.key))
    for topic in session.exec(query.execution_options(yield_per=BATCH_SIZE)):
        yield {
            "key": topic.key,
            "name": topic.name,
            "description": topic.description,
            **_made(topic),
        }


def _document_records(session: Session, filters: ExportFilters) -> Iterator[dict[str, Any]]:
    query = (
        select(Document)
        .where(_document_condition(filters))
        .order_by(col(Document.created_at), col(Document.id))
    )
    for document in session.exec(query.execution_options(yield_per=DOCUMENT_BATCH_SIZE)):
        yield {
            "id": document.id,
            "title": document.title,
            "outlet": document.outlet,
            "author": document.author,
            "published": format_date(document.published),
            "url": document.url,
            "source_name": document.source_name,
            "sha256": document.sha256,
            "created_at": format_datetime(document.created_at),
            "created_by": document.created_by,
            "updated_at": _format_optional(document.updated_at),
            "original_text": document.original_text,
        }


def _passage_records(session: Session, filters: ExportFilters) -> Iterator[dict[str, Any]]:
    # Only the passage columns are read; the join is for the documents' order and filter.
    p: Any = Passage  # plain columns; the models' attribute types are the values'
    query = (
        sa_select(p.id, p.document_id, p.ordinal, p.kind, p.text, p.start, p.end)
        .join(Document, col(Document.id) == col(Passage.document_id))
        .where(_document_condition(filters))
        .order_by(col(Document.created_at), col(Document.id), col(Passage.ordinal))
    )
    for id_, document_id, ordinal, kind, text, start, end in _rows(session, query):
        yield {
            "id": id_,
            "document_id": document_id,
            "ordinal": ordinal,
            "kind": kind,
            "text": text,
            "start": start,
            "end": end,
        }


def _annotation_records(session: Session, filters: ExportFilters) -> Iterator[dict[str, Any]]:
    # One query, no lookup per row and no ORM objects (building them was most of the export's
    # time): plain rows with the passage's place in the same row. For a span whose passage
    # text is shorter than its place in the document (lines were joined), the row also brings
    # the passage's slice of the original text, which placing the span in the document needs;
    # where the lengths agree, every line break was a single newline read as one space, so
    # the span's offsets carry over unchanged and the document text is not read at all.
    joined = col(Passage.end) - col(Passage.start) != func.length(Passage.text)
    raw_passage = case(
        (
            and_(col(Annotation.start).is_not(None), joined),
            func.substr(
                Document.original_text, col(Passage.start) + 1, col(Passage.end) - Passage.start
            ),
        ),
        else_=None,
    )
    a = Annotation
    columns: list[Any] = [
        a.id,
        a.passage_id,
        a.document_id,
        a.start,
        a.end,
        a.quote,
        a.position_key,
        a.kind,
        a.topic_key,
        a.claim_id,
        a.note,
        a.analyst,
        iso_utc(a.created_at),
        iso_utc(a.updated_at),
        iso_utc(a.orphaned_at),
        a.example,
        Passage.start,
        Passage.end,
        Passage.text,
        raw_passage,
    ]
    # Outer joins: an orphan has no passage (and no place in its document).
    query = (
        sa_select(*columns)
        .outerjoin(Passage, col(Passage.id) == col(Annotation.passage_id))
        .outerjoin(Document, col(Document.id) == col(Passage.document_id))
        .where(annotation_condition(filters))
        .order_by(col(Annotation.created_at), col(Annotation.id))
    )
    for (
        id_,
        passage_id,
        document_id,
        start,
        end,
        quote,
        position_key,
        kind,
        topic_key,
        claim_id,
        note,
        analyst,
        created_at,
        updated_at,
        orphaned_at,
        example,
        passage_start,
        passage_end,
        passage_text,
        raw,
    ) in _rows(session, query):
        document_start: int | None
        document_end: int | None
        if passage_id is None:
            document_start = document_end = None
        elif start is None or end is None:
            document_start, document_end = passage_start, passage_end
        elif raw is None:
            document_start, document_end = passage_start + start, passage_start + end
        else:
            document_start, document_end = _span_in_document(
                passage_id, passage_text, passage_start, raw, start, end
            )
        yield {
            "id": id_,
            "passage_id": passage_id,
            "document_id": document_id,
            "start": start,
            "end": end,
            "quote": quote,
            "document_start": document_start,
            "document_end": document_end,
            "position_key": position_key,
            "kind": kind,
            "topic_key": topic_key,
            "claim_id": claim_id,
            "note": note,
            "analyst": analyst,
            "created_at": created_at,
            "updated_at": updated_at,
            "orphaned_at": orphaned_at,
            "example": bool(example),
        }


def _format_optional(value: datetime | None) -> str | None:
    return format_datetime(value) if value is not None else None


def _claim_records(session: Session, filters: ExportFilters) -> Iterator[dict[str, Any]]:
    c: Any = Claim
    query = (
        sa_select(
            c.id,
            c.text,
            c.topic_key,
            c.note,
            c.analyst,
            iso_utc(c.created_at),
            iso_utc(c.updated_at),
            c.example,
        )
        .where(_claim_condition(filters))
        .order_by(col(Claim.created_at), col(Claim.id))
    )
    rows = session.connection().execute(query.execution_options(yield_per=BATCH_SIZE))
    # The stances of a whole batch of claims come in one query: no lookup per claim.
    for batch in rows.partitions():
        stances = _stances_of(session, [row[0] for row in batch])
        for id_, text, topic_key, note, analyst, created_at, updated_at, example in batch:
            yield {
                "id": id_,
                "text": text,
                "topic_key": topic_key,
                "note": note,
                "analyst": analyst,
                "created_at": created_at,
                "updated_at": updated_at,
                "stances": stances.get(id_, []),
                "example": bool(example),
            }


def _stances_of(session: Session, claim_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The stances of these claims, each claim's sorted by position key."""
    stance_row: Any = ClaimStance
    query = (
        sa_select(stance_row.claim_id, stance_row.position_key, stance_row.stance)
        .where(col(ClaimStance.claim_id).in_(claim_ids))
        .order_by(col(ClaimStance.claim_id), col(ClaimStance.position_key))
    )
    stances: dict[str, list[dict[str, Any]]] = {}
    for claim_id, position_key, stance in session.connection().execute(query):
        stances.setdefault(claim_id, []).append({"position_key": position_key, "stance": stance})
    return stances


def _relation_records(session: Session, filters: ExportFilters) -> Iterator[dict[str, Any]]:
    r: Any = Relation
    query = (
        sa_select(
            r.id,
            r.source_id,
            r.target_id,
            r.kind,
            r.note,
            r.evidence_passage_id,
            iso_utc(r.evidence_orphaned_at),
            r.analyst,
            iso_utc(r.created_at),
            iso_utc(r.updated_at),
            r.example,
        )
        .where(_relation_condition(filters))
        .order_by(col(Relation.created_at), col(Relation.id))
    )
    for (
        id_,
        source_id,
        target_id,
        kind,
        note,
        evidence_passage_id,
        evidence_orphaned_at,
        analyst,
        created_at,
        updated_at,
        example,
    ) in _rows(session, query):
        yield {
            "id": id_,
            "source_id": source_id,
            "target_id": target_id,
            "kind": kind,
            "note": note,
            "evidence_passage_id": evidence_passage_id,
            "evidence_orphaned_at": evidence_orphaned_at,
            "analyst": analyst,
            "created_at": created_at,
            "updated_at": updated_at,
            "example": bool(example),
        }


def _rows(session: Session, query: Any) -> Iterator[Any]:
    """The plain rows of `query`, read in batches.

    Plain rows, not ORM objects: building half a million of those was most of the export's
    time, and the export only copies values into records.
    """
    return iter(session.connection().execute(query.execution_options(yield_per=BATCH_SIZE)))


def _span_in_document(
    passage_id: str, text: str, passage_start: int, raw: str, start: int, end: int
) -> tuple[int, int]:
    """Offsets in the document of the span [start, end) of a passage's `text`.

    `raw` is original_text[passage.start:passage.end]; the corpus service maps the span within
    it (as if the passage were a document of its own), then it is shifted into place.
    """
    alone = Passage(
        id=passage_id,
        document_id="",
        ordinal=0,
        kind=PassageKind.paragraph,
        text=text,
        start=0,
        end=len(raw),
    )
    first, last = span_to_document_offsets(alone, start, end, original_text=raw)
    return passage_start + first, passage_start + last


def dump_json(value: Any) -> str:
    """Compact JSON, with non-ASCII kept as is.

    The file stays readable and about a third smaller for texts with typographic quotes and
    dashes. Control characters, newlines inside strings included, are escaped, so one record
    is always one line. orjson writes the same text as json.dumps(ensure_ascii=False,
    separators=(",", ":")) (tests compare them) about ten times as fast; encoding was a
    quarter of the export's time.
    """
    return orjson.dumps(value).decode()


def _array_lines(name: str, records: Iterable[dict[str, Any]], last: bool = False) -> Iterator[str]:
    """`"name":[` and then one record per line, the closing bracket on a line of its own."""
    closing = "]}\n" if last else "],\n"
    first = True
    for record in records:
        yield f"{dump_json(name)}:[\n{dump_json(record)}" if first else f",\n{dump_json(record)}"
        first = False
    yield f"{dump_json(name)}:[{closing}" if first else f"\n{closing}"


def _lines(session: Session, filters: ExportFilters) -> Iterator[str]:
    header = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "filters": {
            "document": filters.document,
            "position": filters.position,
            "topic": filters.topic,
        },
    }
    yield dump_json(header)[:-1] + ",\n"  # the header object, left open for the arrays
    yield from _array_lines("positions", _position_records(session))
    yield from _array_lines("topics", _topic_records(session))
    yield from _array_lines("documents", _document_records(session, filters))
    yield from _array_lines("passages", _passage_records(session, filters))
    # Claims come before the annotations, so a streaming reader has met a claim by the time
    # it reads the evidence pointing at it.
    yield from _array_lines("claims", _claim_records(session, filters))
    yield from _array_lines("relations", _relation_records(session, filters))
    yield from _array_lines("annotations", _annotation_records(session, filters), last=True)


def chunked(lines: Iterable[str]) -> Iterator[str]:
    """Gather `lines` into chunks of about CHUNK_SIZE characters, for a streaming response."""
    buffer: list[str] = []
    size = 0
    for line in lines:
        buffer.append(line)
        size += len(line)
        if size >= CHUNK_SIZE:
            yield "".join(buffer)
            buffer.clear()
            size = 0
    if buffer:
        yield "".join(buffer)


def _generate(engine: Engine, filters: ExportFilters) -> Iterator[str]:
    with Session(engine) as session:
        begin_snapshot(session)
        yield from chunked(_lines(session, filters))
        # Nothing was written; ending the read transaction explicitly releases the snapshot.
        session.rollback()

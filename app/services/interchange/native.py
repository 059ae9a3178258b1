"""The native JSON export of the argument map (format "argmap", version 4).

The export is streamed: rows are read in batches inside one read-only snapshot and written out
as they come, so memory stays flat however large the corpus, and the file is consistent even
while analysts keep tagging. Every array is sorted and no export time is written, so the same
database always gives byte-identical output (handy for diffs and for checking a round trip).

A filtered export is self-contained: every id it mentions is defined in the same file (the
claim of an included annotation, the claims at both ends of an included relation, the passage
a relation cites as evidence, the actor an included annotation names and every actor that one
belongs to), so that another tool, or an empty instance, can load it alone.

Version 2 adds claims (with the positions' stances), relations between claims and each
annotation's claim_id to version 1, and orphans: an annotation that lost its place when its
document's text was replaced has no passage (passage_id, start, end, document_start and
document_end are null), keeps the text it quoted in `quote` and says when in `orphaned_at`; a
relation whose evidence passage was lost that way says when in `evidence_orphaned_at`.
Everything else is written exactly as in version 1.

Version 3 adds the actor registry to version 2: an `actors` array (after the topics) with each
actor's key, name, kind, aliases, parent_key, position_key, description, who made it and when,
and whether it is example data; and each annotation's actor_key (null when the tag names
nobody). Unfiltered, every actor is written; filtered, the actors the included annotations
name and, transitively, the actors they belong to. Positions are always written in full, so
an actor's position_key always points into the file. Everything else is as in version 2.

Version 4 adds independent coding to version 3: each annotation's `adjudicated` (part of the
curators' adjudicated layer) and `adopted_from` (the coder's tag it was accepted from, which
need not be in the file), and three arrays after the annotations: the `assignments` (who codes
which document independently, and when they marked it done; filtered, those of the exported
documents), the `codebook` (every code's definition; filtered, its example passages are those
in the file) and the `team_settings`. The header's filters say which `layer` of tags was
exported. A reader who codes a document independently gets a file without the tags they may
not see (app/services/blinding.py); the command line, the operator, sees every tag. Everything
else is as in version 3.
"""

import json
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, true
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.models import (
    Actor,
    Annotation,
    Assignment,
    Claim,
    ClaimStance,
    CodebookEntry,
    Document,
    Passage,
    PassageKind,
    Position,
    Relation,
    TeamSetting,
    Topic,
)
from app.services.interchange.filters import (
    NO_FILTERS,
    ExportFilters,
    actor_condition,
    annotation_condition,
    check_filters,
    claim_condition,
    relation_condition,
)
from app.services.interchange.writing import (
    BATCH_SIZE,
    array_lines,
    dump_json,
    format_date,
    format_datetime,
    format_optional,
    iso_utc,
    stream_checked,
)
from app.services.segmentation import span_to_document_offsets

FORMAT_NAME = "argmap"
FORMAT_VERSION = 4
# The published schema of every version this instance reads; it writes only FORMAT_VERSION.
SCHEMA_FILES = {
    1: "export-v1.schema.json",
    2: "export-v2.schema.json",
    3: "export-v3.schema.json",
    4: "export-v4.schema.json",
}
# Documents carry their whole text, so they come fewer at a time than other rows.
DOCUMENT_BATCH_SIZE = 20


def _columns(model: Any, *names: str) -> dict[str, Any]:
    """The columns `names` of `model` by name, times (…_at) as format_datetime writes them.

    Plain columns, not ORM objects: building half a million of those was most of the
    export's time, and the export only copies values into records. The database formats the
    times (iso_utc), which is faster than parsing and formatting them here.
    """
    return {
        name: iso_utc(getattr(model, name)) if name.endswith("_at") else getattr(model, name)
        for name in names
    }


# The columns of each record, in the order the file writes them.
PASSAGE_COLUMNS = _columns(Passage, "id", "document_id", "ordinal", "kind", "text", "start", "end")
# The stances come between updated_at and example; example is made a boolean.
CLAIM_COLUMNS = _columns(
    Claim, "id", "text", "topic_key", "note", "analyst", "created_at", "updated_at", "example"
)
RELATION_COLUMNS = _columns(
    Relation,
    "id",
    "source_id",
    "target_id",
    "kind",
    "note",
    "evidence_passage_id",
    "evidence_orphaned_at",
    "analyst",
    "created_at",
    "updated_at",
    "example",
)
# An annotation's place in its document (document_start, document_end) is worked out from its
# passage and written between these two runs of columns.
ANNOTATION_HEAD = _columns(Annotation, "id", "passage_id", "document_id", "start", "end", "quote")
ANNOTATION_TAIL = _columns(
    Annotation,
    "position_key",
    "kind",
    "topic_key",
    "actor_key",
    "claim_id",
    "note",
    "analyst",
    "created_at",
    "updated_at",
    "orphaned_at",
    "example",
    "adjudicated",
    "adopted_from",
)


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


def stream_export(engine: Engine, filters: ExportFilters = NO_FILTERS) -> Iterator[str]:
    """Check `filters`, then return an iterator over the export's JSON text, chunk by chunk.

    Unknown filter values raise NotFound here, before any output exists, so that a web route
    can still answer 404. The iterator reads one snapshot in its own session
    (`writing.stream_checked`).
    """
    return stream_checked(
        engine,
        lambda session: check_filters(session, filters),
        lambda session: _lines(session, filters),
    )


def export_map(engine: Engine, filters: ExportFilters = NO_FILTERS) -> dict[str, Any]:
    """The export as a Python dict (for tests and callers that want the whole thing at once)."""
    exported: dict[str, Any] = json.loads("".join(stream_export(engine, filters)))
    return exported


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
        .where(relation_condition(filters))
    )
    return or_(and_(*conditions), col(Document.id).in_(cited))


def _position_records(session: Session) -> Iterator[dict[str, Any]]:
    query = select(Position).order_by(col(Position.ordinal), col(Position.key))
    return _made_records(session, query, "key", "name", "colour", "ordinal")


def _topic_records(session: Session) -> Iterator[dict[str, Any]]:
    query = select(Topic).order_by(col(Topic.key))
    return _made_records(session, query, "key", "name", "description")


def _made_records(session: Session, query: Any, *names: str) -> Iterator[dict[str, Any]]:
    """Positions or topics: the fields `names`, then who made each and when (null for those
    made before accounts existed)."""
    for row in session.exec(query.execution_options(yield_per=BATCH_SIZE)):
        yield {
            **{name: getattr(row, name) for name in names},
            "created_by": row.created_by,
            "created_at": format_optional(row.created_at),
            "updated_at": format_optional(row.updated_at),
        }


def _actor_records(session: Session, filters: ExportFilters) -> Iterator[dict[str, Any]]:
    """The actors the export includes (see `actor_condition`), sorted by key: every field the
    registry needs to be rebuilt as it is."""
    query = select(Actor).where(actor_condition(filters)).order_by(col(Actor.key))
    for actor in session.exec(query.execution_options(yield_per=BATCH_SIZE)):
        yield {
            "key": actor.key,
            "name": actor.name,
            "kind": str(actor.kind),
            "aliases": list(actor.aliases),
            "parent_key": actor.parent_key,
            "position_key": actor.position_key,
            "description": actor.description,
            "created_by": actor.created_by,
            "created_at": format_optional(actor.created_at),
            "updated_at": format_optional(actor.updated_at),
            "example": bool(actor.example),
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
            "updated_at": format_optional(document.updated_at),
            "original_text": document.original_text,
        }


def _passage_records(session: Session, filters: ExportFilters) -> Iterator[dict[str, Any]]:
    # Only the passage columns are read; the join is for the documents' order and filter.
    query = (
        sa_select(*PASSAGE_COLUMNS.values())
        .join(Document, col(Document.id) == col(Passage.document_id))
        .where(_document_condition(filters))
        .order_by(col(Document.created_at), col(Document.id), col(Passage.ordinal))
    )
    for row in _rows(session, query):
        yield dict(zip(PASSAGE_COLUMNS, row, strict=True))


def _annotation_records(session: Session, filters: ExportFilters) -> Iterator[dict[str, Any]]:
    # The tags alone, in their order, and each passage's place from a table read once: joining
    # every tag to its passage was more than half of the database's work for the export.
    head, tail = len(ANNOTATION_HEAD), len(ANNOTATION_HEAD) + len(ANNOTATION_TAIL)
    places = _PassagePlaces(session, filters)
    query = (
        sa_select(*ANNOTATION_HEAD.values(), *ANNOTATION_TAIL.values())
        .where(annotation_condition(filters))
        .order_by(col(Annotation.created_at), col(Annotation.id))
    )
    for row in _rows(session, query):
        record = dict(zip(ANNOTATION_HEAD, row[:head], strict=True))
        record["document_start"], record["document_end"] = places.of_tag(
            record["passage_id"], record["start"], record["end"]
        )
        record.update(zip(ANNOTATION_TAIL, row[head:tail], strict=True))
        record["example"] = bool(record["example"])
        record["adjudicated"] = bool(record["adjudicated"])
        yield record


class _PassagePlaces:
    """Where the passages of the exported documents lie in their documents, read in one query;
    a span on a passage whose text is shorter than its place (lines were joined) needs the
    passage's text and its slice of the document too, read when first needed."""

    def __init__(self, session: Session, filters: ExportFilters) -> None:
        self._session = session
        query = sa_select(col(Passage.id), *_PLACE)
        if filters.document is not None:
            query = query.where(col(Passage.document_id) == filters.document)
        self._places: dict[str, tuple[int, int, bool]] = {
            row[0]: (row[1], row[2], bool(row[3])) for row in session.connection().execute(query)
        }
        self._texts: dict[str, tuple[str, str]] = {}

    def of_tag(
        self, passage_id: str | None, start: int | None, end: int | None
    ) -> tuple[int | None, int | None]:
        """document_start and document_end of a tag (see `place_in_document`)."""
        if passage_id is None:
            return None, None
        place = self._places.get(passage_id)
        if place is None:  # not among the exported documents' passages: read it alone
            place = self._places[passage_id] = self._read(col(Passage.id) == passage_id)
        passage_start, passage_end, joined = place
        if start is None or end is None or not joined:
            return place_in_document(passage_id, start, end, passage_start, passage_end, "", None)
        text, raw = self._texts.get(passage_id) or self._text_of(passage_id)
        return place_in_document(passage_id, start, end, passage_start, passage_end, text, raw)

    def _read(self, condition: ColumnElement[bool]) -> tuple[int, int, bool]:
        row = self._session.connection().execute(sa_select(*_PLACE).where(condition)).one()
        return (row[0], row[1], bool(row[2]))

    def _text_of(self, passage_id: str) -> tuple[str, str]:
        text, raw = (
            self._session.connection()
            .execute(
                sa_select(
                    col(Passage.text),
                    func.substr(
                        Document.original_text,
                        col(Passage.start) + 1,
                        col(Passage.end) - Passage.start,
                    ),
                )
                .join(Document, col(Document.id) == col(Passage.document_id))
                .where(col(Passage.id) == passage_id)
            )
            .one()
        )
        self._texts[passage_id] = (text, raw)
        return text, raw


# A passage's start and end in its document, and whether its text is shorter than that.
_PLACE = (
    col(Passage.start),
    col(Passage.end),
    col(Passage.end) - col(Passage.start) != func.length(Passage.text),
)


def place_in_document(
    passage_id: str | None,
    start: int | None,
    end: int | None,
    passage_start: int,
    passage_end: int,
    passage_text: str,
    raw: str | None,
) -> tuple[int | None, int | None]:
    """document_start and document_end of an annotation: null for an orphan, the passage's
    place for a whole-passage tag, the span shifted or mapped into the document otherwise.

    The last four arguments are the passage's start, end and text, and its slice of the
    original text when that is longer than the text (lines were joined; None otherwise).
    """
    if passage_id is None:
        return None, None
    if start is None or end is None:
        return passage_start, passage_end
    if raw is None:
        return passage_start + start, passage_start + end
    return _span_in_document(passage_id, passage_text, passage_start, raw, start, end)


def _claim_records(session: Session, filters: ExportFilters) -> Iterator[dict[str, Any]]:
    query = (
        sa_select(*CLAIM_COLUMNS.values())
        .where(claim_condition(filters))
        .order_by(col(Claim.created_at), col(Claim.id))
    )
    rows = session.connection().execute(query.execution_options(yield_per=BATCH_SIZE))
    # The stances of a whole batch of claims come in one query: no lookup per claim.
    for batch in rows.partitions():
        stances = _stances_of(session, [row[0] for row in batch])
        for row in batch:
            record = dict(zip(CLAIM_COLUMNS, row, strict=True))
            example = record.pop("example")
            record["stances"] = stances.get(record["id"], [])
            record["example"] = bool(example)
            yield record


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
    query = (
        sa_select(*RELATION_COLUMNS.values())
        .where(relation_condition(filters))
        .order_by(col(Relation.created_at), col(Relation.id))
    )
    for row in _rows(session, query):
        record = dict(zip(RELATION_COLUMNS, row, strict=True))
        record["example"] = bool(record["example"])
        yield record


def _assignment_records(session: Session, filters: ExportFilters) -> Iterator[dict[str, Any]]:
    """The assignments of the exported documents, by document id, then analyst."""
    exported = select(Document.id).where(_document_condition(filters))
    query = (
        select(Assignment)
        .where(col(Assignment.document_id).in_(exported))
        .order_by(col(Assignment.document_id), col(Assignment.analyst))
    )
    for assignment in session.exec(query.execution_options(yield_per=BATCH_SIZE)):
        yield {
            "document_id": assignment.document_id,
            "analyst": assignment.analyst,
            "assigned_by": assignment.assigned_by,
            "assigned_at": format_datetime(assignment.assigned_at),
            "done_at": format_optional(assignment.done_at),
        }


def _codebook_records(session: Session, filters: ExportFilters) -> Iterator[dict[str, Any]]:
    """Every codebook entry, by family, then key; in a filtered file each keeps the example
    passages that are in the file, so that every reference stays inside it."""
    entries = session.exec(
        select(CodebookEntry).order_by(col(CodebookEntry.family), col(CodebookEntry.key))
    ).all()
    cited = {passage for entry in entries for passage in entry.examples}
    kept = cited
    if filters.any and cited:
        exported = select(Document.id).where(_document_condition(filters))
        kept = set(
            session.exec(
                select(Passage.id).where(
                    col(Passage.id).in_(sorted(cited)), col(Passage.document_id).in_(exported)
                )
            )
        )
    for entry in entries:
        yield {
            "family": str(entry.family),
            "key": entry.key,
            "guid": entry.guid,
            "definition": entry.definition,
            "include": entry.include,
            "exclude": entry.exclude,
            "examples": [passage for passage in entry.examples if passage in kept],
            "version": entry.version,
            "updated_by": entry.updated_by,
            "updated_at": format_datetime(entry.updated_at),
        }


def _team_setting_records(session: Session) -> Iterator[dict[str, Any]]:
    """The team's settings, by name."""
    for setting in session.exec(select(TeamSetting).order_by(col(TeamSetting.name))):
        yield {
            "name": setting.name,
            "value": setting.value,
            "updated_by": setting.updated_by,
            "updated_at": format_datetime(setting.updated_at),
        }


def _rows(session: Session, query: Any) -> Iterator[Any]:
    """The plain rows of `query`, read in batches."""
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


def _array_lines(name: str, records: Iterable[dict[str, Any]], last: bool = False) -> Iterator[str]:
    """`"name":[` and then one record per line, the closing bracket on a line of its own."""
    return array_lines(f"{dump_json(name)}:[", records, "]}\n" if last else "],\n")


def _lines(session: Session, filters: ExportFilters) -> Iterator[str]:
    chosen = {**filters.as_record(), "layer": filters.layer.value}
    header = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "filters": chosen}
    yield dump_json(header)[:-1] + ",\n"  # the header object, left open for the arrays
    yield from _array_lines("positions", _position_records(session))
    yield from _array_lines("topics", _topic_records(session))
    # After the positions their members name, before the annotations that name them.
    yield from _array_lines("actors", _actor_records(session, filters))
    yield from _array_lines("documents", _document_records(session, filters))
    yield from _array_lines("passages", _passage_records(session, filters))
    # Claims come before the annotations, so a streaming reader has met a claim by the time
    # it reads the evidence pointing at it.
    yield from _array_lines("claims", _claim_records(session, filters))
    yield from _array_lines("relations", _relation_records(session, filters))
    yield from _array_lines("annotations", _annotation_records(session, filters))
    # After the documents and passages they name.
    yield from _array_lines("assignments", _assignment_records(session, filters))
    yield from _array_lines("codebook", _codebook_records(session, filters))
    yield from _array_lines("team_settings", _team_setting_records(session), last=True)

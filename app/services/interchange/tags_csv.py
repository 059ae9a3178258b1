"""The live tags as one CSV table, a row per tag, for R, pandas and spreadsheets.

Every row carries what an analysis needs without a join: the document's metadata, the passage,
the quoted text with its offsets in the passage and in the document, the position, kind,
topic, claim and the position's stance on that claim, who tagged it and when. The columns are
`COLUMNS`, in that order, and docs/manual.md describes each.

The file is RFC 4180: UTF-8 without a byte order mark, a header row, fields separated by
commas, records ended by CRLF, and a field quoted (with its double quotes doubled) only when it
holds a comma, a double quote or a line break; a line break inside a quote or a note stays in
its field. None is an empty field; true and false are written `true` and `false`, which R
(`read.csv`, readr) and pandas read as logical values.

Text is written exactly as stored, so that what R or pandas reads equals the map's data. A
spreadsheet, though, runs a cell that starts with `=`, `+`, `-` or `@` as a formula (CSV
formula injection): the quotes come from articles fetched from anywhere. With `spreadsheet`,
every such text cell (and one starting with a tab or a carriage return) is written with a
leading apostrophe, as OWASP recommends; spreadsheets hide the apostrophe and show the text.

Rows are read in batches inside one read snapshot (`writing.stream_checked`) and handed on in
chunks, so memory stays flat however many tags there are; they come in the native export's
order of annotations (by creation time, then id). Filters select as they do for the native
export: live tags that match every filter, orphans included (they keep their document), the
starter map's example tags included and marked in the `example` column.
"""

import csv
import io
from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import and_
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from app.models import Annotation, Claim, ClaimStance, Document, Passage, Position, Topic
from app.services.interchange.filters import NO_FILTERS, ExportFilters, annotation_condition
from app.services.interchange.native import document_place_columns, place_in_document
from app.services.interchange.writing import BATCH_SIZE, iso_utc, stream_checked

MEDIA_TYPE = "text/csv; charset=utf-8"

# The columns of the file, in order. An `actor` column (who is quoted) will come when actors do.
COLUMNS = (
    "tag_id",
    "document_id",
    "document_title",
    "document_outlet",
    "document_author",
    "document_published",
    "document_url",
    "passage_id",
    "passage_ordinal",
    "passage_kind",
    "whole_passage",
    "quote",
    "start_in_passage",
    "end_in_passage",
    "start_in_document",
    "end_in_document",
    "position_key",
    "position_name",
    "kind",
    "topic_key",
    "topic_name",
    "claim_id",
    "claim_text",
    "claim_stance",
    "note",
    "analyst",
    "created_at",
    "updated_at",
    "orphaned",
    "orphaned_at",
    "example",
)

# What a spreadsheet would read as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# What the query selects, by name; the row is turned into COLUMNS by `_cells`.
_SELECTED: dict[str, Any] = {
    "tag_id": Annotation.id,
    "document_id": Annotation.document_id,
    "document_title": Document.title,
    "document_outlet": Document.outlet,
    "document_author": Document.author,
    "document_published": Document.published,
    "document_url": Document.url,
    "passage_id": Annotation.passage_id,
    "passage_ordinal": Passage.ordinal,
    "passage_kind": Passage.kind,
    "quote": Annotation.quote,
    "start": Annotation.start,
    "end": Annotation.end,
    "position_key": Annotation.position_key,
    "position_name": Position.name,
    "kind": Annotation.kind,
    "topic_key": Annotation.topic_key,
    "topic_name": Topic.name,
    "claim_id": Annotation.claim_id,
    "claim_text": Claim.text,
    "claim_stance": ClaimStance.stance,
    "note": Annotation.note,
    "analyst": Annotation.analyst,
    "created_at": iso_utc(Annotation.created_at),
    "updated_at": iso_utc(Annotation.updated_at),
    "orphaned_at": iso_utc(Annotation.orphaned_at),
    "example": Annotation.example,
}
# Where each selected value is in a row (the place columns follow them).
_AT = {name: index for index, name in enumerate(_SELECTED)}


def stream_tags_csv(
    engine: Engine, filters: ExportFilters = NO_FILTERS, *, spreadsheet: bool = False
) -> Iterator[str]:
    """Check `filters`, then return an iterator over the CSV text, chunk by chunk.

    Unknown filter values raise NotFound here, before any output exists, so that a web route
    can still answer 404. With `spreadsheet`, text that a spreadsheet would run as a formula
    gets a leading apostrophe (see the module's docstring).
    """
    return stream_checked(
        engine, filters, lambda session: _lines(session, filters, spreadsheet=spreadsheet)
    )


def guard_formula(value: str) -> str:
    """`value`, with a leading apostrophe if a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _query(filters: ExportFilters) -> Any:
    stance = ClaimStance
    return (
        sa_select(*_SELECTED.values(), *document_place_columns())
        .join(Document, col(Document.id) == col(Annotation.document_id))
        .join(Position, col(Position.key) == col(Annotation.position_key))
        # Outer joins: an orphan has no passage; a tag may have no topic, no claim, or a
        # claim on which its position takes no stance.
        .outerjoin(Passage, col(Passage.id) == col(Annotation.passage_id))
        .outerjoin(Topic, col(Topic.key) == col(Annotation.topic_key))
        .outerjoin(Claim, col(Claim.id) == col(Annotation.claim_id))
        .outerjoin(
            stance,
            and_(
                col(stance.claim_id) == col(Annotation.claim_id),
                col(stance.position_key) == col(Annotation.position_key),
            ),
        )
        .where(annotation_condition(filters))
        .order_by(col(Annotation.created_at), col(Annotation.id))
    )


def _cells(row: Any) -> list[Any]:
    """The values of one row of the file, in the order of COLUMNS."""
    at = _AT
    passage_id, start, end = row[at["passage_id"]], row[at["start"]], row[at["end"]]
    places = row[len(at) :]
    passage_text = places[2]
    whole = passage_id is not None and start is None
    quote = passage_text if whole else row[at["quote"]]
    if whole:
        start, end = 0, len(passage_text)
    document_start, document_end = place_in_document(
        passage_id, row[at["start"]], row[at["end"]], *places
    )
    published: date | None = row[at["document_published"]]
    orphaned_at = row[at["orphaned_at"]]
    return [
        row[at["tag_id"]],
        row[at["document_id"]],
        row[at["document_title"]],
        row[at["document_outlet"]],
        row[at["document_author"]],
        published.isoformat() if published is not None else None,
        row[at["document_url"]],
        passage_id,
        row[at["passage_ordinal"]],
        row[at["passage_kind"]],
        _boolean(whole) if passage_id is not None else None,
        quote,
        start,
        end,
        document_start,
        document_end,
        row[at["position_key"]],
        row[at["position_name"]],
        row[at["kind"]],
        row[at["topic_key"]],
        row[at["topic_name"]],
        row[at["claim_id"]],
        row[at["claim_text"]],
        row[at["claim_stance"]],
        row[at["note"]],
        row[at["analyst"]],
        row[at["created_at"]],
        row[at["updated_at"]],
        _boolean(orphaned_at is not None),
        orphaned_at,
        _boolean(row[at["example"]]),
    ]


def _boolean(value: Any) -> str:
    return "true" if value else "false"


def _lines(session: Session, filters: ExportFilters, *, spreadsheet: bool) -> Iterator[str]:
    buffer = io.StringIO()
    # csv writes None as an empty field, quotes only where needed and ends records with CRLF.
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    query = _query(filters).execution_options(yield_per=BATCH_SIZE)
    for batch in session.connection().execute(query).partitions():
        rows = [_cells(row) for row in batch]
        if spreadsheet:
            rows = [[_guarded(cell) for cell in cells] for cells in rows]
        writer.writerows(rows)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _guarded(cell: Any) -> Any:
    return guard_formula(cell) if isinstance(cell, str) else cell

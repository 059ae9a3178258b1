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
order of annotations (by creation time, then id). The filters are those the matrix and the
networks take (`app/services/tag_filters.py`): live tags that match every filter, orphans
included (they keep their document), the starter map's example tags included and marked in
the `example` column.
"""

import re
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import and_
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from app.models import (
    Actor,
    Annotation,
    Claim,
    ClaimStance,
    Document,
    Passage,
    Position,
    Topic,
)
from app.services.interchange.native import document_place_columns, place_in_document
from app.services.interchange.writing import BATCH_SIZE, iso_utc, stream_checked
from app.services.tag_filters import NO_TAG_FILTERS, TagFilters, check_tag_filters, tag_condition

MEDIA_TYPE = "text/csv; charset=utf-8"

# The columns of the file, in order.
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
    "actor_key",
    "actor_name",
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

# What the query selects, in the order `_line` unpacks it; the place columns follow.
_SELECTED: tuple[Any, ...] = (
    Annotation.id,
    Annotation.document_id,
    Document.title,
    Document.outlet,
    Document.author,
    Document.published,
    Document.url,
    Annotation.passage_id,
    Passage.ordinal,
    Passage.kind,
    Annotation.quote,
    Annotation.start,
    Annotation.end,
    Annotation.position_key,
    Position.name,
    Annotation.kind,
    Annotation.topic_key,
    Topic.name,
    Annotation.actor_key,
    Actor.name,
    Annotation.claim_id,
    Claim.text,
    ClaimStance.stance,
    Annotation.note,
    Annotation.analyst,
    iso_utc(Annotation.created_at),
    iso_utc(Annotation.updated_at),
    iso_utc(Annotation.orphaned_at),
    Annotation.example,
)
# A field is quoted when it holds one of these (RFC 4180; what csv.QUOTE_MINIMAL does).
_NEEDS_QUOTES = re.compile(r'[",\r\n]').search
CRLF = "\r\n"


def stream_tags_csv(
    engine: Engine, filters: TagFilters = NO_TAG_FILTERS, *, spreadsheet: bool = False
) -> Iterator[str]:
    """Check `filters`, then return an iterator over the CSV text, chunk by chunk.

    Unknown filter values (and a date range ending before it starts) are refused here, before
    any output exists, so that a web route can still answer 404 or 422. With `spreadsheet`,
    text that a spreadsheet would run as a formula gets a leading apostrophe (see the
    module's docstring).
    """
    return stream_checked(
        engine,
        lambda session: check_tag_filters(session, filters),
        lambda session: _lines(session, filters, spreadsheet=spreadsheet),
    )


def guard_formula(value: str) -> str:
    """`value`, with a leading apostrophe if a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_field(value: str | None) -> str:
    """A text as a field: empty for None, in double quotes (its own doubled) where needed."""
    if value is None:
        return ""
    if _NEEDS_QUOTES(value):
        return '"' + value.replace('"', '""') + '"'
    return value


def spreadsheet_field(value: str | None) -> str:
    """`csv_field` of the text guarded against formulas (`guard_formula`)."""
    if value is None:
        return ""
    return csv_field(guard_formula(value))


def _query(filters: TagFilters) -> Any:
    return (
        sa_select(*_SELECTED, *document_place_columns())
        .join(Document, col(Document.id) == col(Annotation.document_id))
        .join(Position, col(Position.key) == col(Annotation.position_key))
        # Outer joins: an orphan has no passage; a tag may have no topic, actor, claim, or a
        # claim on which its position takes no stance.
        .outerjoin(Passage, col(Passage.id) == col(Annotation.passage_id))
        .outerjoin(Topic, col(Topic.key) == col(Annotation.topic_key))
        .outerjoin(Actor, col(Actor.key) == col(Annotation.actor_key))
        .outerjoin(Claim, col(Claim.id) == col(Annotation.claim_id))
        .outerjoin(
            ClaimStance,
            and_(
                col(ClaimStance.claim_id) == col(Annotation.claim_id),
                col(ClaimStance.position_key) == col(Annotation.position_key),
            ),
        )
        .where(tag_condition(filters))
        .order_by(col(Annotation.created_at), col(Annotation.id))
    )


def _line(row: Any, text: Callable[[str | None], str]) -> str:
    """One row of the file, in the order of COLUMNS, ended by CRLF.

    Written here rather than by the csv module, whose writer copies every character of every
    field one at a time: on long quotes that was half the export's time. `csv_field` quotes
    exactly as csv.QUOTE_MINIMAL does (a test compares the two).
    """
    (
        tag_id,
        document_id,
        title,
        outlet,
        author,
        published,
        url,
        passage_id,
        ordinal,
        passage_kind,
        quote,
        start,
        end,
        position_key,
        position_name,
        kind,
        topic_key,
        topic_name,
        actor_key,
        actor_name,
        claim_id,
        claim_text,
        stance,
        note,
        analyst,
        created_at,
        updated_at,
        orphaned_at,
        example,
        *places,
    ) = row
    document_start, document_end = place_in_document(passage_id, start, end, *places)
    if passage_id is None:
        whole = ""
    elif start is None:  # the whole passage: its text, from its start to its end
        quote, start, end, whole = places[2], 0, len(places[2]), "true"
    else:
        whole = "false"
    return (
        ",".join(
            (
                text(tag_id),
                text(document_id),
                text(title),
                text(outlet),
                text(author),
                published.isoformat() if published is not None else "",
                text(url),
                text(passage_id),
                "" if ordinal is None else str(ordinal),
                text(passage_kind),
                whole,
                text(quote),
                "" if start is None else str(start),
                "" if end is None else str(end),
                "" if document_start is None else str(document_start),
                "" if document_end is None else str(document_end),
                text(position_key),
                text(position_name),
                text(kind),
                text(topic_key),
                text(topic_name),
                text(actor_key),
                text(actor_name),
                text(claim_id),
                text(claim_text),
                text(stance),
                text(note),
                text(analyst),
                created_at,
                updated_at,
                "false" if orphaned_at is None else "true",
                orphaned_at or "",
                "true" if example else "false",
            )
        )
        + CRLF
    )


def _lines(session: Session, filters: TagFilters, *, spreadsheet: bool) -> Iterator[str]:
    text = spreadsheet_field if spreadsheet else csv_field
    yield ",".join(COLUMNS) + CRLF
    query = _query(filters).execution_options(yield_per=BATCH_SIZE)
    # A batch's lines handed on together: a generator step per row costs more than the join.
    for batch in session.connection().execute(query).partitions():
        yield "".join([_line(row, text) for row in batch])

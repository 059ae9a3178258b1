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
order of annotations (by creation time, then id). Only the tags and their passages are read
row by row: the documents, positions, topics, actors, claims and stances are read once, at the
start and in the same snapshot, so memory grows with those, not with the tags.

The filters are those the matrix and the networks take (`app/services/tag_filters.py`): live
tags that match every filter, orphans included (they keep their document), the starter map's
example tags included and marked in the `example` column.
"""

from collections.abc import Callable, Iterable, Iterator
from sys import intern
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col

from app.models import Actor, Annotation, Claim, ClaimStance, Document, Passage, Position, Topic
from app.services.interchange.native import place_in_document
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

CRLF = "\r\n"

TextField = Callable[[str | None], str]


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
    """A text as a field: empty for None, in double quotes (its own doubled) where it holds a
    comma, a double quote or a line break (RFC 4180; what csv.QUOTE_MINIMAL does).

    Four searches for one character each rather than a regular expression: they run at
    memory speed, and a pattern took more time on a long quote than the rest of its row.
    """
    if value is None:
        return ""
    if '"' in value:
        return '"' + value.replace('"', '""') + '"'
    if "," in value or "\n" in value or "\r" in value:
        return '"' + value + '"'
    return value


def spreadsheet_field(value: str | None) -> str:
    """`csv_field` of the text guarded against formulas (`guard_formula`)."""
    if value is None:
        return ""
    return csv_field(guard_formula(value))


def _lines(session: Session, filters: TagFilters, *, spreadsheet: bool) -> Iterator[str]:
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # Compiling the query's expressions to machine code took PostgreSQL longer (0.8 s of
        # 4.5 s for 500,000 tags) than they save; the setting ends with the read transaction.
        connection.exec_driver_sql("SET LOCAL jit = off")
    rows = _Rows(connection, spreadsheet_field if spreadsheet else csv_field)
    yield ",".join(COLUMNS) + CRLF
    # Core rows straight from the connection: the session's ORM result handling costs more
    # than it gives for plain columns.
    query = _query(filters).execution_options(yield_per=BATCH_SIZE)
    # A batch's lines handed on together: a generator step per row costs more than the join.
    for batch in connection.execute(query).partitions():
        yield rows.lines(batch)


def _query(filters: TagFilters) -> Any:
    """The tags that pass `filters`, in the native export's order, each with its passage.

    Only the passage is joined: the document, position, topic, actor, claim and stance of a
    tag come from `_Rows`, read once. Half a million lookups in SQL cost more than the rest
    of the export. The passage's text comes only where the row needs it: as the quote of a
    whole-passage tag, and to place a span in its document when the passage's text is shorter
    than its slice of the document (lines were joined; see `place_in_document`). Only then is
    the document's original text read, by a subquery inside the CASE, for that slice.
    """
    joined = col(Passage.end) - col(Passage.start) != func.length(Passage.text)
    is_span = col(Annotation.start).is_not(None)
    raw_slice = (
        sa_select(
            func.substr(
                Document.original_text, col(Passage.start) + 1, col(Passage.end) - Passage.start
            )
        )
        .where(col(Document.id) == col(Passage.document_id))
        .scalar_subquery()
    )
    # In the order `_Rows.lines` unpacks them.
    columns: tuple[Any, ...] = (
        Annotation.id,
        Annotation.document_id,
        Annotation.passage_id,
        Passage.ordinal,
        Passage.kind,
        Annotation.quote,
        Annotation.start,
        Annotation.end,
        Annotation.position_key,
        Annotation.kind,
        Annotation.topic_key,
        Annotation.actor_key,
        Annotation.claim_id,
        Annotation.note,
        Annotation.analyst,
        iso_utc(Annotation.created_at),
        iso_utc(Annotation.updated_at),
        iso_utc(Annotation.orphaned_at),
        Annotation.example,
        Passage.start,
        Passage.end,
        _only_where(or_(~is_span, joined), Passage.text),
        _only_where(and_(is_span, joined), raw_slice),
    )
    return (
        sa_select(*columns)
        # An outer join: an orphan has no passage.
        .outerjoin(Passage, col(Passage.id) == col(Annotation.passage_id))
        .where(tag_condition(filters))
        .order_by(col(Annotation.created_at), col(Annotation.id))
    )


def _only_where(condition: ColumnElement[bool], value: Any) -> Any:
    """`value` where `condition` holds, else NULL."""
    return case((condition, value), else_=None)


class _Fields(dict[Any, str]):
    """Fields already written, by the value they are written from: a value met again costs one
    lookup instead of quoting it again.

    A key not met yet is written by `render`: a kind, an analyst or a stance met for the first
    time; for the small tables, no key (a tag without topic, actor or claim), which gets empty
    fields as an outer join would give them.
    """

    def __init__(self, render: Callable[[Any], str]) -> None:
        super().__init__()
        self.render = render

    def __missing__(self, key: Any) -> str:
        value = self[key] = self.render(key)
        return value


class _Rows:
    """Writes the tags' rows, with the fields of the small tables read once, quoted once.

    Their memory grows with the documents, claims and stances, not with the tags.
    """

    def __init__(self, connection: Connection, text: TextField) -> None:
        self.text = text
        self.documents = _document_fields(connection, text)
        self.positions = _named_fields(connection, Position.key, Position.name, text)
        self.topics = _named_fields(connection, Topic.key, Topic.name, text)
        self.actors = _named_fields(connection, Actor.key, Actor.name, text)
        self.claims = _named_fields(connection, Claim.id, Claim.text, text)
        query = sa_select(
            col(ClaimStance.claim_id), col(ClaimStance.position_key), col(ClaimStance.stance)
        )
        # Kinds, analysts and stances: a few values met again and again.
        self.words = words = _Fields(text)
        # Keyed by the same strings as the claims and positions (interned) rather than two new
        # ones per stance: 30,000 stances took 8.5 MiB, now 3 MiB.
        self.stances = {
            (intern(claim), intern(key)): words[stance]
            for claim, key, stance in connection.execute(query)
        }

    def lines(self, batch: Iterable[Any]) -> str:
        """The lines of `batch` (rows of `_query`), in the order of COLUMNS, each ended by CRLF.

        Written here rather than by the csv module, whose writer copies every character of
        every field one at a time: on long quotes that was half the export's time. The fields
        are quoted exactly as csv.QUOTE_MINIMAL does (a test compares the two).
        """
        text, words, stances = self.text, self.words, self.stances
        documents, positions, claims = self.documents, self.positions, self.claims
        topics, actors = self.topics, self.actors
        lines = []
        for (
            tag_id,
            document_id,
            passage_id,
            ordinal,
            passage_kind,
            quote,
            start,
            end,
            position_key,
            kind,
            topic_key,
            actor_key,
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
        ) in batch:
            # The passage's ordinal and kind and whole_passage (`passage`), then the start and
            # end of the quote in the passage and in the document (`place`).
            if passage_id is None:  # an orphan: no passage, no place in the document
                passage = ",,"
                place = f"{_number(start)},{_number(end)},,"
            elif start is None:  # the whole passage, its text for the quote
                passage = f"{ordinal},{words[passage_kind]},true"
                quote = passage_text
                place = f"0,{len(passage_text)},{passage_start},{passage_end}"
            elif raw is None and end is not None:  # a span, shifted into the document
                passage = f"{ordinal},{words[passage_kind]},false"
                place = f"{start},{end},{passage_start + start},{passage_start + end}"
            else:  # a span in a passage whose lines were joined
                passage = f"{ordinal},{words[passage_kind]},false"
                document_start, document_end = place_in_document(
                    passage_id, start, end, passage_start, passage_end, passage_text, raw
                )
                place = f"{start},{_number(end)},{document_start},{document_end}"
            lines.append(
                ",".join(
                    (
                        text(tag_id),
                        documents[document_id],
                        text(passage_id),
                        passage,
                        text(quote),
                        place,
                        positions[position_key],
                        words[kind],
                        topics[topic_key],
                        actors[actor_key],
                        claims[claim_id],
                        stances.get((claim_id, position_key), ""),
                        text(note),
                        words[analyst],
                        created_at,
                        updated_at,
                        "false" if orphaned_at is None else "true",
                        orphaned_at or "",
                        "true\r\n" if example else "false\r\n",
                    )
                )
            )
        return "".join(lines)


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


def _named_fields(connection: Connection, key: Any, name: Any, text: TextField) -> _Fields:
    """The two columns of a key, the key and its name, for every row of a small table; empty
    columns for no key. The keys are interned, so that other lookups can share them."""
    fields = _Fields(lambda missing: text(missing) + ",")
    for row_key, row_name in connection.execute(sa_select(key, name)):
        fields[intern(row_key)] = text(row_key) + "," + text(row_name)
    return fields


def _document_fields(connection: Connection, text: TextField) -> _Fields:
    """The six document columns, document_id to document_url, of every document."""
    fields = _Fields(lambda missing: text(missing) + ",,,,,")
    query = sa_select(
        col(Document.id),
        col(Document.title),
        col(Document.outlet),
        col(Document.author),
        col(Document.published),
        col(Document.url),
    )
    for document_id, title, outlet, author, published, url in connection.execute(query):
        published_day = published.isoformat() if published is not None else ""
        fields[document_id] = ",".join(
            (text(document_id), text(title), text(outlet), text(author), published_day, text(url))
        )
    return fields

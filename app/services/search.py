"""Full-text search over passages, claims (text and note) and the notes of tags.

The index is made by migrations: FTS5 tables kept in step by triggers on SQLite (0005); on
PostgreSQL a stored, generated tsvector column on each searched table with a GIN index on it
(0006), so that ranking reads each matching row's vector instead of parsing its text again.
What a person types is never handed to the database's query parser: app/services/search_terms.py
makes it quoted FTS5 strings or tsquery lexemes, so no input is a syntax error and none is an
operator. All words must match; the last one, while still being typed, also matches as a prefix.

Ranks: `-bm25()` on SQLite, `ts_rank(…, 1)` (divided by 1 + the log of the length) on
PostgreSQL; higher is better on both, and more occurrences or a shorter text rank higher.
Snippets come back as pieces of plain text, each marked or not, so that templates escape every
piece and only the `<mark>` around them is markup.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    bindparam,
    column,
    exists,
    false,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.sql import Select
from sqlalchemy.sql.expression import TableClause
from sqlmodel import Session, col
from sqlmodel import select as select_rows

from app.models import (
    Annotation,
    AnnotationKind,
    Claim,
    ClaimStance,
    Document,
    Passage,
    PassageKind,
)
from app.services.blinding import SEES_ALL, Blinding
from app.services.documents import document_labels
from app.services.paging import Page, PageRequest
from app.services.search_terms import (
    START,
    STOP,
    Snippet,
    Term,
    fts5_query,
    parse_query,
    split_marked,
    tsquery,
)

MAX_PAGE_SIZE = 100
SNIPPET_WORDS = 32

AnySelect = Select[*tuple[Any, ...]]


class ResultType(StrEnum):
    passage = "passage"
    claim = "claim"
    note = "note"


@dataclass(frozen=True)
class SearchFilters:
    """What to narrow the results to; None (or empty) means any.

    `kind`, `position`, `topic` and `analyst` apply to the same tag: a passage must have a live
    tag matching all of them, a note is a tag's note and its tag must match. A claim matches
    by its own topic and author, a position's stance, and for `kind` a live evidence tag of
    that kind. `document`, `outlet` and the `published_*` dates are those of a passage's or a
    tag's document, or of a document among a claim's evidence. `untagged` keeps only passages
    without any live tag.

    `blinding` is who asks, not a choice (app/services/blinding.py): the tags they may not see
    while they code a document are as if they were not there, for every filter above (a
    passage with only such tags is untagged), and their notes are not found.
    """

    document: str | None = None
    outlet: str | None = None
    published_from: date | None = None
    published_to: date | None = None
    position: str | None = None
    topic: str | None = None
    kind: AnnotationKind | None = None
    analyst: str | None = None
    untagged: bool = False
    types: frozenset[ResultType] = frozenset()
    blinding: Blinding = SEES_ALL

    @property
    def chosen_types(self) -> frozenset[ResultType]:
        types = self.types or frozenset(ResultType)
        return types & {ResultType.passage} if self.untagged else types


@dataclass(frozen=True)
class SearchHit:
    type: ResultType
    id: str
    rank: float
    snippet: Snippet
    url: str
    title: str
    document_id: str | None = None
    document_label: str | None = None
    passage_id: str | None = None
    claim_id: str | None = None
    # A claim's note when the words were found there; a note's tag (position and kind).
    note: Snippet | None = None
    detail: str = ""


@dataclass(frozen=True)
class SearchResults:
    query: str
    terms: tuple[Term, ...]
    page: Page[SearchHit]

    @property
    def hits(self) -> list[SearchHit]:
        return self.page.items


# --- the queries -------------------------------------------------------------------------------


def _live(annotation: Any = Annotation) -> ColumnElement[bool]:
    return col(annotation.deleted_at).is_(None)


def _visible(filters: SearchFilters) -> list[ColumnElement[bool]]:
    """The tags the reader may see, as conditions on Annotation (none: every tag)."""
    condition = filters.blinding.visible_condition()
    return [] if condition is None else [condition]


def _document_conditions(filters: SearchFilters, document_id: Any) -> list[ColumnElement[bool]]:
    """Conditions on the document `document_id` refers to (via a subquery on document)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.document is not None:
        conditions.append(document_id == filters.document)
    wanted: list[ColumnElement[bool]] = []
    if filters.outlet is not None:
        wanted.append(func.lower(col(Document.outlet)) == filters.outlet.lower())
    if filters.published_from is not None:
        wanted.append(col(Document.published) >= filters.published_from)
    if filters.published_to is not None:
        wanted.append(col(Document.published) <= filters.published_to)
    if wanted:
        conditions.append(document_id.in_(select(col(Document.id)).where(*wanted)))
    return conditions


def _topic_and_analyst_conditions(
    filters: SearchFilters, item: type[Annotation] | type[Claim]
) -> list[ColumnElement[bool]]:
    """The `topic` and `analyst` filters, on a tag's or a claim's own fields."""
    conditions: list[ColumnElement[bool]] = []
    if filters.topic is not None:
        conditions.append(col(item.topic_key) == filters.topic)
    if filters.analyst is not None:
        conditions.append(col(item.analyst) == filters.analyst)
    return conditions


def _tag_conditions(filters: SearchFilters) -> list[ColumnElement[bool]]:
    conditions = _topic_and_analyst_conditions(filters, Annotation)
    if filters.position is not None:
        conditions.append(col(Annotation.position_key) == filters.position)
    if filters.kind is not None:
        conditions.append(col(Annotation.kind) == filters.kind.value)
    return conditions


def _passage_conditions(filters: SearchFilters) -> list[ColumnElement[bool]]:
    conditions = _document_conditions(filters, col(Passage.document_id))
    tags = _tag_conditions(filters)
    tagged = exists().where(
        col(Annotation.passage_id) == col(Passage.id), _live(), *_visible(filters), *tags
    )
    if filters.untagged:
        conditions.append(~tagged)
        if tags:
            conditions.append(false())
    elif tags:
        conditions.append(tagged)
    return conditions


def _note_conditions(filters: SearchFilters) -> list[ColumnElement[bool]]:
    return [
        _live(),
        *_visible(filters),
        *_document_conditions(filters, col(Annotation.document_id)),
        *_tag_conditions(filters),
    ]


def _claim_conditions(filters: SearchFilters) -> list[ColumnElement[bool]]:
    conditions = _topic_and_analyst_conditions(filters, Claim)
    if filters.position is not None:
        conditions.append(
            exists().where(
                col(ClaimStance.claim_id) == col(Claim.id),
                col(ClaimStance.position_key) == filters.position,
            )
        )
    evidence = _document_conditions(filters, col(Annotation.document_id))
    if filters.kind is not None:
        evidence.append(col(Annotation.kind) == filters.kind.value)
    if evidence:
        conditions.append(
            exists().where(
                col(Annotation.claim_id) == col(Claim.id), _live(), *_visible(filters), *evidence
            )
        )
    return conditions


class _Backend:
    """How one database finds, ranks and marks matches."""

    def __init__(self, terms: Sequence[Term]) -> None:
        self.terms = terms

    def passages(self, filters: SearchFilters) -> AnySelect:
        raise NotImplementedError

    def claims(self, filters: SearchFilters) -> AnySelect:
        raise NotImplementedError

    def notes(self, filters: SearchFilters) -> AnySelect:
        raise NotImplementedError

    def snippets(
        self, session: Session, kind: ResultType, ids: list[str]
    ) -> dict[str, tuple[Snippet, Snippet | None]]:
        raise NotImplementedError


def _fts(name: str) -> TableClause:
    """An FTS5 table of migration 0005, as much of it as the queries name."""
    return table(name, column("id"))


class _SQLite(_Backend):
    def _match(self, table: str) -> ColumnElement[bool]:
        return literal_column(table).op("MATCH")(bindparam("fts_query", fts5_query(self.terms)))

    def _hits(
        self,
        kind: ResultType,
        fts_table: str,
        key: Any,
        rank: ColumnElement[Any],
        conditions: list[ColumnElement[bool]],
    ) -> AnySelect:
        """The rows of one FTS5 table matching the query, joined to the rows they index."""
        fts = _fts(fts_table)
        return (
            select(literal(kind.value).label("type"), key.label("id"), rank.label("rank"))
            .select_from(fts)
            .join(key.table, key == fts.c.id)
            .where(self._match(fts_table), *conditions)
        )

    def passages(self, filters: SearchFilters) -> AnySelect:
        rank = -func.bm25(literal_column("passage_fts"))
        conditions = _passage_conditions(filters)
        return self._hits(ResultType.passage, "passage_fts", col(Passage.id), rank, conditions)

    def claims(self, filters: SearchFilters) -> AnySelect:
        # The claim's text weighs twice its note (the first weight is the unindexed id's).
        rank = -func.bm25(literal_column("claim_fts"), 0.0, 2.0, 1.0)
        conditions = _claim_conditions(filters)
        return self._hits(ResultType.claim, "claim_fts", col(Claim.id), rank, conditions)

    def notes(self, filters: SearchFilters) -> AnySelect:
        rank = -func.bm25(literal_column("annotation_note_fts"))
        conditions = _note_conditions(filters)
        return self._hits(
            ResultType.note, "annotation_note_fts", col(Annotation.id), rank, conditions
        )

    def snippets(
        self, session: Session, kind: ResultType, ids: list[str]
    ) -> dict[str, tuple[Snippet, Snippet | None]]:
        table = {
            ResultType.passage: "passage_fts",
            ResultType.claim: "claim_fts",
            ResultType.note: "annotation_note_fts",
        }[kind]
        if kind is ResultType.claim:
            # The whole claim text marked, and the part of its note that matched.
            shown = (
                f"highlight({table}, 1, :start, :stop), "
                f"snippet({table}, 2, :start, :stop, '…', :words)"
            )
        else:
            shown = f"snippet({table}, 1, :start, :stop, '…', :words), NULL"
        statement = text(
            f"SELECT id, {shown} FROM {table} WHERE {table} MATCH :fts_query AND id IN :ids"
        ).bindparams(bindparam("ids", expanding=True))
        rows = session.connection().execute(
            statement,
            {
                "fts_query": fts5_query(self.terms),
                "ids": ids,
                "start": START,
                "stop": STOP,
                "words": SNIPPET_WORDS,
            },
        )
        return {row[0]: (split_marked(row[1]), _optional(row[2])) for row in rows}


def _optional(value: str | None) -> Snippet | None:
    snippet = split_marked(value) if value else None
    return snippet if snippet is not None and snippet.marked else None


SIMPLE: ColumnElement[Any] = literal_column("'simple'::regconfig")
# Migration 0006's stored `to_tsvector('simple', …)` of the searched text (for claims, the text
# and the note), on each searched table.
VECTOR = "search_vector"
HEADLINE = (
    f"StartSel={START}, StopSel={STOP}, MaxWords={SNIPPET_WORDS}, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)


class _PostgreSQL(_Backend):
    def _query(self) -> ColumnElement[Any]:
        return func.to_tsquery(SIMPLE, bindparam("ts_query", tsquery(self.terms)))

    def _ranked(self, kind: ResultType, key: Any) -> AnySelect:
        # Named in text: the column is not in the models, and the row's table is already in FROM.
        vector: ColumnElement[Any] = literal_column(f"{key.table.name}.{VECTOR}")
        return select(
            literal(kind.value).label("type"),
            key.label("id"),
            func.ts_rank(vector, self._query(), 1).label("rank"),
        ).where(vector.op("@@")(self._query()))

    def passages(self, filters: SearchFilters) -> AnySelect:
        ranked = self._ranked(ResultType.passage, col(Passage.id))
        return ranked.where(*_passage_conditions(filters))

    def claims(self, filters: SearchFilters) -> AnySelect:
        ranked = self._ranked(ResultType.claim, col(Claim.id))
        return ranked.where(*_claim_conditions(filters))

    def notes(self, filters: SearchFilters) -> AnySelect:
        ranked = self._ranked(ResultType.note, col(Annotation.id))
        return ranked.where(*_note_conditions(filters))

    def _headline(self, value: Any, options: str = HEADLINE) -> ColumnElement[str]:
        return func.ts_headline(SIMPLE, value, self._query(), literal(options))

    def snippets(
        self, session: Session, kind: ResultType, ids: list[str]
    ) -> dict[str, tuple[Snippet, Snippet | None]]:
        query: AnySelect
        if kind is ResultType.passage:
            query = select(col(Passage.id), self._headline(col(Passage.text)), literal(None))
            query = query.where(col(Passage.id).in_(ids))
        elif kind is ResultType.note:
            query = select(col(Annotation.id), self._headline(col(Annotation.note)), literal(None))
            query = query.where(col(Annotation.id).in_(ids))
        else:
            whole = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"
            query = select(
                col(Claim.id),
                self._headline(col(Claim.text), whole),
                self._headline(col(Claim.note)),
            ).where(col(Claim.id).in_(ids))
        return {
            row[0]: (split_marked(row[1]), _optional(row[2]))
            for row in session.connection().execute(query)
        }


def _backend(session: Session, terms: Sequence[Term]) -> _Backend:
    dialect = session.connection().dialect.name
    return _PostgreSQL(terms) if dialect == "postgresql" else _SQLite(terms)


def search(
    session: Session, query: str, filters: SearchFilters, page: PageRequest
) -> SearchResults:
    """Passages, claims and tag notes matching every word of `query`, best first, a page at a
    time, with the matched words marked in a snippet of each. An empty query finds nothing."""
    terms = parse_query(query)
    limit = max(1, min(page.limit, MAX_PAGE_SIZE))
    offset = max(page.offset, 0)
    types = filters.chosen_types
    if not terms or not types:
        return SearchResults(query, terms, Page([], 0, limit, offset))
    backend = _backend(session, terms)
    arms = [
        build(filters)
        for kind, build in (
            (ResultType.passage, backend.passages),
            (ResultType.claim, backend.claims),
            (ResultType.note, backend.notes),
        )
        if kind in types
    ]
    matches = union_all(*arms).subquery("matches")
    # The total comes with the page (a window count), so the matches are found and ranked
    # once, not once for the count and again for the page.
    ranked = (
        select(matches.c.type, matches.c.id, matches.c.rank, func.count().over())
        .order_by(matches.c.rank.desc(), matches.c.type, matches.c.id)
        .limit(limit)
        .offset(offset)
    )
    found = session.connection().execute(ranked).all()
    rows = [(ResultType(t), i, float(r)) for t, i, r, _ in found]
    if found:
        total = found[0][3]
    else:  # a page past the end: count on its own
        count = select(func.count()).select_from(matches)
        total = session.connection().execute(count).scalar_one()
    hits = _present(session, backend, rows)
    return SearchResults(query, terms, Page(hits, int(total), limit, offset))


# --- presenting the hits -----------------------------------------------------------------------


@dataclass
class _Found:
    rows: list[tuple[ResultType, str, float]]
    by_type: dict[ResultType, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for kind, key, _ in self.rows:
            self.by_type.setdefault(kind, []).append(key)


def passage_url(passage: Passage) -> str:
    """Where a passage is read in its document (boilerplate is shown only on request)."""
    hidden = "?hidden=true" if passage.kind == PassageKind.boilerplate else ""
    return f"/documents/{passage.document_id}{hidden}#p-{passage.id}"


def _present(
    session: Session, backend: _Backend, rows: list[tuple[ResultType, str, float]]
) -> list[SearchHit]:
    found = _Found(rows)
    snippets: dict[str, tuple[Snippet, Snippet | None]] = {}
    for kind, ids in found.by_type.items():
        snippets.update(backend.snippets(session, kind, ids))

    def rows_of(model: Any, ids: list[str]) -> dict[str, Any]:
        return {row.id: row for row in session.exec(select_rows(model).where(model.id.in_(ids)))}

    passages: dict[str, Passage] = rows_of(Passage, found.by_type.get(ResultType.passage, []))
    notes: dict[str, Annotation] = rows_of(Annotation, found.by_type.get(ResultType.note, []))
    claims: dict[str, Claim] = rows_of(Claim, found.by_type.get(ResultType.claim, []))
    note_passages: dict[str, Passage] = rows_of(
        Passage, [a.passage_id for a in notes.values() if a.passage_id]
    )
    document_ids = {p.document_id for p in passages.values()}
    document_ids |= {a.document_id for a in notes.values()}
    labels = document_labels(session, document_ids)
    hits: list[SearchHit] = []
    for kind, key, rank in rows:
        # A row deleted between the two queries (PostgreSQL reads each at its own moment).
        if key not in (
            passages if kind is ResultType.passage else notes if kind is ResultType.note else claims
        ):
            continue
        snippet, extra = snippets.get(key, (Snippet(), None))
        if kind is ResultType.passage:
            passage = passages[key]
            hits.append(
                SearchHit(
                    kind,
                    key,
                    rank,
                    snippet,
                    url=passage_url(passage),
                    title=labels.get(passage.document_id, passage.document_id),
                    document_id=passage.document_id,
                    document_label=labels.get(passage.document_id),
                    passage_id=passage.id,
                    detail=f"passage {passage.ordinal + 1}",
                )
            )
        elif kind is ResultType.note:
            annotation = notes[key]
            where = note_passages.get(annotation.passage_id or "")
            url = (
                passage_url(where) if where is not None else f"/documents/{annotation.document_id}"
            )
            hits.append(
                SearchHit(
                    kind,
                    key,
                    rank,
                    snippet,
                    url=url,
                    title=labels.get(annotation.document_id, annotation.document_id),
                    document_id=annotation.document_id,
                    document_label=labels.get(annotation.document_id),
                    passage_id=annotation.passage_id,
                    claim_id=annotation.claim_id,
                    detail=f"note on a tag: {annotation.position_key} {annotation.kind}"
                    f" by {annotation.analyst}",
                )
            )
        else:
            claim = claims[key]
            hits.append(
                SearchHit(
                    kind,
                    key,
                    rank,
                    snippet if snippet.pieces else Snippet(((claim.text, False),)),
                    url=f"/claims/{claim.id}",
                    title=claim.text,
                    claim_id=claim.id,
                    note=extra,
                    detail=f"claim by {claim.analyst}",
                )
            )
    return hits

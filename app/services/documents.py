"""Reading the corpus: documents with their counts, a document's passages with their tags,
and every passage tagged with one position."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, and_, case, distinct, false, func, or_
from sqlmodel import Session, col, select

from app.db import save
from app.models import (
    Annotation,
    Claim,
    ClaimStance,
    Document,
    DocumentPublic,
    DocumentUpdate,
    Passage,
    PassageKind,
    PassageUpdate,
    Position,
    Topic,
    utcnow,
)
from app.services.blinding import SEES_ALL, Blinding
from app.services.lookup import check_exists, get_existing
from app.services.paging import Page, PageRequest, count_rows
from app.services.versions import check_version

HIDDEN_KINDS = (PassageKind.boilerplate,)
LABEL_WORDS = 9
# A citation names its document in at most this many characters (a long title is shortened).
CITATION_LENGTH = 48


def day_label(day: date) -> str:
    """A publication date as a reader writes it: 16 Aug 2025."""
    return f"{day.day} {day:%b %Y}"


def document_label(document: Document, first_words: str | None = None) -> str:
    """How a document is named everywhere: its title; for an untitled text its outlet and date
    where known ("Reuters, 16 Aug 2025"); with no outlet, its opening words, and its date when
    known (titles are never invented)."""
    if document.title:
        return document.title
    day = day_label(document.published) if document.published else None
    if document.outlet:
        return f"{document.outlet}, {day}" if day else document.outlet
    if first_words:
        words = first_words.split()
        more = "…" if len(words) > LABEL_WORDS else ""
        opening = "“" + " ".join(words[:LABEL_WORDS]) + more + "”"
        return f"{opening}, {day}" if day else opening
    return day or document.source_name or document.id


def passage_citation(label: str, ordinal: int) -> str:
    """A short, readable reference to a passage: its document's label (shortened at a word
    when long) and the paragraph's number: "Reuters, 16 Aug 2025, ¶4"."""
    if len(label) > CITATION_LENGTH:
        cut = label[:CITATION_LENGTH].rsplit(" ", 1)[0].rstrip(" ,.;:–—-“")
        label = cut + ("…”" if label.startswith("“") else "…")
    return f"{label}, ¶{ordinal + 1}"


@dataclass(frozen=True)
class DocumentSummary:
    document: DocumentPublic
    label: str


def _live() -> ColumnElement[bool]:
    return col(Annotation.deleted_at).is_(None)


def _undated() -> ColumnElement[bool]:
    return col(Document.published).is_(None)


def _visible(blinding: Blinding) -> list[ColumnElement[bool]]:
    """The tags the reader may see (app/services/blinding.py), as conditions to add."""
    condition = blinding.visible_condition()
    return [] if condition is None else [condition]


def list_documents(
    session: Session,
    only: str | None = None,
    page: PageRequest | None = None,
    undated: bool = False,
    blinding: Blinding = SEES_ALL,
) -> list[DocumentSummary]:
    """Every document (or just the one with id `only`, or one `page` of them; with `undated`,
    only those without a publication date), oldest first, with its passage, tagged-passage and
    tag counts (four queries in all, counting only the documents shown, and only the tags the
    reader's `blinding` lets them see)."""
    documents = select(Document).order_by(col(Document.created_at), col(Document.id))
    if only is not None:
        documents = documents.where(Document.id == only)
    if undated:
        documents = documents.where(_undated())
    if page is not None:
        documents = documents.offset(page.offset).limit(page.limit)
    shown = list(session.exec(documents))
    if not shown:
        return []
    # Counted for the documents shown only; for all of them, without a list of ids. Passages
    # and tags are counted apart, each by its own document_id index: joining the two tables
    # made PostgreSQL hash every live tag of the corpus to count one document's.
    some = only is not None or page is not None or undated
    ids = [d.id for d in shown] if some else None
    passage_counts = select(Passage.document_id, func.count()).group_by(col(Passage.document_id))
    tag_counts = (
        select(
            Annotation.document_id,
            func.count(distinct(col(Annotation.passage_id))),
            func.count(),
        )
        .where(_live(), col(Annotation.passage_id).is_not(None), *_visible(blinding))
        .group_by(col(Annotation.document_id))
    )
    if ids is not None:
        passage_counts = passage_counts.where(col(Passage.document_id).in_(ids))
        tag_counts = tag_counts.where(col(Annotation.document_id).in_(ids))
    passages_of = {key: count for key, count in session.exec(passage_counts)}
    tags_of = {key: (tagged, tags) for key, tagged, tags in session.exec(tag_counts)}
    first_paragraphs = _openings(session, ids)
    summaries = []
    for document in shown:
        passages = passages_of.get(document.id, 0)
        tagged, tags = tags_of.get(document.id, (0, 0))
        public = DocumentPublic.model_validate(
            document,
            update={
                "passage_count": passages,
                "tagged_passage_count": tagged,
                "annotation_count": tags,
            },
        )
        summaries.append(
            DocumentSummary(public, document_label(document, first_paragraphs.get(document.id)))
        )
    return summaries


def page_documents(
    session: Session, page: PageRequest, undated: bool = False, blinding: Blinding = SEES_ALL
) -> Page[DocumentSummary]:
    """One page of `list_documents` (with `undated`, of the documents without a publication
    date), with the number of such documents in all."""
    total = count_documents(session, undated)
    shown = list_documents(session, page=page, undated=undated, blinding=blinding)
    return Page(shown, total, page.limit, page.offset)


def count_documents(session: Session, undated: bool = False) -> int:
    """How many documents there are; with `undated`, how many have no publication date (they
    have no place on a time axis)."""
    query = select(Document.id)
    return count_rows(session, query.where(_undated()) if undated else query)


def _openings(session: Session, ids: Iterable[str] | None) -> dict[str, str]:
    """The opening passage of each of these documents (None: all), by which an untitled
    document is named."""
    openings = select(Passage.document_id, Passage.text).where(Passage.ordinal == 0)
    if ids is not None:
        openings = openings.where(col(Passage.document_id).in_(list(ids)))
    return {key: value for key, value in session.exec(openings)}


def document_labels(session: Session, ids: Iterable[str]) -> dict[str, str]:
    """The label of each of these documents (two queries, no counting)."""
    wanted = set(ids)
    if not wanted:
        return {}
    openings = _openings(session, wanted)
    shown = session.exec(select(Document).where(col(Document.id).in_(wanted)))
    return {d.id: document_label(d, openings.get(d.id)) for d in shown}


def get_document(session: Session, document_id: str) -> Document:
    return get_existing(session, Document, document_id)


def check_document_version(session: Session, document: Document, version: int | None) -> None:
    """Refuse a change based on another version of the document (see `check_version`)."""
    check_version(
        session, document, version, lambda: get_document_summary(session, document.id).document
    )


def get_document_summary(
    session: Session, document_id: str, blinding: Blinding = SEES_ALL
) -> DocumentSummary:
    """The document with its counts of the tags the reader's `blinding` lets them see."""
    get_document(session, document_id)
    return list_documents(session, only=document_id, blinding=blinding)[0]


def update_document(session: Session, document_id: str, data: DocumentUpdate) -> Document:
    """Correct a document's metadata (its text is replaced, tags and all, by
    `reanchor.replace_document_text`). With `data.version`, refused (VersionConflict) if the
    document is at another one."""
    document = get_document(session, document_id)
    check_document_version(session, document, data.version)
    document.sqlmodel_update(data.model_dump(exclude_unset=True, exclude={"version"}))
    document.updated_at = utcnow()
    return save(session, document)


def delete_document(session: Session, document_id: str, version: int | None = None) -> None:
    """Delete a document with its passages and their tags; with `version`, refused
    (VersionConflict) if the document is at another one."""
    document = get_document(session, document_id)
    check_document_version(session, document, version)
    session.delete(document)
    session.commit()


def list_passages(session: Session, document_id: str) -> list[Passage]:
    get_document(session, document_id)
    return list(
        session.exec(
            select(Passage).where(Passage.document_id == document_id).order_by(col(Passage.ordinal))
        )
    )


def update_passage(session: Session, passage_id: str, data: PassageUpdate) -> Passage:
    """Correct a passage's kind (say, un-hide a line wrongly taken for boilerplate)."""
    passage = get_existing(session, Passage, passage_id)
    passage.kind = data.kind
    return save(session, passage)


# --- the document view -----------------------------------------------------------------------


@dataclass
class TextPiece:
    """A run of passage text and the span tags that cover all of it."""

    text: str
    annotations: list[Annotation] = field(default_factory=list)


@dataclass
class PassageView:
    passage: Passage
    annotations: list[Annotation]
    pieces: list[TextPiece]

    @property
    def hidden(self) -> bool:
        return self.passage.kind in HIDDEN_KINDS


def split_into_pieces(text: str, annotations: list[Annotation]) -> list[TextPiece]:
    """Cut the text at every span boundary so that each piece can show which tags cover it."""
    spans = [(a.start, a.end, a) for a in annotations if a.start is not None and a.end is not None]
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    pieces = []
    for left, right in zip(cuts, cuts[1:], strict=False):
        covering = [a for start, end, a in spans if start <= left and right <= end]
        pieces.append(TextPiece(text[left:right], covering))
    return pieces or [TextPiece(text)]


def passage_view(session: Session, passage: Passage, blinding: Blinding = SEES_ALL) -> PassageView:
    """A passage with its live tags, those the reader's `blinding` lets them see."""
    annotations = list(
        session.exec(
            select(Annotation)
            .where(Annotation.passage_id == passage.id, _live(), *_visible(blinding))
            .order_by(col(Annotation.created_at), col(Annotation.id))
        )
    )
    return PassageView(passage, annotations, split_into_pieces(passage.text, annotations))


def document_passage_views(
    session: Session,
    document_id: str,
    start: int = 0,
    stop: int | None = None,
    blinding: Blinding = SEES_ALL,
) -> list[PassageView]:
    """The passages of a document (those with ordinals start <= ordinal < stop; all by default)
    with their live tags, those the reader's `blinding` lets them see: two queries, whatever
    the size."""
    get_document(session, document_id)
    in_window = [col(Passage.document_id) == document_id, col(Passage.ordinal) >= start]
    if stop is not None:
        in_window.append(col(Passage.ordinal) < stop)
    passages = list(session.exec(select(Passage).where(*in_window).order_by(col(Passage.ordinal))))
    by_passage: dict[str, list[Annotation]] = defaultdict(list)
    for annotation in session.exec(
        select(Annotation)
        .join(Passage, col(Passage.id) == col(Annotation.passage_id))  # orphans have no place
        .where(Annotation.document_id == document_id, _live(), *in_window, *_visible(blinding))
        .order_by(col(Annotation.created_at), col(Annotation.id))
    ):
        by_passage[annotation.passage_id or ""].append(annotation)
    return [
        PassageView(p, by_passage[p.id], split_into_pieces(p.text, by_passage[p.id]))
        for p in passages
    ]


@dataclass(frozen=True)
class PassageCounts:
    """How many passages a document has, and how many of them are hidden (boilerplate)."""

    total: int
    hidden: int


def passage_counts(session: Session, document_id: str) -> PassageCounts:
    hidden = case((col(Passage.kind).in_([str(kind) for kind in HIDDEN_KINDS]), 1), else_=0)
    total, hidden_total = session.exec(
        select(func.count(), func.coalesce(func.sum(hidden), 0)).where(
            Passage.document_id == document_id
        )
    ).one()
    return PassageCounts(total, hidden_total)


def ordinal_of(session: Session, document_id: str, passage_id: str) -> int | None:
    """Where a passage is in its document (None if it is not one of its passages)."""
    return session.exec(
        select(Passage.ordinal).where(Passage.id == passage_id, Passage.document_id == document_id)
    ).first()


# --- the position view -----------------------------------------------------------------------


@dataclass(frozen=True)
class TaggedPassage:
    """A tag with its passage and document: in a position's view, or as a claim's evidence."""

    annotation: Annotation
    passage: Passage
    document: Document
    document_label: str


@dataclass(frozen=True)
class TopicGroup:
    topic: Topic | None
    items: list[TaggedPassage]


def position_groups(
    session: Session, position_key: str, page: PageRequest | None = None
) -> list[TopicGroup]:
    """Every live tag with this position across the corpus (or one `page` of them), grouped by
    topic in the order of the topics' names, untopical last; in a group, by document."""
    return page_position_groups(session, position_key, page)[0]


def _on_topic(topic_key: str | None) -> ColumnElement[bool]:
    """Tags of this topic (None: of none)."""
    column = col(Annotation.topic_key)
    return column.is_(None) if topic_key is None else column == topic_key


def _page_spans(
    session: Session, position_key: str, page: PageRequest, blinding: Blinding
) -> tuple[list[tuple[str | None, str]], int, int]:
    """Which (topic, document) pairs of the position's tags `page` reaches, in their order;
    how many of the first pair's tags it skips; and the number of tags in all.

    The tags are counted by topic, then by document in the topics the page reaches, from an
    index, and put in order by the topics' and documents' own order: a page of a position
    with 80,000 tags then reads only its own tags, instead of joining and sorting them all.
    """
    placed: tuple[ColumnElement[bool], ...] = (
        col(Annotation.position_key) == position_key,
        _live(),
        col(Annotation.passage_id).is_not(None),  # orphans have no place in a document
        *_visible(blinding),
    )
    by_topic: dict[str | None, int] = dict(
        session.exec(
            select(Annotation.topic_key, func.count())
            .where(*placed)
            .group_by(col(Annotation.topic_key))
        ).all()
    )
    named = session.exec(select(Topic.key).order_by(func.lower(col(Topic.name)), col(Topic.key)))
    topic_order: list[str | None] = [key for key in named if key in by_topic]
    if None in by_topic:
        topic_order.append(None)  # untopical last
    spans: list[tuple[str | None, str]] = []
    skip, seen, stop = 0, 0, page.offset + page.limit
    document_rank: dict[str, int] | None = None
    for topic_key in topic_order:
        if not (seen + by_topic[topic_key] > page.offset and seen < stop):
            seen += by_topic[topic_key]
            continue
        if document_rank is None:
            ids = session.exec(
                select(Document.id).order_by(col(Document.created_at), col(Document.id))
            )
            document_rank = {document_id: rank for rank, document_id in enumerate(ids)}
        by_document = session.exec(
            select(Annotation.document_id, func.count())
            .where(*placed, _on_topic(topic_key))
            .group_by(col(Annotation.document_id))
        ).all()
        for document_id, tags in sorted(by_document, key=lambda row: document_rank[row[0]]):
            if seen + tags > page.offset and seen < stop:
                if not spans:
                    skip = page.offset - seen
                spans.append((topic_key, document_id))
            seen += tags
    return spans, skip, sum(by_topic.values())


def page_position_groups(
    session: Session, position_key: str, page: PageRequest | None, blinding: Blinding = SEES_ALL
) -> tuple[list[TopicGroup], Page[TaggedPassage]]:
    """`position_groups`, and the page of tags they hold with the number of tags in all; not
    the tags the reader's `blinding` hides."""
    check_exists(session, Position, position_key)
    tagged: ColumnElement[bool] = col(Annotation.position_key) == position_key
    total = 0
    if page is not None:
        spans, skip, total = _page_spans(session, position_key, page, blinding)
        # The pairs are consecutive in the order: their tags, in order, hold the page. Each
        # names the position, so that SQLite looks each pair up in the index.
        tagged = or_(
            false(),
            *(
                and_(tagged, _on_topic(topic_key), col(Annotation.document_id) == document_id)
                for topic_key, document_id in spans
            ),
        )
    query = (
        select(Annotation, Passage, Document)
        .join(Passage, col(Passage.id) == col(Annotation.passage_id))
        .join(Document, col(Document.id) == col(Passage.document_id))
        .outerjoin(Topic, col(Topic.key) == col(Annotation.topic_key))
        .where(tagged, _live(), *_visible(blinding))
        .order_by(
            col(Annotation.topic_key).is_(None),
            func.lower(col(Topic.name)),
            col(Annotation.topic_key),
            col(Document.created_at),
            col(Document.id),
            col(Passage.ordinal),
            col(Annotation.start),
            col(Annotation.id),
        )
    )
    if page is not None:
        query = query.offset(skip).limit(page.limit)
    rows = session.exec(query).all()
    topics = {t.key: t for t in session.exec(select(Topic))}
    labels = document_labels(session, {document.id for _, _, document in rows})
    grouped: dict[str | None, list[TaggedPassage]] = defaultdict(list)
    for annotation, passage, document in rows:
        grouped[annotation.topic_key].append(
            TaggedPassage(annotation, passage, document, labels[document.id])
        )
    groups = [TopicGroup(topics[k] if k else None, items) for k, items in grouped.items()]
    items = [item for group in groups for item in group.items]
    if page is None:
        return groups, Page(items, len(items), max(len(items), 1), 0)
    return groups, Page(items, total, page.limit, page.offset)


def claim_texts(session: Session, views: list[PassageView]) -> dict[str, str]:
    """The text of every claim the shown tags are evidence for (one query)."""
    return claim_texts_of(session, [a for view in views for a in view.annotations])


def claim_texts_of(session: Session, annotations: Iterable[Annotation]) -> dict[str, str]:
    """The text of every claim these tags are evidence for (one query)."""
    ids = {a.claim_id for a in annotations if a.claim_id}
    if not ids:
        return {}
    rows = session.exec(select(Claim.id, Claim.text).where(col(Claim.id).in_(ids)))
    return dict(rows.all())


def claim_stances_of(
    session: Session, annotations: Iterable[Annotation]
) -> dict[tuple[str, str], str]:
    """Whether each tag's position holds or rejects the claim the tag is evidence for, by
    (claim id, position key), for the tags whose position has a stance on it (one query)."""
    wanted = {(a.claim_id, a.position_key) for a in annotations if a.claim_id}
    if not wanted:
        return {}
    rows = session.exec(
        select(ClaimStance).where(col(ClaimStance.claim_id).in_({c for c, _ in wanted}))
    )
    return {
        (s.claim_id, s.position_key): str(s.stance)
        for s in rows
        if (s.claim_id, s.position_key) in wanted
    }

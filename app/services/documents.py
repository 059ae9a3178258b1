"""Reading the corpus: documents with their counts, a document's passages with their tags,
and every passage tagged with one position."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, distinct, func
from sqlmodel import Session, col, select

from app.db import save
from app.models import (
    Annotation,
    Claim,
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
from app.services.errors import NotFound
from app.services.versions import check_version

HIDDEN_KINDS = (PassageKind.boilerplate,)
LABEL_WORDS = 9


def document_label(document: Document, first_words: str | None = None) -> str:
    """The title, or for an untitled text its opening words (titles are never invented)."""
    if document.title:
        return document.title
    if first_words:
        words = first_words.split()
        more = "…" if len(words) > LABEL_WORDS else ""
        return "“" + " ".join(words[:LABEL_WORDS]) + more + "”"
    return document.source_name or document.id


@dataclass(frozen=True)
class DocumentSummary:
    document: DocumentPublic
    label: str


def _live() -> ColumnElement[bool]:
    return col(Annotation.deleted_at).is_(None)


def list_documents(session: Session, only: str | None = None) -> list[DocumentSummary]:
    """Every document (or just the one with id `only`) with its passage, tagged-passage and
    tag counts (three queries in all)."""
    counts = (
        select(
            Passage.document_id,
            func.count(distinct(col(Passage.id))).label("passages"),
            func.count(distinct(col(Annotation.passage_id))).label("tagged"),
            func.count(distinct(col(Annotation.id))).label("tags"),
        )
        .outerjoin(
            Annotation,
            (col(Annotation.passage_id) == col(Passage.id)) & _live(),
        )
        .group_by(col(Passage.document_id))
    )
    openings = select(Passage.document_id, func.min(Passage.text)).where(Passage.ordinal == 0)
    documents = select(Document).order_by(col(Document.created_at), col(Document.id))
    if only is not None:
        # The document page refreshes its counts after every tag: count one document, not all.
        counts = counts.where(Passage.document_id == only)
        openings = openings.where(Passage.document_id == only)
        documents = documents.where(Document.id == only)
    by_document = {row[0]: row[1:] for row in session.exec(counts)}
    first_paragraphs = dict(session.exec(openings.group_by(col(Passage.document_id))).all())
    summaries = []
    for document in session.exec(documents):
        passages, tagged, tags = by_document.get(document.id, (0, 0, 0))
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


def get_document(session: Session, document_id: str) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound(f"There is no document with the id '{document_id}'.")
    return document


def check_document_version(session: Session, document: Document, version: int | None) -> None:
    """Refuse a change based on another version of the document (see `check_version`)."""
    check_version(
        session, document, version, lambda: get_document_summary(session, document.id).document
    )


def get_document_summary(session: Session, document_id: str) -> DocumentSummary:
    get_document(session, document_id)
    return list_documents(session, only=document_id)[0]


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
    passage = session.get(Passage, passage_id)
    if passage is None:
        raise NotFound(f"There is no passage with the id '{passage_id}'.")
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


def passage_view(session: Session, passage: Passage) -> PassageView:
    annotations = list(
        session.exec(
            select(Annotation)
            .where(Annotation.passage_id == passage.id, _live())
            .order_by(col(Annotation.created_at), col(Annotation.id))
        )
    )
    return PassageView(passage, annotations, split_into_pieces(passage.text, annotations))


def document_passage_views(session: Session, document_id: str) -> list[PassageView]:
    """All passages of a document with their live tags (two queries, whatever the size)."""
    passages = list_passages(session, document_id)
    by_passage: dict[str, list[Annotation]] = defaultdict(list)
    for annotation in session.exec(
        select(Annotation)
        .where(Annotation.document_id == document_id, _live())
        .order_by(col(Annotation.created_at), col(Annotation.id))
    ):
        if annotation.passage_id is not None:  # orphans have no place to be shown
            by_passage[annotation.passage_id].append(annotation)
    return [
        PassageView(p, by_passage[p.id], split_into_pieces(p.text, by_passage[p.id]))
        for p in passages
    ]


# --- the position view -----------------------------------------------------------------------


@dataclass(frozen=True)
class TaggedPassage:
    annotation: Annotation
    passage: Passage
    document: Document
    document_label: str


@dataclass(frozen=True)
class TopicGroup:
    topic: Topic | None
    items: list[TaggedPassage]


def position_groups(session: Session, position_key: str) -> list[TopicGroup]:
    """Every live tag with this position across the corpus, grouped by topic (untopical last)."""
    if session.get(Position, position_key) is None:
        raise NotFound(f"There is no position with the key '{position_key}'.")
    rows = session.exec(
        select(Annotation, Passage, Document)
        .join(Passage, col(Passage.id) == col(Annotation.passage_id))
        .join(Document, col(Document.id) == col(Passage.document_id))
        .where(Annotation.position_key == position_key, _live())
        .order_by(
            col(Document.created_at), col(Document.id), col(Passage.ordinal), col(Annotation.start)
        )
    ).all()
    topics = {t.key: t for t in session.exec(select(Topic))}
    labels = {s.document.id: s.label for s in list_documents(session)} if rows else {}
    grouped: dict[str | None, list[TaggedPassage]] = defaultdict(list)
    for annotation, passage, document in rows:
        grouped[annotation.topic_key].append(
            TaggedPassage(annotation, passage, document, labels[document.id])
        )
    keys = sorted((k for k in grouped if k is not None), key=lambda k: topics[k].name.lower())
    groups = [TopicGroup(topics[k], grouped[k]) for k in keys]
    if None in grouped:
        groups.append(TopicGroup(None, grouped[None]))
    return groups


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

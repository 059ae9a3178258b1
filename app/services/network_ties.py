"""The evidence behind one tie of a discourse network: its statements, each with the passage it
was read from, so an analyst can check what the network asserts against the texts."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from app.models import Annotation, Document, Passage
from app.services.documents import document_labels
from app.services.networks import NetworkSpec
from app.services.networks.statements import Statement
from app.services.networks.ties import SharedNode, actors_of_tie, tie_statements
from app.services.statements import StatementFilters, actor_keys, read_statements

# At most this many shared nodes are listed with their passages (a dense tie has hundreds).
SHARED_LIMIT = 30


@dataclass(frozen=True)
class TaggedPassage:
    """A statement's tag, the passage it marks (None once orphaned) and its document."""

    annotation: Annotation
    passage: Passage | None
    document: Document
    document_label: str

    @property
    def quote(self) -> str:
        """The words tagged: the span, the whole passage, or what an orphan kept."""
        start, end = self.annotation.start, self.annotation.end
        if self.passage is None:
            return self.annotation.quote or ""
        if start is None or end is None:
            return self.passage.text
        return self.passage.text[start:end]


@dataclass(frozen=True)
class TieEvidence:
    """The shared nodes of a tie (the first SHARED_LIMIT) and every listed statement's tag."""

    shared: list[SharedNode]
    total: int
    tags: dict[str, TaggedPassage]


def tagged_passages(session: Session, tag_ids: Iterable[str]) -> dict[str, TaggedPassage]:
    """The tags with these ids, with their passages and documents, in two queries."""
    wanted = sorted(set(tag_ids))
    if not wanted:
        return {}
    rows = session.exec(
        select(Annotation, Passage, Document)
        .outerjoin(Passage, col(Passage.id) == col(Annotation.passage_id))
        .join(Document, col(Document.id) == col(Annotation.document_id))
        .where(col(Annotation.id).in_(wanted))
    ).all()
    labels = document_labels(session, {document.id for _, _, document in rows})
    return {
        tag.id: TaggedPassage(tag, passage, document, labels[document.id])
        for tag, passage, document in rows
    }


def tie_evidence(
    session: Session,
    spec: NetworkSpec,
    filters: StatementFilters,
    source: str,
    target: str,
    window: tuple[date, date] | None = None,
) -> TieEvidence:
    """The statements behind the tie `source`–`target` of the network `spec` under `filters`,
    within `window` (first and last day) if given, with their tags' passages."""
    statements = _statements_of_tie(session, spec, filters, source, target)
    shared = tie_statements(statements, spec, source, target, window)
    listed = shared[:SHARED_LIMIT]
    ids = [s.id for node in listed for s in (*node.first, *node.second)]
    return TieEvidence(listed, len(shared), tagged_passages(session, ids))


def _statements_of_tie(
    session: Session, spec: NetworkSpec, filters: StatementFilters, source: str, target: str
) -> list[Statement]:
    """The statements that may make the tie: those of its actors only, where its actors alone
    make it (reading every statement took a tie between two actors over a second at size)."""
    labels = actors_of_tie(spec, source, target)
    actors = None if labels is None else actor_keys(session, labels)
    return read_statements(session, filters, actors).statements

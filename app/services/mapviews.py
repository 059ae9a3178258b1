"""The argument map seen whole: the claim graph and the position × topic matrix.

Both are read-only summaries computed in a constant number of queries, whatever the size of
the map, so that they stay quick for thousands of claims.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, distinct, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.models import (
    Annotation,
    AnnotationKind,
    Claim,
    ClaimStance,
    Document,
    Passage,
    Position,
    Relation,
    Stance,
    Topic,
)
from app.services.catalog import get_position, get_topic, list_positions, list_topics
from app.services.reanchor import (
    claims_needing_review,
    evidence_tags,
    relations_needing_review,
)

NO_TOPIC = "_none"
NEUTRAL_COLOUR = "#8a929c"


@dataclass(frozen=True)
class MapFilters:
    """Which part of the map to show; None means no restriction on that field."""

    topic: str | None = None
    position: str | None = None


def _claims_query(filters: MapFilters) -> SelectOfScalar[str]:
    query = select(Claim.id)
    if filters.topic == NO_TOPIC:
        query = query.where(col(Claim.topic_key).is_(None))
    elif filters.topic is not None:
        query = query.where(Claim.topic_key == filters.topic)
    if filters.position is not None:
        held = select(ClaimStance.claim_id).where(ClaimStance.position_key == filters.position)
        query = query.where(col(Claim.id).in_(held))
    return query


def check_filters(session: Session, filters: MapFilters) -> None:
    """Unknown topics or positions are an error (NotFound), not an empty map."""
    if filters.topic is not None and filters.topic != NO_TOPIC:
        get_topic(session, filters.topic)
    if filters.position is not None:
        get_position(session, filters.position)


def claim_graph(session: Session, filters: MapFilters) -> dict[str, Any]:
    """Claims as nodes (coloured by the positions that hold them) and relations as edges.

    Seven queries in all: claims, stances, evidence counts, relations, positions, and the
    claims and relations that need review.
    """
    check_filters(session, filters)
    # The claims shown are chosen in SQL; their stances, evidence and relations are then
    # picked out in Python, which for thousands of rows beats filtering each query by a
    # subquery (SQLite re-evaluates it).
    claims = session.exec(
        select(Claim.id, Claim.text, Claim.topic_key)
        .where(col(Claim.id).in_(_claims_query(filters)))
        .order_by(col(Claim.created_at))
    ).all()
    shown = {claim_id for claim_id, _, _ in claims}
    positions = {p.key: p for p in list_positions(session)}
    stances: dict[str, list[dict[str, str]]] = defaultdict(list)
    for claim_id, position_key, stance in session.exec(
        select(ClaimStance.claim_id, ClaimStance.position_key, ClaimStance.stance).order_by(
            col(ClaimStance.claim_id), col(ClaimStance.position_key)
        )
    ):
        if claim_id not in shown:
            continue
        position = positions[position_key]
        stances[claim_id].append(
            {
                "position": position_key,
                "name": position.name,
                "colour": position.colour,
                "stance": stance,
            }
        )
    evidence = dict(
        session.exec(
            select(Annotation.claim_id, func.count())
            .where(evidence_tags(orphaned=False))
            .group_by(col(Annotation.claim_id))
        ).all()
    )
    # Derived flags (see app/services/reanchor.py): evidence lost in a replaced text.
    to_review = claims_needing_review(session)
    relations_to_review = relations_needing_review(session)
    nodes = []
    for claim_id, text, topic_key in claims:
        held = [s for s in stances[claim_id] if s["stance"] == Stance.holds]
        nodes.append(
            {
                "id": claim_id,
                "text": text,
                "topic": topic_key,
                "stances": stances[claim_id],
                "colours": [s["colour"] for s in held] or [NEUTRAL_COLOUR],
                "rejected_by": [s["name"] for s in stances[claim_id] if s not in held],
                "evidence": evidence.get(claim_id, 0),
                "needs_review": claim_id in to_review,
            }
        )
    relations = session.execute(
        sa_select(
            col(Relation.id),
            col(Relation.source_id),
            col(Relation.target_id),
            col(Relation.kind),
            col(Relation.note),
        ).order_by(col(Relation.created_at))
    ).all()
    edges = [
        {
            "id": id_,
            "source": source,
            "target": target,
            "kind": kind,
            "note": note,
            "needs_review": id_ in relations_to_review,
        }
        for id_, source, target, kind, note in relations
        if source in shown and target in shown
    ]
    return {"nodes": nodes, "edges": edges}


# --- the position × topic matrix -----------------------------------------------------------


@dataclass(frozen=True)
class MatrixFilters:
    """Only evidence from documents published in [since, until]; undated ones optionally."""

    since: date | None = None
    until: date | None = None
    include_undated: bool = True


@dataclass
class CellClaim:
    """One claim in a cell, with its evidence for this row's position, by kind."""

    id: str
    text: str
    stance: str
    states: int = 0
    argued: int = 0  # passages whose author supports or opposes the position
    documents: set[str] = field(default_factory=set)
    # Some of its evidence lost its place when a document's text was replaced.
    needs_review: bool = False


@dataclass
class Cell:
    position: str
    topic: str
    held: list[CellClaim] = field(default_factory=list)
    rejected: list[CellClaim] = field(default_factory=list)

    @property
    def claims(self) -> list[CellClaim]:
        return self.held + self.rejected

    @property
    def states(self) -> int:
        return sum(c.states for c in self.claims)

    @property
    def argued(self) -> int:
        return sum(c.argued for c in self.claims)

    @property
    def documents(self) -> int:
        return len(set().union(*(c.documents for c in self.claims)))


@dataclass
class Matrix:
    positions: list[Position]
    topics: list[tuple[str, str]]  # (key, name); NO_TOPIC last
    cells: dict[tuple[str, str], Cell]

    def cell(self, position: str, topic: str) -> Cell:
        return self.cells.get((position, topic)) or Cell(position, topic)


def _evidence_date_condition(filters: MatrixFilters) -> ColumnElement[bool] | None:
    conditions = []
    if filters.since is not None:
        conditions.append(col(Document.published) >= filters.since)
    if filters.until is not None:
        conditions.append(col(Document.published) <= filters.until)
    if not conditions:
        return None if filters.include_undated else col(Document.published).is_not(None)
    dated: ColumnElement[bool] = (
        conditions[0] if len(conditions) == 1 else conditions[0] & conditions[1]
    )
    if filters.include_undated:
        return or_(dated, col(Document.published).is_(None))
    return dated


def position_topic_matrix(session: Session, filters: MatrixFilters) -> Matrix:
    """Rows positions, columns topics; each cell the claims the position holds or rejects on
    that topic, with the passages that evidence its stance: *states* (the text reports it)
    counted apart from *argued* (the author supports or opposes it), and their documents.

    With a date range, only evidence from documents published in it counts, and a claim shows
    only if it has such evidence; comparing two ranges shows a shift. Claims whose evidence
    lost its place in a replaced text are marked `needs_review`. Four queries in all.
    """
    positions = list_positions(session)
    topics = [(t.key, t.name) for t in list_topics(session)] + [(NO_TOPIC, "No topic")]
    to_review = claims_needing_review(session)
    cells: dict[tuple[str, str], Cell] = {}
    entries: dict[tuple[str, str], CellClaim] = {}
    for claim_id, text, topic_key, position_key, stance in session.execute(
        sa_select(
            col(Claim.id),
            col(Claim.text),
            col(Claim.topic_key),
            col(ClaimStance.position_key),
            col(ClaimStance.stance),
        ).join(ClaimStance, col(ClaimStance.claim_id) == col(Claim.id))
    ):
        topic = topic_key or NO_TOPIC
        cell = cells.setdefault((position_key, topic), Cell(position_key, topic))
        entry = CellClaim(claim_id, text, stance, needs_review=claim_id in to_review)
        (cell.held if stance == Stance.holds else cell.rejected).append(entry)
        entries[(position_key, claim_id)] = entry

    query = (
        select(Annotation.position_key, Annotation.claim_id, Annotation.kind, Passage.document_id)
        .join(Passage, col(Passage.id) == col(Annotation.passage_id))
        .join(Document, col(Document.id) == col(Passage.document_id))
        .where(evidence_tags(orphaned=False))
    )
    date_condition = _evidence_date_condition(filters)
    if date_condition is not None:
        query = query.where(date_condition)
    seen: set[tuple[str, str]] = set()
    for position_key, claim_id, kind, document_id in session.exec(query):
        found = entries.get((position_key, claim_id or ""))
        if found is None:  # evidence for a position that takes no stance on the claim
            continue
        entry = found
        seen.add((position_key, entry.id))
        if kind == AnnotationKind.states:
            entry.states += 1
        else:
            entry.argued += 1
        entry.documents.add(document_id)

    if date_condition is not None:
        for cell in cells.values():
            cell.held = [c for c in cell.held if (cell.position, c.id) in seen]
            cell.rejected = [c for c in cell.rejected if (cell.position, c.id) in seen]
    for cell in cells.values():
        cell.held.sort(key=lambda c: (-(c.states + c.argued), c.text))
        cell.rejected.sort(key=lambda c: (-(c.states + c.argued), c.text))
    return Matrix(positions, topics, cells)


def matrix_evidence_count(session: Session) -> int:
    """How many live evidence annotations the map has (for the page's summary line)."""
    return session.exec(
        select(func.count(distinct(col(Annotation.id)))).where(evidence_tags(orphaned=False))
    ).one()


def topic_name(session: Session, key: str) -> str:
    if key == NO_TOPIC:
        return "No topic"
    topic = session.get(Topic, key)
    return topic.name if topic else key


@dataclass(frozen=True)
class CellEvidence:
    annotation: Annotation
    claim: Claim
    passage: Passage
    document: Document


def cell_evidence(
    session: Session, position_key: str, topic_key: str, filters: MatrixFilters
) -> list[CellEvidence]:
    """The passages behind one cell: evidence by this position for its claims on this topic."""
    get_position(session, position_key)
    if topic_key != NO_TOPIC:
        get_topic(session, topic_key)
    topic_condition = (
        col(Claim.topic_key).is_(None) if topic_key == NO_TOPIC else Claim.topic_key == topic_key
    )
    query = (
        select(Annotation, Claim, Passage, Document)
        .join(Claim, col(Claim.id) == col(Annotation.claim_id))
        .join(
            ClaimStance,
            (col(ClaimStance.claim_id) == col(Claim.id))
            & (col(ClaimStance.position_key) == position_key),
        )
        .join(Passage, col(Passage.id) == col(Annotation.passage_id))
        .join(Document, col(Document.id) == col(Passage.document_id))
        .where(
            evidence_tags(orphaned=False), Annotation.position_key == position_key, topic_condition
        )
        .order_by(col(Claim.text), col(Document.published), col(Passage.ordinal))
    )
    date_condition = _evidence_date_condition(filters)
    if date_condition is not None:
        query = query.where(date_condition)
    return [CellEvidence(*row) for row in session.exec(query)]

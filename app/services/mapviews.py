"""The argument map seen whole: the claim graph and the position × topic matrix.

Both are read-only summaries computed in a constant number of queries, whatever the size of
the map, so that they stay quick for thousands of claims.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, case, distinct, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.models import (
    Annotation,
    AnnotationKind,
    Claim,
    ClaimStance,
    Document,
    Passage,
    Position,
    Relation,
    Role,
    Stance,
    User,
)
from app.services.blinding import SEES_ALL, Blinding, Layer
from app.services.catalog import get_position, get_topic, list_positions, list_topics
from app.services.documents import document_labels
from app.services.reanchor import (
    claims_needing_review,
    evidence_tags,
    relations_needing_review,
)
from app.services.tag_filters import TagFilters, check_tag_filters, tag_condition

NO_TOPIC = "_none"
NEUTRAL_COLOUR = "#8a929c"


@dataclass(frozen=True)
class MapFilters:
    """Which part of the map to show; None means no restriction on that field. `topic` and
    `position` choose the claims; `analyst` (one analyst's tags), `layer` and the reader's
    `blinding` choose the tags counted as their evidence (app/services/tag_filters.py)."""

    topic: str | None = None
    position: str | None = None
    analyst: str | None = None
    layer: Layer = Layer.all
    blinding: Blinding = SEES_ALL

    @property
    def evidence(self) -> TagFilters:
        """The tags that count as a claim's evidence, as the tag filters choose them."""
        return TagFilters(analyst=self.analyst, layer=self.layer, blinding=self.blinding)


def evidence_conditions(filters: TagFilters) -> list[ColumnElement[bool]]:
    """The evidence tags that count under `filters`: live ones that kept their place, and, only
    when the filters leave some out (a layer, an analyst, the reader's blinding), those that
    pass them; the plain query stays as fast as it was for everyone else."""
    conditions = [evidence_tags(orphaned=False)]
    if filters.narrowed:
        conditions.append(tag_condition(filters))
    return conditions


def _claim_conditions(filters: MapFilters) -> list[ColumnElement[bool]]:
    """Which claims the graph shows."""
    conditions: list[ColumnElement[bool]] = []
    if filters.topic == NO_TOPIC:
        conditions.append(col(Claim.topic_key).is_(None))
    elif filters.topic is not None:
        conditions.append(col(Claim.topic_key) == filters.topic)
    if filters.position is not None:
        held = select(ClaimStance.claim_id).where(ClaimStance.position_key == filters.position)
        conditions.append(col(Claim.id).in_(held))
    return conditions


def check_filters(session: Session, filters: MapFilters) -> None:
    """Unknown topics or positions are an error (NotFound), not an empty map."""
    if filters.topic is not None and filters.topic != NO_TOPIC:
        get_topic(session, filters.topic)
    if filters.position is not None:
        get_position(session, filters.position)


def claim_graph(session: Session, filters: MapFilters) -> dict[str, Any]:
    """Claims as nodes (coloured by the positions that hold them) and relations as edges.

    Seven queries in all: claims, stances, evidence counts, relations, positions, and the
    claims and relations that need review. A claim's evidence is counted from the tags
    `filters` choose (a layer, one analyst's, those the reader may see); the claims are a
    shared catalog and all show.
    """
    check_filters(session, filters)
    # The claims shown are chosen in SQL; their stances, evidence and relations are then
    # picked out in Python, which for thousands of rows beats filtering each query by a
    # subquery (SQLite re-evaluates it). Plain rows from the connection: 20,000 claims and
    # 30,000 stances made into ORM rows took a third of the graph's time.
    connection = session.connection()
    claims = connection.execute(
        sa_select(col(Claim.id), col(Claim.text), col(Claim.topic_key))
        .where(*_claim_conditions(filters))
        .order_by(col(Claim.created_at))
    ).all()
    shown = {claim_id for claim_id, _, _ in claims}
    positions = {p.key: (p.name, p.colour) for p in list_positions(session)}
    stances: dict[str, list[dict[str, str]]] = defaultdict(list)
    for claim_id, position_key, stance in connection.execute(
        sa_select(
            col(ClaimStance.claim_id), col(ClaimStance.position_key), col(ClaimStance.stance)
        ).order_by(col(ClaimStance.claim_id), col(ClaimStance.position_key))
    ):
        if claim_id not in shown:
            continue
        name, colour = positions[position_key]
        stances[claim_id].append(
            {"position": position_key, "name": name, "colour": colour, "stance": stance}
        )
    evidence = dict(
        connection.execute(
            sa_select(col(Annotation.claim_id), func.count())
            .where(*evidence_conditions(filters.evidence))
            .group_by(col(Annotation.claim_id))
        ).all()
    )
    # Derived flags (see app/services/reanchor.py): evidence lost in a replaced text.
    to_review = claims_needing_review(session)
    relations_to_review = relations_needing_review(session)
    nodes = []
    no_stances: list[dict[str, str]] = []
    holds = Stance.holds.value  # the enum's attribute, read 20,000 times, was slow
    for claim_id, text, topic_key in claims:
        its = stances.get(claim_id, no_stances)
        held = [s for s in its if s["stance"] == holds]
        nodes.append(
            {
                "id": claim_id,
                "text": text,
                "topic": topic_key,
                "stances": its,
                "colours": [s["colour"] for s in held] or [NEUTRAL_COLOUR],
                "rejected_by": [s["name"] for s in its if s["stance"] != holds],
                "evidence": evidence.get(claim_id, 0),
                "needs_review": claim_id in to_review,
            }
        )
    relations = connection.execute(
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

# At most this many passages in a cell's panel (a cell of a large corpus has thousands).
CELL_PASSAGE_LIMIT = 200
KINDS = tuple(kind.value for kind in AnnotationKind)


@dataclass
class CellClaim:
    """One claim in a cell, with its evidence for this row's position, by kind."""

    id: str
    text: str
    stance: str
    states: int = 0
    supports: int = 0
    opposes: int = 0
    documents: int = 0
    # Some of its evidence lost its place when a document's text was replaced.
    needs_review: bool = False

    @property
    def tags(self) -> int:
        return self.states + self.supports + self.opposes


@dataclass
class Cell:
    """Every tag of a position on a topic, counted by kind, and the claims the position holds
    or rejects on that topic as a layer on top."""

    position: str
    topic: str
    kinds: dict[str, int] = field(default_factory=dict)
    with_claim: int = 0  # of the tags, those that are evidence for a claim
    held: list[CellClaim] = field(default_factory=list)
    rejected: list[CellClaim] = field(default_factory=list)

    @property
    def claims(self) -> list[CellClaim]:
        return self.held + self.rejected

    @property
    def tags(self) -> int:
        return sum(self.kinds.values())

    @property
    def states(self) -> int:
        return self.kinds.get(AnnotationKind.states.value, 0)

    @property
    def supports(self) -> int:
        return self.kinds.get(AnnotationKind.supports.value, 0)

    @property
    def opposes(self) -> int:
        return self.kinds.get(AnnotationKind.opposes.value, 0)

    @property
    def empty(self) -> bool:
        return not self.tags and not self.claims


@dataclass
class Matrix:
    positions: list[Position]
    topics: list[tuple[str, str]]  # (key, name); NO_TOPIC last
    cells: dict[tuple[str, str], Cell]

    def cell(self, position: str, topic: str) -> Cell:
        return self.cells.get((position, topic)) or Cell(position, topic)


def _counted(filters: TagFilters) -> list[ColumnElement[bool]]:
    """The tags the matrix counts: live tags that pass every filter and kept their place in
    the text (a cell lists its passages)."""
    return [tag_condition(filters), col(Annotation.orphaned_at).is_(None)]


def _in_column(topic_key: str) -> ColumnElement[bool]:
    """Tags that count in this topic's column: their own topic, else their claim's (Claim
    outer-joined), else NO_TOPIC."""
    own = col(Annotation.topic_key)
    if topic_key == NO_TOPIC:
        return own.is_(None) & col(Claim.topic_key).is_(None)
    return (own == topic_key) | (own.is_(None) & (col(Claim.topic_key) == topic_key))


def _tags_with_claims(*columns: Any) -> Select[Any]:
    """Tags with their claim (if any) outer-joined, for `_in_column`."""
    return (
        sa_select(*columns)
        .select_from(Annotation)
        .outerjoin(Claim, col(Claim.id) == col(Annotation.claim_id))
    )


def position_topic_matrix(session: Session, filters: TagFilters) -> Matrix:
    """Rows positions, columns topics; each cell every tag of the position on the topic,
    counted by kind (*states*: the text reports the position; *supports* and *opposes*: the
    author argues for or against it), and how many of them are evidence for a claim. A tag
    counts under its own topic, or its claim's when it has none; tags with neither are in the
    "No topic" column.

    On top, the claims the position holds or rejects on the topic, each with its evidence by
    this position. With filters, only the tags that pass them count, and a claim shows only if
    it has such evidence; comparing two date ranges shows a shift. Claims whose evidence lost
    its place in a replaced text are marked `needs_review`. The filters are those every tag
    view shares (`app/services/tag_filters.py`). Eight queries in all (positions, topics,
    claims to review, claims, stances, and three GROUP BYs of the tags), whatever the size,
    and one lookup per filter key given.
    """
    check_tag_filters(session, filters)
    positions = list_positions(session)
    topics = [(t.key, t.name) for t in list_topics(session)] + [(NO_TOPIC, "No topic")]
    to_review = claims_needing_review(session)
    cells: dict[tuple[str, str], Cell] = {}

    def cell_of(position: str, topic: str | None) -> Cell:  # a tag's or a claim's cell
        key = (position, topic or NO_TOPIC)
        return cells.setdefault(key, Cell(*key))

    conditions = _counted(filters)
    kind, tag_claim = col(Annotation.kind), col(Annotation.claim_id)
    # Core selects run on the connection: the session's ORM result handling is not needed for
    # plain rows, and costs a tenth of a second per 100,000 of them. Grouped by plain columns
    # (count(claim_id) counts the tags with a claim), so that the partial indexes of migration
    # 0008 serve each query from the index alone.
    connection = session.connection()
    own_topic = (
        sa_select(
            col(Annotation.position_key),
            col(Annotation.topic_key),
            kind,
            func.count(),
            func.count(tag_claim),
        )
        .where(*conditions, or_(col(Annotation.topic_key).is_not(None), tag_claim.is_(None)))
        .group_by(col(Annotation.position_key), col(Annotation.topic_key), kind)
    )
    for position_key, topic_key, kind_value, count, claimed in connection.execute(own_topic).all():
        cell = cell_of(position_key, topic_key)
        cell.kinds[kind_value] = cell.kinds.get(kind_value, 0) + count
        cell.with_claim += claimed
    claims = {
        claim_id: (text, topic_key)
        for claim_id, text, topic_key in connection.execute(
            sa_select(col(Claim.id), col(Claim.text), col(Claim.topic_key))
        ).all()
    }
    # The tags with a claim and no topic of their own count under their claim's topic: grouped
    # by claim here, the claim's topic looked up (a join would read the tags claim by claim).
    by_claim = (
        sa_select(col(Annotation.position_key), tag_claim, kind, func.count())
        .where(*conditions, tag_claim.is_not(None), col(Annotation.topic_key).is_(None))
        .group_by(col(Annotation.position_key), tag_claim, kind)
    )
    for position_key, claim_id, kind_value, count in connection.execute(by_claim).all():
        assert claim_id is not None  # the query asks for tags with a claim
        cell = cell_of(position_key, claims[claim_id][1])
        cell.kinds[kind_value] = cell.kinds.get(kind_value, 0) + count
        cell.with_claim += count

    entries: dict[tuple[str, str], CellClaim] = {}
    stances = sa_select(
        col(ClaimStance.claim_id), col(ClaimStance.position_key), col(ClaimStance.stance)
    )
    for claim_id, position_key, stance in connection.execute(stances).all():
        text, topic_key = claims[claim_id]
        entry = CellClaim(claim_id, text, stance, needs_review=claim_id in to_review)
        cell = cell_of(position_key, topic_key)
        (cell.held if stance == Stance.holds else cell.rejected).append(entry)
        entries[(position_key, claim_id)] = entry

    evidence = (
        sa_select(
            col(Annotation.position_key),
            tag_claim,
            *(func.sum(case((kind == value, 1), else_=0)) for value in KINDS),
            func.count(distinct(col(Annotation.document_id))),
        )
        .where(tag_claim.is_not(None), *conditions)
        .group_by(col(Annotation.position_key), tag_claim)
    )
    for position_key, claim_id, *by_kind, count in connection.execute(evidence).all():
        found = entries.get((position_key, claim_id))
        if found is None:  # evidence for a position that takes no stance on the claim
            continue
        found.states, found.supports, found.opposes = by_kind
        found.documents = count

    for cell in cells.values():
        if filters.narrowed:
            cell.held = [c for c in cell.held if c.tags]
            cell.rejected = [c for c in cell.rejected if c.tags]
        cell.held.sort(key=lambda c: (-c.tags, c.text))
        cell.rejected.sort(key=lambda c: (-c.tags, c.text))
    return Matrix(positions, topics, cells)


def matrix_evidence_count(session: Session) -> int:
    """How many live evidence annotations the map has (for the page's summary line)."""
    return session.exec(
        select(func.count(distinct(col(Annotation.id)))).where(evidence_tags(orphaned=False))
    ).one()


@dataclass(frozen=True)
class CellPassage:
    """One tag behind a cell: its passage, document (and label) and claim if it has one."""

    annotation: Annotation
    claim: Claim | None
    passage: Passage
    document: Document
    document_label: str


@dataclass(frozen=True)
class CellPassages:
    position: Position
    topic: str
    topic_name: str
    items: list[CellPassage]
    total: int  # every tag of the cell; `items` holds the first CELL_PASSAGE_LIMIT

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def cell_passages(
    session: Session,
    position_key: str,
    topic_key: str,
    filters: TagFilters,
    limit: int = CELL_PASSAGE_LIMIT,
) -> CellPassages:
    """The tags behind one cell (those it counts), oldest document first, with their passages;
    at most `limit` of them, and how many there are in all. Six queries at most."""
    position = get_position(session, position_key)
    name = "No topic" if topic_key == NO_TOPIC else get_topic(session, topic_key).name
    check_tag_filters(session, filters)
    conditions = [
        *_counted(filters),
        col(Annotation.position_key) == position_key,
        _in_column(topic_key),
    ]
    total = session.execute(_tags_with_claims(func.count()).where(*conditions)).scalar_one()
    rows = session.exec(
        select(Annotation, Claim, Passage, Document)
        .outerjoin(Claim, col(Claim.id) == col(Annotation.claim_id))
        .join(Passage, col(Passage.id) == col(Annotation.passage_id))
        .join(Document, col(Document.id) == col(Passage.document_id))
        .where(*conditions)
        .order_by(
            col(Document.published).asc().nulls_last(),
            col(Document.created_at),
            col(Passage.ordinal),
            col(Annotation.start).asc().nulls_first(),
            col(Annotation.created_at),
            col(Annotation.id),
        )
        .limit(limit)
    ).all()
    labels = document_labels(session, {document.id for _, _, _, document in rows})
    items = [
        CellPassage(annotation, claim, passage, document, labels[document.id])
        for annotation, claim, passage, document in rows
    ]
    return CellPassages(position, topic_key, name, items, total)


def document_choices(session: Session) -> list[tuple[str, str]]:
    """Every document as (id, label), oldest first, for the matrix's document filter. Only
    the untitled ones need their opening words looked up (and only their columns are read)."""
    rows = session.exec(
        select(Document.id, Document.title).order_by(col(Document.created_at), col(Document.id))
    ).all()
    untitled = document_labels(session, [id_ for id_, title in rows if not title])
    return [(id_, title or untitled[id_]) for id_, title in rows]


def analyst_choices(session: Session, chosen: str | None = None) -> list[str]:
    """The analysts an analysis may show one of: every account that may tag (analysts and
    admins), by name, and the one `chosen` if it is none of them (an imported tag's analyst
    need not have an account). One small query: the accounts, not the tags."""
    names = set(
        session.exec(
            select(User.username).where(col(User.role).in_([Role.analyst, Role.admin]))
        ).all()
    )
    if chosen:
        names.add(chosen)
    return sorted(names, key=lambda name: (name.casefold(), name))

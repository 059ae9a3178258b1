"""What the home page tells a newcomer: what the corpus holds, how far the team has got, and
the map at a glance.

Everything is counted in SQL, in a fixed number of queries whatever the size of the map: the
tags are read once, from the index that serves the agreement report (`ix_annotation_codings`,
every column this reads is in it), and the documents tagged are found document by document
through the index of each document's live tags; the claims, stances and documents are small
tables. The tags counted are those the reader may see (app/services/blinding.py): while they
code a document, nobody else's tags there count for them.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, exists, func, true
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from app.models import Annotation, Claim, ClaimStance, Document, Relation, Stance
from app.services.blinding import SEES_ALL, Blinding
from app.services.catalog import list_positions, list_topics
from app.services.documents import DocumentSummary, list_documents
from app.services.paging import PageRequest

# The home lists this many documents; the document list has them all.
DOCUMENTS_SHOWN = 6


@dataclass(frozen=True)
class Outlet:
    name: str
    documents: int


@dataclass(frozen=True)
class CorpusOverview:
    """The documents: how many, over which dates, from which outlets, and the first few."""

    documents: int
    dated: int
    first_published: date | None
    last_published: date | None
    outlets: list[Outlet]
    unnamed_outlet: int
    shown: list[DocumentSummary]


@dataclass(frozen=True)
class AnalystProgress:
    analyst: str
    tags: int


@dataclass(frozen=True)
class TeamProgress:
    """The tags in place (live and not orphaned) by analyst, the starter map's apart, and how
    many documents the analysts' own tags touch."""

    analysts: list[AnalystProgress]
    own_tags: int
    example_tags: int
    documents_tagged: int


@dataclass(frozen=True)
class PositionRow:
    """A row of the thumbnail of who stands where: a position, and for each topic (in the
    topics' order, then "no topic") how many claims it holds and rejects there."""

    key: str
    name: str
    colour: str
    cells: list[tuple[int, int]]

    @property
    def holds(self) -> int:
        return sum(held for held, _ in self.cells)

    @property
    def rejects(self) -> int:
        return sum(rejected for _, rejected in self.cells)


@dataclass(frozen=True)
class MapOverview:
    claims: int
    example_claims: int
    relations: int
    topics: list[tuple[str, str]]
    positions: list[PositionRow]


def corpus_overview(session: Session, blinding: Blinding = SEES_ALL) -> CorpusOverview:
    """How many documents, the span of their dates, their outlets (most documents first) and
    the first DOCUMENTS_SHOWN with their counts (of the tags the reader's `blinding` lets them
    see)."""
    connection = session.connection()
    published = col(Document.published)
    total, dated, first, last = connection.execute(
        sa_select(func.count(), func.count(published), func.min(published), func.max(published))
    ).one()
    outlets = connection.execute(
        sa_select(col(Document.outlet), func.count())
        .group_by(col(Document.outlet))
        .order_by(func.count().desc(), col(Document.outlet))
    ).all()
    named = [Outlet(name, count) for name, count in outlets if name]
    unnamed = sum(count for name, count in outlets if not name)
    first_page = PageRequest(DOCUMENTS_SHOWN)
    shown = list_documents(session, page=first_page, blinding=blinding) if total else []
    return CorpusOverview(total, dated, first, last, named, unnamed, shown)


def team_progress(session: Session, blinding: Blinding = SEES_ALL) -> TeamProgress:
    """The tags in place by analyst (most first), the examples counted apart, and the number
    of documents with a live tag of the analysts' own: of the tags the reader's `blinding` lets
    them see."""
    connection = session.connection()
    visible = blinding.visible_condition()
    seen = [] if visible is None else [visible]
    placed = and_(
        col(Annotation.deleted_at).is_(None),
        col(Annotation.orphaned_at).is_(None),
        col(Annotation.passage_id).is_not(None),
        *seen,
    )
    # Grouped by analyst alone, the index's first column: the groups come in the index's
    # order, with no sort of the tags.
    example = col(Annotation.example)
    rows = connection.execute(
        sa_select(
            col(Annotation.analyst), func.count().filter(~example), func.count().filter(example)
        )
        .where(placed)
        .group_by(col(Annotation.analyst))
    ).all()
    analysts = sorted(
        (AnalystProgress(name, own) for name, own, _ in rows if own),
        key=lambda a: (-a.tags, a.analyst),
    )
    # "IS NOT true" rather than "= false": SQLite otherwise looked each document's tags up
    # through the example flag's index, nearly every tag for each document (1.2 s at 500,000
    # tags, against 10 ms through the live tags by document).
    tagged = exists().where(
        col(Annotation.document_id) == col(Document.id),
        col(Annotation.deleted_at).is_(None),
        col(Annotation.example).is_not(true()),
        *seen,
    )
    documents_tagged = connection.execute(
        sa_select(func.count()).select_from(Document).where(tagged)
    ).scalar_one()
    return TeamProgress(
        analysts,
        sum(a.tags for a in analysts),
        sum(examples for _, _, examples in rows),
        documents_tagged,
    )


def map_overview(session: Session, no_topic: str) -> MapOverview:
    """The claims and relations counted, and who stands where in claims: for each position and
    topic (and `no_topic` for claims without one) the claims it holds and rejects."""
    connection = session.connection()
    claims, example_claims = connection.execute(
        sa_select(func.count(), func.count().filter(col(Claim.example)))
    ).one()
    relations = connection.execute(sa_select(func.count()).select_from(Relation)).scalar_one()
    topics = [(t.key, t.name) for t in list_topics(session)] + [(no_topic, "No topic")]
    stances = connection.execute(
        sa_select(
            col(ClaimStance.position_key),
            col(Claim.topic_key),
            col(ClaimStance.stance),
            func.count(),
        )
        .join(Claim, col(Claim.id) == col(ClaimStance.claim_id))
        .group_by(col(ClaimStance.position_key), col(Claim.topic_key), col(ClaimStance.stance))
    ).all()
    counted: dict[tuple[str, str], tuple[int, int]] = {}
    for position_key, topic_key, stance, count in stances:
        key = (position_key, topic_key or no_topic)
        held, rejected = counted.get(key, (0, 0))
        if stance == Stance.holds:
            counted[key] = (held + count, rejected)
        else:
            counted[key] = (held, rejected + count)
    positions = [
        PositionRow(
            p.key, p.name, p.colour, [counted.get((p.key, topic), (0, 0)) for topic, _ in topics]
        )
        for p in list_positions(session)
    ]
    return MapOverview(claims, example_claims, relations, topics, positions)

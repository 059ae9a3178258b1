"""What the map's export formats (native, W3C, AIF) take to choose a part of the map, and how
each choice reads in SQL. (The CSV of tags takes the tag filters of `app/services/tag_filters.py`.)

The formats choose alike: an annotation passes when it is live and matches every filter given;
a claim matches a document where it has evidence, a position that holds or rejects it or tags
evidence for it, a topic it is on or that evidence for it is tagged with; a relation is
included when both its claims are; an actor when an included annotation names it or one of
its members (the native export, the only format that writes the registry). The one difference
is whether evidence must still have a passage (see `claim_condition`).

`layer` chooses among the tags (every tag, or only the adjudicated layer) and `blinding` leaves
out the tags the reader may not see while they code a document independently
(app/services/blinding.py): both restrict the annotations, and so what is chosen through them
(the claims with evidence among them, the actors they name). Claims, relations and actors are
shared catalog entries: a reader who may not see a tag still gets the claim it is evidence
for, but not the link, which is the tag's.

`examples=False` leaves the starter map's example data out (`Annotation.example`,
`Claim.example`, …), but for what the analysts' own work refers to: an example claim their
relation or evidence points at, an example actor their tag names or their actor belongs to,
so that every reference in the file stays inside it (the same rule as clearing the examples,
`app/services/examples.py`). It restricts nothing else: every document is still exported.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, true, union
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.models import (
    Actor,
    Annotation,
    Claim,
    ClaimStance,
    Document,
    Passage,
    Position,
    Relation,
    Topic,
)
from app.services.blinding import SEES_ALL, Blinding, Layer, layer_condition
from app.services.lookup import check_exists


@dataclass(frozen=True)
class ExportFilters:
    """What to export: everything (the default) or one document, position or topic; with or
    without the starter map's example data (with it by default); every tag or only the
    adjudicated layer; and what the reader may not see (`blinding`, who asks, not a choice)."""

    document: str | None = None
    position: str | None = None
    topic: str | None = None
    examples: bool = True
    layer: Layer = Layer.all
    blinding: Blinding = SEES_ALL

    @property
    def any(self) -> bool:
        """Whether the export is filtered at all."""
        return (self.document, self.position, self.topic) != (None, None, None)

    def as_record(self) -> dict[str, str | None]:
        """The filters as the files' headers write them, null where not given."""
        return {"document": self.document, "position": self.position, "topic": self.topic}

    def chosen(self) -> dict[str, str]:
        """The filters given, as their query parameters write them (document, position, topic,
        then `examples` only when example data is left out, `layer` only when it is not every
        tag): for file names and links."""
        given = {name: value for name, value in self.as_record().items() if value is not None}
        if not self.examples:
            given["examples"] = "false"
        if self.layer is not Layer.all:
            given["layer"] = self.layer.value
        return given


NO_FILTERS = ExportFilters()
"""The whole map."""


def check_filters(session: Session, filters: ExportFilters) -> None:
    """Raise NotFound for a filter naming a document, position or topic that does not exist."""
    check_exists(session, Document, filters.document)
    check_exists(session, Position, filters.position)
    check_exists(session, Topic, filters.topic)


def annotation_condition(
    filters: ExportFilters, *, document_of_passage: bool = False
) -> ColumnElement[bool]:
    """Which live annotations pass every filter.

    With `document_of_passage` the document filter reads the document of the annotation's
    passage, which the caller joins (an inner join: an orphan, without a passage, never
    passes); otherwise the annotation's own document, which an orphan keeps.
    """
    document = Passage.document_id if document_of_passage else Annotation.document_id
    conditions: list[ColumnElement[bool]] = [col(Annotation.deleted_at).is_(None)]
    if filters.document is not None:
        conditions.append(col(document) == filters.document)
    if filters.position is not None:
        conditions.append(col(Annotation.position_key) == filters.position)
    if filters.topic is not None:
        conditions.append(col(Annotation.topic_key) == filters.topic)
    if not filters.examples:
        conditions.append(~col(Annotation.example))
    conditions.extend(visible_tags(filters))
    return and_(*conditions)


def visible_tags(filters: ExportFilters) -> list[ColumnElement[bool]]:
    """The conditions of the layer and of the reader's blinding on Annotation (none for every
    tag, read by someone who sees them all)."""
    conditions = (layer_condition(filters.layer), filters.blinding.visible_condition())
    return [condition for condition in conditions if condition is not None]


def claim_condition(
    filters: ExportFilters, *, evidence_needs_passage: bool = False
) -> ColumnElement[bool]:
    """Which claims the export includes: all, or those that match every filter given.

    A claim matches a document if it has evidence there; a position if the position holds or
    rejects it or it has evidence tagged with that position; a topic if it is on that topic
    or has evidence tagged with it. So the claim of every included evidence tag is included.

    `evidence_needs_passage` decides whether an orphaned tag (one that lost its passage when
    its document's text was replaced, and keeps only its document) counts as evidence here.
    The native export says no passage is needed: it writes orphans, so their claims must be
    in the file. AIF says one is: it reads evidence through its passage, since an evidence
    tag becomes an L-node, a place in a text, and an orphan has none. So under a filter, a
    claim whose only matching evidence is an orphan is in the native file and not in the AIF
    one (tests/services/interchange/test_filters.py pins this).

    Without example data, an example claim is included only when the analysts' own work
    refers to it (see the module's docstring).
    """
    if filters.examples:
        return _claim_filters(filters, evidence_needs_passage)
    return and_(
        _claim_filters(filters, evidence_needs_passage),
        or_(~col(Claim.example), _claims_own_work_needs(filters)),
    )


def _claims_own_work_needs(filters: ExportFilters) -> ColumnElement[bool]:
    """The claims a relation or a live tag that is not example data points at."""
    own_relation_ends = union(
        select(Relation.source_id).where(~col(Relation.example)),
        select(Relation.target_id).where(~col(Relation.example)),
    )
    own_evidence = select(Annotation.claim_id).where(
        ~col(Annotation.example),
        col(Annotation.deleted_at).is_(None),
        col(Annotation.claim_id).is_not(None),
        *visible_tags(filters),
    )
    return or_(col(Claim.id).in_(own_relation_ends), col(Claim.id).in_(own_evidence))


def _claim_filters(filters: ExportFilters, evidence_needs_passage: bool) -> ColumnElement[bool]:
    """The claims the document, position and topic filters let through."""
    if not filters.any:
        return true()

    def with_evidence(condition: ColumnElement[bool]) -> ColumnElement[bool]:
        tagged: Any = select(Annotation.claim_id)
        if evidence_needs_passage:
            tagged = tagged.join(Passage, col(Passage.id) == col(Annotation.passage_id))
        live = col(Annotation.deleted_at).is_(None)
        return col(Claim.id).in_(tagged.where(live, condition, *visible_tags(filters)))

    conditions: list[ColumnElement[bool]] = []
    if filters.document is not None:
        document = Passage.document_id if evidence_needs_passage else Annotation.document_id
        conditions.append(with_evidence(col(document) == filters.document))
    if filters.position is not None:
        held = select(ClaimStance.claim_id).where(ClaimStance.position_key == filters.position)
        conditions.append(
            or_(
                col(Claim.id).in_(held),
                with_evidence(col(Annotation.position_key) == filters.position),
            )
        )
    if filters.topic is not None:
        conditions.append(
            or_(
                col(Claim.topic_key) == filters.topic,
                with_evidence(col(Annotation.topic_key) == filters.topic),
            )
        )
    return and_(*conditions)


def relation_condition(
    filters: ExportFilters, *, evidence_needs_passage: bool = False
) -> ColumnElement[bool]:
    """Which relations the export includes: those between two included claims (without
    example data, those that are not example data)."""
    own = true() if filters.examples else ~col(Relation.example)
    if not filters.any:
        return own
    included = select(Claim.id).where(
        claim_condition(filters, evidence_needs_passage=evidence_needs_passage)
    )
    return and_(own, col(Relation.source_id).in_(included), col(Relation.target_id).in_(included))


def actor_condition(filters: ExportFilters) -> ColumnElement[bool]:
    """Which actors the export includes: all, or the actors the included annotations name and
    every actor those belong to, directly or not, so that each actor_key and parent_key in a
    filtered file leads to an actor in it.

    The members of a position are not added under a position filter: the filter chooses what
    was tagged, and an actor no included tag names is not part of it. Without example data,
    unfiltered, the actors that are not example data are included with those the included
    tags name, and the actors each belongs to.
    """
    if not filters.any and filters.examples:
        return true()
    named: Any = select(Annotation.actor_key).where(
        annotation_condition(filters), col(Annotation.actor_key).is_not(None)
    )
    if not filters.any:
        named = union(named, select(Actor.key).where(~col(Actor.example)))
    # The named actors, then their parents, their parents' parents…; UNION (not UNION ALL)
    # also ends the walk should the registry ever hold a loop.
    chain = (
        sa_select(col(Actor.key), col(Actor.parent_key))
        .where(col(Actor.key).in_(named))
        .cte("actor_chain", recursive=True)
    )
    chain = chain.union(
        sa_select(col(Actor.key), col(Actor.parent_key)).join(
            chain, col(Actor.key) == chain.c.parent_key
        )
    )
    return col(Actor.key).in_(sa_select(chain.c.key))

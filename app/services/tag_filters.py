"""The filters that choose tags, one set for every view that counts them: the position × topic
matrix, the statements the discourse networks are made of, and the CSV of tags.

Each filter left out (None) restricts nothing; those given must all hold. What each means:
- `document`: the tag's document (its id);
- `outlet`: the outlet of the tag's document, whatever its case;
- `analyst`: who made the tag (the name the tag records);
- `actor`: the actor the tag names (`Annotation.actor_key`). The statements go one step
  further: a tag that argues and names nobody speaks for its document's author, and the
  statements keep those whose actor, after that attribution, is this one
  (`app/services/statements.py`). The matrix and the CSV show what the tags say, so they take
  the key the tag names;
- `position`: the tag's position;
- `topic`: the tag's topic, or its claim's when it has none, which is the column the matrix
  counts it in;
- `since`, `until`: the publication date of the tag's document, both days included;
- `include_undated`: whether tags in documents without a publication date count; they pass
  any date range;
- `include_examples`: whether the starter map's example tags count (`Annotation.example`);
- `layer`: every tag, or only the adjudicated layer (app/services/blinding.py);
- `blinding`: the tags the reader may not see while they code a document independently
  (app/services/blinding.py). It is who asks, not a choice: `chosen()` leaves it out.

An unknown document, position, topic or actor is an error (NotFound): a mistyped key must not
look like an empty map. An outlet or analyst is free text on the documents and the tags (an
import brings analysts who have no account here), so one that matches nothing gives nothing.
The conditions are plain comparisons on the tags' indexed columns, and on small subqueries of
the documents and claims, so that the tags are scanned once, in SQL.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.models import Actor, Annotation, Claim, Document, Position, Topic
from app.services.blinding import SEES_ALL, Blinding, Layer, layer_condition
from app.services.errors import InvalidInput
from app.services.lookup import check_exists


@dataclass(frozen=True)
class TagFilters:
    """Which tags count; None restricts nothing (see the module's docstring for each)."""

    document: str | None = None
    outlet: str | None = None
    analyst: str | None = None
    actor: str | None = None
    position: str | None = None
    topic: str | None = None
    since: date | None = None
    until: date | None = None
    include_undated: bool = True
    include_examples: bool = True
    layer: Layer = Layer.all
    blinding: Blinding = SEES_ALL

    @property
    def narrowed(self) -> bool:
        """Whether some live tags may be left out."""
        return bool(self.chosen()) or self.blinding.active

    def chosen(self) -> dict[str, str]:
        """The filters given, as their query parameters write them, in the fields' order
        (`undated` only when undated documents are left out): for file names and links."""
        given: dict[str, str] = {}
        for name in ("document", "outlet", "analyst", "actor", "position", "topic"):
            value = getattr(self, name)
            if value is not None:
                given[name] = value
        for name, day in (("since", self.since), ("until", self.until)):
            if day is not None:
                given[name] = day.isoformat()
        if not self.include_undated:
            given["undated"] = "false"
        if not self.include_examples:
            given["examples"] = "false"
        if self.layer is not Layer.all:
            given["layer"] = self.layer.value
        return given


NO_TAG_FILTERS = TagFilters()
"""Every live tag."""


def check_tag_filters(session: Session, filters: TagFilters) -> None:
    """NotFound for a document, position, topic or actor that does not exist; InvalidInput for
    a date range that ends before it starts, and for a NUL character, which nothing stored
    holds and PostgreSQL cannot even compare (refused here, before a streamed file starts)."""
    if any("\x00" in value for value in filters.chosen().values()):
        raise InvalidInput("A filter holds a NUL character (U+0000), which nothing stored holds.")
    check_exists(session, Document, filters.document)
    check_exists(session, Position, filters.position)
    check_exists(session, Topic, filters.topic)
    check_exists(session, Actor, filters.actor)
    if filters.since and filters.until and filters.until < filters.since:
        raise InvalidInput(
            f"The date range ends ({filters.until.isoformat()}) before it starts "
            f"({filters.since.isoformat()})."
        )


def tag_condition(filters: TagFilters) -> ColumnElement[bool]:
    """Which live tags pass every filter, as one condition on Annotation.

    It needs no join: the caller may join what it shows (the documents, the claims) without
    changing which tags pass, since the subqueries read aliases of their own.
    """
    conditions: list[ColumnElement[bool]] = [col(Annotation.deleted_at).is_(None)]
    for value, column in (
        (filters.document, Annotation.document_id),
        (filters.analyst, Annotation.analyst),
        (filters.actor, Annotation.actor_key),
        (filters.position, Annotation.position_key),
    ):
        if value is not None:
            conditions.append(col(column) == value)
    if filters.topic is not None:
        claims = aliased(Claim)
        on_topic = select(claims.id).where(col(claims.topic_key) == filters.topic)
        own_topic = col(Annotation.topic_key)
        conditions.append(
            or_(
                own_topic == filters.topic,
                and_(own_topic.is_(None), col(Annotation.claim_id).in_(on_topic)),
            )
        )
    if not filters.include_examples:
        conditions.append(~col(Annotation.example))
    for condition in (layer_condition(filters.layer), filters.blinding.visible_condition()):
        if condition is not None:
            conditions.append(condition)
    documents = _document_condition(filters)
    if documents is not None:
        conditions.append(col(Annotation.document_id).in_(documents))
    return and_(*conditions)


def _document_condition(filters: TagFilters) -> SelectOfScalar[str] | None:
    """The ids of the documents the dates, `include_undated` and the outlet let through, as a
    subquery; None when they let every document through."""
    documents = aliased(Document)
    published = col(documents.published)
    conditions: list[ColumnElement[bool]] = []
    if filters.since is not None:
        conditions.append(published >= filters.since)
    if filters.until is not None:
        conditions.append(published <= filters.until)
    if conditions:
        dated = and_(*conditions)
        conditions = [or_(dated, published.is_(None)) if filters.include_undated else dated]
    elif not filters.include_undated:
        conditions = [published.is_not(None)]
    if filters.outlet is not None:
        conditions.append(func.lower(col(documents.outlet)) == filters.outlet.lower())
    if not conditions:
        return None
    return select(col(documents.id)).where(*conditions)

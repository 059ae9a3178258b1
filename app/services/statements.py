"""Statements read from the map: who took which stance on what, when, and where it says so.

A statement comes from a live tag with an actor, dated by its document's publication. The
actor is the one the tag names; a tag that supports or opposes a position and names nobody
speaks for its document's author (or else its outlet), when the registry knows that name:
- on a **claim** (the tag's claim): the actor holds the claim if the tag's position holds it,
  rejects it if the position rejects it; a tag that *opposes* the position turns that around;
  a position with no stance on the claim counts as holding it (the tag is evidence for it);
- on a **topic** (the tag's position on the tag's topic, "Russian · Territory"): the actor
  agrees with that position on that topic when the tag states or supports it, and disagrees
  when it opposes it.
Tags without an actor or a concept are left out and counted, so an analyst knows what the
network does not yet see. A tag in an undated document (when undated documents count, the
filters' default) makes an undated statement: it counts in a network over all time and in no
time window. Definitions: docs/networks.md.

The tags are chosen by the filters every tag view shares (`app/services/tag_filters.py`), in
SQL, dates included. One filter reads the statement rather than the tag: `actor` keeps the
statements of that actor, so an author's statement made by a tag that names nobody passes
when the author is that actor (the matrix and the CSV, which show the tags, keep only the tags
that name the actor). With an actor filter no tag is left out for want of an actor: a tag
that speaks for nobody does not speak for that one.
"""

from collections import Counter
from dataclasses import dataclass, field, replace
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import Session, col, select

from app.models import (
    Actor,
    Annotation,
    AnnotationKind,
    Claim,
    ClaimStance,
    Document,
    Position,
    Stance,
    Topic,
)
from app.services.networks import Agreement, Statement
from app.services.tag_filters import NO_TAG_FILTERS, TagFilters, check_tag_filters, tag_condition


class ConceptLevel(StrEnum):
    claims = "claims"
    topics = "topics"


@dataclass(frozen=True)
class StatementFilters:
    """What the statements are about (claims or topics), and which tags they come from."""

    concepts: ConceptLevel = ConceptLevel.claims
    tags: TagFilters = NO_TAG_FILTERS


@dataclass
class StatementSet:
    """The statements, and how many tags were left out and why."""

    statements: list[Statement] = field(default_factory=list)
    left_out: Counter[str] = field(default_factory=Counter)


def _flip(agreement: Agreement) -> Agreement:
    return Agreement.rejects if agreement is Agreement.holds else Agreement.holds


def _tags_speaking_for(actor: str | None) -> ColumnElement[bool] | None:
    """The tags that may make a statement of `actor`: those that name it, and those that argue
    and name nobody, which may speak for their document's author (decided after reading them,
    by the registry's names). None: no actor filter."""
    if actor is None:
        return None
    named = col(Annotation.actor_key)
    return or_(named == actor, and_(named.is_(None), col(Annotation.kind) != AnnotationKind.states))


def _unique_labels(names: dict[str, str]) -> dict[str, str]:
    """Each id's name, made unique by its id where two share one (node labels are keys)."""
    counts = Counter(names.values())
    return {key: name if counts[name] == 1 else f"{name} ({key})" for key, name in names.items()}


def read_statements(session: Session, filters: StatementFilters) -> StatementSet:
    """The statements the tags make under `filters`, in no particular order."""
    check_tag_filters(session, filters.tags)
    wanted_actor = filters.tags.actor
    # The actor is read from the statement, after the author's attribution (see above).
    conditions = [tag_condition(replace(filters.tags, actor=None))]
    speaking = _tags_speaking_for(wanted_actor)
    if speaking is not None:
        conditions.append(speaking)
    query = (
        select(Annotation, col(Document.published), col(Document.author), col(Document.outlet))
        .join(Document, col(Document.id) == col(Annotation.document_id))
        .where(*conditions)
    )
    rows = session.exec(query).all()
    registry = list(session.exec(select(Actor)))
    actors = _unique_labels({a.key: a.name for a in registry})
    by_name = {name.casefold(): a.key for a in registry for name in (a.name, *a.aliases)}
    found = StatementSet()
    if filters.concepts is ConceptLevel.claims:
        stances = {
            (s.claim_id, s.position_key): s.stance for s in session.exec(select(ClaimStance))
        }
        claims = _unique_labels({c.id: c.text for c in session.exec(select(Claim))})
    else:
        positions = {p.key: p.name for p in session.exec(select(Position))}
        topics = {t.key: t.name for t in session.exec(select(Topic))}
    for tag, published, author, outlet in rows:
        actor_key = tag.actor_key
        if actor_key is None and tag.kind != AnnotationKind.states:
            # The author argues: the author (or the outlet) is who says it.
            actor_key = next(
                (by_name[n.casefold()] for n in (author, outlet) if n and n.casefold() in by_name),
                None,
            )
        if wanted_actor is not None and actor_key != wanted_actor:
            continue
        if actor_key is None:
            found.left_out["no actor"] += 1
            continue
        opposes = tag.kind == AnnotationKind.opposes
        if filters.concepts is ConceptLevel.claims:
            if tag.claim_id is None:
                found.left_out["no claim"] += 1
                continue
            stance = stances.get((tag.claim_id, tag.position_key))
            agreement = Agreement.rejects if stance == Stance.rejects else Agreement.holds
            concept = claims[tag.claim_id]
        else:
            if tag.topic_key is None:
                found.left_out["no topic"] += 1
                continue
            agreement = Agreement.holds
            concept = f"{positions[tag.position_key]} · {topics[tag.topic_key]}"
        found.statements.append(
            Statement(
                id=tag.id,
                actor=actors[actor_key],
                concept=concept,
                agreement=_flip(agreement) if opposes else agreement,
                date=published,
                document=tag.document_id,
                evidence=tag.passage_id,
            )
        )
    return found

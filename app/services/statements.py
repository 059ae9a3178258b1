"""Statements read from the map: who took which stance on what, when, and where it says so.

A statement comes from a live tag with an actor, in a document with a publication date. The
actor is the one the tag names; a tag that supports or opposes a position and names nobody
speaks for its document's author (or else its outlet), when the registry knows that name:
- on a **claim** (the tag's claim): the actor holds the claim if the tag's position holds it,
  rejects it if the position rejects it; a tag that *opposes* the position turns that around;
  a position with no stance on the claim counts as holding it (the tag is evidence for it);
- on a **topic** (the tag's position on the tag's topic, "Russian · Territory"): the actor
  agrees with that position on that topic when the tag states or supports it, and disagrees
  when it opposes it.
Tags without an actor, a concept or a dated document are left out and counted, so an analyst
knows what the network does not yet see. Definitions: docs/networks.md.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

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
from app.services.errors import InvalidInput
from app.services.interchange.filters import ExportFilters, annotation_condition, check_filters
from app.services.networks import Agreement, Statement


class ConceptLevel(StrEnum):
    claims = "claims"
    topics = "topics"


@dataclass(frozen=True)
class StatementFilters:
    """Which tags count; None means no restriction. Dates bound the documents' publication."""

    concepts: ConceptLevel = ConceptLevel.claims
    document: str | None = None
    position: str | None = None
    topic: str | None = None
    since: date | None = None
    until: date | None = None


@dataclass
class StatementSet:
    """The statements, and how many tags were left out and why."""

    statements: list[Statement] = field(default_factory=list)
    left_out: Counter[str] = field(default_factory=Counter)


def _flip(agreement: Agreement) -> Agreement:
    return Agreement.rejects if agreement is Agreement.holds else Agreement.holds


def _tag_filters(filters: StatementFilters) -> ExportFilters:
    """The tags the statements come from are chosen as the exports choose them."""
    return ExportFilters(filters.document, filters.position, filters.topic)


def check_statement_filters(session: Session, filters: StatementFilters) -> None:
    """NotFound for an unknown document, position or topic; InvalidInput for a date range
    that ends before it starts."""
    check_filters(session, _tag_filters(filters))
    if filters.since and filters.until and filters.until < filters.since:
        raise InvalidInput(
            f"The date range ends ({filters.until.isoformat()}) before it starts "
            f"({filters.since.isoformat()})."
        )


def _unique_labels(names: dict[str, str]) -> dict[str, str]:
    """Each id's name, made unique by its id where two share one (node labels are keys)."""
    counts = Counter(names.values())
    return {key: name if counts[name] == 1 else f"{name} ({key})" for key, name in names.items()}


def read_statements(session: Session, filters: StatementFilters) -> StatementSet:
    """The statements the tags make under `filters`, in no particular order."""
    check_statement_filters(session, filters)
    query = (
        select(Annotation, col(Document.published), col(Document.author), col(Document.outlet))
        .join(Document, col(Document.id) == col(Annotation.document_id))
        .where(annotation_condition(_tag_filters(filters)))
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
        if actor_key is None:
            found.left_out["no actor"] += 1
            continue
        if published is None:
            found.left_out["no date"] += 1
            continue
        if (filters.since and published < filters.since) or (
            filters.until and published > filters.until
        ):
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

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
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, func, not_, or_
from sqlalchemy import select as sa_select
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


def _unique_labels(names: dict[str, str]) -> dict[str, str]:
    """Each id's name, made unique by its id where two share one (node labels are keys)."""
    counts = Counter(names.values())
    return {key: name if counts[name] == 1 else f"{name} ({key})" for key, name in names.items()}


def actor_keys(session: Session, labels: Iterable[str]) -> list[str]:
    """The keys of the actors that statements name by these labels (unknown labels: none)."""
    names = dict(session.exec(select(Actor.key, Actor.name)).all())
    wanted = set(labels)
    return sorted(key for key, label in _unique_labels(names).items() if label in wanted)


def _speakers(session: Session, by_name: dict[str, str]) -> dict[str, str]:
    """The actor each document's arguing tags speak for: its author, or else its outlet, when
    the registry knows that name (documents whose author and outlet it does not know are not
    listed)."""
    rows = session.exec(
        select(Document.id, Document.author, Document.outlet).where(
            or_(col(Document.author).is_not(None), col(Document.outlet).is_not(None))
        )
    ).all()
    speakers: dict[str, str] = {}
    for document, author, outlet in rows:
        for name in (author, outlet):
            if name and name.casefold() in by_name:
                speakers[document] = by_name[name.casefold()]
                break
    return speakers


def _may_speak(speakers: dict[str, str], actors: set[str] | None) -> ColumnElement[bool]:
    """The tags that make a statement of someone (of one of `actors`, if given): those that
    name the actor, and those that argue, name nobody and sit in a document whose author
    speaks."""
    documents = [d for d, speaker in speakers.items() if actors is None or speaker in actors]
    named = col(Annotation.actor_key)
    naming = named.is_not(None) if actors is None else named.in_(sorted(actors))
    if not documents:  # nobody speaks for a document: the tags that name an actor, by index
        return naming
    arguing = and_(
        named.is_(None),
        col(Annotation.kind) != AnnotationKind.states,
        col(Annotation.document_id).in_(documents),
    )
    return or_(naming, arguing)


def _plain_rows(session: Session, *columns: Any) -> Sequence[Any]:
    """Every row of `columns`, read from the connection: the session's ORM result handling is
    not needed for plain values and took most of the time of reading 20,000 claims' texts."""
    return session.connection().execute(sa_select(*columns)).all()


def _concept_labels(session: Session, concepts: ConceptLevel) -> dict[str, str]:
    """Each concept's label: a claim's text, or "position · topic" by the pair of keys."""
    if concepts is ConceptLevel.claims:
        return _unique_labels(dict(_plain_rows(session, col(Claim.id), col(Claim.text))))
    positions = dict(session.exec(select(Position.key, Position.name)).all())
    topics = dict(session.exec(select(Topic.key, Topic.name)).all())
    return {
        f"{position}\x00{topic}": f"{position_name} · {topic_name}"
        for position, position_name in positions.items()
        for topic, topic_name in topics.items()
    }


def read_statements(
    session: Session, filters: StatementFilters, actors: Collection[str] | None = None
) -> StatementSet:
    """The statements the tags make under `filters`, in no particular order; with `actors`
    (keys), only the statements of those actors.

    Only the tags that may make a statement are read, column by column; the others are
    counted in SQL ("no actor"), so a corpus whose tags mostly name nobody is read quickly.
    """
    check_tag_filters(session, filters.tags)
    wanted = None if filters.tags.actor is None else {filters.tags.actor}
    if actors is not None:
        wanted = set(actors) if wanted is None else wanted & set(actors)
    registry = session.exec(select(Actor.key, Actor.name, Actor.aliases)).all()
    actors = _unique_labels({key: name for key, name, _ in registry})
    by_name = {n.casefold(): key for key, name, aliases in registry for n in (name, *aliases)}
    speakers = _speakers(session, by_name)
    # The actor is read from the statement, after the author's attribution (see above).
    chosen = tag_condition(replace(filters.tags, actor=None))
    speaking = _may_speak(speakers, wanted)
    found = StatementSet()
    if wanted is None:
        silent = session.exec(
            select(func.count()).select_from(Annotation).where(chosen, not_(speaking))
        ).one()
        if silent:
            found.left_out["no actor"] = silent
    published = dict(_plain_rows(session, col(Document.id), col(Document.published)))
    labels = _concept_labels(session, filters.concepts)
    on_claims = filters.concepts is ConceptLevel.claims
    stances = (
        {
            (c, p): stance
            for c, p, stance in _plain_rows(
                session,
                col(ClaimStance.claim_id),
                col(ClaimStance.position_key),
                col(ClaimStance.stance),
            )
        }
        if on_claims
        else {}
    )
    # Plain rows from the connection: the session's ORM result handling is not needed here
    # and costs a tenth of a second per 100,000 rows.
    tags = sa_select(
        col(Annotation.id),
        col(Annotation.actor_key),
        col(Annotation.kind),
        col(Annotation.claim_id),
        col(Annotation.position_key),
        col(Annotation.topic_key),
        col(Annotation.document_id),
        col(Annotation.passage_id),
    ).where(chosen, speaking)
    rows = session.connection().execute(tags).all()
    holds, rejects = Agreement.holds, Agreement.rejects
    append = found.statements.append
    for tag, actor_key, kind, claim, position, topic, document, passage in rows:
        if actor_key is None:
            actor_key = speakers[document]  # an arguing tag: its document's author speaks
        if on_claims:
            if claim is None:
                found.left_out["no claim"] += 1
                continue
            agreement = rejects if stances.get((claim, position)) == Stance.rejects else holds
            concept = labels[claim]
        else:
            if topic is None:
                found.left_out["no topic"] += 1
                continue
            agreement = holds
            concept = labels[f"{position}\x00{topic}"]
        if kind == AnnotationKind.opposes:
            agreement = rejects if agreement is holds else holds
        append(
            Statement(
                tag,
                actors[actor_key],
                concept,
                agreement,
                published[document],
                document,
                passage,
            )
        )
    return found

"""Relations between claims: one claim supporting or attacking another."""

from dataclasses import dataclass

from sqlalchemy import and_, case, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.db import save
from app.models import (
    Claim,
    Relation,
    RelationCreate,
    RelationKind,
    RelationPublic,
    RelationUpdate,
    utcnow,
)
from app.services.claims.reading import get_claim, short_text
from app.services.errors import Conflict, InvalidInput
from app.services.lookup import get_existing
from app.services.paging import Page, PageRequest, count_rows
from app.services.tagging import clean_analyst_name, get_passage
from app.services.versions import check_version


def get_relation(session: Session, relation_id: str) -> Relation:
    return get_existing(session, Relation, relation_id)


def create_relation(session: Session, data: RelationCreate, analyst: str | None) -> Relation:
    """Say that one claim supports or attacks another.

    Two claims are linked by one relation at most, in either direction: a second one is a
    Conflict (change the kind of the first instead).
    """
    who = clean_analyst_name(analyst)
    source = get_claim(session, data.source_id)
    target = get_claim(session, data.target_id)
    if source.id == target.id:
        raise InvalidInput("A claim cannot support or attack itself.")
    existing = session.exec(
        select(Relation).where(
            or_(
                and_(col(Relation.source_id) == source.id, col(Relation.target_id) == target.id),
                and_(col(Relation.source_id) == target.id, col(Relation.target_id) == source.id),
            )
        )
    ).first()
    if existing is not None:
        first, second = (source, target) if existing.source_id == source.id else (target, source)
        raise Conflict(
            f"“{short_text(first.text)}” already {existing.kind} “{short_text(second.text)}”; "
            "two claims can have one relation only. Change or delete that one instead."
        )
    if data.evidence_passage_id is not None:
        get_passage(session, data.evidence_passage_id)
    now = utcnow()
    relation = Relation(
        source_id=source.id,
        target_id=target.id,
        kind=RelationKind(data.kind),
        note=data.note.strip(),
        evidence_passage_id=data.evidence_passage_id,
        analyst=who,
        created_at=now,
        updated_at=now,
    )
    return save(session, relation)


def _relations_query(session: Session, claim_id: str | None) -> SelectOfScalar[Relation]:
    query = select(Relation)
    if claim_id is not None:
        get_claim(session, claim_id)
        query = query.where(
            or_(col(Relation.source_id) == claim_id, col(Relation.target_id) == claim_id)
        )
    return query


def list_relations(session: Session, claim_id: str | None = None) -> list[Relation]:
    """Every relation, or those from or to one claim, oldest first."""
    query = _relations_query(session, claim_id)
    return list(session.exec(query.order_by(col(Relation.created_at), col(Relation.id))))


def page_relations(
    session: Session, page: PageRequest, claim_id: str | None = None
) -> Page[Relation]:
    """One page of `list_relations`, with the number of relations in all."""
    query = _relations_query(session, claim_id)
    total = count_rows(session, query.with_only_columns(col(Relation.id)))
    ordered = query.order_by(col(Relation.created_at), col(Relation.id))
    found = list(session.exec(ordered.offset(page.offset).limit(page.limit)))
    return Page(found, total, page.limit, page.offset)


def update_relation(session: Session, relation_id: str, data: RelationUpdate) -> Relation:
    """Change a relation's kind, note or evidence passage (`null` clears the passage); its two
    claims stay (delete it and make a new one to link others). With `data.version`, refused
    (VersionConflict) if the relation is at another one."""
    relation = get_relation(session, relation_id)
    check_version(session, relation, data.version, lambda: RelationPublic.model_validate(relation))
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if changes.get("kind", "") is None:
        raise InvalidInput("A relation must keep a kind (supports or attacks).")
    if changes.get("evidence_passage_id") is not None:
        get_passage(session, changes["evidence_passage_id"])
    if "note" in changes:
        changes["note"] = (changes["note"] or "").strip()
    if "evidence_passage_id" in changes:
        # Set or cleared by a person: a lost evidence passage needs no more review.
        changes["evidence_orphaned_at"] = None
    relation.sqlmodel_update(changes)
    relation.updated_at = utcnow()
    return save(session, relation)


def delete_relation(session: Session, relation_id: str, version: int | None = None) -> None:
    """Delete a relation; with `version`, refused (VersionConflict) if it is at another one."""
    relation = get_relation(session, relation_id)
    check_version(session, relation, version, lambda: RelationPublic.model_validate(relation))
    session.delete(relation)
    session.commit()


@dataclass(frozen=True)
class LinkedClaim:
    """A relation seen from one claim, with the claim at its other end."""

    relation: Relation
    claim: Claim


@dataclass(frozen=True)
class ClaimLinks:
    """A claim's relations by direction and kind."""

    supports: list[LinkedClaim]
    supported_by: list[LinkedClaim]
    attacks: list[LinkedClaim]
    attacked_by: list[LinkedClaim]


def claim_links(session: Session, claim_id: str) -> ClaimLinks:
    """What the claim supports and attacks, and what supports and attacks it (one query)."""
    get_claim(session, claim_id)
    other_end = case(
        (col(Relation.source_id) == claim_id, col(Relation.target_id)),
        else_=col(Relation.source_id),
    )
    rows = session.exec(
        select(Relation, Claim)
        .join(Claim, col(Claim.id) == other_end)
        .where(or_(col(Relation.source_id) == claim_id, col(Relation.target_id) == claim_id))
        .order_by(col(Relation.created_at), col(Relation.id))
    ).all()
    links = ClaimLinks([], [], [], [])
    for relation, other in rows:
        outgoing = relation.source_id == claim_id
        if relation.kind == RelationKind.supports:
            group = links.supports if outgoing else links.supported_by
        else:
            group = links.attacks if outgoing else links.attacked_by
        group.append(LinkedClaim(relation, other))
    return links

"""Claims, their stances and their evidence: adding, changing and removing them."""

from collections.abc import Iterable, Sequence

from sqlmodel import Session, col, select

from app.db import save
from app.models import (
    Annotation,
    Claim,
    ClaimCreate,
    ClaimStance,
    ClaimUpdate,
    Position,
    Stance,
    StanceFields,
    Topic,
    utcnow,
)
from app.services.claims.reading import claim_public, get_claim, short_text
from app.services.errors import InvalidInput, NotFound
from app.services.lookup import check_exists, not_found
from app.services.tagging import clean_analyst_name, get_annotation, present_annotation
from app.services.versions import check_version


def clean_claim_text(text: str) -> str:
    """The text of a claim, trimmed; InvalidInput if nothing is left. NUL is dropped, as from
    every text users type (see app/models/fields.py)."""
    cleaned = text.replace("\x00", "").strip()
    if not cleaned:
        raise InvalidInput("A claim needs some text: the proposition in your own words.")
    return cleaned


def _check_topic(session: Session, topic_key: str | None) -> None:
    if topic_key is not None and session.get(Topic, topic_key) is None:
        raise InvalidInput(f"There is no topic with the key '{topic_key}'.")


def check_stances(session: Session, stances: Sequence[StanceFields]) -> dict[str, Stance]:
    """The stances as {position key: stance}; each position once, and every one must exist."""
    wanted: dict[str, Stance] = {}
    for item in stances:
        if item.position_key in wanted:
            raise InvalidInput(
                f"The position '{item.position_key}' is given twice; a position takes one "
                "stance on a claim."
            )
        wanted[item.position_key] = Stance(item.stance)
    if wanted:
        known = set(session.exec(select(Position.key).where(col(Position.key).in_(wanted))))
        missing = [key for key in wanted if key not in known]
        if missing:
            raise InvalidInput(f"There is no position with the key '{missing[0]}'.")
    return wanted


def replace_stances(session: Session, claim_id: str, wanted: dict[str, Stance]) -> None:
    """Make the claim's stances exactly `wanted` (rows are updated in place, not re-inserted)."""
    current = {
        row.position_key: row
        for row in session.exec(select(ClaimStance).where(ClaimStance.claim_id == claim_id))
    }
    for key, row in current.items():
        if key in wanted:
            row.stance = wanted[key]
            session.add(row)
        else:
            session.delete(row)
    for key, stance in wanted.items():
        if key not in current:
            session.add(ClaimStance(claim_id=claim_id, position_key=key, stance=stance))


def live_annotations(session: Session, annotation_ids: Iterable[str]) -> list[Annotation]:
    """The live tags with these ids, in the order given (duplicates once); NotFound if one is
    missing or removed."""
    wanted = list(dict.fromkeys(annotation_ids))
    if not wanted:
        return []
    found = {
        a.id: a
        for a in session.exec(
            select(Annotation).where(
                col(Annotation.id).in_(wanted), col(Annotation.deleted_at).is_(None)
            )
        )
    }
    for annotation_id in wanted:
        if annotation_id not in found:
            raise not_found(Annotation, annotation_id)
    return [found[annotation_id] for annotation_id in wanted]


def move_evidence(
    session: Session, annotations: Iterable[Annotation], claim_id: str | None
) -> None:
    """Make these tags evidence for the claim `claim_id` (with None, for no claim)."""
    now = utcnow()
    for annotation in annotations:
        annotation.claim_id = claim_id
        annotation.updated_at = now
        session.add(annotation)


def create_claim(session: Session, data: ClaimCreate, analyst: str | None) -> Claim:
    """Add a claim with its stances, and attach the tags `data.annotation_ids` as evidence.

    The claim is recorded as `analyst`'s (the signed-in user; never a name from a body). A
    tag that was evidence for another claim moves to this one (a tag backs one claim at a
    time).
    """
    who = clean_analyst_name(analyst)
    text = clean_claim_text(data.text)
    _check_topic(session, data.topic_key)
    stances = check_stances(session, data.stances)
    evidence = live_annotations(session, data.annotation_ids)
    now = utcnow()
    claim = Claim(
        text=text,
        topic_key=data.topic_key,
        note=data.note.strip(),
        analyst=who,
        created_at=now,
        updated_at=now,
    )
    session.add(claim)
    # The claim row first: with no ORM relationships between these tables, the unit of work
    # does not promise to write it before the rows that point at it.
    session.flush()
    replace_stances(session, claim.id, stances)
    move_evidence(session, evidence, claim.id)
    return save(session, claim)


def update_claim(session: Session, claim_id: str, data: ClaimUpdate) -> Claim:
    """Change the fields given; `topic_key: null` clears the topic, and `stances` (a list, or
    null for none) replaces the whole set of stances. With `data.version`, the change is
    refused (VersionConflict) if the claim is at another one."""
    claim = get_claim(session, claim_id)
    check_version(session, claim, data.version, lambda: claim_public(session, claim))
    changes = data.model_dump(exclude_unset=True, exclude={"stances", "version"})
    if "text" in changes:
        if changes["text"] is None:
            raise InvalidInput("A claim must keep its text.")
        changes["text"] = clean_claim_text(changes["text"])
    if "topic_key" in changes:
        _check_topic(session, changes["topic_key"])
    if "note" in changes:
        changes["note"] = (changes["note"] or "").strip()
    stances = None
    if "stances" in data.model_fields_set:
        stances = check_stances(session, data.stances or [])
    claim.sqlmodel_update(changes)
    if stances is not None:
        replace_stances(session, claim.id, stances)
    claim.updated_at = utcnow()
    return save(session, claim)


def set_stance(
    session: Session,
    claim_id: str,
    position_key: str,
    stance: Stance | None,
    version: int | None = None,
) -> Claim:
    """Say how one position stands to the claim (holds or rejects), or with None that it takes
    no stance (removing an absent stance changes nothing). With `version`, refused
    (VersionConflict) if the claim is at another one."""
    claim = get_claim(session, claim_id)
    check_version(session, claim, version, lambda: claim_public(session, claim))
    check_exists(session, Position, position_key)
    row = session.exec(
        select(ClaimStance).where(
            ClaimStance.claim_id == claim_id, ClaimStance.position_key == position_key
        )
    ).first()
    if stance is None and row is None:
        return claim
    if stance is None:
        session.delete(row)
    elif row is None:
        session.add(ClaimStance(claim_id=claim_id, position_key=position_key, stance=stance))
    else:
        row.stance = stance
        session.add(row)
    claim.updated_at = utcnow()
    return save(session, claim)


def delete_claim(session: Session, claim_id: str, version: int | None = None) -> None:
    """Delete a claim with its stances and relations; its evidence tags stay, with no claim.

    The database does the rest: stances and relations cascade, tags get a NULL `claim_id`.
    With `version`, refused (VersionConflict) if the claim is at another one.
    """
    claim = get_claim(session, claim_id)
    check_version(session, claim, version, lambda: claim_public(session, claim))
    session.delete(claim)
    session.commit()


def attach_evidence(session: Session, claim_id: str, annotation_id: str) -> Annotation:
    """Make a live tag evidence for the claim (moving it from another claim, if any)."""
    get_claim(session, claim_id)
    annotation = get_annotation(session, annotation_id)
    move_evidence(session, [annotation], claim_id)
    return save(session, annotation)


def detach_evidence(
    session: Session,
    annotation_id: str,
    *,
    claim_id: str | None = None,
    version: int | None = None,
) -> Annotation:
    """Stop a tag being evidence for its claim; the tag itself stays.

    With `claim_id`, the tag must be evidence for that claim (NotFound otherwise); with
    `version`, the tag must be at that version (VersionConflict otherwise).
    """
    annotation = get_annotation(session, annotation_id)
    check_version(session, annotation, version, lambda: present_annotation(annotation))
    if claim_id is not None:
        claim = get_claim(session, claim_id)
        if annotation.claim_id != claim_id:
            raise NotFound(
                f"The tag '{annotation_id}' is not evidence for the claim "
                f"“{short_text(claim.text)}”."
            )
    if annotation.claim_id is None:
        return annotation
    move_evidence(session, [annotation], None)
    return save(session, annotation)

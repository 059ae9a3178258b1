"""Tagging a passage as evidence for a claim: a new claim made from it, or an existing one.

This is the document view's "make a claim" and "attach to a claim" in one step. Everything
the request names is checked before anything is written, so a refused request leaves nothing
behind.
"""

from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session

from app.models import (
    Annotation,
    AnnotationCreate,
    AnnotationUpdate,
    ClaimCreate,
    ClaimStance,
    Stance,
    StanceFields,
)
from app.services import claims, tagging
from app.services.errors import InvalidInput


class ClaimMode(StrEnum):
    none = "none"
    new = "new"
    existing = "existing"


@dataclass(frozen=True)
class ClaimChoice:
    """What the tag form says about a claim: none, a new one (its text), or an existing one."""

    mode: ClaimMode = ClaimMode.none
    text: str = ""
    claim_id: str | None = None
    stance: Stance = Stance.holds

    def check(self) -> None:
        if self.mode == ClaimMode.new and not self.text.strip():
            raise InvalidInput("Write the claim in your own words, or choose “no claim”.")
        if self.mode == ClaimMode.existing and not self.claim_id:
            raise InvalidInput("Choose the claim to attach this passage to (type to search).")


def _link_claim(
    session: Session, annotation: Annotation, choice: ClaimChoice, analyst: str | None
) -> Annotation:
    if choice.mode == ClaimMode.new:
        stance = StanceFields(position_key=annotation.position_key, stance=choice.stance)
        claims.create_claim(
            session,
            ClaimCreate(
                text=choice.text,
                topic_key=annotation.topic_key,
                stances=[stance],
                annotation_ids=[annotation.id],
            ),
            analyst,
        )
    elif choice.mode == ClaimMode.existing and choice.claim_id is not None:
        key = {"claim_id": choice.claim_id, "position_key": annotation.position_key}
        has_stance = session.get(ClaimStance, key)
        if has_stance is None:
            claims.set_stance(session, choice.claim_id, annotation.position_key, choice.stance)
    else:
        return annotation  # as saved and read back; reading it again would take a transaction
    session.refresh(annotation)
    return annotation


def tag_with_claim(
    session: Session, data: AnnotationCreate, analyst: str | None, choice: ClaimChoice
) -> Annotation:
    """Tag a passage and, as chosen, make a claim of it or attach it to a claim.

    A new claim takes the tag's topic and the position's stance; attaching to a claim on which
    the position has no stance yet gives it that stance.
    """
    choice.check()
    if choice.mode == ClaimMode.existing:
        claims.get_claim(session, choice.claim_id or "")
        data = data.model_copy(update={"claim_id": choice.claim_id})
    annotation = tagging.tag_passage(session, data, analyst)
    return _link_claim(session, annotation, choice, analyst)


def retag_with_claim(
    session: Session,
    annotation_id: str,
    data: AnnotationUpdate,
    analyst: str | None,
    choice: ClaimChoice,
) -> Annotation:
    """Edit a tag and change its claim: keep none, make a new one, or attach to another."""
    choice.check()
    if choice.mode == ClaimMode.existing:
        claims.get_claim(session, choice.claim_id or "")
        data = data.model_copy(update={"claim_id": choice.claim_id})
    elif choice.mode == ClaimMode.none:
        data = data.model_copy(update={"claim_id": None})
    annotation = tagging.update_annotation(session, annotation_id, data)
    return _link_claim(session, annotation, choice, analyst)

"""What the claims pages and their JSON twins show, built from the services' results."""

from typing import Any

from pydantic import Field
from sqlmodel import Session

from app.models import Annotation, AnnotationPublic, ClaimPublic, ClaimUpdate, RelationPublic
from app.presenters.annotations import catalog_context
from app.services import claims, documents, reanchor
from app.services.blinding import SEES_ALL, Blinding
from app.services.claims import LinkedClaim
from app.services.documents import passage_citation
from app.services.errors import VersionConflict
from app.services.tagging import present_annotation


def visible_orphans(session: Session, claim_id: str, blinding: Blinding) -> list[Annotation]:
    """The claim's evidence that lost its place, but for the tags `blinding` hides."""
    orphans = reanchor.orphaned_evidence(session, claim_id)
    return [a for a in orphans if not blinding.hides(a.document_id, a.analyst)]


def claim_context(
    session: Session, claim_id: str, analyst: str | None, blinding: Blinding = SEES_ALL
) -> dict[str, Any]:
    """The claim's page: the claim, the evidence its reader may see (`blinding`: not the tags
    of others in a document they code independently), its relations."""
    claim = claims.get_claim(session, claim_id)
    items = claims.claim_evidence(session, claim_id, blinding)
    return {
        "claim": claims.claim_public(session, claim, blinding),
        "evidence": [
            (item, documents.split_into_pieces(item.passage.text, [item.annotation]))
            for item in items
        ],
        # Evidence whose words are gone from its replaced document: the claim needs review.
        "orphans": visible_orphans(session, claim_id, blinding),
        "relations_to_review": reanchor.relations_needing_review(session),
        "links": claims.claim_links(session, claim_id),
        "analyst": analyst,
        **catalog_context(session),
    }


def claim_conflict_context(
    session: Session, conflict: VersionConflict, mine: ClaimUpdate
) -> dict[str, Any]:
    """The refused edit of a claim beside the claim as it is now, and the way to either."""
    theirs: ClaimPublic = conflict.current
    topics = catalog_context(session)["topic_map"]

    def topic(key: str | None) -> str:
        return topics[key].name if key in topics else key or ""

    rows = [
        ("Text", (mine.text or "").strip(), theirs.text),
        ("Topic", topic(mine.topic_key), topic(theirs.topic_key)),
        ("Note", (mine.note or "").strip(), theirs.note),
    ]
    fields = {
        "text": mine.text or "",
        "topic_key": mine.topic_key or "",
        "note": mine.note or "",
        "version": conflict.current_version,
    }
    return {
        "conflict": conflict,
        "rows": rows,
        "changed_at": theirs.updated_at,
        "save_url": f"/claims/{theirs.id}",
        "fields": fields,
        "target": "#claim-head",
        "reload_url": f"/claims/{theirs.id}",
        "page_url": f"/claims/{theirs.id}",
    }


class EvidencePublic(AnnotationPublic):
    """An evidence tag with the text of its passage and the label of its document."""

    passage_text: str
    document_label: str
    citation: str = Field(description="The passage as a short reference: Reuters, 16 Aug 2025, ¶4.")


class LinkedClaimPublic(RelationPublic):
    """A relation seen from one claim, with the claim at its other end."""

    other_claim_id: str
    other_claim_text: str


class ClaimDetail(ClaimPublic):
    evidence: list[EvidencePublic]
    needs_review: bool = Field(
        description="Some of its evidence lost its place when its document's text was replaced."
    )
    orphaned_evidence: list[AnnotationPublic] = Field(
        description="That evidence: live tags with no passage, each with the quote it had."
    )
    supports: list[LinkedClaimPublic] = Field(description="Claims this claim supports.")
    supported_by: list[LinkedClaimPublic] = Field(description="Claims that support this one.")
    attacks: list[LinkedClaimPublic] = Field(description="Claims this claim attacks.")
    attacked_by: list[LinkedClaimPublic] = Field(description="Claims that attack this one.")


def _linked(links: list[LinkedClaim]) -> list[LinkedClaimPublic]:
    return [
        LinkedClaimPublic.model_validate(
            link.relation,
            update={"other_claim_id": link.claim.id, "other_claim_text": link.claim.text},
        )
        for link in links
    ]


def claim_detail(session: Session, claim_id: str, blinding: Blinding = SEES_ALL) -> ClaimDetail:
    """A claim with its evidence and its relations, as the JSON twin of its page answers it
    (the evidence its reader's `blinding` lets them see)."""
    public = claims.claim_public(session, claims.get_claim(session, claim_id), blinding)
    evidence = [
        EvidencePublic.model_validate(
            present_annotation(item.annotation),
            update={
                "passage_text": item.passage.text,
                "document_label": item.document_label,
                "citation": passage_citation(item.document_label, item.passage.ordinal),
            },
        )
        for item in claims.claim_evidence(session, claim_id, blinding)
    ]
    links = claims.claim_links(session, claim_id)
    orphans = [present_annotation(a) for a in visible_orphans(session, claim_id, blinding)]
    return ClaimDetail.model_validate(
        public,
        update={
            "evidence": evidence,
            "needs_review": bool(orphans),
            "orphaned_evidence": orphans,
            "supports": _linked(links.supports),
            "supported_by": _linked(links.supported_by),
            "attacks": _linked(links.attacks),
            "attacked_by": _linked(links.attacked_by),
        },
    )

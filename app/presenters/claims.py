"""What the claims pages and their JSON twins show, built from the services' results."""

from typing import Any

from sqlmodel import Session

from app.models import ClaimPublic, ClaimUpdate
from app.presenters.annotations import catalog_context
from app.services import claims, documents, reanchor
from app.services.errors import VersionConflict


def claim_context(session: Session, claim_id: str, analyst: str | None) -> dict[str, Any]:
    claim = claims.get_claim(session, claim_id)
    items = claims.claim_evidence(session, claim_id)
    return {
        "claim": claims.claim_public(session, claim),
        "evidence": [
            (item, documents.split_into_pieces(item.passage.text, [item.annotation]))
            for item in items
        ],
        # Evidence whose words are gone from its replaced document: the claim needs review.
        "orphans": reanchor.orphaned_evidence(session, claim_id),
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

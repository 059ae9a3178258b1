"""What the annotations pages and their JSON twins show, built from the services' results."""

from typing import Any

from sqlmodel import Session

from app.models import (
    AnnotationPublic,
    AnnotationUpdate,
    Passage,
)
from app.services import actors, catalog, claims, codebook, documents, reanchor
from app.services.blinding import SEES_ALL, Blinding
from app.services.errors import VersionConflict
from app.services.evidence import ClaimChoice, ClaimMode


def catalog_context(session: Session) -> dict[str, Any]:
    """Positions and topics as every passage needs them: ordered lists and lookups by key."""
    positions = catalog.list_positions(session)
    topics = catalog.list_topics(session)
    return {
        "positions": positions,
        "topics": topics,
        "position_map": {p.key: p for p in positions},
        "topic_map": {t.key: t for t in topics},
        "definitions": codebook.definitions(session),
    }


def passage_context(
    session: Session,
    passage: Passage,
    analyst: str | None,
    blinding: Blinding = SEES_ALL,
    **extra: Any,
) -> dict[str, Any]:
    """A passage with the tags the reader's `blinding` lets them see."""
    view = documents.passage_view(session, passage, blinding)
    return {
        "view": view,
        "claim_texts": documents.claim_texts(session, [view]),
        "claim_stances": documents.claim_stances_of(session, view.annotations),
        "actor_names": actors.actor_names(session, view.annotations),
        **catalog_context(session),
        "analyst": analyst,
        "form": None,
        "undo": None,
        **extra,
    }


def actor_choices(session: Session, passage: Passage, actor_key: str | None) -> dict[str, Any]:
    """What the tag form offers for "who says it": every actor, those the passage names first
    as suggestions, and the name of the tag's actor (if any)."""
    registry = actors.list_actors(session)
    names = {actor.key: actor.name for actor in registry}
    return {
        "actors": registry,
        "suggested": actors.suggest_actors(session, passage.text),
        "actor_name": names.get(actor_key or ""),
    }


def orphans_context(
    session: Session,
    document_id: str,
    analyst: str | None,
    blinding: Blinding = SEES_ALL,
    **extra: Any,
) -> dict[str, Any]:
    """The document's tags that lost their place, those the reader's `blinding` lets them
    see."""
    orphans = reanchor.list_orphans(session, document_id, blinding)
    return {
        "summary": documents.get_document_summary(session, document_id, blinding),
        "orphans": orphans,
        "claim_texts": documents.claim_texts_of(session, orphans),
        "actor_names": actors.actor_names(session, orphans),
        **catalog_context(session),
        "analyst": analyst,
        "undo": None,
        **extra,
    }


def describe_claim_choice(session: Session, choice: ClaimChoice) -> str:
    if choice.mode == ClaimMode.new:
        return f"a new claim: “{choice.text.strip()}” ({choice.stance})"
    if choice.mode == ClaimMode.existing and choice.claim_id:
        return f"“{claims.get_claim(session, choice.claim_id).text}”"
    return ""


def tag_conflict_context(
    session: Session, conflict: VersionConflict, mine: AnnotationUpdate, claim: ClaimChoice
) -> dict[str, Any]:
    """The refused edit of a tag beside the tag as it is now, and the way to either."""
    theirs: AnnotationPublic = conflict.current
    names = catalog_context(session)
    positions, topics = names["position_map"], names["topic_map"]

    def position(key: str | None) -> str:
        return positions[key].name if key in positions else key or ""

    def topic(key: str | None) -> str:
        return topics[key].name if key in topics else key or ""

    their_claim = claims.get_claim(session, theirs.claim_id).text if theirs.claim_id else ""
    rows = [
        ("Position", position(mine.position_key), position(theirs.position_key)),
        ("Kind", str(mine.kind or ""), str(theirs.kind)),
        ("Topic", topic(mine.topic_key), topic(theirs.topic_key)),
        ("Note", (mine.note or "").strip(), theirs.note),
        ("Claim", describe_claim_choice(session, claim), their_claim and f"“{their_claim}”"),
    ]
    fields = {
        "position_key": mine.position_key or "",
        "kind": str(mine.kind or ""),
        "topic_key": mine.topic_key or "",
        "note": mine.note or "",
        "claim_mode": claim.mode,
        "claim_text": claim.text,
        "claim_id": claim.claim_id or "",
        "stance": claim.stance,
        "version": conflict.current_version,
    }
    passage_id = theirs.passage_id
    return {
        "conflict": conflict,
        "rows": rows,
        "changed_at": theirs.updated_at,
        "save_url": f"/annotations/{theirs.id}",
        "fields": fields,
        # A tag that lost its place meanwhile has no passage to show it in: its document's
        # list of such tags instead.
        "target": f"#p-{passage_id}" if passage_id else None,
        "reload_url": f"/passages/{passage_id}" if passage_id else None,
        "page_url": (
            f"/documents/{theirs.document_id}#p-{passage_id}"
            if passage_id
            else f"/documents/{theirs.document_id}/orphans"
        ),
    }


def removal_conflict_context(session: Session, conflict: VersionConflict) -> dict[str, Any]:
    """A removal refused because the tag changed since it was shown: the tag as it is now, to
    keep, or to remove all the same."""
    theirs: AnnotationPublic = conflict.current
    empty = AnnotationUpdate()
    context = tag_conflict_context(session, conflict, empty, ClaimChoice())
    removed = "(removed)"
    return {
        **context,
        "rows": [(label, removed, now) for label, _mine, now in context["rows"]],
        "save_url": f"/annotations/{theirs.id}?version={conflict.current_version}",
        "save_method": "delete",
        "save_label": "Remove it all the same",
        "save_hint": "Keep theirs keeps the tag as it is now; removing it removes that version",
        "fields": {},
    }

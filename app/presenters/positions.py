"""What the position pages and their JSON twins show, built from the services' results."""

from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from app.models import AnnotationPublic, PositionPublic, TopicPublic
from app.services import catalog, documents, tagging
from app.services.blinding import SEES_ALL, Blinding
from app.services.paging import PageRequest


class TopicGroupPublic(BaseModel):
    topic: TopicPublic | None
    annotations: list[AnnotationPublic]


class PositionDetail(BaseModel):
    position: PositionPublic
    groups: list[TopicGroupPublic]


def position_list_context(
    session: Session, analyst: str | None, blinding: Blinding = SEES_ALL
) -> dict[str, Any]:
    """The positions, each with how many tags use it (of those its reader may see)."""
    return {
        "positions": catalog.list_positions(session),
        "counts": catalog.tag_counts_by_position(session, blinding),
        "analyst": analyst,
    }


def position_context(
    session: Session, position_key: str, page: PageRequest, blinding: Blinding = SEES_ALL
) -> dict[str, Any]:
    """A position and a page of the passages tagged with it, grouped by topic (the tags its
    reader may see, `blinding`); `found` is the page of tags, for the links to the next and
    previous ones."""
    position = catalog.get_position(session, position_key)
    groups, found = documents.page_position_groups(session, position_key, page, blinding)
    return {"position": position, "groups": groups, "found": found}


def position_detail(context: dict[str, Any]) -> PositionDetail:
    """`position_context` as the JSON twin answers it."""
    groups = [
        TopicGroupPublic(
            topic=TopicPublic.model_validate(group.topic) if group.topic else None,
            annotations=[tagging.present_annotation(item.annotation) for item in group.items],
        )
        for group in context["groups"]
    ]
    position = PositionPublic.model_validate(context["position"])
    return PositionDetail(position=position, groups=groups)

"""What the actor pages and their JSON twins show, built from the services' results."""

from typing import Any

from sqlmodel import Session

from app.models import ActorKind
from app.services import actors, catalog
from app.services.blinding import SEES_ALL, Blinding


def actor_list_context(
    session: Session, analyst: str | None, blinding: Blinding = SEES_ALL
) -> dict[str, Any]:
    """The registry, each actor with how many tags name it (of those its reader may see,
    `blinding`), and what the add form offers."""
    registry = actors.list_actors(session)
    return {
        "actors": registry,
        "names": {actor.key: actor.name for actor in registry},
        "counts": actors.tag_counts_by_actor(session, blinding),
        "kinds": list(ActorKind),
        "positions": catalog.list_positions(session),
        "analyst": analyst,
    }


def actor_context(
    session: Session, actor_key: str, analyst: str | None, blinding: Blinding = SEES_ALL
) -> dict[str, Any]:
    """One actor with its members, its tag count, and the choices its edit form offers."""
    actor = actors.get_actor(session, actor_key)
    context = actor_list_context(session, analyst, blinding)
    context |= {
        "actor": actor,
        "members": [other for other in context["actors"] if other.parent_key == actor.key],
        "parents": [other for other in context["actors"] if other.key != actor.key],
    }
    return context

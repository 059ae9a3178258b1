"""The actor registry: who speaks in the texts, under which names, belonging to whom.

A name or alias means one actor only (whatever its case), so that a name found in a passage
suggests one actor. An actor that tags or other actors refer to is not deleted but merged
into another: its tags, members and names move there.
"""

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.db import save
from app.models import (
    Actor,
    ActorCreate,
    ActorPublic,
    ActorUpdate,
    Annotation,
    Position,
    utcnow,
)
from app.services.blinding import SEES_ALL, Blinding
from app.services.errors import Conflict, InvalidInput
from app.services.lookup import get_existing
from app.services.versions import check_version


def list_actors(session: Session) -> list[Actor]:
    return list(session.exec(select(Actor).order_by(func.lower(Actor.name), col(Actor.key))))


def actor_names(session: Session, annotations: Iterable[Annotation]) -> dict[str, str]:
    """The name of every actor these tags name, by key (one query), for their chips."""
    keys = {a.actor_key for a in annotations if a.actor_key}
    if not keys:
        return {}
    return dict(session.exec(select(Actor.key, Actor.name).where(col(Actor.key).in_(keys))).all())


def get_actor(session: Session, key: str) -> Actor:
    return get_existing(session, Actor, key)


def actor_public(actor: Actor) -> ActorPublic:
    return ActorPublic.model_validate(actor)


def _names(actor: Actor | ActorCreate) -> list[str]:
    return [actor.name, *actor.aliases]


def _check_names_free(session: Session, key: str, names: Iterable[str]) -> None:
    """Conflict if another actor is already called by one of `names` (whatever the case)."""
    wanted = {name.casefold(): name for name in names}
    for other in list_actors(session):
        if other.key == key:
            continue
        for taken in _names(other):
            if taken.casefold() in wanted:
                raise Conflict(
                    f"The name '{wanted[taken.casefold()]}' already means the actor "
                    f"'{other.name}' ({other.key}); an alias names one actor only."
                )


def _check_links(
    session: Session, key: str, parent_key: str | None, position_key: str | None
) -> None:
    if position_key is not None and session.get(Position, position_key) is None:
        raise InvalidInput(f"There is no position with the key '{position_key}'.")
    if parent_key is None:
        return
    if parent_key == key:
        raise InvalidInput("An actor cannot belong to itself.")
    parent = session.get(Actor, parent_key)
    if parent is None:
        raise InvalidInput(f"There is no actor with the key '{parent_key}'.")
    if key in _ancestors(session, parent):
        raise InvalidInput(
            f"'{parent_key}' belongs to '{key}': an actor cannot belong to one of its members."
        )


def _ancestors(session: Session, actor: Actor) -> list[str]:
    """The keys of the actors `actor` belongs to, directly or not, nearest first."""
    found: list[str] = []
    parent_key = actor.parent_key
    while parent_key is not None and parent_key not in found:
        found.append(parent_key)
        parent = session.get(Actor, parent_key)
        parent_key = parent.parent_key if parent is not None else None
    return found


def _checked_new_actor(
    session: Session, data: ActorCreate, analyst: str | None, example: bool = False
) -> Actor:
    if session.get(Actor, data.key) is not None:
        raise Conflict(f"An actor with the key '{data.key}' already exists.")
    _check_links(session, data.key, data.parent_key, data.position_key)
    _check_names_free(session, data.key, _names(data))
    actor = Actor.model_validate(data, update={"example": example})
    actor.created_by = analyst
    return actor


def create_actor(session: Session, data: ActorCreate, analyst: str | None) -> Actor:
    """Add an actor; its key is permanent, everything else can change later."""
    return save(session, _checked_new_actor(session, data, analyst))


def create_actors(
    session: Session, items: Sequence[ActorCreate], analyst: str | None, *, example: bool = False
) -> list[Actor]:
    """Add several actors in one transaction, all or none, each checked as `create_actor`
    checks it (against the registry and the actors before it, so a parent comes before its
    members); `example` marks them as example data."""
    added: list[Actor] = []
    try:
        for data in items:
            actor = _checked_new_actor(session, data, analyst, example)
            session.add(actor)
            session.flush()  # the next actor's checks see this one
            added.append(actor)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return added


def update_actor(session: Session, key: str, data: ActorUpdate) -> Actor:
    """Change the fields given ("" takes a parent or position away); with `data.version`,
    refused (VersionConflict) if the actor is at another one."""
    actor = get_actor(session, key)
    check_version(session, actor, data.version, lambda: actor_public(actor))
    changes = data.model_dump(exclude_unset=True, exclude_none=True, exclude={"version"})
    for link in ("parent_key", "position_key"):
        if changes.get(link) == "":
            changes[link] = None
    parent = changes.get("parent_key", actor.parent_key)
    position = changes.get("position_key", actor.position_key)
    _check_links(session, key, parent, position)
    names = [changes.get("name", actor.name), *changes.get("aliases", actor.aliases)]
    _check_names_free(session, key, names)
    actor.sqlmodel_update(changes)
    actor.updated_at = utcnow()
    return save(session, actor)


def _references(session: Session, key: str) -> tuple[int, int]:
    tags = session.exec(
        select(func.count()).select_from(Annotation).where(Annotation.actor_key == key)
    ).one()
    members = session.exec(
        select(func.count()).select_from(Actor).where(Actor.parent_key == key)
    ).one()
    return tags, members


def delete_actor(session: Session, key: str, version: int | None = None) -> None:
    """Delete an actor nothing refers to; with tags or members, refused (merge it instead)."""
    actor = get_actor(session, key)
    check_version(session, actor, version, lambda: actor_public(actor))
    tags, members = _references(session, key)
    if tags or members:
        raise Conflict(
            f"The actor '{actor.name}' is named by {tags} tag(s) (removed ones kept for undo "
            f"count too) and has {members} member(s); merge it into another actor instead."
        )
    session.delete(actor)
    session.commit()


def merge_actor(session: Session, key: str, into: str, version: int | None = None) -> Actor:
    """Fold the actor `key` into `into`: its tags and members go there, its name and aliases
    become aliases of `into`, and it is deleted. Returns `into` as it is now."""
    if key == into:
        raise InvalidInput("An actor cannot be merged into itself: choose another actor.")
    actor = get_actor(session, key)
    check_version(session, actor, version, lambda: actor_public(actor))
    target = session.get(Actor, into)
    if target is None:
        raise InvalidInput(f"There is no actor with the key '{into}' to merge into.")
    if key in _ancestors(session, target):
        raise InvalidInput(
            f"'{target.name}' belongs to '{actor.name}': merge '{target.name}' into "
            f"'{actor.name}' instead."
        )
    now = utcnow()
    for tag in session.exec(select(Annotation).where(Annotation.actor_key == key)).all():
        tag.actor_key = into
        tag.updated_at = now
    for member in session.exec(select(Actor).where(Actor.parent_key == key)).all():
        member.parent_key = into
        member.updated_at = now
    known = {name.casefold() for name in _names(target)}
    added = [name for name in _names(actor) if name.casefold() not in known]
    target.aliases = [*target.aliases, *dict.fromkeys(added)]
    target.updated_at = now
    session.delete(actor)
    session.flush()
    return save(session, target)


def actor_key_for(session: Session, typed: str) -> str | None:
    """The key of the actor `typed` names (its key, name or an alias, any case); None for a
    blank one; InvalidInput for a name no actor has."""
    wanted = " ".join(typed.split()).casefold()
    if not wanted:
        return None
    for actor in list_actors(session):
        if wanted == actor.key or wanted in {name.casefold() for name in _names(actor)}:
            return actor.key
    raise InvalidInput(
        f"No actor is called '{typed.strip()[:100]}': choose one from the list, or add it on "
        "the Actors page first."
    )


@lru_cache(maxsize=4096)
def _name_pattern(name: str) -> re.Pattern[str]:
    """`name` as whole words, any case. Kept compiled: with a few hundred actors' names and
    aliases, `re`'s own cache (512 patterns) was overrun and every tag form compiled them all
    again (0.1-0.2 s on the benchmark corpus's 300 actors)."""
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", flags=re.IGNORECASE)


def suggest_actors(session: Session, text: str) -> list[Actor]:
    """The actors whose name or an alias occurs in `text` as whole words (any case), in the
    order they first occur."""
    found: dict[str, tuple[int, Actor]] = {}
    for actor in list_actors(session):
        for name in _names(actor):
            match = _name_pattern(name).search(text)
            if match is not None and match.start() < found.get(actor.key, (len(text), actor))[0]:
                found[actor.key] = (match.start(), actor)
    return [actor for _, actor in sorted(found.values(), key=lambda item: item[0])]


def tag_counts_by_actor(session: Session, blinding: Blinding = SEES_ALL) -> dict[str, int]:
    """How many live tags name each actor (actors without any are left out), of those the
    reader's `blinding` lets them see."""
    visible = blinding.visible_condition()
    rows = session.exec(
        select(Annotation.actor_key, func.count())
        .where(
            col(Annotation.deleted_at).is_(None),
            col(Annotation.actor_key).is_not(None),
            *([] if visible is None else [visible]),
        )
        .group_by(col(Annotation.actor_key))
    )
    return {key: count for key, count in rows.all() if key is not None}

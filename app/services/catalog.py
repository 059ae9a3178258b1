"""Positions (the actors whose stances are mapped) and topics (the issues negotiated).

Both are small keyed lists with the same life cycle: a permanent key, an editable name, and
no deletion while a tag refers to them. The generic functions below serve both.
"""

from typing import Any, TypeVar

from sqlalchemy import func
from sqlmodel import Session, SQLModel, col, select

from app.db import save
from app.models import (
    MAX_ORDINAL,
    Actor,
    Annotation,
    Position,
    PositionCreate,
    PositionPublic,
    PositionUpdate,
    Topic,
    TopicCreate,
    TopicPublic,
    TopicUpdate,
    utcnow,
)
from app.services.blinding import SEES_ALL, Blinding
from app.services.errors import Conflict
from app.services.lookup import get_existing
from app.services.versions import check_version

Entry = TypeVar("Entry", Position, Topic)

LABELS = {Position: "position", Topic: "topic"}
# The annotation column that refers to each kind of entry.
REFERENCES: dict[type[SQLModel], Any] = {
    Position: Annotation.position_key,
    Topic: Annotation.topic_key,
}


def _present(entry: Position | Topic) -> PositionPublic | TopicPublic:
    if isinstance(entry, Position):
        return PositionPublic.model_validate(entry)
    return TopicPublic.model_validate(entry)


def _create(session: Session, model: type[Entry], key: str, data: SQLModel) -> Entry:
    if session.get(model, key) is not None:
        raise Conflict(f"A {LABELS[model]} with the key '{key}' already exists.")
    return save(session, model.model_validate(data))


def _update(
    session: Session, model: type[Entry], key: str, data: PositionUpdate | TopicUpdate
) -> Entry:
    """Change the fields given; with `data.version`, refused (VersionConflict) if the entry is
    at another one."""
    entry = get_existing(session, model, key)
    check_version(session, entry, data.version, lambda: _present(entry))
    entry.sqlmodel_update(
        data.model_dump(exclude_unset=True, exclude_none=True, exclude={"version"})
    )
    entry.updated_at = utcnow()
    return save(session, entry)


def _delete(session: Session, model: type[Entry], key: str, version: int | None) -> None:
    """Delete an unused entry; one that tags refer to is refused, to keep the map whole. With
    `version`, refused (VersionConflict) if the entry is at another one."""
    entry = get_existing(session, model, key)
    check_version(session, entry, version, lambda: _present(entry))
    in_use = session.exec(
        select(func.count()).select_from(Annotation).where(REFERENCES[model] == key)
    ).one()
    if in_use:
        raise Conflict(
            f"The {LABELS[model]} '{entry.name}' is used by {in_use} tag(s) "
            "(removed tags kept for undo count too); change or remove those tags first."
        )
    if model is Position:
        members = session.exec(
            select(func.count()).select_from(Actor).where(Actor.position_key == key)
        ).one()
        if members:
            raise Conflict(
                f"The position '{entry.name}' is the side of {members} actor(s); give them "
                "another position (or none) on the Actors page first."
            )
    session.delete(entry)
    session.commit()


def list_positions(session: Session) -> list[Position]:
    return list(session.exec(select(Position).order_by(col(Position.ordinal), col(Position.key))))


def get_position(session: Session, key: str) -> Position:
    return get_existing(session, Position, key)


def create_position(session: Session, data: PositionCreate) -> Position:
    """Add an actor; its key is permanent, its name and colour can change later. Without an
    ordinal it comes after the positions there are (or shares the last place, MAX_ORDINAL)."""
    if data.ordinal is None:
        last = session.exec(select(func.max(Position.ordinal))).one()
        data = data.model_copy(update={"ordinal": min((last or 0) + 1, MAX_ORDINAL)})
    return _create(session, Position, data.key, data)


def tag_counts_by_position(session: Session, blinding: Blinding = SEES_ALL) -> dict[str, int]:
    """How many live tags each position has (positions without any are left out), of those
    the reader's `blinding` lets them see."""
    visible = blinding.visible_condition()
    rows = session.exec(
        select(Annotation.position_key, func.count())
        .where(col(Annotation.deleted_at).is_(None), *([] if visible is None else [visible]))
        .group_by(col(Annotation.position_key))
    )
    return dict(rows.all())


def update_position(session: Session, key: str, data: PositionUpdate) -> Position:
    return _update(session, Position, key, data)


def delete_position(session: Session, key: str, version: int | None = None) -> None:
    _delete(session, Position, key, version)


def list_topics(session: Session) -> list[Topic]:
    return list(session.exec(select(Topic).order_by(col(Topic.name))))


def get_topic(session: Session, key: str) -> Topic:
    return get_existing(session, Topic, key)


def create_topic(session: Session, data: TopicCreate) -> Topic:
    return _create(session, Topic, data.key, data)


def update_topic(session: Session, key: str, data: TopicUpdate) -> Topic:
    return _update(session, Topic, key, data)


def delete_topic(session: Session, key: str, version: int | None = None) -> None:
    _delete(session, Topic, key, version)

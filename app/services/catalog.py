"""Positions (the actors whose stances are mapped) and topics (the issues negotiated)."""

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models import (
    Annotation,
    Position,
    PositionCreate,
    PositionUpdate,
    Topic,
    TopicCreate,
    TopicUpdate,
)
from app.services.errors import Conflict, NotFound


def list_positions(session: Session) -> list[Position]:
    return list(session.exec(select(Position).order_by(col(Position.ordinal), col(Position.key))))


def get_position(session: Session, key: str) -> Position:
    position = session.get(Position, key)
    if position is None:
        raise NotFound(f"There is no position with the key '{key}'.")
    return position


def create_position(session: Session, data: PositionCreate) -> Position:
    """Add an actor; its key is permanent, its name and colour can change later."""
    if session.get(Position, data.key) is not None:
        raise Conflict(f"A position with the key '{data.key}' already exists.")
    position = Position.model_validate(data)
    session.add(position)
    session.commit()
    session.refresh(position)
    return position


def update_position(session: Session, key: str, data: PositionUpdate) -> Position:
    position = get_position(session, key)
    position.sqlmodel_update(data.model_dump(exclude_unset=True, exclude_none=True))
    session.add(position)
    session.commit()
    session.refresh(position)
    return position


def delete_position(session: Session, key: str) -> None:
    """Delete an unused position; one that tags refer to is refused, to keep the map whole."""
    position = get_position(session, key)
    in_use = session.exec(
        select(func.count()).select_from(Annotation).where(Annotation.position_key == key)
    ).one()
    if in_use:
        raise Conflict(
            f"The position '{position.name}' is used by {in_use} tag(s); "
            "remove or move those tags first."
        )
    session.delete(position)
    session.commit()


def list_topics(session: Session) -> list[Topic]:
    return list(session.exec(select(Topic).order_by(col(Topic.name))))


def get_topic(session: Session, key: str) -> Topic:
    topic = session.get(Topic, key)
    if topic is None:
        raise NotFound(f"There is no topic with the key '{key}'.")
    return topic


def create_topic(session: Session, data: TopicCreate) -> Topic:
    if session.get(Topic, data.key) is not None:
        raise Conflict(f"A topic with the key '{data.key}' already exists.")
    topic = Topic.model_validate(data)
    session.add(topic)
    session.commit()
    session.refresh(topic)
    return topic


def update_topic(session: Session, key: str, data: TopicUpdate) -> Topic:
    topic = get_topic(session, key)
    topic.sqlmodel_update(data.model_dump(exclude_unset=True, exclude_none=True))
    session.add(topic)
    session.commit()
    session.refresh(topic)
    return topic


def delete_topic(session: Session, key: str) -> None:
    topic = get_topic(session, key)
    in_use = session.exec(
        select(func.count()).select_from(Annotation).where(Annotation.topic_key == key)
    ).one()
    if in_use:
        raise Conflict(
            f"The topic '{topic.name}' is used by {in_use} tag(s); "
            "remove or change those tags first."
        )
    session.delete(topic)
    session.commit()

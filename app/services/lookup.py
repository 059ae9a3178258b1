"""Finding a stored item by its id or key, or saying plainly that there is none."""

from typing import TypeVar

from sqlmodel import Session, SQLModel

from app.models import Actor, Annotation, Claim, Document, Passage, Position, Relation, Topic
from app.services.errors import NotFound

Item = TypeVar("Item", bound=SQLModel)

# What each kind of item is called in a message, and what names it.
NAMES: dict[type[SQLModel], tuple[str, str]] = {
    Document: ("document", "id"),
    Passage: ("passage", "id"),
    Position: ("position", "key"),
    Topic: ("topic", "key"),
    Annotation: ("tag", "id"),
    Claim: ("claim", "id"),
    Relation: ("relation", "id"),
    Actor: ("actor", "key"),
}


def not_found(model: type[SQLModel], key: str) -> NotFound:
    noun, name = NAMES[model]
    return NotFound(f"There is no {noun} with the {name} '{key}'.")


def get_existing(session: Session, model: type[Item], key: str) -> Item:
    """The item of `model` with this primary key; NotFound, in words, if there is none."""
    item = session.get(model, key)
    if item is None:
        raise not_found(model, key)
    return item


def check_exists(session: Session, model: type[SQLModel], key: str | None) -> None:
    """NotFound if `key` (a filter, a reference) names no item of `model`; None checks nothing."""
    if key is not None:
        get_existing(session, model, key)

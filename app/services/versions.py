"""No lost updates: an edit names the version of the item it was based on, and is refused when
someone has changed the item since.

The check here gives a clear refusal with the item as it is now. The database keeps the last
word: every UPDATE and DELETE of a versioned row also says `AND version = <loaded>` (see
`version_column` in app/models/fields.py), so a change that slips in between this check and the
write makes the write fail with SQLAlchemy's StaleDataError instead of overwriting it.
"""

from collections.abc import Callable
from typing import Any

from sqlmodel import Session, col, select

from app.audit.snapshots import ITEM_TYPES, NOUNS
from app.models import (
    Actor,
    Annotation,
    Claim,
    Document,
    HistoryEntry,
    ItemType,
    Position,
    Relation,
    Topic,
)
from app.services.errors import VersionConflict

Versioned = Annotation | Claim | Relation | Position | Topic | Document | Actor


def item_key(item: Versioned) -> tuple[ItemType, str]:
    """The item's type and id (a key, for positions, topics and actors)."""
    if isinstance(item, Position | Topic | Actor):
        return ITEM_TYPES[type(item)], item.key
    return ITEM_TYPES[type(item)], item.id


def last_changed_by(session: Session, item: Versioned) -> str | None:
    """Who changed the item last: the actor of its newest history entry, else who made it."""
    item_type, item_id = item_key(item)
    actor = session.exec(
        select(HistoryEntry.actor)
        .where(HistoryEntry.item_type == item_type, HistoryEntry.item_id == item_id)
        .order_by(col(HistoryEntry.id).desc())
        .limit(1)
    ).first()
    if actor:
        return actor
    if isinstance(item, Annotation | Claim | Relation):
        return item.analyst
    return item.created_by


def check_version(
    session: Session, item: Versioned, sent: int | None, present: Callable[[], Any]
) -> None:
    """Refuse with VersionConflict a change of `item` based on version `sent` when the item is
    now at another version. `present()` gives the item as the client sees it (its public
    model), for the refusal. With `sent` None nothing is checked: the command line and the
    services' own follow-up changes do not track versions (the API and the pages do)."""
    if sent is None or sent == item.version:
        return
    item_type, item_id = item_key(item)
    raise VersionConflict(
        item_type=item_type,
        item_id=item_id,
        label=NOUNS[item_type],
        current=present(),
        current_version=item.version,
        your_version=sent,
        changed_by=last_changed_by(session, item),
    )

"""History entries: one change to one item, with the item before and after it."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, String
from sqlmodel import Field, SQLModel

from app.models.fields import utcnow


class HistoryAction(StrEnum):
    create = "create"
    update = "update"
    delete = "delete"
    restore = "restore"


class ItemType(StrEnum):
    annotation = "annotation"
    claim = "claim"
    relation = "relation"
    position = "position"
    topic = "topic"
    document = "document"
    actor = "actor"
    assignment = "assignment"
    codebook = "codebook"  # a codebook entry: its id is "family:key"
    setting = "setting"  # one of the team's settings, by name


class HistoryEntry(SQLModel, table=True):
    """One change to one item: who, when, what, and the item before and after (as JSON)."""

    __tablename__ = "history"
    __table_args__ = (Index("ix_history_item", "item_type", "item_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    # The username, or None for a change made from the command line.
    actor: str | None = Field(default=None, max_length=80, index=True)
    action: HistoryAction = Field(sa_type=String(16))
    item_type: ItemType = Field(sa_type=String(16))
    item_id: str = Field(max_length=64)
    # The item's version after the change (before it, for a delete).
    version: int | None = None
    before: dict[str, object] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, object] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class HistoryPublic(SQLModel):
    id: int
    at: datetime
    actor: str | None
    action: HistoryAction
    item_type: ItemType
    item_id: str
    version: int | None
    before: dict[str, object] | None
    after: dict[str, object] | None

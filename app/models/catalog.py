"""Positions and topics: the catalog that tags and claims refer to, each entry under a short
key chosen by a person.

The two families share a base for each of their classes (name; key and record; update;
public form); a position adds its colour and place, a topic its description.
"""

from datetime import datetime
from typing import Annotated, Any

from pydantic import StrictInt, StringConstraints, field_validator
from sqlmodel import Field, SQLModel

from app.models.fields import (
    VersionedUpdate,
    strip_required,
    utcnow,
    version_column,
    without_nul,
)

KEY_PATTERN = r"^[a-z][a-z0-9_-]{0,31}$"
COLOUR_PATTERN = r"^#[0-9a-fA-F]{6}$"
Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN, max_length=32)]
Colour = Annotated[str, StringConstraints(pattern=COLOUR_PATTERN, max_length=7)]

# A position's place in lists and the legend; past the last place, new ones share it.
MAX_ORDINAL = 10_000


# --- what every catalog entry has ----------------------------------------------------------
# Each family lists its base after these in its bases, so that its fields keep their order:
# the base's fields first, then the key and the record.


class CatalogEntryBase(SQLModel):
    name: str = Field(min_length=1, max_length=100)

    _name_nul = field_validator("name", mode="before")(without_nul)
    _name_not_blank = field_validator("name")(strip_required)


class CatalogEntryTable(SQLModel):
    """The key and the record of an entry's table. Its `version` is each table's own (a column
    belongs to one table; see `version_column`)."""

    key: str = Field(primary_key=True, max_length=32)
    created_by: str | None = Field(default=None, max_length=80)
    created_at: datetime | None = Field(default_factory=utcnow)
    updated_at: datetime | None = Field(default_factory=utcnow)


class CatalogEntryUpdate(VersionedUpdate):
    name: str | None = Field(default=None, min_length=1, max_length=100)

    _name_nul = field_validator("name", mode="before")(without_nul)


class CatalogEntryPublic(SQLModel):
    key: str
    created_by: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 1


# --- positions -----------------------------------------------------------------------------


class PositionBase(CatalogEntryBase):
    colour: Colour = Field(default="#666666", max_length=7)
    ordinal: StrictInt = Field(default=0, ge=0, le=MAX_ORDINAL)


_position_version = version_column()


class Position(CatalogEntryTable, PositionBase, table=True):
    __mapper_args__ = {"version_id_col": _position_version}

    version: int = Field(default=1, sa_column=_position_version)


class PositionCreate(PositionBase):
    key: Key
    # Unset, the new position comes after the others (see catalog.create_position).
    ordinal: StrictInt | None = Field(default=None, ge=0, le=MAX_ORDINAL)  # type: ignore[assignment]

    @field_validator("key", mode="before")
    @classmethod
    def _key_in_lower_case(cls, value: Any) -> Any:
        """A key is typed as "China" as often as "china": both mean the key `china`."""
        return value.strip().lower() if isinstance(value, str) else value


class PositionUpdate(CatalogEntryUpdate):
    colour: Colour | None = Field(default=None, max_length=7)
    ordinal: StrictInt | None = Field(default=None, ge=0, le=MAX_ORDINAL)


class PositionPublic(CatalogEntryPublic, PositionBase):
    pass


# --- topics --------------------------------------------------------------------------------


class TopicBase(CatalogEntryBase):
    description: str = Field(default="", max_length=2000)

    _description_nul = field_validator("description", mode="before")(without_nul)


_topic_version = version_column()


class Topic(CatalogEntryTable, TopicBase, table=True):
    __mapper_args__ = {"version_id_col": _topic_version}

    version: int = Field(default=1, sa_column=_topic_version)


class TopicCreate(TopicBase):
    key: Key


class TopicUpdate(CatalogEntryUpdate):
    description: str | None = Field(default=None, max_length=2000)

    _description_nul = field_validator("description", mode="before")(without_nul)


class TopicPublic(CatalogEntryPublic, TopicBase):
    pass

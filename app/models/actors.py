"""Actors: the people, organizations and states whose words a tag reports (Lavrov, the EU,
Ukraine), each under a short key, with the other names the texts call them by.

An actor may belong to a larger one (Lavrov → the Russian government) and to a position (the
side whose stances the map follows); a tag names the actor it reports (`Annotation.actor_key`).
"""

from enum import StrEnum
from typing import Any

from pydantic import field_validator
from sqlalchemy import JSON, Column, ForeignKey, String
from sqlmodel import Field, SQLModel

from app.models.catalog import (
    CatalogEntryBase,
    CatalogEntryPublic,
    CatalogEntryTable,
    CatalogEntryUpdate,
    Key,
)
from app.models.fields import strip_required, version_column, without_nul

MAX_ALIASES = 50
MAX_ALIAS_LENGTH = 100


class ActorKind(StrEnum):
    person = "person"
    organization = "organization"
    state = "state"


def clean_aliases(value: Any) -> Any:
    """Aliases as typed: blank ones dropped, NULs removed, spaces trimmed, each name once
    (whatever its case), in the order given."""
    if not isinstance(value, list):
        return value
    seen: set[str] = set()
    kept: list[Any] = []
    for alias in value:
        if not isinstance(alias, str):
            kept.append(alias)  # refused by the type check that follows
            continue
        alias = " ".join(str(without_nul(alias)).split())
        if alias and alias.casefold() not in seen:
            seen.add(alias.casefold())
            kept.append(alias)
    return kept


Aliases = list[str]


class ActorBase(CatalogEntryBase):
    kind: ActorKind = ActorKind.person
    parent_key: str | None = Field(default=None, max_length=32)
    position_key: str | None = Field(default=None, max_length=32)
    aliases: Aliases = Field(default_factory=list, max_length=MAX_ALIASES)
    description: str = Field(default="", max_length=2000)

    _aliases = field_validator("aliases", mode="before")(clean_aliases)
    _description_nul = field_validator("description", mode="before")(without_nul)

    @field_validator("aliases")
    @classmethod
    def _aliases_short(cls, value: Aliases) -> Aliases:
        for alias in value:
            if len(alias) > MAX_ALIAS_LENGTH:
                raise ValueError(f"an alias has at most {MAX_ALIAS_LENGTH} characters")
        return value


_actor_version = version_column()


class Actor(CatalogEntryTable, ActorBase, table=True):
    __mapper_args__ = {"version_id_col": _actor_version}

    kind: ActorKind = Field(default=ActorKind.person, sa_type=String(16))
    parent_key: str | None = Field(
        default=None,
        sa_column=Column(String(32), ForeignKey("actor.key"), nullable=True, index=True),
    )
    position_key: str | None = Field(
        default=None,
        sa_column=Column(String(32), ForeignKey("position.key"), nullable=True, index=True),
    )
    aliases: Aliases = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Part of the starter registry (so it can be told apart and cleared with the examples).
    example: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    version: int = Field(default=1, sa_column=_actor_version)


class ActorCreate(ActorBase):
    key: Key

    @field_validator("key", mode="before")
    @classmethod
    def _key_in_lower_case(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value


class ActorUpdate(CatalogEntryUpdate):
    kind: ActorKind | None = None
    # Blank ("") takes the parent or the position away; None (or absent) leaves it.
    parent_key: str | None = Field(default=None, max_length=32)
    position_key: str | None = Field(default=None, max_length=32)
    aliases: Aliases | None = Field(default=None, max_length=MAX_ALIASES)
    description: str | None = Field(default=None, max_length=2000)

    _aliases = field_validator("aliases", mode="before")(clean_aliases)
    _description_nul = field_validator("description", mode="before")(without_nul)


class ActorPublic(CatalogEntryPublic, ActorBase):
    example: bool = False


class ActorMerge(SQLModel):
    """Fold this actor into `into`: its tags, aliases and members go there, and it is gone."""

    into: str = Field(min_length=1, max_length=32)

    _into = field_validator("into")(strip_required)

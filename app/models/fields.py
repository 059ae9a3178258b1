"""What the families of tables share: bounds, the version column, clocks and ids, and the
validators that clean the text users type."""

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import StrictInt
from sqlalchemy import Column, Integer
from sqlmodel import Field, SQLModel

# The bound of every integer input: a bigger one would overflow in the query (SQLite and
# PostgreSQL's BIGINT stop at 2^63 - 1) instead of being refused. It is the largest integer a
# JSON number holds exactly (2^53 - 1), so that the bound a client reads in the API's schema
# is the bound it gets.
MAX_INTEGER = 2**53 - 1
# Users and history entries are numbered by INTEGER columns, which stop at 2^31 - 1 on
# PostgreSQL: a bigger number in a lookup is refused instead of failing in the query.
MAX_ROW_NUMBER = 2**31 - 1

# Text that must say something: the services refuse a blank one with a sentence of their own,
# and the schema tells clients so.
NOT_BLANK: dict[str, Any] = {"pattern": r"\S"}

VERSION_HELP = "The version you last saw; the edit is refused with 409 if someone changed it since."


def utcnow() -> datetime:
    """Current time in UTC (to the microsecond, so that tags made in one second keep order)."""
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


def version_column() -> Column[int]:
    """The version an edit must name: SQLAlchemy adds `AND version = n` to every UPDATE and
    DELETE of the row and bumps it, so an edit based on an old copy matches no row and fails
    instead of overwriting someone else's change."""
    return Column("version", Integer, nullable=False, server_default="1")


class VersionedUpdate(SQLModel):
    """The base of an edit to a versioned row: the version it is based on comes first."""

    version: StrictInt | None = Field(default=None, ge=1, le=MAX_INTEGER, description=VERSION_HELP)


def without_nul(value: object) -> object:
    """NUL means nothing in a name or a note, PostgreSQL cannot store it, and a page would only
    show it as a symbol: it is dropped from the text users type."""
    return value.replace("\x00", "") if isinstance(value, str) else value


def strip_required(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value

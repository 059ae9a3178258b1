"""A page of a longer list: which part was asked for, and how many there are in all."""

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import func
from sqlalchemy.sql.selectable import GenerativeSelect
from sqlmodel import Session, select

Item = TypeVar("Item")

MAX_LIMIT = 500


@dataclass(frozen=True)
class PageRequest:
    """`limit` items from the `offset`-th on (0-based)."""

    limit: int
    offset: int = 0


@dataclass(frozen=True)
class Page(Generic[Item]):
    items: list[Item]
    total: int
    limit: int
    offset: int

    @property
    def next_offset(self) -> int | None:
        """Where the following page starts, if there is one."""
        after = self.offset + self.limit
        return after if after < self.total else None

    @property
    def previous_offset(self) -> int | None:
        """Where the page before starts, if there is one."""
        return max(self.offset - self.limit, 0) if self.offset > 0 else None

    @property
    def number(self) -> int:
        """This page's number, from 1."""
        return self.offset // self.limit + 1

    @property
    def count(self) -> int:
        """How many pages there are (at least one, even when empty)."""
        return max((self.total + self.limit - 1) // self.limit, 1)

    @property
    def first_index(self) -> int:
        """The position of this page's first item in the whole list, from 1 (0 when empty)."""
        return self.offset + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return self.offset + len(self.items)


def count_rows(session: Session, query: GenerativeSelect) -> int:
    """How many rows `query` gives (without its order, limit and offset)."""
    counted = query.order_by(None).limit(None).offset(None).subquery()
    return int(session.exec(select(func.count()).select_from(counted)).one())

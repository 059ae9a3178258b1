"""Errors the services raise; the web layer turns them into 4xx answers."""

from typing import Any


class DomainError(Exception):
    """A request that cannot be carried out, with a message for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The thing asked for does not exist."""


class Conflict(DomainError):
    """The request clashes with what is stored (a duplicate key, a thing still in use)."""


class InvalidInput(DomainError):
    """The request is well-formed but makes no sense (a span outside its passage, say)."""


class DatabaseBusy(Conflict):
    """Another connection held a lock the change needed for longer than it could wait (the
    running app writing, a long import): nothing was changed, and the same request may go
    through once the database is free."""


class Forbidden(DomainError):
    """The user's role or ownership does not allow this change."""


class VersionConflict(Conflict):
    """An edit based on an old copy: someone changed the item since the editor loaded it.

    `current` is the item as stored now (its public model) and `your_version` the version the
    refused edit was based on, so that the editor can compare the two and choose.
    """

    def __init__(
        self,
        *,
        item_type: str,
        item_id: str,
        label: str,
        current: Any,
        current_version: int,
        your_version: int,
        changed_by: str | None = None,
    ) -> None:
        by = f" by {changed_by}" if changed_by else ""
        super().__init__(
            f"This {label} was changed{by} since you opened it (you edited version "
            f"{your_version}, it is now at version {current_version}). Nothing was saved."
        )
        self.item_type = item_type
        self.item_id = item_id
        self.label = label
        self.current = current
        self.current_version = current_version
        self.your_version = your_version
        self.changed_by = changed_by

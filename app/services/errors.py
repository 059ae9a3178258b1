"""Errors the services raise; the web layer turns them into 4xx answers."""


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

"""Reading what a filter or an option was given as text: a date, one of a set of choices.

The web routes and the command line read their values here, so that both take the same text
and refuse the same text with the same sentence (InvalidInput); each adds the name it knows the
value by (`since`, `--since`).
"""

import re
from datetime import date
from enum import StrEnum
from typing import TypeVar

from app.services.errors import InvalidInput

Choice = TypeVar("Choice", bound=StrEnum)
# Only this form: Python would also read 20250810 and 2025-W33-7, which the API does not offer.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(value: str | None, name: str | None = None) -> date | None:
    """A date written YYYY-MM-DD; blank or None means no date (an empty form field).

    The refusal quotes the start of the value, after `name: ` when a name is given.
    """
    if not value:
        return None
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        prefix = f"{name}: " if name else ""
        raise InvalidInput(f"{prefix}'{value[:20]}' is not a date (YYYY-MM-DD).") from None


def parse_choice(kind: type[Choice], value: str | Choice, what: str) -> Choice:
    """`value` as a member of `kind`, or InvalidInput naming `what` was asked and the choices."""
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(f'"{member.value}"' for member in kind)
        raise InvalidInput(f'Unknown {what} "{value}": choose one of {choices}.') from None

"""Reading files people upload for import: JSON decoded with errors that say where, JSON paths
for messages, text any database can store, and lookups by many ids at once."""

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col

from app.db import lock_wait_ended
from app.services.errors import DatabaseBusy, InvalidInput

T = TypeVar("T")
# Ids per `IN (…)` query: well under every database's limit on bound parameters.
QUERY_BATCH = 500
# Characters of a string a message quotes: enough to recognise it, however long it is.
QUOTED_CHARACTERS = 40


def load_json(raw: bytes | str) -> Any:
    """Parse an uploaded file; refuse non-UTF-8 or non-JSON input with the place of the fault."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")  # tolerate a byte-order mark some editors add
        except UnicodeDecodeError as error:
            raise InvalidInput(f"not UTF-8 text: {error.reason} at byte {error.start}") from error
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"not JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from error
    except RecursionError as error:
        raise InvalidInput("not JSON this instance can read: nested too deeply") from error


def json_path(path: Iterable[str | int]) -> str:
    """A JSON path like `annotations[3].kind`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the top level"


def as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def quoted(value: Any, render: Callable[[Any], str] = as_json) -> str:
    """`value` as a message shows it (`render`: JSON, or repr as jsonschema writes it), short
    enough that the reason after it is read: a long string cut to its first QUOTED_CHARACTERS
    characters and followed by its length, any other long value cut."""
    if isinstance(value, str) and len(value) > QUOTED_CHARACTERS:
        return f"{render(value[:QUOTED_CHARACTERS] + '…')} ({len(value):,} characters)"
    shown = render(value)
    if len(shown) <= 2 * QUOTED_CHARACTERS:
        return shown
    return shown[: 2 * QUOTED_CHARACTERS] + "…"


def check_unicode(value: Any, path: list[str | int]) -> None:
    """Refuse what is valid JSON but cannot be stored everywhere: lone surrogates
    (`"\\ud800"`), which no database can store, and NUL (`"\\u0000"`), which PostgreSQL
    cannot (so that a file exported from SQLite imports on PostgreSQL too)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise InvalidInput(
                f"{json_path(path)}: not valid Unicode (a lone surrogate at character "
                f"{error.start})"
            ) from error
        if "\x00" in value:
            raise InvalidInput(
                f"{json_path(path)}: holds a NUL character (at character "
                f"{value.index(chr(0))}), which PostgreSQL cannot store"
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            check_unicode(item, [*path, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_unicode(item, [*path, index])


def batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for index in range(0, len(items), size):
        yield items[index : index + size]


def select_in(session: Session, query: Any, column: Any, values: Iterable[Any]) -> list[Any]:
    """Rows of `query` whose `column` is one of `values`, asking for a batch of values at a time."""
    wanted = sorted(set(values))
    rows: list[Any] = []
    for batch in batches(wanted, QUERY_BATCH):
        rows.extend(session.exec(query.where(col(column).in_(batch))))
    return rows


@contextmanager
def all_or_nothing(session: Session) -> Iterator[None]:
    """Commit everything the block writes, or nothing of it.

    The importers check a file completely before writing; if the database still refuses (a
    concurrent writer got in between), that becomes a clear InvalidInput, not a traceback;
    if another writer kept the database locked past the wait, a DatabaseBusy.
    """
    try:
        yield
        session.commit()
    except IntegrityError as error:
        session.rollback()
        raise InvalidInput(f"the database refused the import: {error.orig}") from error
    except OperationalError as error:
        session.rollback()
        if not lock_wait_ended(error):
            raise
        raise DatabaseBusy(
            "the database stayed busy: another change held it for longer than the import "
            "could wait, so nothing was imported. Try again in a moment."
        ) from error
    except BaseException:
        session.rollback()
        raise


def plural(count: int, name: str) -> str:
    """`3 claims`, `1 claim`, `2 evidence links`: `name` is a plural (some in snake_case)."""
    name = name.replace("_", " ")
    return f"{count} {name[:-1] if count == 1 else name}"


def zero_counts(names: Iterable[str]) -> dict[str, int]:
    """A count of 0 for each name, in their order (what an import's report starts from)."""
    return dict.fromkeys(names, 0)

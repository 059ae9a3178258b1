"""Counting the SQL statements a piece of code sends, to hold services to a fixed number."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine


@contextmanager
def counting_queries(engine: Engine | Connection) -> Iterator[list[str]]:
    """Collect the text of every statement sent through `engine` (or one connection) inside the
    block; a session's `get_bind()` gives either."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)

"""What every command-line module shares: the configured database, migrated, with the
command's refusals turned into a sentence and an exit code."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from app.config import get_settings
from app.db import SQLITE_BUSY_TIMEOUT_MS, lock_wait_ended, make_engine, migrate, write_engine
from app.services.errors import DatabaseBusy, DomainError

# How long a command that writes waits for the app's writers to let it in.
LOCK_WAIT = SQLITE_BUSY_TIMEOUT_MS / 1000


@contextmanager
def migrated_database(
    error_prefix: str = "",
    *,
    writes: bool = False,
    lock_wait: float | None = None,
    busy: str = "nothing was changed. Try again.",
) -> Iterator[Engine]:
    """The configured database, migrated; a refused request ends the command with exit 1.

    With `writes`, each transaction takes the write lock as it begins, as the app's requests
    do (SQLite: one that read first could not write once the running app had written in
    between), waiting up to `lock_wait` seconds (default LOCK_WAIT) for it, and on PostgreSQL
    for each lock. A database that stayed busy longer ends the command with a sentence saying
    so, then `busy`.
    """
    settings = get_settings()
    migrate(settings.database_url)
    lock_wait = LOCK_WAIT if lock_wait is None else lock_wait
    engine = make_engine(settings.database_url, lock_wait=lock_wait if writes else None)
    try:
        yield write_engine(engine) if writes else engine
    except DatabaseBusy:
        _refuse_busy(error_prefix, lock_wait, busy)
    except DomainError as error:
        typer.echo(f"{error_prefix}{error.message}", err=True)
        raise typer.Exit(1) from None
    except OperationalError as error:
        if not lock_wait_ended(error):
            raise
        _refuse_busy(error_prefix, lock_wait, busy)
    finally:
        engine.dispose()


def _refuse_busy(error_prefix: str, lock_wait: float, busy: str) -> NoReturn:
    typer.echo(
        f"{error_prefix}the database stayed busy for {lock_wait:g} s (another program, such as "
        f"the running app, kept it locked), so {busy}",
        err=True,
    )
    raise typer.Exit(1)

"""The credentials stamp: a small file, beside the database, that gets a new value whenever a
change to the users, their sign-in sessions or their API tokens is committed, by any process.
Each process's identity cache (app/identity_cache.py) trusts its entries only while the stamp
keeps the value it had when they were looked up.

The session events below see every such change made through an ORM session, in the app, the
command line or a script: `app.db` imports this module, so every process that reaches the
database has them.
"""

import hashlib
import logging
import os
import secrets
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from app.config import PROJECT_ROOT
from app.models import ApiToken, LoginSession, User

logger = logging.getLogger(__name__)

CREDENTIAL_TABLES = frozenset(str(model.__tablename__) for model in (User, LoginSession, ApiToken))
_CHANGED = "argmap_credentials_changed"  # session.info: this transaction changed credentials


def stamp_path(database_url: str) -> Path | None:
    """Where the stamp of the database at `database_url` lives: beside a SQLite file (as its
    -wal and -shm files are), in the project's `var/` for a server database; none for an
    in-memory SQLite database, which no other process can share."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
            return None
        return Path(f"{url.database}-credentials")
    # The password is left out of the name; host, port and database name tell servers apart.
    key = url.render_as_string(hide_password=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return PROJECT_ROOT / "var" / f"credentials-{digest}"


def read_stamp(path: Path) -> str:
    try:
        return path.read_text()
    except FileNotFoundError:
        return ""


def bump_stamp(path: Path) -> None:
    """Give the stamp a new value (written beside it and renamed in: never half a value)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    partial.write_text(secrets.token_hex(16))
    os.replace(partial, path)


def credentials_changed(database_url: str) -> None:
    """Tell every process serving this database that its cached identities are stale (for
    changes made without an ORM session, e.g. a restored backup)."""
    path = stamp_path(database_url)
    if path is not None:
        bump_stamp(path)


# --- noticing changes ------------------------------------------------------------------------


def _mark_flushed(session: Session, _flush: UOWTransaction) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(row, (User, LoginSession, ApiToken)) for row in changed):
        session.info[_CHANGED] = True


def _mark_statement(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in CREDENTIAL_TABLES:
        state.session.info[_CHANGED] = True


def _after_commit(session: Session) -> None:
    if not session.info.pop(_CHANGED, False):
        return
    url = session.get_bind().engine.url
    try:
        credentials_changed(url.render_as_string(hide_password=False))
    except OSError as error:
        # The change is committed, so it is not refused now; a server that could not write
        # the stamp either keeps no cache (IdentityCache checks at start) or forgets in time.
        logger.warning("could not renew the credentials stamp: %s", error)


def _after_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)


event.listen(Session, "after_flush", _mark_flushed)
event.listen(Session, "do_orm_execute", _mark_statement)
event.listen(Session, "after_commit", _after_commit)
event.listen(Session, "after_soft_rollback", lambda session, _tx: _after_rollback(session))

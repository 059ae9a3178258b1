"""Who holds a credential, remembered for a while, so that the access check of a request whose
session cookie or API token was seen recently needs neither a database lookup nor a worker
thread.

Any committed change to the users, their sign-in sessions or their API tokens (a revocation, a
disable, a role or password change, a sign-out) empties the cache of every process that serves
the same database, at once:

- the ORM session that commits such a change rewrites the database's *credentials stamp*, a
  small file beside the database (app/credential_stamp.py), before the request that made the change
  answers or the command that made it ends;
- every request reads the stamp first, and uses a cached entry only if it was stored under the
  stamp it reads now;
- an entry is stored under the stamp read *before* its database lookup, so an entry looked up
  while a change was being committed carries the old stamp and is never used.

Changes made to those tables outside this app's ORM sessions (by hand in SQL) are not seen:
entries also expire after `Settings.identity_cache_seconds`, and 0 switches the cache off.
"""

import os
import time
from dataclasses import dataclass
from datetime import datetime

from app.credential_stamp import bump_stamp, read_stamp, stamp_path
from app.models import User

MAX_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class Holder:
    """What a credential proved when it was looked up: its user, and for a sign-in session its
    CSRF token and end.

    The user row is shared by every request that presents the credential while it is cached,
    so it is read, never changed or attached to a session: a route that changes the account
    loads its own copy of the row (as the password change does)."""

    user: User
    csrf_token: str | None
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class _Entry:
    holder: Holder
    stamp: str
    until: float  # time.monotonic()


class IdentityCache:
    """Credential digest → Holder, for `seconds`, valid while the stamp is unchanged."""

    def __init__(self, database_url: str, seconds: float) -> None:
        self.path = stamp_path(database_url) if seconds > 0 else None
        self.seconds = seconds
        self._entries: dict[tuple[str, str], _Entry] = {}
        if self.path is not None and not self._stamp_writable():
            self.path = None  # another process could not tell this one of a change

    @property
    def enabled(self) -> bool:
        return self.path is not None

    def _stamp_writable(self) -> bool:
        assert self.path is not None
        try:
            if not self.path.exists():
                bump_stamp(self.path)
            return os.access(self.path.parent, os.W_OK)
        except OSError:
            return False

    def stamp(self) -> str:
        return read_stamp(self.path) if self.path is not None else ""

    def get(self, kind: str, digest: str, stamp: str, now: datetime) -> Holder | None:
        if self.path is None:
            return None
        entry = self._entries.get((kind, digest))
        if entry is None:
            return None
        if (
            entry.stamp != stamp
            or entry.until < time.monotonic()
            or (entry.holder.expires_at is not None and entry.holder.expires_at < now)
        ):
            self._entries.pop((kind, digest), None)
            return None
        return entry.holder

    def put(self, kind: str, digest: str, stamp: str, holder: Holder) -> None:
        if self.path is None:
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[(kind, digest)] = _Entry(holder, stamp, time.monotonic() + self.seconds)

"""The test users: one per role, made once in the template databases, each with a session.

Hashing a password with Argon2 at the production parameters takes a tenth of a second, so the
tests hash and verify with CHEAP_PASSWORD_HASH instead (tests/conftest.py puts it in
app.services.accounts for the whole run), and users and their sessions are written once into
the template files that every test copies.
"""

import secrets
from datetime import timedelta

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlmodel import Session

from app.access import CSRF_HEADER, SESSION_COOKIE
from app.models import LoginSession, Role, User, utcnow
from app.services.accounts import digest

# Argon2id at its cheapest (one pass over 8 KiB): a hash takes well under a millisecond. What
# the tests check does not depend on the cost; the production parameters are tested once, in
# tests/services/test_passwords.py.
CHEAP_PASSWORD_HASH = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1),))

PASSWORD = "correct horse battery"
PASSWORD_HASH = CHEAP_PASSWORD_HASH.hash(PASSWORD)

# username → (display name, role, may edit others' work)
USERS: dict[str, tuple[str, Role, bool]] = {
    "tester": ("tester", Role.admin, False),
    "alice": ("Alice Adams", Role.analyst, False),
    "bob": ("Bob Brown", Role.analyst, False),
    "editor": ("Eda Editor", Role.analyst, True),
    "victor": ("Victor Viewer", Role.viewer, False),
}
# A session cookie and CSRF token per user, fixed for the whole test run.
SESSIONS: dict[str, tuple[str, str]] = {
    name: (secrets.token_urlsafe(16), secrets.token_urlsafe(16)) for name in USERS
}
ADMIN = "tester"


def add_test_users(session: Session) -> None:
    for username, (display_name, role, may_edit_others) in USERS.items():
        user = User(
            username=username,
            display_name=display_name,
            password_hash=PASSWORD_HASH,
            role=role,
            may_edit_others=may_edit_others,
        )
        session.add(user)
        session.flush()
        assert user.id is not None
        token, csrf = SESSIONS[username]
        session.add(
            LoginSession(
                token_hash=digest(token),
                user_id=user.id,
                csrf_token=csrf,
                expires_at=utcnow() + timedelta(days=365),
            )
        )
    session.commit()


def sign_in_as(client: TestClient, username: str | None) -> TestClient:
    """Make `client` send `username`'s session cookie and CSRF header (None: nobody)."""
    client.cookies.clear()
    client.headers.pop(CSRF_HEADER, None)
    if username is not None:
        token, csrf = SESSIONS[username]
        client.cookies.set(SESSION_COOKIE, token)
        client.headers[CSRF_HEADER] = csrf
    return client


def csrf_token_of(html: str) -> str:
    """The CSRF token a page carries for htmx (in `<meta name="csrf-token">`)."""
    meta = BeautifulSoup(html, "html.parser").select_one('meta[name="csrf-token"]')
    assert meta is not None, "the page has no CSRF token: is anyone signed in?"
    return str(meta["content"])

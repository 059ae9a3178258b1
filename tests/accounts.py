"""The test users: one per role, made once in the template databases, each with a session.

Hashing a password with Argon2 takes a tenth of a second, so users and their sessions are
written once into the template files that every test copies.
"""

import secrets
from datetime import timedelta

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.access import CSRF_HEADER, SESSION_COOKIE
from app.models import LoginSession, Role, User, utcnow
from app.services.accounts import digest, hash_password

PASSWORD = "correct horse battery"
PASSWORD_HASH = hash_password(PASSWORD)

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

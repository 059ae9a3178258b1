"""Users, passwords, sign-in sessions, personal API tokens and the brake on password guessing.

Passwords are hashed with Argon2 (pwdlib's recommended settings). Session cookies and API tokens
are random secrets shown once; the database keeps only their SHA-256, so a copy of the database
does not let anyone sign in.

Ending credentials: disabling a user ends their sessions and revokes their API tokens for good
(enabling them again brings neither back). Changing one's password ends the account's other
sessions; API tokens are separate credentials that stay valid until revoked, one at a time or
all at once.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, TypeVar, cast

from pwdlib import PasswordHash
from sqlalchemy import CursorResult, Executable, delete, update
from sqlmodel import Session, col, func, select

from app.models import (
    ApiToken,
    ApiTokenCreate,
    LoginFailure,
    LoginSession,
    Role,
    User,
    UserCreate,
    UserUpdate,
    utcnow,
)
from app.services.errors import Conflict, DomainError, InvalidInput, NotFound

SESSION_LIFETIME = timedelta(days=14)
TOKEN_PREFIX = "am_"
FIRST_ADMIN = "admin"

# Failed sign-ins allowed within the window, per account and per address.
FAILURE_WINDOW = timedelta(minutes=15)
FAILURES_PER_ACCOUNT = 5
FAILURES_PER_ADDRESS = 20

# Every password is hashed and verified through this name (the tests put a cheap one here).
password_hash = PasswordHash.recommended()


@cache
def _dummy_hash(hasher: PasswordHash) -> str:
    """Verified against when the username is unknown, so that a wrong name takes as long as a
    wrong password and does not reveal which accounts exist."""
    return hasher.hash("not a password anyone has")


_dummy_hash(password_hash)  # made now, not at the first sign-in with an unknown name


class SignInRefused(DomainError):
    """Wrong username or password, or a disabled account."""


class TooManyAttempts(DomainError):
    """Too many failed sign-ins lately; `retry_after` is in seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def hash_password(password: str) -> str:
    return password_hash.hash(password)


# --- users ---------------------------------------------------------------------------------


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no user with the id {user_id}.")
    return user


def user_by_name(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.username))))


def count_users(session: Session) -> int:
    return session.exec(select(func.count()).select_from(User)).one()


def create_user(session: Session, data: UserCreate, must_change_password: bool = False) -> User:
    if user_by_name(session, data.username) is not None:
        raise Conflict(f"The username '{data.username}' is taken.")
    user = User(
        username=data.username,
        display_name=data.display_name,
        password_hash=hash_password(data.password),
        role=data.role,
        may_edit_others=data.may_edit_others,
        may_adjudicate=data.may_adjudicate,
        must_change_password=must_change_password,
    )
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def update_user(session: Session, user_id: int, data: UserUpdate, by: User) -> User:
    """Change a user's name, role, permissions (to edit others' work, to adjudicate), or
    disable them.

    Disabling ends their sessions and revokes their API tokens at once, for good: enabling
    them again does not bring either back. An admin cannot demote or disable themselves, so
    that there is always someone to undo a mistake.
    """
    user = get_user(session, user_id)
    changes = data.model_dump(exclude_unset=True)
    if user.id == by.id and (
        changes.get("disabled") or changes.get("role", Role.admin) != Role.admin
    ):
        raise InvalidInput("You cannot demote or disable yourself; ask another admin.")
    if changes.get("display_name") is not None:
        user.display_name = changes["display_name"].strip() or user.display_name
    if changes.get("role") is not None:
        user.role = Role(changes["role"])
    if changes.get("may_edit_others") is not None:
        user.may_edit_others = changes["may_edit_others"]
    if changes.get("may_adjudicate") is not None:
        user.may_adjudicate = changes["may_adjudicate"]
    if changes.get("disabled") is True and user.disabled_at is None:
        user.disabled_at = utcnow()
        _end_sessions(session, user)
        _revoke_tokens(session, user)
    elif changes.get("disabled") is False:
        user.disabled_at = None
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def change_password(
    session: Session, user: User, current: str, new: str, keep_session: str | None = None
) -> int:
    """Set a new password and end every other sign-in session of the account: all but the one
    whose cookie secret is `keep_session` (every one without it). Returns how many ended.

    API tokens are separate credentials and stay valid (see `revoke_all_tokens`).
    """
    if not password_hash.verify(current, user.password_hash):
        raise InvalidInput("The current password is not right.")
    if len(new) < 10:
        raise InvalidInput("The new password needs at least 10 characters.")
    if new == current:
        raise InvalidInput("Choose a new password that differs from the current one.")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    session.add(user)
    ended = _end_sessions(session, user, keep=keep_session)
    session.commit()
    return ended


def ensure_first_admin(session: Session) -> str | None:
    """On a database with no users, make the admin account with a one-time password and
    return that password (it must be changed at the first sign-in); else return None."""
    if count_users(session):
        return None
    password = secrets.token_urlsafe(12)
    create_user(
        session,
        UserCreate(
            username=FIRST_ADMIN, display_name="Administrator", password=password, role=Role.admin
        ),
        must_change_password=True,
    )
    return password


# --- signing in ----------------------------------------------------------------------------


def _recent_failures(session: Session, column: object, value: str, since: datetime) -> int:
    return session.exec(
        select(func.count())
        .select_from(LoginFailure)
        .where(column == value, col(LoginFailure.at) >= since)
    ).one()


def check_attempts_allowed(session: Session, username: str, address: str) -> None:
    """Refuse a sign-in before looking at the password when the account or the address has
    failed too often lately: guessing gets a handful of tries per quarter hour."""
    since = utcnow() - FAILURE_WINDOW
    by_account = _recent_failures(session, LoginFailure.username, username, since)
    by_address = _recent_failures(session, LoginFailure.address, address, since)
    if by_account >= FAILURES_PER_ACCOUNT or by_address >= FAILURES_PER_ADDRESS:
        minutes = int(FAILURE_WINDOW.total_seconds() // 60)
        raise TooManyAttempts(
            f"Too many failed sign-ins for this account or from this address. Wait {minutes} "
            "minutes and try again, or ask an admin to set a new password.",
            retry_after=int(FAILURE_WINDOW.total_seconds()),
        )


def authenticate(session: Session, username: str, password: str, address: str) -> User:
    """The user with this username and password; every failure is counted."""
    username = username.strip().lower()[:80]
    check_attempts_allowed(session, username, address)
    user = user_by_name(session, username)
    valid, new_hash = password_hash.verify_and_update(
        password, user.password_hash if user else _dummy_hash(password_hash)
    )
    if user is None or not valid or user.disabled_at is not None:
        session.add(LoginFailure(username=username, address=address[:64]))
        session.commit()
        raise SignInRefused("Wrong username or password.")
    if new_hash is not None:
        user.password_hash = new_hash
    session.execute(delete(LoginFailure).where(col(LoginFailure.username) == username))
    session.add(user)
    session.commit()
    return user


@dataclass(frozen=True)
class NewSession:
    token: str  # for the cookie; only its digest is stored
    csrf_token: str


def start_session(session: Session, user: User) -> NewSession:
    assert user.id is not None
    token = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            token_hash=digest(token),
            user_id=user.id,
            csrf_token=csrf_token,
            expires_at=utcnow() + SESSION_LIFETIME,
        )
    )
    session.commit()
    return NewSession(token, csrf_token)


def end_session(session: Session, token: str) -> None:
    session.execute(delete(LoginSession).where(col(LoginSession.token_hash) == digest(token)))
    session.commit()


def _rows_changed(session: Session, statement: Executable) -> int:
    """Run a Core UPDATE or DELETE; the number of rows it changed."""
    # Such a statement always gives a cursor result, which has the count.
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount


def _end_sessions(session: Session, user: User, keep: str | None = None) -> int:
    """End the user's sessions, but for the one whose cookie secret is `keep`; say how many."""
    query = delete(LoginSession).where(col(LoginSession.user_id) == user.id)
    if keep is not None:
        query = query.where(col(LoginSession.token_hash) != digest(keep))
    return _rows_changed(session, query)


# What signs a request in: a session cookie or an API token.
Credential = TypeVar("Credential", LoginSession, ApiToken)


def session_user(session: Session, token: str) -> tuple[User, LoginSession] | None:
    """The live user behind a session cookie, with the session (for its CSRF token)."""
    found = _enabled_user_with(session, LoginSession, token)
    if found is None or found[1].expires_at < utcnow():
        return None
    return found


def csrf_matches(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


# --- API tokens ----------------------------------------------------------------------------


def create_token(session: Session, user: User, data: ApiTokenCreate) -> tuple[ApiToken, str]:
    """A new personal token; the secret is returned once and never stored."""
    assert user.id is not None
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=data.name, token_hash=digest(secret), prefix=secret[:10])
    session.add(token)
    session.commit()
    session.refresh(token)
    return token, secret


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.exec(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(col(ApiToken.created_at).desc())
        )
    )


def revoke_token(session: Session, user: User, token_id: str) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("You have no token with this id.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        session.commit()
        session.refresh(token)
    return token


def _revoke_tokens(session: Session, user: User) -> int:
    # Revoked rather than deleted, so that the owner's list still shows them (and when).
    return _rows_changed(
        session,
        update(ApiToken)
        .where(col(ApiToken.user_id) == user.id, col(ApiToken.revoked_at).is_(None))
        .values(revoked_at=utcnow()),
    )


def revoke_all_tokens(session: Session, user: User) -> int:
    """Revoke every live API token of the user at once; returns how many were live."""
    revoked = _revoke_tokens(session, user)
    session.commit()
    return revoked


def token_user(session: Session, secret: str) -> User | None:
    found = _enabled_user_with(session, ApiToken, secret)
    if found is None or found[1].revoked_at is not None:
        return None
    return found[0]


def _enabled_user_with(
    session: Session, credential: type[Credential], secret: str
) -> tuple[User, Credential] | None:
    """The user who holds the session or API token with this secret, with that row, unless
    the user is disabled; whether the row itself still counts is the caller's to check."""
    row = session.exec(
        select(User, credential)
        .join(credential, col(credential.user_id) == col(User.id))
        .where(col(credential.token_hash) == digest(secret))
    ).first()
    if row is None or row[0].disabled_at is not None:
        return None
    return row

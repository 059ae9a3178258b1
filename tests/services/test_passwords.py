"""Passwords at the production Argon2 parameters. Every other test hashes and verifies with cheap
ones (tests/conftest.py), so these are the tests of what the app really stores."""

import pytest
from pwdlib import PasswordHash
from sqlmodel import Session

from app.models import Role, UserCreate
from app.services import accounts
from tests.accounts import CHEAP_PASSWORD_HASH, PASSWORD, PASSWORD_HASH

ADDRESS = "192.0.2.1"


def parameters(password_hash: str) -> str:
    """The algorithm and parameters of an encoded hash, e.g. "$argon2id$v=19$m=65536,t=3,p=4"."""
    return password_hash.rsplit("$", 2)[0]


RECOMMENDED = parameters(PasswordHash.recommended().hash(PASSWORD))


@pytest.fixture
def production(
    cheap_password_hashing: PasswordHash, monkeypatch: pytest.MonkeyPatch
) -> PasswordHash:
    """The app's own hasher, back in place for this test."""
    monkeypatch.setattr(accounts, "password_hash", cheap_password_hashing)
    return cheap_password_hashing


def test_the_other_tests_hash_with_cheap_parameters() -> None:
    cheap = parameters(accounts.hash_password(PASSWORD))

    assert cheap == parameters(CHEAP_PASSWORD_HASH.hash(PASSWORD)) == parameters(PASSWORD_HASH)
    assert cheap != RECOMMENDED


def test_the_app_hashes_with_the_recommended_argon2_parameters(production: PasswordHash) -> None:
    made = accounts.hash_password(PASSWORD)

    assert RECOMMENDED.startswith("$argon2id$")
    assert parameters(made) == RECOMMENDED
    assert production.verify(PASSWORD, made)
    assert not production.verify("not the password", made)


def test_a_user_made_at_the_production_parameters_signs_in(
    session: Session, production: PasswordHash
) -> None:
    made = accounts.create_user(
        session,
        UserCreate(username="dora", display_name="Dora", password=PASSWORD, role=Role.analyst),
    )
    assert parameters(made.password_hash) == RECOMMENDED

    assert accounts.authenticate(session, "dora", PASSWORD, ADDRESS).id == made.id
    for username, password in (("dora", "not the password"), ("nobody", PASSWORD)):
        with pytest.raises(accounts.SignInRefused):
            accounts.authenticate(session, username, password, ADDRESS)


def test_a_hash_with_other_parameters_is_upgraded_at_the_next_sign_in(
    session: Session, production: PasswordHash
) -> None:
    stored = accounts.user_by_name(session, "alice")
    assert stored is not None and stored.password_hash == PASSWORD_HASH  # a cheap hash

    accounts.authenticate(session, "alice", PASSWORD, ADDRESS)

    session.expire_all()
    upgraded = accounts.user_by_name(session, "alice")
    assert upgraded is not None
    assert parameters(upgraded.password_hash) == RECOMMENDED
    assert production.verify(PASSWORD, upgraded.password_hash)
    # Once upgraded, a sign-in leaves the hash as it is.
    accounts.authenticate(session, "alice", PASSWORD, ADDRESS)
    session.expire_all()
    again = accounts.user_by_name(session, "alice")
    assert again is not None and again.password_hash == upgraded.password_hash

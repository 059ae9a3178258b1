"""The access check remembers who holds a credential (app/identity_cache.py): a warm cache must
spare the database, and must never let a revoked token, an ended session, a disabled user or a
lost role through, whichever process (worker) made the change."""

import subprocess
import sys
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.config import PROJECT_ROOT, Settings
from app.credential_stamp import bump_stamp, read_stamp, stamp_path
from app.identity_cache import Holder, IdentityCache
from app.main import create_app
from app.models import Role, User, utcnow
from tests.accounts import PASSWORD, sign_in_as
from tests.queries import counting_queries

JSON_ONLY = {"accept": "application/json"}


def engine_of(client: TestClient) -> Engine:
    app = client.app
    assert isinstance(app, FastAPI)
    engine: Engine = app.state.engine
    return engine


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **JSON_ONLY}


@pytest.fixture
def other_worker(db_url: str) -> Iterator[TestClient]:
    """A second app on the same database, as another worker process would serve it."""
    with TestClient(create_app(Settings(database_url=db_url))) as worker:
        yield worker


def warm(client: TestClient, headers: dict[str, str] | None = None) -> str:
    """Ask twice who we are; the second answer comes from the cache, without a query."""
    assert client.get("/api/me", headers=headers or JSON_ONLY).status_code == 200
    with counting_queries(engine_of(client)) as statements:
        me = client.get("/api/me", headers=headers or JSON_ONLY)
    assert me.status_code == 200
    assert statements == [], "the warm cache should answer without the database"
    username: str = me.json()["username"]
    return username


def test_a_known_credential_is_checked_without_the_database(client: TestClient) -> None:
    sign_in_as(client, "alice")
    assert warm(client) == "alice"
    secret = client.post("/api/tokens", json={"name": "script"}).json()["token"]
    sign_in_as(client, None)
    assert warm(client, bearer(secret)) == "alice"


def test_a_revoked_token_is_refused_at_once_with_the_cache_warm(
    client: TestClient, other_worker: TestClient
) -> None:
    sign_in_as(client, "alice")
    created = client.post("/api/tokens", json={"name": "script"}).json()
    sign_in_as(client, None)
    warm(client, bearer(created["token"]))
    warm(other_worker, bearer(created["token"]))

    revoked = client.delete(f"/api/tokens/{created['id']}", headers=bearer(created["token"]))

    assert revoked.status_code == 204
    assert client.get("/api/me", headers=bearer(created["token"])).status_code == 401
    assert other_worker.get("/api/me", headers=bearer(created["token"])).status_code == 401


def test_a_disabled_user_is_refused_at_once_on_every_worker(
    client: TestClient, other_worker: TestClient
) -> None:
    sign_in_as(client, "bob")
    secret = client.post("/api/tokens", json={"name": "t"}).json()["token"]
    sign_in_as(other_worker, "bob")
    warm(other_worker)
    warm(other_worker, bearer(secret))

    sign_in_as(client, "tester")
    bob = next(u for u in client.get("/api/users").json() if u["username"] == "bob")
    assert client.patch(f"/api/users/{bob['id']}", json={"disabled": True}).status_code == 200

    assert other_worker.get("/api/me", headers=JSON_ONLY).status_code == 401
    sign_in_as(other_worker, None)
    assert other_worker.get("/api/me", headers=bearer(secret)).status_code == 401


def test_a_lost_role_counts_at_once(client: TestClient, other_worker: TestClient) -> None:
    sign_in_as(other_worker, "editor")
    warm(other_worker)
    assert other_worker.get("/api/me", headers=JSON_ONLY).json()["may_edit_others"] is True

    editor = next(u for u in client.get("/api/users").json() if u["username"] == "editor")
    changed = client.patch(
        f"/api/users/{editor['id']}", json={"role": "viewer", "may_edit_others": False}
    )
    assert changed.status_code == 200

    me = other_worker.get("/api/me", headers=JSON_ONLY).json()
    assert (me["role"], me["may_edit_others"]) == ("viewer", False)
    tagged = other_worker.post("/api/annotations", json={"passage_id": "x", "position_key": "us"})
    assert tagged.status_code == 403


def test_a_password_change_signs_out_other_sessions_on_every_worker(
    client: TestClient, other_worker: TestClient
) -> None:
    sign_in_as(other_worker, "alice")  # her session in another browser, served elsewhere
    warm(other_worker)
    sign_in_as(client, "tester")
    alice = next(u for u in client.get("/api/users").json() if u["username"] == "alice")
    # The change comes from a process of its own, as the command line's would.
    script = (
        "import sys\n"
        "from sqlmodel import Session\n"
        "from app.db import make_engine\n"
        "from app.models import User\n"
        "from app.services import accounts\n"
        "engine = make_engine(sys.argv[1])\n"
        "with Session(engine) as session:\n"
        "    user = session.get(User, int(sys.argv[2]))\n"
        "    accounts.change_password(session, user, sys.argv[3], 'a brand new password')\n"
    )
    database_url = str(engine_of(client).url.render_as_string(hide_password=False))
    done = subprocess.run(
        [sys.executable, "-c", script, database_url, str(alice["id"]), PASSWORD],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr

    assert other_worker.get("/api/me", headers=JSON_ONLY).status_code == 401


def test_an_entry_looked_up_while_a_change_was_committed_is_not_used(db_url: str) -> None:
    cache = IdentityCache(db_url, seconds=60)
    assert cache.enabled == (stamp_path(db_url) is not None)
    if not cache.enabled:
        pytest.skip("this database has no place for a stamp")
    user = User(id=1, username="u", display_name="U", password_hash="x", role=Role.analyst)
    holder = Holder(user, None, None)
    before = cache.stamp()  # read, then the lookup ran while another process committed…
    path = stamp_path(db_url)
    assert path is not None
    bump_stamp(path)
    cache.put("token", "digest", before, holder)  # …and stored what it read under `before`

    assert cache.get("token", "digest", cache.stamp(), utcnow()) is None
    assert read_stamp(path) != before


def test_the_cache_can_be_switched_off(db_url: str) -> None:
    assert not IdentityCache(db_url, seconds=0).enabled

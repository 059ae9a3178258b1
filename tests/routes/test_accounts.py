"""Signing in and out, the brake on password guessing, CSRF, API tokens, and the admins' users
page, through the app."""

import httpx2 as httpx
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from app.access import CSRF_HEADER, SESSION_COOKIE
from app.models import Annotation, LoginFailure
from app.services import accounts
from tests.accounts import PASSWORD, csrf_token_of, sign_in_as
from tests.markup import one

HX = {"HX-Request": "true"}
JSON_ONLY = {"accept": "application/json"}
HOSTILE = "<script>alert('x')</script>"


def engine_of(client: TestClient) -> Engine:
    app = client.app
    assert isinstance(app, FastAPI)
    engine: Engine = app.state.engine
    return engine


def sign_in(
    client: TestClient, username: str, password: str = PASSWORD, **headers: str
) -> httpx.Response:
    sign_in_as(client, None)
    return client.post(
        "/login",
        data={"username": username, "password": password, "next": "/claims"},
        headers=headers,
        follow_redirects=False,
    )


def first_paragraph_id(client: TestClient) -> str:
    document = client.get("/api/documents").json()[0]
    passages = client.get(f"/api/documents/{document['id']}/passages").json()
    paragraph_id: str = next(p["id"] for p in passages if p["kind"] == "paragraph")
    return paragraph_id


def test_signing_in_sets_a_safe_session_cookie_and_goes_where_asked(client: TestClient) -> None:
    response = sign_in(client, "alice")
    assert response.status_code == 303
    assert response.headers["location"] == "/claims"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    me = client.get("/api/me").json()
    assert (me["username"], me["role"]) == ("alice", "analyst")


def test_signing_in_never_redirects_off_site(client: TestClient) -> None:
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        sign_in_as(client, None)
        response = client.post(
            "/login",
            data={"username": "alice", "password": PASSWORD, "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/documents"


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    client: TestClient,
) -> None:
    wrong_password = sign_in(client, "alice", "not the password")
    no_such_user = sign_in(client, "nobody-here", "not the password")
    for response in (wrong_password, no_such_user):
        assert response.status_code == 401
        page = BeautifulSoup(response.text, "html.parser")
        assert one(page, ".error-message").get_text() == "Wrong username or password."
    assert client.get("/api/me", headers=JSON_ONLY).status_code == 401


def test_sign_in_attempts_are_limited_per_account(client: TestClient) -> None:
    for _ in range(accounts.FAILURES_PER_ACCOUNT):
        assert sign_in(client, "bob", "guess").status_code == 401
    # Even the right password is refused now: the password is not even looked at.
    blocked = sign_in(client, "bob")
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) == 15 * 60
    assert "Too many failed sign-ins" in blocked.text
    # Other accounts are not blocked by bob's failures (below the per-address limit).
    assert sign_in(client, "alice").status_code == 303


def test_sign_in_attempts_are_limited_per_address(client: TestClient) -> None:
    names = [f"user{n}" for n in range(accounts.FAILURES_PER_ADDRESS)]
    for name in names:
        assert sign_in(client, name, "guess").status_code == 401
    # Every name so far failed once; the address has now used up its tries.
    assert sign_in(client, "alice").status_code == 429
    with Session(engine_of(client)) as session:
        failures = session.exec(select(func.count()).select_from(LoginFailure)).one()
    assert failures == accounts.FAILURES_PER_ADDRESS


def test_a_successful_sign_in_clears_the_accounts_failures(client: TestClient) -> None:
    for _ in range(accounts.FAILURES_PER_ACCOUNT - 1):
        sign_in(client, "bob", "guess")
    assert sign_in(client, "bob").status_code == 303
    for _ in range(accounts.FAILURES_PER_ACCOUNT - 1):
        sign_in(client, "bob", "guess")
    assert sign_in(client, "bob").status_code == 303


def test_signing_out_ends_the_session(client: TestClient) -> None:
    sign_in(client, "alice")
    page = client.get("/account")
    csrf = csrf_token_of(page.text)
    out = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert out.headers["location"] == "/login"
    assert client.get("/api/me", headers=JSON_ONLY).status_code == 401


def test_a_change_without_the_csrf_token_is_refused(seeded_client: TestClient) -> None:
    passage_id = first_paragraph_id(seeded_client)
    form = {"position_key": "us", "kind": "states"}
    token = seeded_client.headers.pop(CSRF_HEADER)

    missing = seeded_client.post(f"/passages/{passage_id}/annotations", data=form, headers=HX)
    wrong = seeded_client.post(
        f"/passages/{passage_id}/annotations", data=form, headers={**HX, CSRF_HEADER: "forged"}
    )
    json_missing = seeded_client.post(
        "/api/annotations", json={"passage_id": passage_id, "position_key": "us"}
    )
    for response in (missing, wrong, json_missing):
        assert response.status_code == 403
        assert "CSRF token" in response.json()["detail"]
    with Session(engine_of(seeded_client)) as session:
        assert session.exec(select(func.count()).select_from(Annotation)).one() == 0

    in_header = seeded_client.post(
        f"/passages/{passage_id}/annotations", data=form, headers={**HX, CSRF_HEADER: token}
    )
    in_field = seeded_client.post(
        f"/passages/{passage_id}/annotations", data={**form, "csrf_token": token}, headers=HX
    )
    assert in_header.status_code == in_field.status_code == 200


def test_pages_carry_the_csrf_token_for_htmx(seeded_client: TestClient) -> None:
    page = seeded_client.get("/documents")
    assert csrf_token_of(page.text) == seeded_client.headers[CSRF_HEADER]


def test_api_tokens_act_for_their_owner_until_revoked(seeded_client: TestClient) -> None:
    sign_in_as(seeded_client, "alice")
    created = seeded_client.post("/api/tokens", json={"name": "script"})
    assert created.status_code == 201
    secret = created.json()["token"]
    assert secret.startswith("am_") and created.json()["prefix"] == secret[:10]
    listed = seeded_client.get("/api/tokens").json()
    assert [t["name"] for t in listed] == ["script"] and "token" not in listed[0]

    passage_id = first_paragraph_id(seeded_client)
    sign_in_as(seeded_client, None)  # no cookie, no CSRF header: the token alone
    bearer = {"Authorization": f"Bearer {secret}"}
    assert seeded_client.get("/api/me", headers=bearer).json()["username"] == "alice"
    tagged = seeded_client.post(
        "/api/annotations",
        json={"passage_id": passage_id, "position_key": "us"},
        headers=bearer,
    )
    assert tagged.status_code == 201
    assert tagged.json()["analyst"] == "alice"
    # An analyst's token cannot do an admin's work.
    refused = seeded_client.post(
        "/api/positions", json={"key": "china", "name": "China"}, headers=bearer
    )
    assert refused.status_code == 403

    revoked = seeded_client.delete(f"/api/tokens/{created.json()['id']}", headers=bearer)
    assert revoked.status_code == 204
    after = seeded_client.get("/api/me", headers=bearer)
    assert after.status_code == 401
    assert after.headers["www-authenticate"] == "Bearer"


def test_an_unknown_token_is_refused_and_not_treated_as_nobody(seeded_client: TestClient) -> None:
    sign_in_as(seeded_client, None)
    for header in ("Bearer am_made_up", "Basic YWxpY2U6c2VjcmV0", "Bearer"):
        response = seeded_client.get("/api/export", headers={"Authorization": header})
        assert response.status_code == 401
        assert "token" in response.json()["detail"]


def test_tokens_are_made_and_revoked_on_the_account_page(client: TestClient) -> None:
    sign_in_as(client, "victor")
    page = client.post("/account/tokens", data={"name": "reader"})
    assert page.status_code == 201
    secret = one(BeautifulSoup(page.text, "html.parser"), "code.secret").get_text()
    assert client.get("/api/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    token_id = client.get("/api/tokens").json()[0]["id"]
    client.post(f"/account/tokens/{token_id}/revoke", follow_redirects=False)
    sign_in_as(client, None)
    assert client.get("/api/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_one_cannot_revoke_someone_elses_token(client: TestClient) -> None:
    sign_in_as(client, "alice")
    token_id = client.post("/api/tokens", json={"name": "mine"}).json()["id"]
    sign_in_as(client, "bob")
    assert client.delete(f"/api/tokens/{token_id}").status_code == 404


def test_admins_add_users_who_can_then_sign_in(client: TestClient) -> None:
    page = client.post(
        "/users",
        data={
            "username": "olena",
            "display_name": "Olena Ševčenko",
            "password": "a long enough password",
            "role": "viewer",
        },
        follow_redirects=False,
    )
    assert page.status_code == 303
    taken = client.post(
        "/users",
        data={"username": "olena", "display_name": "X", "password": "another long one"},
    )
    assert taken.status_code == 422
    assert "taken" in one(BeautifulSoup(taken.text, "html.parser"), ".error-message").text
    assert sign_in(client, "olena", "a long enough password").status_code == 303
    assert client.get("/api/me").json()["display_name"] == "Olena Ševčenko"


def test_disabling_a_user_ends_their_sessions_and_tokens(client: TestClient) -> None:
    sign_in_as(client, "bob")
    secret = client.post("/api/tokens", json={"name": "t"}).json()["token"]
    sign_in_as(client, "tester")
    bob = next(u for u in client.get("/api/users").json() if u["username"] == "bob")
    assert client.patch(f"/api/users/{bob['id']}", json={"disabled": True}).status_code == 200
    sign_in_as(client, "bob")
    assert client.get("/api/me").status_code == 401
    sign_in_as(client, None)
    assert client.get("/api/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert sign_in(client, "bob").status_code == 401


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **JSON_ONLY}


def test_re_enabling_a_user_does_not_bring_back_their_old_tokens_or_sessions(
    client: TestClient,
) -> None:
    sign_in_as(client, "bob")
    secret = client.post("/api/tokens", json={"name": "t"}).json()["token"]
    sign_in_as(client, "tester")
    bob = next(u for u in client.get("/api/users").json() if u["username"] == "bob")
    assert client.patch(f"/api/users/{bob['id']}", json={"disabled": True}).status_code == 200
    assert client.patch(f"/api/users/{bob['id']}", json={"disabled": False}).status_code == 200

    sign_in_as(client, "bob")  # the session he had before he was disabled
    assert client.get("/api/me", headers=JSON_ONLY).status_code == 401
    sign_in_as(client, None)
    assert client.get("/api/me", headers=bearer(secret)).status_code == 401
    # He signs in again, and sees the old token as revoked.
    assert sign_in(client, "bob").status_code == 303
    (token,) = client.get("/api/tokens").json()
    assert token["revoked_at"] is not None


def change_password(client: TestClient, current: str, new: str) -> httpx.Response:
    csrf = csrf_token_of(client.get("/account").text)
    return client.post(
        "/account/password",
        data={"current": current, "new": new, "confirm": new, "csrf_token": csrf},
    )


def test_changing_the_password_signs_out_the_accounts_other_sessions_only(
    client: TestClient,
) -> None:
    sign_in_as(client, "alice")  # another browser of hers, signed in before
    secret = client.post("/api/tokens", json={"name": "script"}).json()["token"]
    assert sign_in(client, "alice").status_code == 303
    this_browser = client.cookies[SESSION_COOKIE]

    changed = change_password(client, PASSWORD, "a brand new password")

    assert changed.status_code == 200
    page = BeautifulSoup(changed.text, "html.parser")
    notice = one(page, ".password-changed").get_text(" ", strip=True)
    assert "1 other session was signed out" in notice
    assert "API tokens stay valid until you revoke them" in notice
    assert page.select_one('.password-changed form[action="/account/tokens/revoke-all"]')
    # This browser is still signed in; the other one is not.
    assert client.get("/api/me", headers=JSON_ONLY).json()["username"] == "alice"
    assert client.cookies[SESSION_COOKIE] == this_browser
    sign_in_as(client, "alice")
    assert client.get("/api/me", headers=JSON_ONLY).status_code == 401
    # Her token is a separate credential: it works until she revokes it.
    sign_in_as(client, None)
    assert client.get("/api/me", headers=bearer(secret)).json()["username"] == "alice"
    # Other accounts' sessions are untouched.
    sign_in_as(client, "bob")
    assert client.get("/api/me", headers=JSON_ONLY).json()["username"] == "bob"


def test_revoking_all_tokens_from_the_account_page_ends_every_one(client: TestClient) -> None:
    sign_in_as(client, "alice")
    secrets = [client.post("/api/tokens", json={"name": n}).json()["token"] for n in "ab"]
    page = BeautifulSoup(client.get("/account").text, "html.parser")
    form = page.select_one('form[action="/account/tokens/revoke-all"]')
    assert form is not None and form.select_one('input[name="csrf_token"]')
    csrf = client.headers.pop(CSRF_HEADER)  # a plain form sends the token as a field

    revoked = client.post("/account/tokens/revoke-all", data={"csrf_token": csrf})

    assert revoked.status_code == 200
    notice = one(BeautifulSoup(revoked.text, "html.parser"), ".tokens-revoked")
    assert "2 API tokens were revoked" in notice.get_text()
    for secret in secrets:
        assert client.get("/api/me", headers=bearer(secret)).status_code == 401
    # Recorded: each token is listed with the time it was revoked.
    listed = client.get("/api/tokens").json()
    assert len(listed) == 2 and all(t["revoked_at"] for t in listed)


def test_revoking_all_tokens_through_the_api_ends_every_one(client: TestClient) -> None:
    sign_in_as(client, "alice")
    secrets = [client.post("/api/tokens", json={"name": n}).json()["token"] for n in "ab"]
    sign_in_as(client, "bob")
    bobs = client.post("/api/tokens", json={"name": "b"}).json()["token"]
    sign_in_as(client, None)

    revoked = client.delete("/api/tokens", headers=bearer(secrets[0]))

    assert revoked.status_code == 200
    assert revoked.json() == {"revoked": 2}
    for secret in secrets:
        assert client.get("/api/me", headers=bearer(secret)).status_code == 401
    assert client.get("/api/me", headers=bearer(bobs)).json()["username"] == "bob"


def test_revoking_all_tokens_needs_the_csrf_token(client: TestClient) -> None:
    sign_in_as(client, "alice")
    secret = client.post("/api/tokens", json={"name": "script"}).json()["token"]
    client.headers.pop(CSRF_HEADER)

    form = client.post("/account/tokens/revoke-all", data={}, headers=JSON_ONLY)
    forged = client.post(
        "/account/tokens/revoke-all", data={"csrf_token": "forged"}, headers=JSON_ONLY
    )
    api = client.delete("/api/tokens")

    for response in (form, forged, api):
        assert response.status_code == 403
        assert "CSRF token" in response.json()["detail"]
    assert client.get("/api/me", headers=bearer(secret)).json()["username"] == "alice"


def test_an_admin_cannot_demote_or_disable_themselves(client: TestClient) -> None:
    me = client.get("/api/me").json()
    for change in ({"role": "analyst"}, {"disabled": True}):
        response = client.patch(f"/api/users/{me['id']}", json=change)
        assert response.status_code == 422
        assert "yourself" in response.json()["detail"]


def test_the_first_admin_must_choose_a_password(db_url: str) -> None:
    from app.config import Settings
    from app.main import create_app

    app = create_app(Settings(database_url=db_url))
    with Session(app.state.engine) as session:
        for user in accounts.list_users(session):
            session.delete(user)
        session.commit()
        one_time = accounts.ensure_first_admin(session)
        assert one_time is not None and len(one_time) >= 12
        assert accounts.ensure_first_admin(session) is None
    with TestClient(app) as client:
        response = sign_in(client, "admin", one_time)
        assert response.headers["location"] == "/account"
        # Nothing else until the password is changed.
        page = client.get("/documents", headers={"accept": "text/html"}, follow_redirects=False)
        assert page.headers["location"] == "/account"
        assert "new password first" in client.get("/api/documents").json()["detail"]
        csrf = csrf_token_of(client.get("/account").text)
        changed = client.post(
            "/account/password",
            data={
                "current": one_time,
                "new": "my own password",
                "confirm": "my own password",
                "csrf_token": csrf,
            },
        )
        assert changed.status_code == 200
        assert client.get("/documents").status_code == 200
        assert sign_in(client, "admin", one_time).status_code == 401


def test_hostile_display_names_are_escaped(client: TestClient) -> None:
    created = client.post(
        "/api/users",
        json={
            "username": "mallory",
            "display_name": HOSTILE,
            "password": "a long enough password",
        },
    )
    assert created.status_code == 201
    for url in ("/users", "/account"):
        html = client.get(url).text if url == "/users" else ""
        if url == "/account":
            sign_in(client, "mallory", "a long enough password")
            html = client.get(url).text
        assert HOSTILE not in html
        assert "&lt;script&gt;" in html
        page = BeautifulSoup(html, "html.parser")
        assert all(s.get("src") for s in page.find_all("script")), url


def test_no_cross_origin_sharing_is_offered(seeded_client: TestClient) -> None:
    preflight = seeded_client.options(
        "/api/annotations",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    simple = seeded_client.get("/api/export", headers={"Origin": "https://evil.example"})
    for response in (preflight, simple):
        assert "access-control-allow-origin" not in response.headers
        assert "access-control-allow-credentials" not in response.headers


def test_pages_leave_out_what_the_role_cannot_do(seeded_client: TestClient) -> None:
    document = seeded_client.get("/api/documents").json()[0]
    passage_id = first_paragraph_id(seeded_client)
    seeded_client.post("/api/annotations", json={"passage_id": passage_id, "position_key": "us"})
    expectations = {
        # who: (tag bar, editing the admin's tag, adding a position, replacing a text)
        "victor": (False, False, False, False),
        "alice": (True, False, False, False),
        "editor": (True, True, False, False),
        "tester": (True, True, True, True),
    }
    for username, (tags, edit, positions, replace) in expectations.items():
        sign_in_as(seeded_client, username)
        page = BeautifulSoup(seeded_client.get(f"/documents/{document['id']}").text, "html.parser")
        assert (page.select_one(".tagbar") is not None) == tags, username
        assert (page.select_one(".chip-remove") is not None) == edit, username
        assert (page.select_one(".chip-label[hx-get]") is not None) == edit, username
        assert (page.select_one("details.replace-text") is not None) == replace, username
        listing = BeautifulSoup(seeded_client.get("/positions").text, "html.parser")
        assert (listing.select_one("form.add-position") is not None) == positions, username


def test_analysts_change_only_their_own_work_unless_allowed(seeded_client: TestClient) -> None:
    passage_id = first_paragraph_id(seeded_client)
    sign_in_as(seeded_client, "alice")
    tag = seeded_client.post(
        "/api/annotations", json={"passage_id": passage_id, "position_key": "us"}
    ).json()
    claim = seeded_client.post("/api/claims", json={"text": "Alice's claim"}).json()
    url = f"/api/annotations/{tag['id']}"

    sign_in_as(seeded_client, "bob")
    for response in (
        seeded_client.patch(url, json={"note": "bob was here", "version": tag["version"]}),
        seeded_client.delete(url),
        seeded_client.patch(
            f"/api/claims/{claim['id']}", json={"text": "Bob's now", "version": claim["version"]}
        ),
        seeded_client.delete(f"/api/claims/{claim['id']}"),
    ):
        assert response.status_code == 403
        assert "alice's work" in response.json()["detail"]
    # Bob may still tag the same passage, and build on Alice's claim.
    own = seeded_client.post(
        "/api/annotations", json={"passage_id": passage_id, "position_key": "us"}
    )
    assert own.status_code == 201
    stance = seeded_client.put(f"/api/claims/{claim['id']}/stances/us", json={"stance": "holds"})
    assert stance.status_code == 200

    sign_in_as(seeded_client, "editor")  # may edit everyone's work
    edited = seeded_client.patch(url, json={"note": "checked", "version": tag["version"]})
    assert edited.status_code == 200
    sign_in_as(seeded_client, "alice")
    assert seeded_client.get(url).json()["note"] == "checked"

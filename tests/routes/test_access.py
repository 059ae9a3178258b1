"""Every route, every role: the access rules of app/access.py, checked through HTTP.

The test walks the app's routes, so a new route without a rule fails here, and a rule left
behind by a removed route fails too. Each route is then called by nobody, a viewer, an analyst
and an admin: a role below the rule gets 401 (nobody) or 403, a role at or above it gets past
the check (any other answer: 404 for the made-up ids, 422 for the empty bodies, …).
"""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.access import RULES, Rule
from app.config import Settings
from app.main import create_app
from app.models import Role
from tests.accounts import sign_in_as

# Who calls, by the role they have (None: nobody signed in).
CALLERS: dict[str, Role | None] = {
    "nobody": None,
    "victor": Role.viewer,
    "alice": Role.analyst,
    "tester": Role.admin,
}
# Values for path parameters: ids that exist nowhere (the check comes before the lookup).
PATH_VALUES = {"user_id": "999999", "entry_id": "999999", "item_type": "claim"}
JSON_ONLY = {"accept": "application/json"}
# Pages about one's own account: open to every role, but there is no account without signing in.
OWN_ACCOUNT = {"/account", "/api/me", "/api/tokens"}


def app_routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path) of every route the app answers, included routers and all."""

    def walk(routes: list[object]) -> Iterator[tuple[str, str]]:
        for route in routes:
            if hasattr(route, "effective_candidates"):
                yield from walk(route.effective_candidates())
                continue
            for method in sorted(getattr(route, "methods", None) or ()):
                if method != "HEAD":
                    yield method, str(getattr(route, "path"))  # noqa: B009

    yield from walk(list(app.routes))


def allowed(role: Role | None, rule: Rule) -> bool:
    if rule is None:
        return True
    return role is not None and role.rank >= rule.rank


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: PATH_VALUES.get(m.group(1), "no-such-id"), path)


def test_every_route_has_a_rule_and_every_rule_a_route(client: TestClient) -> None:
    routes = set(app_routes(client.app))  # type: ignore[arg-type]
    assert routes - RULES.keys() == set(), "routes without an access rule in app/access.py"
    assert RULES.keys() - routes == set(), "access rules for routes that do not exist"


def test_a_route_without_a_rule_is_closed(client: TestClient) -> None:
    app: FastAPI = client.app  # type: ignore[assignment]

    @app.get("/unruled")
    def unruled() -> dict[str, str]:
        return {"secret": "yes"}

    response = client.get("/unruled", headers=JSON_ONLY)
    assert response.status_code == 403
    assert "no access rule" in response.json()["detail"]


def _calls() -> list[tuple[str, str, Rule]]:
    # Signing out ends the caller's session: it goes last.
    return sorted(
        ((method, path, rule) for (method, path), rule in RULES.items()),
        key=lambda call: call[1] == "/logout",
    )


@pytest.mark.parametrize("caller", CALLERS)
def test_each_role_passes_exactly_the_routes_its_rule_allows(
    seeded_client: TestClient, caller: str
) -> None:
    role = CALLERS[caller]
    sign_in_as(seeded_client, None if role is None else caller)
    wrong = []
    for method, path, rule in _calls():
        body: dict[str, Any] | None = {} if method in ("POST", "PUT", "PATCH") else None
        response = seeded_client.request(
            method, concrete(path), json=body, headers=JSON_ONLY, follow_redirects=False
        )
        if allowed(role, rule):
            if response.status_code in (401, 403):
                wrong.append(f"{method} {path}: refused ({response.status_code}) but allowed")
        else:
            expected = 401 if role is None else 403
            if response.status_code != expected:
                wrong.append(f"{method} {path}: {response.status_code}, expected {expected}")
    assert wrong == []


def test_the_demo_lets_visitors_read_but_not_change(seeded_db_url: str) -> None:
    settings = Settings(database_url=seeded_db_url, read_without_login=True)
    app = create_app(settings)
    with TestClient(app) as client:
        for (method, path), rule in RULES.items():
            if method != "GET":
                continue
            response = client.get(concrete(path), headers=JSON_ONLY, follow_redirects=False)
            if path in OWN_ACCOUNT:
                assert response.status_code == 401, path  # there is no account to show
            elif rule in (None, Role.viewer):
                assert response.status_code not in (401, 403), path
            else:
                assert response.status_code == 401, path
        assert client.get("/api/export").status_code == 200
        refused = client.post("/api/annotations", json={})
        assert refused.status_code == 401

"""Input a hostile but honest tester sends: integers past what the database stores, authors
forged in a body, links that run script. Each answers a clear 4xx (or is ignored) and nothing
is stored that should not be."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.accounts import sign_in_as

TOO_BIG = 2**63  # one past the largest integer SQLite and PostgreSQL's BIGINT store
HUGE = 10**30

# Every integer a request can carry in its query or path, on the API and the pages.
BIG_INTEGER_GETS = [
    "/api/claims?offset={n}",
    "/api/claims?limit={n}",
    "/api/documents?offset={n}",
    "/api/relations?offset={n}",
    "/api/annotations?offset={n}",
    "/api/search?q=peace&offset={n}",
    "/api/search?q=peace&page={n}",
    "/api/history?before={n}",
    "/api/history?after={n}",
    "/api/history?limit={n}",
    "/claims?offset={n}",
    "/documents?offset={n}",
    "/positions/russia?offset={n}",
    "/search?q=peace&offset={n}",
    "/search?q=peace&page={n}",
    "/history?before={n}",
    "/history?after={n}",
]


@pytest.mark.parametrize("number", [TOO_BIG, HUGE])
@pytest.mark.parametrize("template", BIG_INTEGER_GETS)
def test_an_integer_too_big_for_the_database_is_refused_with_a_message(
    seeded_client: TestClient, template: str, number: int
) -> None:
    response = seeded_client.get(template.format(n=number))
    assert response.status_code == 422, (template, response.status_code, response.text[:300])
    assert "less than or equal to" in response.text


def test_a_document_windows_start_too_big_is_refused(seeded_client: TestClient) -> None:
    document = seeded_client.get("/api/documents").json()[0]
    for path in (f"/documents/{document['id']}/passages", f"/documents/{document['id']}"):
        response = seeded_client.get(path, params={"start": TOO_BIG})
        assert response.status_code in (200, 422), (path, response.text[:300])


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/api/users/{n}", {"role": "viewer"}),
        ("POST", "/api/history/{n}/restore", None),
        ("GET", "/api/history/{n}/restore", None),
    ],
)
def test_an_id_too_big_for_the_database_is_refused(
    client: TestClient, method: str, path: str, body: Any
) -> None:
    response = client.request(method, path.format(n=TOO_BIG), json=body)
    assert 400 <= response.status_code < 500, response.text[:300]


@pytest.mark.parametrize("field", ["version"])
def test_a_version_too_big_for_the_database_is_refused(client: TestClient, field: str) -> None:
    position = client.post("/api/positions", json={"key": "china", "name": "Chinese"}).json()
    response = client.patch(
        f"/api/positions/{position['key']}", json={"name": "China", field: TOO_BIG}
    )
    assert response.status_code == 422, response.text[:300]
    removal = client.delete(f"/api/positions/{position['key']}", params={"version": TOO_BIG})
    assert removal.status_code == 422, removal.text[:300]


def test_the_user_form_refuses_an_id_too_big(client: TestClient) -> None:
    response = client.post(f"/users/{TOO_BIG}", data={"role": "viewer"})
    assert 400 <= response.status_code < 500


# --- authorship is the signed-in user's, whatever the body says -------------------------------


def _evidence(client: TestClient) -> list[str]:
    document = client.get("/api/documents").json()[0]
    passages = client.get(f"/api/documents/{document['id']}/passages").json()
    paragraphs = [p for p in passages if p["kind"] == "paragraph"][:2]
    ids = []
    for passage in paragraphs:
        made = client.post(
            "/api/annotations",
            json={"passage_id": passage["id"], "position_key": "russia", "kind": "states"},
        )
        assert made.status_code == 201, made.text
        ids.append(made.json()["id"])
    return ids


def test_splitting_a_claim_records_the_signed_in_analyst_not_the_body(
    seeded_client: TestClient,
) -> None:
    client = sign_in_as(seeded_client, "alice")
    evidence = _evidence(client)
    claim = client.post(
        "/api/claims", json={"text": "Ukraine will not join NATO", "annotation_ids": evidence}
    ).json()
    split = client.post(
        f"/api/claims/{claim['id']}/split",
        json={"annotation_ids": evidence[:1], "text": "A narrower claim", "analyst": "bob"},
    )
    assert split.status_code in (200, 201), split.text
    assert split.json()["analyst"] == "alice"
    # So bob may not edit it, and alice may.
    new_id = split.json()["id"]
    sign_in_as(seeded_client, "bob")
    refused = seeded_client.patch(
        f"/api/claims/{new_id}", json={"text": "bob's words", "version": split.json()["version"]}
    )
    assert refused.status_code == 403


def test_merging_claims_names_the_signed_in_analyst_in_the_note(
    seeded_client: TestClient,
) -> None:
    client = sign_in_as(seeded_client, "alice")
    evidence = _evidence(client)
    first = client.post(
        "/api/claims", json={"text": "Claim one", "annotation_ids": evidence[:1]}
    ).json()
    second = client.post(
        "/api/claims", json={"text": "Claim two", "annotation_ids": evidence[1:]}
    ).json()
    merged = client.post(
        f"/api/claims/{first['id']}/merge", json={"source_ids": [second["id"]], "analyst": "bob"}
    )
    assert merged.status_code == 200, merged.text
    assert "bob" not in merged.json()["note"]
    assert "alice" in merged.json()["note"]


# --- only http(s) links are stored ------------------------------------------------------------

SCRIPT_URLS = [
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/path",
    "ftp://example.org/file",
]


@pytest.mark.parametrize("url", SCRIPT_URLS)
def test_a_document_url_that_is_not_http_is_refused_by_the_api(
    client: TestClient, url: str
) -> None:
    created = client.post(
        "/api/documents", json={"title": "Link", "text": "Some words here.", "url": url}
    )
    assert created.status_code == 422, created.text
    assert "http" in created.text
    assert client.get("/api/documents").json() == []


@pytest.mark.parametrize("url", SCRIPT_URLS)
def test_changing_a_document_url_to_script_is_refused(seeded_client: TestClient, url: str) -> None:
    document = seeded_client.get("/api/documents").json()[0]
    response = seeded_client.patch(
        f"/api/documents/{document['id']}", json={"url": url, "version": document["version"]}
    )
    assert response.status_code == 422, response.text
    assert seeded_client.get(f"/api/documents/{document['id']}").json()["url"] == document["url"]


def test_an_http_document_url_is_kept(client: TestClient) -> None:
    created = client.post(
        "/api/documents",
        json={"title": "Link", "text": "Some words here.", "url": "https://example.org/a?b=1"},
    )
    assert created.status_code == 201, created.text
    assert created.json()["url"] == "https://example.org/a?b=1"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<b>x</b>"])
def test_an_import_with_a_script_url_is_refused_whole(
    seeded_client: TestClient, client: TestClient, url: str
) -> None:
    exported = seeded_client.get("/api/export").json()
    exported["documents"][2]["url"] = url
    response = client.post("/api/import", json=exported)
    assert response.status_code == 422, response.text
    assert "documents[2].url" in response.json()["detail"]
    assert "http" in response.json()["detail"]
    assert client.get("/api/documents").json() == []


def test_adding_a_text_again_after_its_document_was_replaced_is_a_conflict(
    client: TestClient,
) -> None:
    first = client.post(
        "/api/documents", json={"title": "First", "text": "One paragraph.\n\nAnother one."}
    ).json()
    replaced = client.put(
        f"/api/documents/{first['id']}/text",
        json={"text": "One paragraph, changed.\n\nAnother one.", "version": first["version"]},
    )
    assert replaced.status_code == 200, replaced.text
    again = client.post(
        "/api/documents", json={"title": "Again", "text": "One paragraph.\n\nAnother one."}
    )
    assert again.status_code == 409, again.text
    assert "replaced" in again.json()["detail"]


# --- what PostgreSQL cannot take: NUL characters, numbers past its INTEGER -------------------

NUL_LOOKUPS = [
    "/api/export?document=a%00b",
    "/api/export/aif?document=%00",
    "/api/export/w3c?position=%00",
    "/api/history?actor=%00",
    "/api/relations?claim=b%00",
    "/api/claims/a%00b",
    "/api/annotations?analyst=%00",
    "/api/matrix?actor=%00",
    "/api/networks?outlet=a%00",
    "/api/export/csv?analyst=%00",
]


@pytest.mark.parametrize("path", NUL_LOOKUPS)
def test_a_nul_in_an_id_or_a_filter_is_refused_or_not_found(
    seeded_client: TestClient, path: str
) -> None:
    response = seeded_client.get(path)
    # SQLite looks it up and finds nothing; PostgreSQL cannot take it at all.
    assert response.status_code in (200, 404, 422), (path, response.text[:300])
    if response.status_code == 422:
        assert "NUL" in response.json()["detail"]


def test_a_nul_in_a_body_id_is_refused_or_not_found(seeded_client: TestClient) -> None:
    claim = seeded_client.post("/api/claims", json={"text": "A claim to attach to"}).json()
    response = seeded_client.post(
        f"/api/claims/{claim['id']}/evidence", json={"annotation_id": "a\x00b"}
    )
    assert response.status_code in (404, 422), response.text[:300]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "/api/users/2147483648"),
        ("POST", "/api/history/2147483648/restore"),
        ("GET", "/api/history?before=2147483648"),
    ],
)
def test_a_number_past_postgresql_integer_is_refused(
    client: TestClient, method: str, path: str
) -> None:
    body = {"role": "viewer"} if method == "PATCH" else None
    response = client.request(method, path, json=body)
    assert response.status_code == 422, response.text[:300]

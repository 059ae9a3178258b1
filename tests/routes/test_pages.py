"""HTML pages and htmx fragments: a plain request gets the whole page, an htmx request (the
`HX-Request` header) gets only the fragment; user text is always escaped."""

from typing import Any

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from tests.accounts import csrf_token_of, sign_in_as
from tests.markup import one

HX = {"HX-Request": "true"}
SCRIPT = "<script>alert('x')</script>"


def soup(response: Any) -> BeautifulSoup:
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "html.parser")


def first_document(client: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/api/documents").json()[0]
    return document


def first_paragraph(client: TestClient, document_id: str) -> dict[str, Any]:
    passages = client.get(f"/api/documents/{document_id}/passages").json()
    return next(p for p in passages if p["kind"] == "paragraph")


def test_home_is_a_page_that_leads_to_the_document_list(seeded_client: TestClient) -> None:
    response = seeded_client.get("/", follow_redirects=False)
    page = soup(response)
    assert page.select_one('.starting-points a[href="/documents"]') is not None


def test_document_list_page_and_fragment(seeded_client: TestClient) -> None:
    page = soup(seeded_client.get("/documents"))
    assert page.find("html") is not None
    assert len(page.select("#document-rows tr")) == 5
    assert page.select_one('script[src^="/static/htmx-"]') is not None
    fragment = soup(seeded_client.get("/documents", headers=HX))
    assert fragment.find("html") is None
    assert len(fragment.select("tr")) == 5


def test_a_boosted_navigation_still_gets_the_whole_page(seeded_client: TestClient) -> None:
    page = soup(seeded_client.get("/documents", headers={**HX, "HX-Boosted": "true"}))
    assert page.find("html") is not None


def test_document_page_and_its_passages_fragment(seeded_client: TestClient) -> None:
    document = first_document(seeded_client)
    page = soup(seeded_client.get(f"/documents/{document['id']}"))
    assert page.find("html") is not None
    assert page.select_one("h1") is not None
    passages = page.select("#passages .passage")
    assert passages, "the document view lists its passages"
    assert all(p.has_attr("tabindex") for p in passages)
    fragment = soup(seeded_client.get(f"/documents/{document['id']}", headers=HX))
    assert fragment.find("html") is None
    assert fragment.select_one("article#passages") is not None
    assert len(fragment.select(".passage")) == len(passages)


def test_the_passage_text_is_exactly_the_stored_text(seeded_client: TestClient) -> None:
    """Span offsets are computed from the rendered text, so it must be the stored text."""
    document = first_document(seeded_client)
    stored = {
        p["id"]: p["text"]
        for p in seeded_client.get(f"/api/documents/{document['id']}/passages").json()
    }
    page = soup(seeded_client.get(f"/documents/{document['id']}"))
    for section in page.select(".passage"):
        shown = one(section, "[data-passage-text]").get_text()
        assert shown == stored[section["data-passage-id"]]


def test_boilerplate_is_hidden_until_asked_for(seeded_client: TestClient) -> None:
    documents = seeded_client.get("/api/documents").json()
    for document in documents:
        passages = seeded_client.get(f"/api/documents/{document['id']}/passages").json()
        boilerplate = [p for p in passages if p["kind"] == "boilerplate"]
        if boilerplate:
            break
    hidden = soup(seeded_client.get(f"/documents/{document['id']}"))
    shown_ids = {s["data-passage-id"] for s in hidden.select(".passage")}
    assert not shown_ids & {p["id"] for p in boilerplate}
    assert hidden.find("a", string=lambda s: s and "Show" in s and "boilerplate" in s)
    everything = soup(seeded_client.get(f"/documents/{document['id']}?hidden=1"))
    assert len(everything.select(".passage")) == len(passages)


def test_hiding_or_showing_boilerplate_keeps_every_passage_loaded(
    seeded_client: TestClient,
) -> None:
    for document in seeded_client.get("/api/documents").json():
        page = soup(seeded_client.get(f"/documents/{document['id']}?all=1"))
        show = page.find("a", string=lambda s: s and "Show" in s and "boilerplate" in s)
        if show:
            break
    assert show is not None, "the seed corpus has a document with boilerplate"
    assert show["href"] == f"/documents/{document['id']}?hidden=1&all=1"
    shown = soup(seeded_client.get(show["href"]))
    passages = seeded_client.get(f"/api/documents/{document['id']}/passages").json()
    assert len(shown.select(".passage")) == len(passages)
    hide = shown.find("a", string=lambda s: s and "Hide" in s and "boilerplate" in s)
    assert hide is not None
    assert hide["href"] == f"/documents/{document['id']}?all=1"


def test_tagging_through_htmx_fragments(seeded_client: TestClient) -> None:
    document = first_document(seeded_client)
    passage = first_paragraph(seeded_client, document["id"])
    pid = passage["id"]

    form = soup(
        seeded_client.get(
            f"/passages/{pid}/tag-form",
            params={"position": "ukraine", "start": 0, "end": 5},
            headers=HX,
        )
    )
    assert form.find("html") is None
    assert form.select_one("form.tag-form") is not None
    assert one(form, "select[name=position_key] option[selected]")["value"] == "ukraine"
    assert one(form, "input[name=start]")["value"] == "0"
    assert one(form, ".form-target q").get_text() == passage["text"][:5]

    response = seeded_client.post(
        f"/passages/{pid}/annotations",
        data={
            "position_key": "ukraine",
            "kind": "opposes",
            "topic_key": "nato",
            "note": "",
            "start": "0",
            "end": "5",
        },
        headers=HX,
    )
    assert response.headers["HX-Trigger"] == "tags-changed"
    fragment = soup(response)
    section = fragment.select_one(f"section#p-{pid}")
    assert section is not None and fragment.find("html") is None
    chip = one(section, ".chip")
    assert "Ukrainian" in chip.get_text() and "opposes" in chip.get_text()
    assert one(section, "mark.span").get_text() == passage["text"][:5]
    annotation_id = chip["data-annotation-id"]

    edit = soup(seeded_client.get(f"/annotations/{annotation_id}/edit", headers=HX))
    assert one(edit, "input[name=kind][value=opposes]").has_attr("checked")
    updated = soup(
        seeded_client.put(
            f"/annotations/{annotation_id}",
            data={"position_key": "us", "kind": "supports", "topic_key": "", "note": "changed"},
            headers=HX,
        )
    )
    assert "US" in one(updated, ".chip-pos").get_text()
    assert updated.select_one(".chip-topic") is None

    removed = soup(seeded_client.delete(f"/annotations/{annotation_id}", headers=HX))
    assert removed.select_one(".chip") is None
    undo = one(removed, ".undo button")
    assert undo["hx-post"] == f"/annotations/{annotation_id}/restore"
    restored = soup(seeded_client.post(undo["hx-post"], headers=HX))
    assert one(restored, ".chip")["data-annotation-id"] == annotation_id

    stats = soup(seeded_client.get(f"/documents/{document['id']}/stats", headers=HX))
    assert one(stats, "[data-tagged-count]").get_text() == "1"


def test_the_passage_plain_path_is_a_whole_page(seeded_client: TestClient) -> None:
    document = first_document(seeded_client)
    passage = first_paragraph(seeded_client, document["id"])
    page = soup(seeded_client.get(f"/passages/{passage['id']}"))
    assert page.find("html") is not None
    assert page.select_one(f"#p-{passage['id']}") is not None


def test_tagging_without_signing_in_sends_to_the_sign_in_page(seeded_client: TestClient) -> None:
    document = first_document(seeded_client)
    passage = first_paragraph(seeded_client, document["id"])
    sign_in_as(seeded_client, None)
    page = seeded_client.get(
        f"/documents/{document['id']}", headers={"accept": "text/html"}, follow_redirects=False
    )
    assert page.status_code == 303
    assert page.headers["location"] == f"/login?next=%2Fdocuments%2F{document['id']}"
    response = seeded_client.post(
        f"/passages/{passage['id']}/annotations", data={"position_key": "us"}, headers=HX
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login?next=")


def test_position_page_groups_tags_by_topic_and_links_back(seeded_client: TestClient) -> None:
    document = first_document(seeded_client)
    passage = first_paragraph(seeded_client, document["id"])
    for topic in ("nato", ""):
        seeded_client.post(
            f"/passages/{passage['id']}/annotations",
            data={"position_key": "europe", "kind": "states", "topic_key": topic},
        )
    page = soup(seeded_client.get("/positions/europe"))
    headings = [h.get_text(" ", strip=True) for h in page.select(".topic-group h2")]
    assert headings[0].startswith("NATO") and headings[-1].startswith("No topic")
    link = one(page, ".tagged-meta a")
    assert link["href"] == f"/documents/{document['id']}#p-{passage['id']}"
    fragment = soup(seeded_client.get("/positions/europe", headers=HX))
    assert fragment.find("html") is None
    assert len(fragment.select(".topic-group")) == 2


def test_positions_page_adds_a_position(seeded_client: TestClient) -> None:
    page = soup(seeded_client.get("/positions"))
    assert len(page.select(".positions li")) == 4
    fragment = soup(
        seeded_client.post(
            "/positions", data={"key": "nato", "name": "NATO", "colour": "#117733"}, headers=HX
        )
    )
    assert [a.get_text(strip=True) for a in fragment.select(".pos-link")][-1] == "NATO"
    again = seeded_client.post("/positions", data={"key": "nato", "name": "NATO"}, headers=HX)
    assert again.status_code == 409
    assert "already exists" in again.json()["detail"]


def test_unknown_pages_get_an_html_error_page(seeded_client: TestClient) -> None:
    response = seeded_client.get("/documents/nope", headers={"Accept": "text/html"})
    assert response.status_code == 404
    page = BeautifulSoup(response.text, "html.parser")
    assert "There is no document with the id 'nope'." in one(page, ".error-message").get_text()
    api = seeded_client.get("/api/documents/nope", headers={"Accept": "text/html"})
    assert api.json()["detail"] == "There is no document with the id 'nope'."


def test_user_text_is_escaped_everywhere(seeded_client: TestClient) -> None:
    document = first_document(seeded_client)
    passage = first_paragraph(seeded_client, document["id"])
    seeded_client.post("/api/positions", json={"key": "evil", "name": SCRIPT, "colour": "#123456"})
    seeded_client.post("/api/topics", json={"key": "evil", "name": SCRIPT})
    seeded_client.patch(
        f"/api/documents/{document['id']}", json={"title": SCRIPT, "version": document["version"]}
    )
    hostile_user = {
        "username": "hostile",
        "display_name": SCRIPT,
        "password": "a long enough password",
        "role": "analyst",
    }
    assert seeded_client.post("/api/users", json=hostile_user).status_code == 201
    sign_in_as(seeded_client, None)
    signed_in = seeded_client.post(
        "/login", data={"username": "hostile", "password": "a long enough password"}
    )
    assert signed_in.status_code == 200
    seeded_client.headers["X-CSRF-Token"] = csrf_token_of(signed_in.text)
    # A user an admin adds chooses their own password before anything else.
    own = {
        "current": "a long enough password",
        "new": "my own password",
        "confirm": "my own password",
    }
    assert seeded_client.post("/account/password", data=own).status_code == 200
    created = seeded_client.post(
        "/api/annotations",
        json={
            "passage_id": passage["id"],
            "position_key": "evil",
            "topic_key": "evil",
            "note": SCRIPT,
        },
    )
    assert created.status_code == 201
    for url in (
        "/documents",
        f"/documents/{document['id']}",
        "/positions",
        "/positions/evil",
        f"/passages/{passage['id']}",
    ):
        response = seeded_client.get(url)
        assert response.status_code == 200
        assert SCRIPT not in response.text, url
        assert "&lt;script&gt;" in response.text, url
        page = BeautifulSoup(response.text, "html.parser")
        inline = [s for s in page.find_all("script") if not s.get("src")]
        assert inline == [], f"{url} carries an inline script"


def test_every_answer_carries_the_security_headers(seeded_client: TestClient) -> None:
    from app.security import SECURITY_HEADERS

    for url in ("/documents", "/api/documents", "/docs", "/api/documents/nope", "/static/app.css"):
        response = seeded_client.get(url)
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value, (url, name)
    policy = SECURITY_HEADERS["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy
    docs = BeautifulSoup(seeded_client.get("/docs").text, "html.parser")
    assert all(script.get("src") for script in docs.find_all("script"))


def test_streamed_answers_and_refusals_carry_the_security_headers_too(
    seeded_client: TestClient,
) -> None:
    from app.security import SECURITY_HEADERS

    with seeded_client.stream("GET", "/api/export") as streamed:
        assert streamed.status_code == 200
        assert b"".join(streamed.iter_bytes()).startswith(b"{")
    refused = seeded_client.post("/api/positions", json={}, headers={"Origin": "https://x.test"})
    assert refused.status_code == 403
    for response in (streamed, refused):
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value, (response.url, name)


def test_changes_sent_by_another_site_are_refused(seeded_client: TestClient) -> None:
    document = first_document(seeded_client)
    passage = first_paragraph(seeded_client, document["id"])
    form = {"position_key": "us", "kind": "states"}
    url = f"/passages/{passage['id']}/annotations"
    for headers in (
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://testserver"},
    ):
        refused = seeded_client.post(url, data=form, headers=headers)
        assert refused.status_code == 403, headers
        assert "another site" in refused.json()["detail"]
    export = seeded_client.get("/api/export").content
    imported = seeded_client.post(
        "/api/import",
        files={"file": ("map.json", export, "application/json")},
        headers={"Origin": "https://evil.example"},
    )
    assert imported.status_code == 403
    assert (
        seeded_client.delete("/api/examples", headers={"Sec-Fetch-Site": "cross-site"}).status_code
        == 403
    )
    assert seeded_client.get("/api/annotations").json() == []

    # The app's own pages, and tools that send no browser headers, go through.
    for headers in ({"Sec-Fetch-Site": "same-origin"}, {"Origin": "http://testserver"}, {}):
        assert seeded_client.post(url, data=form, headers=headers).status_code == 200
    assert len(seeded_client.get("/api/annotations").json()) == 3
    # Reading is never refused.
    assert (
        seeded_client.get("/documents", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 200
    )

"""Adding a document through the pages (form, preview, save), its JSON twin and the CLI."""

from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from app.access import CSRF_HEADER
from app.models import Document, Passage
from app.routes import ingest as ingest_routes
from app.services import ingest
from app.services.corpus import text_sha256
from tests.accounts import sign_in_as
from tests.ingest_files import ARTICLE_HTML, WRAPPED_LINES, answer, local_server, make_pdf
from tests.markup import one
from tests.test_cli import argmap

HTML = {"accept": "text/html"}
TEXT = "Talks in Alaska\n\nThe summit ended without a deal.\n\nEurope wants guarantees.\n"


def counts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        documents = session.exec(select(func.count()).select_from(Document)).one()
        passages = session.exec(select(func.count()).select_from(Passage)).one()
    return documents, passages


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def plain_form(client: TestClient) -> str:
    """Act as a browser without htmx: no CSRF header, the token comes from the form's field."""
    return str(client.headers.pop(CSRF_HEADER))


def save_form_fields(html: str) -> dict[str, str]:
    form = soup(html).select_one("form.document-save")
    assert form is not None, "the preview has no save form"
    return {str(i["name"]): str(i.get("value", "")) for i in form.select("input[name]")}


def upload(client: TestClient, name: str, raw: bytes) -> httpx.Response:
    return client.post(
        "/documents/preview",
        data={"source": "upload"},
        files={"file": (name, raw, "application/octet-stream")},
        headers=HTML,
    )


def error_of(html: str) -> str:
    message = soup(html).select_one(".error-message")
    assert message is not None, "no error message on the page"
    return message.get_text()


# --- the pages ----------------------------------------------------------------------------------


def test_the_form_offers_paste_upload_and_url_each_with_the_csrf_token(client: TestClient) -> None:
    token = client.headers[CSRF_HEADER]
    page = client.get("/documents/new", headers=HTML)

    assert page.status_code == 200
    forms = soup(page.text).select('form[action="/documents/preview"]')
    assert [one(f, 'input[name="source"]')["value"] for f in forms] == [
        "paste",
        "upload",
        "url",
    ]
    for form in forms:
        assert one(form, 'input[name="csrf_token"]')["value"] == token
    assert forms[1]["enctype"] == "multipart/form-data"


def test_only_admins_see_the_link_to_add_a_document(client: TestClient) -> None:
    assert soup(client.get("/documents").text).select_one('a[href="/documents/new"]') is not None
    sign_in_as(client, "alice")
    assert soup(client.get("/documents").text).select_one('a[href="/documents/new"]') is None


@pytest.mark.parametrize("user", ["alice", "victor"])
def test_non_admins_may_not_add_documents(client: TestClient, engine: Engine, user: str) -> None:
    sign_in_as(client, user)

    assert client.get("/documents/new").status_code == 403
    assert client.post("/documents/preview", data={"text": TEXT}).status_code == 403
    assert client.post("/documents", data={"text": TEXT}).status_code == 403
    assert client.post("/api/documents/preview", json={"text": TEXT}).status_code == 403
    assert counts(engine) == (0, 0)


def test_paste_preview_then_save_with_corrected_metadata(
    client: TestClient, engine: Engine
) -> None:
    token = plain_form(client)

    preview = client.post(
        "/documents/preview",
        data={"csrf_token": token, "source": "paste", "text": TEXT.replace("\n", "\r\n")},
        headers=HTML,
    )

    assert preview.status_code == 200, preview.text
    page = soup(preview.text)
    assert [li["data-kind"] for li in page.select(".preview-passages li")] == [
        "heading",
        "paragraph",
        "paragraph",
    ]
    assert counts(engine) == (0, 0)
    fields = save_form_fields(preview.text)
    assert fields["csrf_token"] == token
    assert fields["text"] == TEXT
    # A browser sends the text's line breaks as CRLF; the stored text is the previewed one.
    fields.update(
        text=fields["text"].replace("\n", "\r\n"),
        title="Talks in Alaska",
        outlet="The Example Times",
        author="Jane Doe",
        published="2025-08-16",
    )

    saved = client.post("/documents", data=fields, headers=HTML, follow_redirects=False)

    assert saved.status_code == 303
    document_id = saved.headers["location"].removeprefix("/documents/")
    with Session(engine) as session:
        document = session.get(Document, document_id)
        assert document is not None
        assert document.original_text == TEXT
        assert document.sha256 == text_sha256(TEXT)
        assert (document.title, document.outlet, document.author) == (
            "Talks in Alaska",
            "The Example Times",
            "Jane Doe",
        )
        assert str(document.published) == "2025-08-16"
    assert counts(engine) == (1, 3)
    assert "Talks in Alaska" in client.get(saved.headers["location"]).text


def test_a_save_without_the_csrf_token_is_refused(client: TestClient, engine: Engine) -> None:
    plain_form(client)

    refused = client.post("/documents", data={"text": TEXT}, headers=HTML)

    assert refused.status_code == 403
    assert counts(engine) == (0, 0)


@pytest.mark.parametrize(
    ("name", "raw", "title", "passages"),
    [
        ("notes.txt", TEXT.encode(), "", 3),
        (
            "talks.md",
            b"# Talks in Alaska\n\nThe summit ended.\n\nMore to come.\n",
            "Talks in Alaska",
            3,
        ),
        ("article.html", ARTICLE_HTML.encode(), "Summit ends without a deal", 3),
        ("report.pdf", make_pdf([WRAPPED_LINES], title="Talks report"), "Talks report", 2),
    ],
)
def test_each_kind_of_file_is_previewed_with_its_metadata(
    client: TestClient, engine: Engine, name: str, raw: bytes, title: str, passages: int
) -> None:
    preview = upload(client, name, raw)

    assert preview.status_code == 200, preview.text
    fields = save_form_fields(preview.text)
    assert fields["title"] == title
    assert fields["source_name"] == name
    assert len(soup(preview.text).select(".preview-passages li")) == passages
    assert client.post("/documents", data=fields, follow_redirects=False).status_code == 303
    assert counts(engine) == (1, passages)


@pytest.mark.parametrize(
    ("name", "raw", "status", "message"),
    [
        ("empty.txt", b"", 422, "empty.txt is empty."),
        ("latin.txt", "café".encode("latin-1"), 422, "is not UTF-8 text"),
        ("fake.pdf", b"hello", 415, "does not start with %PDF-"),
        ("binary.html", b"<html>\x00\x00", 415, "holds binary data"),
        ("scan.pdf", make_pdf([[]]), 422, "has no text layer"),
        ("slides.pptx", b"PK", 415, "only these files can be imported"),
        ("big.txt", b"x" * 2000, 413, "the limit is 1,000 bytes"),
    ],
)
def test_a_bad_file_is_refused_with_its_message_and_nothing_stored(
    client: TestClient,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    raw: bytes,
    status: int,
    message: str,
) -> None:
    monkeypatch.setattr(ingest, "MAX_SOURCE_BYTES", 1000)

    refused = upload(client, name, raw)

    assert refused.status_code == status
    assert message in error_of(refused.text)
    assert soup(refused.text).select_one("form.document-save") is None
    assert counts(engine) == (0, 0)


def fetching_from_this_machine(client: TestClient) -> None:
    """Let the app fetch from 127.0.0.1, where the tests serve their pages (off by default)."""
    app: Any = client.app
    app.state.settings.fetch_private_addresses = True


def test_a_private_address_is_refused_by_default(client: TestClient, engine: Engine) -> None:
    routes = {"/article": answer(ARTICLE_HTML.encode(), "text/html; charset=utf-8")}
    with local_server(routes) as base:
        page = client.post(
            "/documents/preview", data={"source": "url", "url": f"{base}/article"}, headers=HTML
        )
        api = client.post("/api/documents/preview", json={"url": f"{base}/article"})

    assert page.status_code == 422
    assert "only public addresses are fetched" in error_of(page.text)
    assert api.status_code == 422
    assert "127.0.0.1" in api.json()["detail"]
    assert counts(engine) == (0, 0)


def test_an_article_is_fetched_from_a_url(client: TestClient, engine: Engine) -> None:
    fetching_from_this_machine(client)
    routes = {"/article": answer(ARTICLE_HTML.encode(), "text/html; charset=utf-8")}
    with local_server(routes) as base:
        preview = client.post(
            "/documents/preview", data={"source": "url", "url": f"{base}/article"}, headers=HTML
        )
        missing = client.post(
            "/documents/preview", data={"source": "url", "url": f"{base}/gone"}, headers=HTML
        )

    assert preview.status_code == 200, preview.text
    fields = save_form_fields(preview.text)
    assert fields["url"] == f"{base}/article"
    assert fields["outlet"] == "The Example Times"
    assert missing.status_code == 422
    assert "answered 404" in error_of(missing.text)
    # The address is kept in the form to correct it.
    assert one(soup(missing.text), 'input[name="url"]')["value"] == f"{base}/gone"
    assert counts(engine) == (0, 0)


def test_a_duplicate_is_refused_with_a_link_in_the_preview_and_on_save(
    client: TestClient, engine: Engine
) -> None:
    first = client.post("/documents/preview", data={"text": TEXT}, headers=HTML)
    fields = save_form_fields(first.text)
    fields["title"] = "The first copy"
    location = client.post("/documents", data=fields, follow_redirects=False).headers["location"]

    again = client.post("/documents/preview", data={"text": TEXT}, headers=HTML)
    saved_again = client.post("/documents", data=fields, headers=HTML)

    for refused in (again, saved_again):
        assert refused.status_code == 409
        link = soup(refused.text).select_one(f'.notice a[href="{location}"]')
        assert link is not None and link.get_text() == "The first copy"
        assert soup(refused.text).select_one("form.document-save") is None
    assert counts(engine) == (1, 3)


def test_hostile_metadata_is_escaped_in_the_preview(client: TestClient) -> None:
    hostile = '"><script>alert(1)</script>'
    markdown = f"# {hostile}\n\n<img src=x onerror=alert(2)> is in the text.\n"

    preview = upload(client, "hostile.md", markdown.encode())

    assert preview.status_code == 200
    assert "<script>alert(1)</script>" not in preview.text
    assert "<img src=x" not in preview.text
    parsed = soup(preview.text)
    assert all("alert" not in (s.string or "") for s in parsed.select("script"))
    assert parsed.select("img") == []
    assert save_form_fields(preview.text)["title"] == hostile
    assert "<img src=x onerror=alert(2)>" in parsed.select(".preview-passages li")[1].get_text()


def test_a_bad_date_on_save_shows_the_preview_again_with_the_reason(
    client: TestClient, engine: Engine
) -> None:
    fields = save_form_fields(client.post("/documents/preview", data={"text": TEXT}).text)
    fields.update(published="16/08/2025", title="Kept")

    refused = client.post("/documents", data=fields, headers=HTML)

    assert refused.status_code == 422
    assert "is not a date as YYYY-MM-DD" in error_of(refused.text)
    assert save_form_fields(refused.text)["title"] == "Kept"
    assert counts(engine) == (0, 0)


def test_a_text_too_long_for_the_save_form_is_previewed_but_sent_to_the_cli(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest_routes, "FORM_FIELD_LIMIT", 50)

    preview = client.post("/documents/preview", data={"text": TEXT}, headers=HTML)

    assert preview.status_code == 413
    assert "add-document" in error_of(preview.text)
    assert soup(preview.text).select_one("form.document-save") is None
    assert len(soup(preview.text).select(".preview-passages li")) == 3


# --- the JSON twin --------------------------------------------------------------------------------


def test_the_api_previews_a_text_and_the_existing_route_saves_it(
    client: TestClient, engine: Engine
) -> None:
    preview = client.post("/api/documents/preview", json={"text": TEXT, "title": "Given"})

    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["metadata"]["title"] == "Given"
    assert body["sha256"] == text_sha256(TEXT)
    assert body["duplicate_of"] is None
    assert [p["kind"] for p in body["passages"]] == ["heading", "paragraph", "paragraph"]
    assert counts(engine) == (0, 0)

    created = client.post("/api/documents", json={"text": body["text"], **body["metadata"]})
    assert created.status_code == 201
    again = client.post("/api/documents/preview", json={"text": TEXT})
    assert again.status_code == 409
    assert again.json()["duplicate_of"] == {
        "id": created.json()["id"],
        "title": "Given",
        "url": f"/documents/{created.json()['id']}",
    }
    assert f"/documents/{created.json()['id']}" in again.json()["detail"]


def test_the_api_previews_an_uploaded_file_and_a_url(client: TestClient) -> None:
    uploaded = client.post(
        "/api/documents/preview",
        files={"file": ("article.html", ARTICLE_HTML.encode(), "text/html")},
        data={"outlet": "Given outlet"},
    )
    fetching_from_this_machine(client)
    with local_server({"/r": answer(make_pdf([WRAPPED_LINES]), "application/pdf")}) as base:
        fetched = client.post("/api/documents/preview", json={"url": f"{base}/r"})

    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["metadata"]["title"] == "Summit ends without a deal"
    assert uploaded.json()["metadata"]["outlet"] == "Given outlet"
    assert fetched.status_code == 200, fetched.text
    assert fetched.json()["metadata"]["url"] == f"{base}/r"
    assert len(fetched.json()["passages"]) == 2


@pytest.mark.parametrize(
    ("request_args", "status", "message"),
    [
        ({"json": {"text": "  "}}, 422, "empty or only whitespace"),
        ({"json": {"text": "a", "url": "http://x"}}, 422, "either `text` or `url`"),
        ({"json": {}}, 422, "either `text` or `url`"),
        ({"json": {"url": "file:///etc/passwd"}}, 422, "only http:// and https://"),
        ({"files": {"file": ("x.pdf", b"nope", "application/pdf")}}, 415, "%PDF-"),
        ({"files": {"other": ("x.txt", b"hi", "text/plain")}}, 422, "multipart field `file`"),
    ],
)
def test_the_api_refuses_bad_input_with_a_sentence(
    client: TestClient, engine: Engine, request_args: dict[str, object], status: int, message: str
) -> None:
    refused = client.post("/api/documents/preview", **request_args)  # type: ignore[arg-type]

    assert refused.status_code == status
    assert message in refused.json()["detail"]
    assert counts(engine) == (0, 0)


# --- the command line -----------------------------------------------------------------------------


def test_the_cli_adds_a_file_and_refuses_it_twice(db_url: str, tmp_path: Path) -> None:
    article = tmp_path / "article.html"
    article.write_text(ARTICLE_HTML, encoding="utf-8")

    added = argmap(db_url, "add-document", str(article), "--published", "2025-08-17")
    again = argmap(db_url, "add-document", str(article))

    assert added.exit_code == 0, added.stderr
    assert added.stdout.startswith("added document ")
    assert added.stdout.strip().endswith("(3 passages)")
    document_id = added.stdout.split()[2]
    assert again.exit_code == 1
    assert "already in the corpus" in again.stderr and document_id in again.stderr
    assert "Traceback" not in again.stderr


def test_the_cli_adds_a_url_with_metadata_given(db_url: str) -> None:
    with local_server({"/notes": answer(TEXT.encode(), "text/plain")}) as base:
        added = argmap(
            db_url, "add-document", f"{base}/notes", "--title", "Notes", "--author", "Ann"
        )

    assert added.exit_code == 0, added.stderr
    assert "(3 passages)" in added.stdout


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (make_pdf([[]]), [], "has no text layer"),
        (b"%PDF-1.7 x", ["--published", "yesterday"], "is not a date as YYYY-MM-DD"),
    ],
)
def test_the_cli_refuses_bad_input_cleanly(
    db_url: str, tmp_path: Path, content: bytes, args: list[str], message: str
) -> None:
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(content)

    refused = argmap(db_url, "add-document", str(scan), *args)

    assert refused.exit_code == 1
    assert message in refused.stderr
    assert "Traceback" not in refused.stderr

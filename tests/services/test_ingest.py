"""Importing articles: reading each kind of source, refusing bad ones, previews and duplicates."""

import time
from datetime import date
from http.server import BaseHTTPRequestHandler

import pytest
from sqlmodel import Session, func, select

from app.models import Document, DocumentCreate, Passage, PassageKind
from app.services import ingest
from app.services.ingest import (
    DuplicateText,
    PrivateAddress,
    SourceKind,
    SourceTooLarge,
    SourceUnreachable,
    UnusableSource,
    WrongSourceType,
)
from app.services.segmentation import join_wrapped_lines, segment_document
from tests.ingest_files import (
    ARTICLE_HTML,
    WRAPPED_LINES,
    answer,
    local_server,
    make_pdf,
    redirect_to,
)


def counts(session: Session) -> tuple[int, int]:
    documents = session.exec(select(func.count()).select_from(Document)).one()
    passages = session.exec(select(func.count()).select_from(Passage)).one()
    return documents, passages


# --- each kind of source ----------------------------------------------------------------------


def test_a_text_file_is_kept_as_it_is_with_lf_line_endings() -> None:
    extracted = ingest.extract_file("note.txt", "\ufeffFirst line.\r\n\r\nSecond, ü.\r\n".encode())

    assert extracted.kind is SourceKind.text
    assert extracted.text == "First line.\n\nSecond, ü.\n"
    assert extracted.source_name == "note.txt"
    assert extracted.title is None


def test_markdown_keeps_its_text_and_its_leading_heading_becomes_the_title() -> None:
    raw = "# Talks in Alaska\n\nThe *summit* ended.\n\n## What next\n\n- a list item\n"

    extracted = ingest.extract_file("talks.md", raw.encode())

    assert extracted.title == "Talks in Alaska"
    assert extracted.text == (
        "Talks in Alaska\n\nThe *summit* ended.\n\nWhat next\n\n- a list item\n"
    )
    kinds = [s.kind for s in segment_document(extracted.text)]
    assert kinds == [
        PassageKind.heading,
        PassageKind.paragraph,
        PassageKind.heading,
        PassageKind.paragraph,
    ]


def test_markdown_headings_inside_code_fences_are_left_alone() -> None:
    raw = "Intro text here.\n\n```\n# not a heading\n```\n"

    extracted = ingest.extract_file("code.md", raw.encode())

    assert extracted.title is None
    assert "# not a heading" in extracted.text


def test_html_gives_the_article_text_and_the_page_metadata_without_the_page_furniture() -> None:
    extracted = ingest.extract_file("article.html", ARTICLE_HTML.encode())

    assert extracted.kind is SourceKind.html
    assert extracted.title == "Summit ends without a deal"
    assert extracted.outlet == "The Example Times"
    assert extracted.author == "Jane Doe"
    assert extracted.published == date(2025, 8, 16)
    assert "three hours on Friday" in extracted.text
    assert "security guarantees" in extracted.text
    for furniture in ("Home", "Sign in", "Cookie settings", "Celebrity gossip", "Most read"):
        assert furniture not in extracted.text
    # One paragraph per block, a blank line between them: the title heading, then two.
    texts = [s.text for s in segment_document(extracted.text)]
    assert texts[0] == "Summit ends without a deal"
    assert len(texts) == 3


def test_html_in_another_declared_charset_is_decoded_with_it() -> None:
    page = ARTICLE_HTML.replace('<meta charset="utf-8">', '<meta charset="windows-1252">')
    page = page.replace("three hours", "three hours – café")

    extracted = ingest.extract_file("article.htm", page.encode("windows-1252"))

    assert "three hours – café" in extracted.text


def test_a_pdf_gives_its_text_with_hard_wrapped_lines_joined_into_paragraphs() -> None:
    raw = make_pdf(
        [WRAPPED_LINES, ["The second page holds one more short paragraph."]],
        title="Talks report",
        author="Ann Analyst",
    )

    extracted = ingest.extract_file("report.pdf", raw)

    assert extracted.kind is SourceKind.pdf
    assert extracted.title == "Talks report"
    assert extracted.author == "Ann Analyst"
    segments = segment_document(extracted.text)
    assert [s.text for s in segments] == [
        join_wrapped_lines("\n".join(WRAPPED_LINES[:3])),
        join_wrapped_lines("\n".join(WRAPPED_LINES[3:])),
        "The second page holds one more short paragraph.",
    ]
    assert all(s.kind is PassageKind.paragraph for s in segments)


def test_pasted_text_loses_the_browsers_crlf() -> None:
    assert ingest.extract_pasted("One.\r\n\r\nTwo.").text == "One.\n\nTwo."


# --- bad sources --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "raw", "error", "message"),
    [
        ("empty.txt", b"", UnusableSource, "empty.txt is empty."),
        ("blank.md", b" \n\t\n", UnusableSource, "blank.md is empty."),
        ("latin.txt", "café".encode("latin-1"), UnusableSource, "is not UTF-8 text"),
        ("fake.pdf", b"<html>not a pdf</html>", WrongSourceType, "does not start with %PDF-"),
        ("binary.html", b"<html>\x00\x01\x02\x03", WrongSourceType, "holds binary data"),
        ("pdf.txt", make_pdf([["hello"]]), WrongSourceType, "holds binary data"),
        ("broken.pdf", b"%PDF-1.7\n garbage", WrongSourceType, "is not a readable PDF"),
        ("scan.pdf", make_pdf([[], []]), UnusableSource, "has no text layer"),
        (
            "page.html",
            b"<html><head><title>T</title></head><body><script>var a;</script></body></html>",
            UnusableSource,
            "no article text was found",
        ),
        ("slides.pptx", b"PK\x03\x04", WrongSourceType, "only these files can be imported"),
        (
            "bad.html",
            b'<meta charset="klingon"><p>\xff\xfe</p>',
            UnusableSource,
            "unknown charset (klingon)",
        ),
    ],
)
def test_a_bad_file_is_refused_with_its_reason(
    name: str, raw: bytes, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as refused:
        ingest.extract_file(name, raw)
    assert message in str(refused.value)


def test_a_file_over_the_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest, "MAX_SOURCE_BYTES", 100)

    with pytest.raises(SourceTooLarge, match="the limit is 100 bytes"):
        ingest.extract_file("big.txt", b"x" * 101)


def test_pasted_whitespace_is_refused() -> None:
    with pytest.raises(UnusableSource, match="empty or only whitespace"):
        ingest.extract_pasted(" \r\n \n")


# --- URLs ---------------------------------------------------------------------------------------


def test_a_url_is_read_as_its_content_type_says_following_redirects() -> None:
    routes = {
        "/old": redirect_to("/article"),
        "/article": answer(ARTICLE_HTML.encode(), "text/html; charset=utf-8"),
        "/notes": answer(b"Plain notes.\n", "text/plain"),
        "/report": answer(make_pdf([WRAPPED_LINES]), "application/pdf"),
    }
    with local_server(routes) as base:
        page = ingest.fetch_url(f"{base}/old", allow_private=True)
        notes = ingest.fetch_url(f"{base}/notes", allow_private=True)
        report = ingest.fetch_url(f"{base}/report", allow_private=True)

    assert page.kind is SourceKind.html
    assert page.title == "Summit ends without a deal"
    assert page.url == f"{base}/article"  # where the redirect led
    assert notes.kind is SourceKind.text and notes.text == "Plain notes.\n"
    assert notes.url == f"{base}/notes"
    assert report.kind is SourceKind.pdf and "Anchorage" in report.text


def test_the_charset_of_the_http_header_decodes_a_text() -> None:
    routes = {"/t": answer("Zürich".encode("latin-1"), "text/plain; charset=iso-8859-1")}
    with local_server(routes) as base:
        assert ingest.fetch_url(f"{base}/t", allow_private=True).text == "Zürich"


def slow_drip(request: BaseHTTPRequestHandler) -> None:
    request.send_response(200)
    request.send_header("Content-Type", "text/plain")
    request.end_headers()
    for _ in range(20):
        request.wfile.write(b"word ")
        request.wfile.flush()
        time.sleep(0.1)


def silent(request: BaseHTTPRequestHandler) -> None:
    time.sleep(3)


def no_length(request: BaseHTTPRequestHandler) -> None:
    request.send_response(200)
    request.send_header("Content-Type", "text/plain")
    request.end_headers()
    request.wfile.write(b"y" * 5000)


@pytest.mark.parametrize(
    ("path", "error", "message"),
    [
        ("/missing", SourceUnreachable, "answered 404 Not Found"),
        ("/gone", SourceUnreachable, "answered 500"),
        ("/image", WrongSourceType, "is image/png; only HTML, plain text, Markdown and PDF"),
        ("/big", SourceTooLarge, "the limit is 1,000 bytes"),
        ("/big-without-length", SourceTooLarge, "over the limit of 1,000 bytes"),
        ("/silent", SourceUnreachable, "did not answer within 1 seconds"),
        ("/drip", SourceUnreachable, "did not answer within 1 seconds"),
        ("/loop", SourceUnreachable, "redirects more than 5 times"),
        ("/ftp", SourceUnreachable, "not http(s)"),
    ],
)
def test_a_url_that_gives_no_usable_text_is_refused(
    path: str, error: type[Exception], message: str
) -> None:
    routes = {
        "/gone": answer(b"oops", "text/plain", status=500),
        "/image": answer(b"\x89PNG", "image/png"),
        "/big": answer(b"x" * 5000, "text/plain"),
        "/big-without-length": no_length,
        "/silent": silent,
        "/drip": slow_drip,
        "/loop": redirect_to("/loop"),
        "/ftp": redirect_to("ftp://127.0.0.1/file.txt"),
    }
    with local_server(routes) as base, pytest.raises(error) as refused:
        ingest.fetch_url(f"{base}{path}", timeout=1, max_bytes=1000, allow_private=True)
    assert message in str(refused.value)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/a.txt", "localhost/a", ""]
)
def test_only_http_addresses_are_fetched(url: str) -> None:
    with pytest.raises(UnusableSource, match="only http:// and https:// addresses work"):
        ingest.fetch_url(url)


def test_an_unreachable_host_is_refused() -> None:
    with local_server({}) as base:
        pass  # the server is gone: its port refuses connections
    with pytest.raises(SourceUnreachable, match="could not be fetched"):
        ingest.fetch_url(f"{base}/article", timeout=2, allow_private=True)


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "[::1]", "10.1.2.3", "192.168.0.7", "169.254.169.254", "0.0.0.0"],
)
def test_addresses_on_this_machine_or_a_private_network_are_not_fetched(host: str) -> None:
    # Refused before any connection is made: nothing needs to listen there.
    with pytest.raises(PrivateAddress, match="only public addresses are fetched"):
        ingest.fetch_url(f"http://{host}:9/admin", timeout=2)


def test_a_redirect_to_a_private_address_is_not_followed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The test server is on 127.0.0.1; it is made to look public, so that the first request
    # goes through and only the redirect to a private address is left to refuse.
    resolve = ingest._addresses_of
    public = "93.184.216.34"
    monkeypatch.setattr(
        ingest, "_addresses_of", lambda host: [public] if host == "127.0.0.1" else resolve(host)
    )
    routes = {"/hop": redirect_to("http://10.0.0.1/secret"), "/t": answer(b"ok", "text/plain")}
    with local_server(routes) as base:
        assert ingest.fetch_url(f"{base}/t", timeout=2).text == "ok"
        with pytest.raises(PrivateAddress, match=r"http://10\.0\.0\.1/secret"):
            ingest.fetch_url(f"{base}/hop", timeout=2)


# --- preview and save -----------------------------------------------------------------------------


def test_preview_stores_nothing_and_save_stores_the_document(session: Session) -> None:
    data = ingest.extract_file("article.html", ARTICLE_HTML.encode()).to_create()

    preview = ingest.preview_document(session, data)

    assert counts(session) == (0, 0)
    assert preview.duplicate_of is None
    assert len(preview.segments) == 3
    document = ingest.save_document(session, data)
    assert document.sha256 == preview.sha256
    assert document.title == "Summit ends without a deal"
    assert counts(session) == (1, 3)


def test_the_same_text_twice_is_a_duplicate_in_the_preview_and_on_save(session: Session) -> None:
    data = DocumentCreate(text="One paragraph.\n\nAnother one.", title="First")
    first = ingest.save_document(session, data)

    preview = ingest.preview_document(session, data.model_copy(update={"title": "Again"}))
    assert preview.duplicate_of is not None and preview.duplicate_of.id == first.id
    with pytest.raises(DuplicateText) as refused:
        ingest.save_document(session, data)
    assert refused.value.document_id == first.id
    assert counts(session) == (1, 2)


def test_metadata_given_overrides_what_the_source_states() -> None:
    extracted = ingest.extract_file("article.html", ARTICLE_HTML.encode())

    changed = ingest.with_metadata(extracted, title="Better title", published=date(2025, 8, 15))

    assert changed.title == "Better title"
    assert changed.published == date(2025, 8, 15)
    assert changed.author == "Jane Doe"

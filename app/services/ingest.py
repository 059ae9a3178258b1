"""Importing an article from any source: pasted text, a file (.txt, .md, .html, .pdf) or a URL.

Each source is turned into plain text plus the metadata it states (`Extracted`); the text is
then previewed as the passages `segment_document` will make of it, and saved through
`corpus.add_document`. Nothing is stored until `save_document`, and a source that cannot give
a usable text raises an `UnusableSource` saying why:

- HTML: the main article text by trafilatura (menus, footers and other page furniture dropped),
  one paragraph per block, with the title, author, site name and date of the page's metadata;
- PDF: the text layer by pypdf, its hard-wrapped lines left as they are: the segmentation joins
  them into paragraphs (see `segmentation.segment_document`);
- Markdown: the text, with the `#` of headings removed so that they become heading passages;
  a leading `# Title` is the title;
- text: as it is.

Line endings are made "\\n" and a byte-order mark is dropped, so the same article pasted,
uploaded or fetched has the same SHA-256 and is recognised as a duplicate.
"""

import codecs
import io
import ipaddress
import re
import socket
import time
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from pathlib import PurePath

import httpx2
import trafilatura
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from sqlmodel import Session, select

from app.models import Document, DocumentCreate
from app.services import corpus
from app.services.corpus import text_sha256
from app.services.errors import Conflict, InvalidInput
from app.services.segmentation import Segment, segment_document

MAX_SOURCE_BYTES = 5 * 1024 * 1024
FETCH_TIMEOUT = 10.0
MAX_REDIRECTS = 5
# As DocumentCreate allows.
MAX_TEXT_CHARS = 2_000_000
# The first bytes are enough to find an HTML page's declared charset or to tell binary data.
_SNIFF_BYTES = 4096

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_ATX_HEADING = re.compile(r"^([ ]{0,3})#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")


class SourceKind(StrEnum):
    text = "text"
    markdown = "markdown"
    html = "html"
    pdf = "pdf"


EXTENSIONS = {
    ".txt": SourceKind.text,
    ".text": SourceKind.text,
    ".md": SourceKind.markdown,
    ".markdown": SourceKind.markdown,
    ".html": SourceKind.html,
    ".htm": SourceKind.html,
    ".pdf": SourceKind.pdf,
}
CONTENT_TYPES = {
    "text/plain": SourceKind.text,
    "text/markdown": SourceKind.markdown,
    "text/x-markdown": SourceKind.markdown,
    "text/html": SourceKind.html,
    "application/xhtml+xml": SourceKind.html,
    "application/pdf": SourceKind.pdf,
}


class UnusableSource(InvalidInput):
    """The source gives no text that could be stored (empty, undecodable, no text layer, …)."""


class SourceTooLarge(UnusableSource):
    """The file or the page is over `MAX_SOURCE_BYTES`, or its text over `MAX_TEXT_CHARS`."""


class WrongSourceType(UnusableSource):
    """The source is not of a type we read, or not the type it claims to be."""


class SourceUnreachable(UnusableSource):
    """The URL could not be fetched: no answer, an error status, a timeout."""


class PrivateAddress(UnusableSource):
    """The URL names (or redirects to) a host on this machine or a private network."""


class DuplicateText(Conflict):
    """The text is in the corpus already, as `document_id`."""

    def __init__(self, document_id: str, title: str | None) -> None:
        named = f'"{title}"' if title else document_id
        super().__init__(f"This text is already in the corpus, as {named}.")
        self.document_id = document_id
        self.title = title


@dataclass(frozen=True)
class Extracted:
    """The text of a source and the metadata it states (None where it states nothing)."""

    text: str
    kind: SourceKind
    source_name: str | None = None
    title: str | None = None
    outlet: str | None = None
    author: str | None = None
    published: date | None = None
    url: str | None = None

    def to_create(self) -> DocumentCreate:
        return DocumentCreate(
            text=self.text,
            source_name=_clip(self.source_name, 200),
            title=_clip(self.title, 500),
            outlet=_clip(self.outlet, 200),
            author=_clip(self.author, 200),
            published=self.published,
            url=_clip(self.url, 2000),
        )


@dataclass(frozen=True)
class Preview:
    """What saving `document` would store: its passages, its hash, and a stored duplicate."""

    document: DocumentCreate
    sha256: str
    segments: list[Segment]
    duplicate_of: Document | None


# --- sources ---------------------------------------------------------------------------------


def normalise_text(text: str) -> str:
    """The text as it is stored: "\\n" line endings, no byte-order mark."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def extract_pasted(text: str) -> Extracted:
    """Pasted text, as it is (browsers send CRLF: it becomes LF)."""
    return Extracted(
        text=_checked_text(normalise_text(text), "The pasted text"), kind=SourceKind.text
    )


def kind_of_file(filename: str) -> SourceKind:
    """The kind of a file, by its extension."""
    kind = EXTENSIONS.get(PurePath(filename).suffix.lower())
    if kind is None:
        accepted = ", ".join(sorted(EXTENSIONS))
        raise WrongSourceType(f"{filename}: only these files can be imported: {accepted}.")
    return kind


def extract_file(filename: str, raw: bytes) -> Extracted:
    """An uploaded or local file, read according to its extension."""
    name = PurePath(filename).name or "the file"
    kind = kind_of_file(name)
    if len(raw) > MAX_SOURCE_BYTES:
        raise SourceTooLarge(
            f"{name} is {_size(len(raw))}; the limit is {_size(MAX_SOURCE_BYTES)}."
        )
    return extract_bytes(raw, kind, label=name, source_name=name)


def extract_bytes(
    raw: bytes,
    kind: SourceKind,
    *,
    label: str,
    source_name: str | None = None,
    charset: str | None = None,
    url: str | None = None,
) -> Extracted:
    """Read `raw` as `kind`; `charset` is the one the sender declared, tried after UTF-8."""
    if not raw.strip():
        raise UnusableSource(f"{label} is empty.")
    if kind is SourceKind.pdf:
        return replace(_extract_pdf(raw, label, source_name), url=url)
    if b"\x00" in raw[:_SNIFF_BYTES] or raw.startswith(b"%PDF-"):
        raise WrongSourceType(f"{label} is not {kind} text: it holds binary data.")
    if kind is SourceKind.html:
        charset = charset or _declared_html_charset(raw)
    text = normalise_text(_decode(raw, label, charset))
    if kind is SourceKind.html:
        return _extract_html(text, label, source_name, url)
    if kind is SourceKind.markdown:
        return _extract_markdown(text, label, source_name, url)
    return Extracted(
        text=_checked_text(text, label), kind=SourceKind.text, source_name=source_name, url=url
    )


def _addresses_of(host: str) -> list[str]:
    """The IP addresses `host` resolves to (none if it does not: the fetch then fails with a
    clear message of its own)."""
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return []
    return [str(address[0]) for *_, address in found]


def _refuse_private_hosts(request: httpx2.Request) -> None:
    """Refuse a request (the first or a redirect) to a host that is not on the public internet.

    Without this, whoever may add documents could make the server fetch its own admin pages,
    a database's HTTP port or a cloud metadata address and show them the answer.
    """
    for address in _addresses_of(request.url.host):
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global:
            raise PrivateAddress(
                f"{request.url} is on this machine or a private network ({ip}); only public "
                "addresses are fetched. Download the page and upload the file instead."
            )


def fetch_url(
    url: str,
    *,
    timeout: float = FETCH_TIMEOUT,
    max_bytes: int = MAX_SOURCE_BYTES,
    allow_private: bool = False,
) -> Extracted:
    """Fetch an http(s) URL (redirects followed) and read it as its content type says.

    The whole fetch, redirects included, must end within `timeout` seconds and the body stay
    within `max_bytes`; otherwise it is refused. So is any address (first or redirected to)
    on this machine or a private network, unless `allow_private` (the command line, run by
    someone on the machine anyway, and tests serving pages on 127.0.0.1).
    """
    url = url.strip()
    if not re.match(r"^https?://[^/\s]+", url, re.IGNORECASE):
        raise UnusableSource(f"{url or 'The address'}: only http:// and https:// addresses work.")
    deadline = time.monotonic() + timeout
    try:
        with (
            httpx2.Client(
                timeout=timeout,
                follow_redirects=True,
                max_redirects=MAX_REDIRECTS,
                event_hooks={"request": [] if allow_private else [_refuse_private_hosts]},
            ) as client,
            client.stream("GET", url, headers={"Accept": ", ".join(CONTENT_TYPES)}) as response,
        ):
            final_url = str(response.url)
            if not response.is_success:
                raise SourceUnreachable(
                    f"{url} answered {response.status_code} {response.reason_phrase}."
                )
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise SourceTooLarge(
                    f"{url} is {_size(int(declared))}; the limit is {_size(max_bytes)}."
                )
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > max_bytes:
                    raise SourceTooLarge(f"{url} is over the limit of {_size(max_bytes)}.")
                if time.monotonic() > deadline:
                    raise httpx2.ReadTimeout("the whole fetch took too long")
            content_type = response.headers.get("content-type", "")
    except httpx2.TimeoutException:
        raise SourceUnreachable(f"{url} did not answer within {timeout:g} seconds.") from None
    except httpx2.TooManyRedirects:
        raise SourceUnreachable(f"{url} redirects more than {MAX_REDIRECTS} times.") from None
    except httpx2.UnsupportedProtocol:
        raise SourceUnreachable(f"{url} redirects to an address that is not http(s).") from None
    except (httpx2.HTTPError, httpx2.InvalidURL) as error:
        raise SourceUnreachable(f"{url} could not be fetched: {error}.") from None

    mime, _, params = content_type.partition(";")
    kind = _kind_of_content(mime.strip().lower(), bytes(body), url)
    charset = _charset_param(params)
    name = PurePath(httpx2.URL(final_url).path).name or None
    return extract_bytes(
        bytes(body), kind, label=url, source_name=name, charset=charset, url=final_url
    )


# --- preview and save ------------------------------------------------------------------------


def find_duplicate(session: Session, text: str) -> Document | None:
    """The stored document with exactly this text, if any."""
    sha256 = text_sha256(text)
    return session.exec(select(Document).where(Document.sha256 == sha256)).first()


def preview_document(session: Session, data: DocumentCreate) -> Preview:
    """The passages `data` would be split into and the stored document it would duplicate."""
    _checked_text(data.text, "The text")
    return Preview(
        document=data,
        sha256=text_sha256(data.text),
        segments=segment_document(data.text),
        duplicate_of=find_duplicate(session, data.text),
    )


def save_document(session: Session, data: DocumentCreate) -> Document:
    """Store the document and its passages; a text already stored raises DuplicateText."""
    _checked_text(data.text, "The text")
    existing = find_duplicate(session, data.text)
    if existing is not None:
        raise DuplicateText(existing.id, existing.title)
    return corpus.add_document(session, data)


def with_metadata(
    extracted: Extracted,
    *,
    title: str | None = None,
    outlet: str | None = None,
    author: str | None = None,
    published: date | None = None,
    url: str | None = None,
) -> Extracted:
    """`extracted` with the metadata that was given (not None) in place of what it stated."""
    return replace(
        extracted,
        title=title or extracted.title,
        outlet=outlet or extracted.outlet,
        author=author or extracted.author,
        published=published or extracted.published,
        url=url or extracted.url,
    )


# --- readers ---------------------------------------------------------------------------------


def _extract_html(text: str, label: str, source_name: str | None, url: str | None) -> Extracted:
    found = trafilatura.bare_extraction(
        text,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        # Only dates the page's metadata states, not ones guessed from the article's text.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    body = getattr(found, "text", None) if found is not None else None
    if not body or not body.strip():
        raise UnusableSource(f"{label}: no article text was found in this HTML page.")
    # trafilatura gives one block (paragraph, heading, list item) per line; a blank line between
    # them keeps each its own passage whatever the line widths.
    paragraphs = [line.strip() for line in normalise_text(body).split("\n") if line.strip()]
    return Extracted(
        text=_checked_text("\n\n".join(paragraphs), label),
        kind=SourceKind.html,
        source_name=source_name,
        title=_blank_to_none(getattr(found, "title", None)),
        outlet=_blank_to_none(getattr(found, "sitename", None)),
        author=_blank_to_none(getattr(found, "author", None)),
        published=_parse_date(getattr(found, "date", None)),
        url=url or _blank_to_none(getattr(found, "url", None)),
    )


def _extract_markdown(text: str, label: str, source_name: str | None, url: str | None) -> Extracted:
    title: str | None = None
    lines = text.split("\n")
    in_fence = False
    for index, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        match = None if in_fence else _ATX_HEADING.match(line)
        if match is None:
            continue
        if title is None and line.lstrip().startswith("# ") and not any(lines[:index]):
            title = match.group(2).strip() or None
        lines[index] = match.group(1) + match.group(2)
    return Extracted(
        text=_checked_text("\n".join(lines), label),
        kind=SourceKind.markdown,
        source_name=source_name,
        title=title,
        url=url,
    )


def _extract_pdf(raw: bytes, label: str, source_name: str | None) -> Extracted:
    if b"%PDF-" not in raw[:1024]:
        raise WrongSourceType(f"{label} is not a PDF (it does not start with %PDF-).")
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnusableSource(f"{label} is encrypted with a password; it cannot be read.")
        pages = [(page.extract_text() or "") for page in reader.pages]
        info = reader.metadata
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise WrongSourceType(f"{label} is not a readable PDF ({error}).") from None
    # Each page's lines stay as pypdf gives them (hard-wrapped); the segmentation joins them.
    text = "\n\n".join(normalise_text(page).strip("\n") for page in pages if page.strip())
    if not text.strip():
        raise UnusableSource(
            f"{label} has no text layer (a scanned document?): run it through OCR first, "
            "or paste its text."
        )
    return Extracted(
        text=_checked_text(text, label),
        kind=SourceKind.pdf,
        source_name=source_name,
        title=_blank_to_none(info.title if info else None),
        author=_blank_to_none(info.author if info else None),
    )


# --- details ---------------------------------------------------------------------------------


def _checked_text(text: str, label: str) -> str:
    if not text.strip():
        raise UnusableSource(f"{label} has no text: it is empty or only whitespace.")
    if len(text) > MAX_TEXT_CHARS:
        raise SourceTooLarge(
            f"{label} has {len(text):,} characters of text; the limit is {MAX_TEXT_CHARS:,}."
        )
    if "\x00" in text:
        raise WrongSourceType(f"{label} holds binary data (NUL characters), not text.")
    return text


def _decode(raw: bytes, label: str, charset: str | None) -> str:
    """UTF-8 (with or without a byte-order mark), else the declared charset, else refused."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if charset:
        try:
            codecs.lookup(charset)
            return raw.decode(charset)
        except LookupError:
            raise UnusableSource(
                f"{label} is not UTF-8 and declares an unknown charset ({charset})."
            ) from None
        except UnicodeDecodeError:
            raise UnusableSource(
                f"{label} is neither UTF-8 nor valid in the charset it declares ({charset})."
            ) from None
    raise UnusableSource(
        f"{label} is not UTF-8 text and declares no other charset; save it as UTF-8 and try again."
    )


def _declared_html_charset(raw: bytes) -> str | None:
    match = _META_CHARSET.search(raw[:_SNIFF_BYTES])
    return match.group(1).decode("ascii") if match else None


def _charset_param(params: str) -> str | None:
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


def _kind_of_content(mime: str, body: bytes, url: str) -> SourceKind:
    kind = CONTENT_TYPES.get(mime)
    if kind is not None:
        return kind
    if mime in ("", "application/octet-stream"):
        # No useful type: the bytes, then the address, decide.
        if body.lstrip().startswith(b"%PDF-"):
            return SourceKind.pdf
        head = body[:_SNIFF_BYTES].lower()
        if b"<html" in head or b"<!doctype html" in head:
            return SourceKind.html
        suffix = EXTENSIONS.get(PurePath(httpx2.URL(url).path).suffix.lower())
        return suffix or SourceKind.text
    raise WrongSourceType(
        f"{url} is {mime}; only HTML, plain text, Markdown and PDF can be imported."
    )


def _parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None


def _clip(value: str | None, limit: int) -> str | None:
    return value[:limit] if value else value


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB" if count >= 1024 * 1024 else f"{count:,} bytes"

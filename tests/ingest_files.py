"""Small source files for the import tests, made on the fly: a real PDF with a text layer (or
none), an HTML page with metadata and page furniture, and a local HTTP server to fetch from."""

import io
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject

# A hard-wrapped text of two paragraphs, as a PDF lays it out: lines of similar width that
# break mid-sentence, the first paragraph ending on a short line.
WRAPPED_LINES = [
    "The negotiators met in Anchorage for three hours on Friday and agreed on",
    "very little beyond a promise to meet again, according to officials who were",
    "briefed on the talks afterwards.",
    "Kyiv was not invited to the summit, and European capitals said that no",
    "agreement about Ukrainian territory could be reached without Ukraine at",
    "the table, whatever the two presidents decided between themselves.",
]

ARTICLE_HTML = """<!doctype html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Summit ends without a deal | The Example Times</title>
<meta property="og:title" content="Summit ends without a deal">
<meta property="og:site_name" content="The Example Times">
<meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2025-08-16T09:30:00Z">
</head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a>
<a href="/login">Sign in</a></nav></header>
<main><article>
<h1>Summit ends without a deal</h1>
<p>The two presidents met in Alaska for nearly three hours on Friday, and both described the
talks as productive, but neither announced a ceasefire or any agreement on territory.</p>
<p>European leaders said afterwards that any settlement must include security guarantees for
Ukraine and that borders cannot be changed by force, a position Kyiv has repeated for months.</p>
</article></main>
<aside class="related"><h3>Most read</h3>
<ul><li><a href="/a">Celebrity gossip roundup</a></li></ul></aside>
<footer><p>Cookie settings</p><p>Navigation footer links</p></footer>
</body></html>
"""


def make_pdf(
    pages: list[list[str]], *, title: str | None = None, author: str | None = None
) -> bytes:
    """A PDF whose pages show `pages`' lines in Helvetica (a page with no lines has no text)."""
    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    for lines in pages:
        page = writer.add_blank_page(612, 792)
        operations = ["BT", "/F1 11 Tf", "14 TL", "72 720 Td"]
        for line in lines:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            operations.append(f"({escaped}) Tj T*")
        operations.append("ET")
        content = StreamObject()
        content.set_data("\n".join(operations).encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(content)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
    metadata = {}
    if title:
        metadata["/Title"] = title
    if author:
        metadata["/Author"] = author
    if metadata:
        writer.add_metadata(metadata)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


Handler = Callable[[BaseHTTPRequestHandler], None]


@contextmanager
def local_server(routes: dict[str, Handler]) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 answering `routes` (path → handler); yields its base URL."""

    class RequestHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            handler = routes.get(self.path)
            if handler is None:
                self.send_error(404, "Not Found")
                return
            handler(self)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def answer(body: bytes, content_type: str, status: int = 200) -> Handler:
    def handler(request: BaseHTTPRequestHandler) -> None:
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    return handler


def redirect_to(location: str) -> Handler:
    def handler(request: BaseHTTPRequestHandler) -> None:
        request.send_response(302)
        request.send_header("Location", location)
        request.send_header("Content-Length", "0")
        request.end_headers()

    return handler

"""The static files (scripts, styles, vendored libraries): compressed, and cached for as long as
their content cannot change.

- A text file (script, style sheet, SVG, JSON) goes out gzip-compressed to a browser that
  accepts it: the graph page's libraries are about 480 KB as they are and a third of that
  compressed. Each file is compressed once per process and version of the file (its size and
  modification time), then kept in memory: the directory holds about 1.5 MB of text.
- A file asked for under a versioned URL, `static_url()`'s `?v=<hash of its content>` or a
  name carrying its release (`htmx-2.0.11.min.js`), never changes under that URL: the browser
  may keep it a year without asking again. Any other URL is revalidated on every use
  (`no-cache`, answered 304 by its ETag while the file is unchanged).
"""

import gzip
import hashlib
import os
import re
from functools import lru_cache
from pathlib import Path

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.staticfiles import NotModifiedResponse, PathLike, StaticFiles
from starlette.types import Scope

COMPRESSED_TYPES = (".js", ".css", ".svg", ".json", ".html", ".map", ".txt")
# Below this size compressing saves less than the header costs.
MIN_COMPRESSED_BYTES = 1024
FOR_A_YEAR = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# A release number in a file's or a folder's name: `cytoscape-3.34.4.min.js`.
RELEASED = re.compile(r"-\d+\.\d+\.\d+(?:[./]|$)")


@lru_cache(maxsize=256)
def _gzipped(path: str, size: int, mtime_ns: int) -> bytes:
    """The file compressed (cached per version of the file, so an edited file is read again)."""
    del size, mtime_ns  # the cache key only
    return gzip.compress(Path(path).read_bytes(), compresslevel=9, mtime=0)


@lru_cache(maxsize=256)
def _content_hash(path: str, size: int, mtime_ns: int) -> str:
    del size, mtime_ns
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def static_url(directory: Path, name: str) -> str:
    """The URL of the static file `name`, versioned by its content: `/static/app.js?v=…`."""
    path = directory / name
    stat = path.stat()
    return f"/static/{name}?v={_content_hash(str(path), stat.st_size, stat.st_mtime_ns)}"


def _accepts_gzip(headers: Headers) -> bool:
    for coding in headers.get("accept-encoding", "").split(","):
        name, _, parameters = coding.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            return parameters.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


class CompressedStaticFiles(StaticFiles):
    """Starlette's static files (a plain ASGI app), compressed and with cache headers."""

    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        versioned = b"v=" in scope.get("query_string", b"") or bool(RELEASED.search(str(full_path)))
        response.headers["cache-control"] = FOR_A_YEAR if versioned else REVALIDATE
        path = str(full_path)
        if not path.endswith(COMPRESSED_TYPES) or stat_result.st_size < MIN_COMPRESSED_BYTES:
            return response
        response.headers["vary"] = "Accept-Encoding"
        if isinstance(response, NotModifiedResponse) or status_code != 200:
            return response
        if not _accepts_gzip(Headers(scope=scope)):
            return response
        body = _gzipped(path, stat_result.st_size, stat_result.st_mtime_ns)
        headers = {
            name: value
            for name, value in response.headers.items()
            if name not in ("content-length", "etag")
        }
        # The same ETag as the plain file's, weak: it names the content, not its encoding.
        headers["etag"] = "W/" + response.headers["etag"]
        headers["content-encoding"] = "gzip"
        return Response(body, status_code=status_code, headers=headers)

"""What keeps other sites out: a strict Content-Security-Policy (only this app's scripts and
styles; no inline script, no eval, no framing), the usual hardening headers, and the refusal of
state-changing requests that another site makes a browser send."""

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

# Style attributes stay allowed: the templates colour chips and cells with `style="--c: …"`,
# which cannot run code. Scripts and <style> elements must come from this app's own files.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def install_security_headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def add_security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CROSS_SITE_REFUSAL = (
    "Refused: this request to change the map came from another site. Changes can only be "
    "made from this app's own pages or from tools that do not run in a browser."
)


def is_cross_site(request: Request) -> bool:
    """Whether a browser says this request was sent by another site.

    Browsers label every request with Sec-Fetch-Site, and send Origin with every POST, PUT,
    PATCH and DELETE; tools like curl or the CLI send neither, and are let through.
    """
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return False
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1].rstrip("/") != host


def install_cross_site_refusal(app: FastAPI) -> None:
    """Refuse state-changing requests that another site makes a browser send (CSRF): a page
    elsewhere must not be able to tag, import or delete on an analyst's instance."""

    @app.middleware("http")
    async def refuse_cross_site_changes(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.method not in SAFE_METHODS and is_cross_site(request):
            return JSONResponse({"detail": CROSS_SITE_REFUSAL}, status_code=403)
        return await call_next(request)

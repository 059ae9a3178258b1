"""What keeps other sites out: a strict Content-Security-Policy (only this app's scripts and
styles; no inline script, no eval, no framing), the usual hardening headers, and the refusal of
state-changing requests that another site makes a browser send."""

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class SecurityHeaders:
    """Add the security headers to every HTTP answer that does not set them itself.

    A plain ASGI middleware: it only changes the start of the answer, so a streamed body passes
    through untouched, chunk by chunk."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CROSS_SITE_REFUSAL = (
    "Refused: this request to change the map came from another site. Changes can only be "
    "made from this app's own pages or from tools that do not run in a browser."
)


def is_cross_site(headers: Headers) -> bool:
    """Whether a browser says the request with these headers was sent by another site.

    Browsers label every request with Sec-Fetch-Site, and send Origin with every POST, PUT,
    PATCH and DELETE; tools like curl or the CLI send neither, and are let through.
    """
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none")
    origin = headers.get("origin")
    if origin is None:
        return False
    host = headers.get("host", "")
    return origin.split("://", 1)[-1].rstrip("/") != host


class CrossSiteRefusal:
    """Refuse state-changing requests that another site makes a browser send (CSRF): a page
    elsewhere must not be able to tag, import or delete on an analyst's instance."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] not in SAFE_METHODS
            and is_cross_site(Headers(scope=scope))
        ):
            refusal = JSONResponse({"detail": CROSS_SITE_REFUSAL}, status_code=403)
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)


def install_security(app: FastAPI) -> None:
    """Add both middlewares; the headers go outermost, so the refusal carries them too."""
    app.add_middleware(CrossSiteRefusal)
    app.add_middleware(SecurityHeaders)

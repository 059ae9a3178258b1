"""Turn domain errors and bad input into clear 4xx answers: JSON for the API, HTML for pages."""

import re
from functools import lru_cache
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.exc import DataError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.services.errors import (
    Conflict,
    DatabaseBusy,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    VersionConflict,
)
from app.templating import is_fragment_request, render, templates

# The first class an error is an instance of decides (DatabaseBusy is also a Conflict).
STATUS_FOR = {
    DatabaseBusy: 503,
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 422,
    Forbidden: 403,
}
# A busy database frees up within seconds (a write, an import's last step).
BUSY_RETRY_AFTER = "5"

# Two edits of one item at the same moment: both passed the version check, the database let
# only the first write through (see app/services/versions.py).
RACE_MESSAGE = (
    "Someone else saved a change to this item at the same moment, so yours was not saved. "
    "Reload it to see their change, then make yours again."
)


class NotSignedIn(Exception):
    """The route needs a signed-in user and there is none (or the credentials are wrong)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AccessDenied(Exception):
    """Signed in, but the role, the CSRF token or a pending password change stops the request."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def wants_html(request: Request) -> bool:
    """A browser navigating to a page (not the API, not an htmx call) gets an HTML error page."""
    if request.url.path.startswith("/api") or request.headers.get("HX-Request"):
        return False
    return "text/html" in request.headers.get("accept", "")


def error_response(request: Request, status: int, message: str) -> Response:
    if wants_html(request):
        return templates.TemplateResponse(
            request, "error.html", {"status": status, "message": message}, status_code=status
        )
    return JSONResponse({"detail": message}, status_code=status)


def version_conflict_json(conflict: VersionConflict) -> JSONResponse:
    """409 with the item as it is now, so that an API client can merge and retry."""
    body = {
        "detail": conflict.message,
        "current": jsonable_encoder(conflict.current),
        "your_version": conflict.your_version,
    }
    return JSONResponse(body, status_code=409)


# htmx puts the conflict panel into base.html's #conflict; app.js lets this one 409 be swapped.
CONFLICT_PANEL_HEADERS = {
    "HX-Retarget": "#conflict",
    "HX-Reswap": "innerHTML",
    "X-Conflict": "version",
}


def version_conflict_response(request: Request, context: dict[str, Any]) -> HTMLResponse:
    """409 for a page's edit refused by a VersionConflict: the editor's version beside the
    stored one (`context`, see `_conflict.html`), as the panel for htmx or a whole page."""
    if is_fragment_request(request):
        return render(
            request,
            "_conflict.html",
            {**context, "as_page": False},
            status_code=409,
            headers=CONFLICT_PANEL_HEADERS,
        )
    return render(request, "conflict.html", {**context, "as_page": True}, status_code=409)


def describe_validation_errors(exc: RequestValidationError) -> str:
    """One readable line per problem, e.g. `body.kind: Input should be 'states', …`."""
    lines = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()))
        lines.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(lines) or "invalid request"


# What a refused value is shown as, at most: a 100 KB field must not come back as 100 KB.
MAX_ECHOED = 80


def _echoed(value: Any) -> Any:
    """A refused input as the answer shows it: short strings as they are, a long one cut."""
    if isinstance(value, str):
        return (
            value
            if len(value) <= MAX_ECHOED
            else f"{value[:MAX_ECHOED]}… ({len(value):,} characters)"
        )
    if isinstance(value, int | float | bool) or value is None:
        return value
    shown = repr(value)
    return value if len(shown) <= MAX_ECHOED else f"{shown[:MAX_ECHOED]}…"


def validation_problems(exc: RequestValidationError) -> list[dict[str, Any]]:
    """FastAPI's list of problems, with each refused input shortened."""
    problems = []
    for error in exc.errors():
        problem = {key: error[key] for key in ("loc", "msg", "type") if key in error}
        if "input" in error:
            problem["input"] = _echoed(error["input"])
        if "ctx" in error:
            problem["ctx"] = {key: _echoed(value) for key, value in error["ctx"].items()}
        problems.append(problem)
    return problems


NUL_REFUSED = (
    "The request holds a NUL character (U+0000), which cannot be stored or searched for; "
    "nothing was changed."
)

# FastAPI's answer to a body it cannot decode (not UTF-8, a broken multipart form).
UNPARSABLE_BODY = "There was an error parsing the body"
UNPARSABLE_BODY_MESSAGE = (
    "body: the request body could not be read: send JSON encoded as UTF-8 (or, where a form "
    "is expected, a well-formed form)."
)


HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


@lru_cache(maxsize=256)
def _template_pattern(template: str) -> re.Pattern[str]:
    """`/api/claims/{claim_id}` as a pattern of the paths it stands for."""
    parts = re.split(r"\{[^}]+\}", template)
    return re.compile("[^/]+".join(re.escape(part) for part in parts))


def allowed_methods(request: Request) -> list[str] | None:
    """The methods the API description documents for this request's path (None if the path
    is not in it), for the Allow header of a 405.

    Starlette names only the methods of the first route that matched the path, but each
    method of a path is a route of its own here. Among documented paths that match
    (`/api/history/{item_type}/{item_id}` also matches `/api/history/5/restore`), the one
    with the fewest parameters is the path the client meant.
    """
    paths: dict[str, dict[str, Any]] = request.app.openapi().get("paths", {})
    matching = [
        template
        for template in paths
        if _template_pattern(template).fullmatch(request.url.path) is not None
    ]
    if not matching:
        return None
    best = min(matching, key=lambda template: template.count("{"))
    return sorted(method.upper() for method in paths[best] if method in HTTP_METHODS)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if isinstance(exc, VersionConflict) and not wants_html(request):
            return version_conflict_json(exc)
        status = next((code for cls, code in STATUS_FOR.items() if isinstance(exc, cls)), 400)
        response = error_response(request, status, exc.message)
        if isinstance(exc, DatabaseBusy):
            response.headers["Retry-After"] = BUSY_RETRY_AFTER
        return response

    @app.exception_handler(DataError)
    async def unstorable_data(request: Request, exc: DataError) -> Response:
        # PostgreSQL takes no NUL character in text, not even to look something up with; the
        # text fields people type drop it, and an id or filter holding one is refused here.
        if "NUL" not in str(exc.orig):
            raise exc
        return error_response(request, 422, NUL_REFUSED)

    @app.exception_handler(StaleDataError)
    async def stale_data(request: Request, exc: StaleDataError) -> Response:
        return error_response(request, 409, RACE_MESSAGE)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith("/api"):
            # Keep FastAPI's structured list for API clients, with a sentence in front.
            return JSONResponse(
                {
                    "detail": jsonable_encoder(validation_problems(exc)),
                    "message": describe_validation_errors(exc),
                },
                status_code=422,
            )
        return error_response(request, 422, describe_validation_errors(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 400:
            # Only FastAPI and Starlette answer 400 here, for a body they cannot read (not
            # UTF-8, a broken multipart form): refused input like any other.
            message = UNPARSABLE_BODY_MESSAGE
            if exc.detail != UNPARSABLE_BODY:
                message = f"{message[:-1]} ({exc.detail})."
            problem = {"loc": ["body"], "msg": message, "type": "body_unreadable"}
            if request.url.path.startswith("/api"):
                return JSONResponse({"detail": [problem], "message": message}, status_code=422)
            return error_response(request, 422, message)
        response = error_response(request, exc.status_code, str(exc.detail))
        if exc.headers:
            response.headers.update(exc.headers)
        if exc.status_code == 405:
            allowed = allowed_methods(request)
            if allowed is not None:
                response.headers["Allow"] = ", ".join(allowed)
        return response

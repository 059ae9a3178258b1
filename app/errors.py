"""Turn domain errors and bad input into clear 4xx answers: JSON for the API, HTML for pages."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.services.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    VersionConflict,
)
from app.templating import is_fragment_request, render, templates

STATUS_FOR = {NotFound: 404, Conflict: 409, InvalidInput: 422, Forbidden: 403}

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


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if isinstance(exc, VersionConflict) and not wants_html(request):
            return version_conflict_json(exc)
        status = next((code for cls, code in STATUS_FOR.items() if isinstance(exc, cls)), 400)
        return error_response(request, status, exc.message)

    @app.exception_handler(StaleDataError)
    async def stale_data(request: Request, exc: StaleDataError) -> Response:
        return error_response(request, 409, RACE_MESSAGE)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith("/api"):
            # Keep FastAPI's structured list for API clients, with a sentence in front.
            return JSONResponse(
                {
                    "detail": jsonable_encoder(exc.errors()),
                    "message": describe_validation_errors(exc),
                },
                status_code=422,
            )
        return error_response(request, 422, describe_validation_errors(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        response = error_response(request, exc.status_code, str(exc.detail))
        if exc.headers:
            response.headers.update(exc.headers)
        return response

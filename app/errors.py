"""Turn domain errors and bad input into clear 4xx answers: JSON for the API, HTML for pages."""

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.services.errors import Conflict, DomainError, InvalidInput, NotFound
from app.templating import templates

STATUS_FOR = {NotFound: 404, Conflict: 409, InvalidInput: 422}


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
        status = next((code for cls, code in STATUS_FOR.items() if isinstance(exc, cls)), 400)
        return error_response(request, status, exc.message)

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

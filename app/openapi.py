"""The API's description, completed so that it tells a generated client every answer it can get.

FastAPI describes each route's success and the 422 of its own validation. The errors that the
services and the access rules raise (app/errors.py, app/access.py) can come from any route, in
three shapes; this module adds them to every operation of the JSON API, once, where the schema
is built, instead of route by route where they would drift.
"""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.access import CSRF_HEADER

ERROR = "Error"
VALIDATION_ERROR = "ValidationError"
REFUSED_INPUT = "RefusedInput"
CONFLICT = "Conflict"


def _ref(schema: str) -> str:
    return f"#/components/schemas/{schema}"


SCHEMAS: dict[str, dict[str, Any]] = {
    ERROR: {
        "title": ERROR,
        "type": "object",
        "description": "A refusal, with the reason in a sentence for a person.",
        "required": ["detail"],
        "properties": {"detail": {"type": "string"}},
    },
    VALIDATION_ERROR: {
        "title": VALIDATION_ERROR,
        "type": "object",
        "description": "One problem with the request: where (`loc`), what (`msg`, `type`).",
        "required": ["loc", "msg", "type"],
        "properties": {
            "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
            "msg": {"type": "string"},
            "type": {"type": "string"},
        },
    },
    REFUSED_INPUT: {
        "title": REFUSED_INPUT,
        "type": "object",
        "description": (
            "The input was refused and nothing was changed. When the request's shape is wrong, "
            "`detail` lists each problem and `message` says them in one line; when the input "
            "is well formed but breaks a rule of the map, `detail` is that sentence."
        ),
        "required": ["detail"],
        "properties": {
            "detail": {
                "anyOf": [
                    {"type": "string"},
                    {
                        "type": "array",
                        "items": {"$ref": f"#/components/schemas/{VALIDATION_ERROR}"},
                    },
                ]
            },
            "message": {"type": "string"},
        },
    },
    CONFLICT: {
        "title": CONFLICT,
        "type": "object",
        "description": (
            "It clashes with what is stored, and nothing was saved. When the clash is a newer "
            "version of the item, `current` is the item as it is now and `your_version` the "
            "version the refused change was based on."
        ),
        "required": ["detail"],
        "properties": {
            "detail": {"type": "string"},
            "current": {"type": "object"},
            "your_version": {"type": "integer"},
        },
    },
}

# The errors any operation of the API can answer, and when.
COMMON_ERRORS: dict[str, tuple[str, str]] = {
    "401": ("Not signed in, or the token or session is unknown, revoked or expired.", ERROR),
    "403": (
        f"Signed in, but the role does not allow it (or a browser request lacks {CSRF_HEADER}).",
        ERROR,
    ),
    "404": ("Something the request names does not exist; the message says which.", ERROR),
    "422": ("The input was refused; the message says where and why.", REFUSED_INPUT),
}
CHANGE_ERRORS: dict[str, tuple[str, str]] = {
    "409": ("It clashes with what is stored; the message says how.", CONFLICT),
    "503": (
        "The database stayed locked by another writer (a long import) past the wait; nothing "
        "was changed. Try again after `Retry-After` seconds.",
        ERROR,
    ),
}
CHANGING_METHODS = frozenset({"post", "put", "patch", "delete"})


def _error_response(description: str, schema: str, given: dict[str, Any] | None) -> dict[str, Any]:
    """The route's own description if it has one, with the shape the error really has."""
    return {
        "description": (given or {}).get("description", description),
        "content": {"application/json": {"schema": {"$ref": _ref(schema)}}},
    }


def complete_operation(method: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    errors = COMMON_ERRORS | (CHANGE_ERRORS if method in CHANGING_METHODS else {})
    for status, (description, schema) in errors.items():
        responses[status] = _error_response(description, schema, responses.get(status))
    # Errors a route declares beyond these (413 for a large import, …) are plain refusals.
    for status, response in list(responses.items()):
        if status.startswith("4") and status not in errors:
            responses[status] = _error_response(response.get("description", ""), ERROR, response)


def describe_api(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document of `app`, with every operation's errors (built once, then kept)."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(SCHEMAS)
    # FastAPI's own 422 shape is replaced by ours everywhere.
    components.pop("HTTPValidationError", None)
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith("/api"):
            continue
        for method, operation in operations.items():
            complete_operation(method, operation)
    app.openapi_schema = schema
    return schema

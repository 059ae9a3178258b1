"""Jinja2 set-up, and the rule for answering htmx with a fragment and browsers with a page."""

import secrets
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.models import Role

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
HTMX_VERSION = "2.0.11"

templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.globals["htmx_version"] = HTMX_VERSION
# Markup rendered once for many passages holds this where each passage's id goes (see
# _tagbar.html). Random per process, so no text a user typed can contain it.
PASSAGE_ID_STAND_IN = f"passage-{secrets.token_hex(12)}"
templates.env.globals["PASSAGE_ID_STAND_IN"] = PASSAGE_ID_STAND_IN


def format_when(value: datetime | date | None) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


templates.env.filters["when"] = format_when


def current_identity(request: Request) -> Any:
    """Who is signed in (set by app.access.authorize; absent on pages it did not see)."""
    return getattr(request.state, "identity", None)


def may(request: Request, role: str) -> bool:
    """Whether the signed-in user has `role` or a higher one (controls they cannot use are
    left out of the page; the routes refuse them anyway)."""
    identity = current_identity(request)
    return bool(identity is not None and identity.may(Role(role)))


templates.env.globals["current_identity"] = current_identity
templates.env.globals["may"] = may


def is_fragment_request(request: Request) -> bool:
    """htmx asked for a piece of a page (boosted navigation still wants the whole page)."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get("HX-Boosted")


def render(
    request: Request,
    page: str,
    context: dict[str, Any],
    fragment: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render `fragment` for an htmx request when one is given, else the full `page`."""
    name = fragment if fragment and is_fragment_request(request) else page
    return templates.TemplateResponse(
        request, name, context, status_code=status_code, headers=headers
    )

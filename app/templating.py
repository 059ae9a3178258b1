"""Jinja2 set-up, and the rule for answering htmx with a fragment and browsers with a page."""

import re
import secrets
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from app.models import Role
from app.services.documents import passage_citation
from app.static_files import static_url

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
HTMX_VERSION = "2.0.11"

# Characters that would act on the page instead of showing: the C0 controls but tab, line feed
# and carriage return (NUL, ESC…), DEL, the C1 controls, and the bidirectional embeddings,
# overrides and isolates (U+202E RIGHT-TO-LEFT OVERRIDE reverses the text after it).
INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Each becomes one visible character, so that offsets in what is shown stay offsets in the
# text (app.js measures a selected span in the page): its Unicode control picture (␀, ␛, ␡)
# where there is one, else U+FFFD.
CONTROL_PICTURES = {
    code: 0x2400 + code if code < 0x20 else 0x2421 if code == 0x7F else 0xFFFD
    for code in [*range(0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
    if chr(code) not in "\t\n\r"
}


def show_controls(text: str) -> str:
    """`text` with each control or bidi override character replaced by a visible symbol."""
    if INVISIBLE.search(text) is None:
        return text
    return text.translate(CONTROL_PICTURES)


class Verbatim(Markup):
    """Escaped text that keeps its control characters: see `verbatim`."""


def verbatim(value: Any) -> Verbatim:
    """For a form field that sends a document's text back (to be saved or replaced): it must
    arrive exactly as it is, so its control characters are not swapped for symbols."""
    return Verbatim(escape(value))


def finalize(value: Any) -> Any:
    """Applied to every `{{ … }}` of every template: whatever the text, the page shows its
    control characters instead of letting them act.

    Markup (Verbatim included) is left as it is: a template's markup (a macro, a `set` block)
    is made of outputs that came through here already, and scanning it again would cost the
    document page a tenth of its time; markup made in Python calls `show_controls` itself.
    """
    if type(value) is str and not value.isprintable() and INVISIBLE.search(value):
        return value.translate(CONTROL_PICTURES)
    return value


templates = Jinja2Templates(directory=TEMPLATES_DIR)
# Set before any template is compiled: the compiled code calls it for each output.
templates.env.finalize = finalize
templates.env.filters["verbatim"] = verbatim
templates.env.globals["htmx_version"] = HTMX_VERSION


@pass_context
def static(context: Context, name: str) -> str:
    """A static file's URL, versioned by its content, so browsers may keep it (see
    app/static_files.py)."""
    return static_url(context["request"].app.state.settings.static_dir, name)


templates.env.globals["static"] = static
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
# Every citation of a passage reads the same: "Reuters, 16 Aug 2025, ¶4".
templates.env.globals["citation"] = passage_citation


def current_identity(request: Request) -> Any:
    """Who is signed in (set by app.access.authorize; absent on pages it did not see)."""
    return getattr(request.state, "identity", None)


def may(request: Request, role: str) -> bool:
    """Whether the signed-in user has `role` or a higher one (controls they cannot use are
    left out of the page; the routes refuse them anyway)."""
    identity = current_identity(request)
    return bool(identity is not None and identity.may(Role(role)))


def may_change(request: Request, owner: str | None) -> bool:
    """Whether the signed-in user may change or delete the work `owner` made (a tag's edit
    and remove controls are left out otherwise: the change would be refused)."""
    identity = current_identity(request)
    return bool(identity is not None and identity.may_change_work_of(owner))


templates.env.globals["current_identity"] = current_identity
templates.env.globals["may_change"] = may_change
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

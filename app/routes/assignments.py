"""Independent coding: the assignments page (documents given to analysts, their progress, the
team's setting), the document page's "Mark done", and their JSON twins under /api."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from app.deps import AnalystDep, CurrentUserDep, SessionDep, get_current_user
from app.models import User
from app.presenters.assignments import (
    AssignmentCreate,
    AssignmentPublic,
    ProgressPublic,
    TeamSettingsPublic,
    assignment_answer,
    assignment_public,
    assignments_context,
    coding_banner,
    progress_public,
)
from app.routes.responses import CONFLICT, INVALID, NOT_FOUND, no_content
from app.services import assignments
from app.services.errors import DomainError
from app.templating import is_fragment_request, render

router = APIRouter()

PAGE = "assignments.html"
PANEL = "_assignment_panel.html"
# The page is open to visitors when reading without signing in is allowed.
ReaderDep = Annotated[User | None, Depends(get_current_user)]
FORM_REFUSED = {"X-Form-Errors": "true"}
FORBIDDEN: dict[int | str, dict[str, object]] = {
    403: {"description": "Only the coder may mark their assignment done."}
}

DocumentFilter = Annotated[
    str | None, Query(alias="document", max_length=64, description="Only this document's.")
]
AnalystFilter = Annotated[
    str | None, Query(max_length=40, description="Only this analyst's (a username).")
]


# --- the page ------------------------------------------------------------------------------


def _panel(
    request: Request, session: SessionDep, user: CurrentUserDep, error: str | None = None
) -> Response:
    """The page (or, for htmx, its panel) after a change; a refused change says why."""
    if error is None and not is_fragment_request(request):
        return RedirectResponse("/assignments", status_code=303)
    context = assignments_context(session, user, form_error=error)
    status, headers = (200, None) if error is None else (422, FORM_REFUSED)
    return render(request, PAGE, context, fragment=PANEL, status_code=status, headers=headers)


def _panel_after(
    request: Request, session: SessionDep, user: CurrentUserDep, change: Callable[[], object]
) -> Response:
    """The panel after `change`; a refused change is said in place, and nothing is changed."""
    try:
        change()
    except DomainError as refused:
        return _panel(request, session, user, refused.message)
    return _panel(request, session, user)


@router.get("/assignments", response_class=HTMLResponse, include_in_schema=False)
def assignments_page(request: Request, session: SessionDep, user: ReaderDep) -> Response:
    return render(request, PAGE, assignments_context(session, user), fragment=PANEL)


@router.post("/assignments", include_in_schema=False)
def assign_page(
    request: Request,
    session: SessionDep,
    user: CurrentUserDep,
    document_id: Annotated[str, Form(max_length=64)] = "",
    analysts: Annotated[list[str] | None, Form(max_length=assignments.MAX_CODERS_AT_ONCE)] = None,
) -> Response:
    return _panel_after(
        request,
        session,
        user,
        lambda: assignments.assign(session, document_id, analysts or [], by=user.username),
    )


@router.post("/assignments/{assignment_id}/remove", include_in_schema=False)
def unassign_page(
    request: Request, session: SessionDep, user: CurrentUserDep, assignment_id: str
) -> Response:
    return _panel_after(
        request, session, user, lambda: assignments.unassign(session, assignment_id)
    )


@router.post("/assignments/{assignment_id}/done", include_in_schema=False)
def mark_done_page(
    request: Request, session: SessionDep, user: CurrentUserDep, assignment_id: str
) -> Response:
    return _panel_after(
        request,
        session,
        user,
        lambda: assignments.mark_done(session, assignment_id, coder=user.username),
    )


@router.post("/assignments/{assignment_id}/reopen", include_in_schema=False)
def reopen_page(
    request: Request, session: SessionDep, user: CurrentUserDep, assignment_id: str
) -> Response:
    return _panel_after(request, session, user, lambda: assignments.reopen(session, assignment_id))


@router.post("/team-settings", include_in_schema=False)
def team_settings_page(
    request: Request,
    session: SessionDep,
    user: CurrentUserDep,
    show_others_when_done: Annotated[bool, Form()] = False,
) -> Response:
    assignments.set_show_others_when_done(session, show_others_when_done, by=user.username)
    return _panel(request, session, user)


@router.post(
    "/documents/{document_id}/coding/done", response_class=HTMLResponse, include_in_schema=False
)
def mark_document_done(
    request: Request, session: SessionDep, analyst: AnalystDep, document_id: str
) -> Response:
    """The coding banner's "Mark done": the reader's own assignment on this document. When the
    team lets them see the others' tags now, the whole page is reloaded to show them."""
    assignments.mark_own_done(session, document_id, coder=analyst)
    coding = coding_banner(session, document_id, analyst)
    if not is_fragment_request(request):
        return RedirectResponse(f"/documents/{document_id}", status_code=303)
    headers = {"HX-Refresh": "true"} if coding and coding["reveals"] else None
    return render(request, "_coding_banner.html", {"coding": coding}, headers=headers)


# --- the JSON twins ------------------------------------------------------------------------


@router.get("/api/assignments", tags=["coding"])
def list_assignments(
    session: SessionDep, analyst: AnalystFilter = None, document: DocumentFilter = None
) -> list[AssignmentPublic]:
    """The documents given to analysts to code independently, each with how far its coder got."""
    return [
        assignment_public(row)
        for row in assignments.coder_rows(session, analyst=analyst, document_id=document)
    ]


@router.post(
    "/api/assignments", status_code=201, tags=["coding"], responses=NOT_FOUND | INVALID | CONFLICT
)
def create_assignment(
    session: SessionDep, user: CurrentUserDep, data: AssignmentCreate
) -> AssignmentPublic:
    """Give a document to an analyst (an enabled analyst or admin) to code independently:
    until they mark it done they see only their own tags on it. 409 if they already code it."""
    [made] = assignments.assign(session, data.document_id, [data.analyst], by=user.username)
    return assignment_answer(session, made)


@router.delete(
    "/api/assignments/{assignment_id}", status_code=204, tags=["coding"], responses=NOT_FOUND
)
def delete_assignment(session: SessionDep, assignment_id: str) -> Response:
    """Take the document back from its coder (their tags stay)."""
    assignments.unassign(session, assignment_id)
    return no_content()


@router.post(
    "/api/assignments/{assignment_id}/done", tags=["coding"], responses=NOT_FOUND | FORBIDDEN
)
def mark_done(session: SessionDep, user: CurrentUserDep, assignment_id: str) -> AssignmentPublic:
    """Mark your own assignment done (only its coder may)."""
    done = assignments.mark_done(session, assignment_id, coder=user.username)
    return assignment_answer(session, done)


@router.post("/api/assignments/{assignment_id}/reopen", tags=["coding"], responses=NOT_FOUND)
def reopen(session: SessionDep, assignment_id: str) -> AssignmentPublic:
    """Open a done assignment again: its coder sees only their own tags there again."""
    return assignment_answer(session, assignments.reopen(session, assignment_id))


@router.get("/api/coding/progress", tags=["coding"])
def coding_progress(session: SessionDep) -> ProgressPublic:
    """Per analyst their documents and how many are assigned, started (tagged) and done; per
    document its coders. Statuses and counts only: never tags."""
    return progress_public(assignments.progress(session))


@router.get("/api/team-settings", tags=["coding"])
def get_team_settings(session: SessionDep) -> TeamSettingsPublic:
    """The team's settings for independent coding."""
    found = assignments.team_settings(session)
    return TeamSettingsPublic(show_others_when_done=found.show_others_when_done)


@router.put("/api/team-settings", tags=["coding"])
def update_team_settings(
    session: SessionDep, user: CurrentUserDep, data: TeamSettingsPublic
) -> TeamSettingsPublic:
    """Change the team's settings (admins)."""
    found = assignments.set_show_others_when_done(
        session, data.show_others_when_done, by=user.username
    )
    return TeamSettingsPublic(show_others_when_done=found.show_others_when_done)

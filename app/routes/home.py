"""The home page: what this is, what the corpus holds, how far the team has got and where to
start; and its JSON twin."""

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from app.deps import AnalystDep, BlindingDep, SessionDep
from app.presenters.home import home_context
from app.routes.responses import json_answer
from app.templating import render

router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(
    request: Request, session: SessionDep, analyst: AnalystDep, blinding: BlindingDep
) -> HTMLResponse:
    context = home_context(session, blinding)
    context["analyst"] = analyst
    return render(request, "home.html", context)


@router.get("/api/home", tags=["home"], response_model=dict[str, Any])
def home_data(session: SessionDep, blinding: BlindingDep) -> Response:
    """What the home page shows: the corpus (documents, their dates and outlets), the team's
    progress (tags in place by analyst, the starter map's example tags apart, documents
    tagged), the map at a glance (claims, relations, and for each position and topic the
    claims it holds and rejects), the latest changes and the three starting points."""
    return json_answer(home_context(session, blinding))

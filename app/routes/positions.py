"""The positions: the list (with a form to add one) and each position's tagged passages."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from app.deps import AnalystDep, SessionDep
from app.models import PositionCreate
from app.routes.paging import HtmlPageDep, page_url, pager
from app.services import catalog, documents
from app.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/positions", response_class=HTMLResponse)
def position_list(request: Request, session: SessionDep, analyst: AnalystDep) -> HTMLResponse:
    context = {
        "positions": catalog.list_positions(session),
        "counts": catalog.tag_counts_by_position(session),
        "analyst": analyst,
    }
    return render(request, "positions.html", context, fragment="_position_rows.html")


@router.post("/positions", response_class=HTMLResponse)
def add_position(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    key: Annotated[str, Form(max_length=32)],
    name: Annotated[str, Form(max_length=100)],
    colour: Annotated[str, Form(max_length=7)] = "#666666",
) -> HTMLResponse:
    catalog.create_position(session, PositionCreate(key=key, name=name, colour=colour))
    return position_list(request, session, analyst)


@router.get("/positions/{position_key}", response_class=HTMLResponse)
def position_page(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    position_key: str,
    page: HtmlPageDep,
) -> HTMLResponse:
    position = catalog.get_position(session, position_key)
    groups, found = documents.page_position_groups(session, position_key, page)
    context = {
        "position": position,
        "groups": groups,
        "pager": pager(request, found),
        "rows_url": page_url(request, found, found.offset),
        "positions": catalog.list_positions(session),
        "analyst": analyst,
    }
    return render(request, "position.html", context, fragment="_position_groups.html")

"""The positions: the list (with a form to add one) and each position's tagged passages."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.deps import AnalystDep, SessionDep
from app.models import Annotation, PositionCreate
from app.routes.paging import HtmlPageDep, page_url, pager
from app.services import catalog, documents
from app.templating import render

router = APIRouter(include_in_schema=False)


def tag_counts(session: Session) -> dict[str, int]:
    rows = session.exec(
        select(Annotation.position_key, func.count())
        .where(col(Annotation.deleted_at).is_(None))
        .group_by(col(Annotation.position_key))
    )
    return dict(rows.all())


@router.get("/positions", response_class=HTMLResponse)
def position_list(request: Request, session: SessionDep, analyst: AnalystDep) -> HTMLResponse:
    context = {
        "positions": catalog.list_positions(session),
        "counts": tag_counts(session),
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
    ordinal = max((p.ordinal for p in catalog.list_positions(session)), default=0) + 1
    data = PositionCreate(key=key.strip().lower(), name=name, colour=colour, ordinal=ordinal)
    catalog.create_position(session, data)
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

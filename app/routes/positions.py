"""The positions: the list (with a form to add one), each position's tagged passages, and the
analyst's name."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.deps import ANALYST_COOKIE, AnalystDep, SessionDep, encode_analyst
from app.models import Annotation, PositionCreate
from app.services import catalog, documents, tagging
from app.templating import render

router = APIRouter(include_in_schema=False)

ONE_YEAR = 365 * 24 * 3600


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
    request: Request, session: SessionDep, analyst: AnalystDep, position_key: str
) -> HTMLResponse:
    position = catalog.get_position(session, position_key)
    context = {
        "position": position,
        "groups": documents.position_groups(session, position_key),
        "positions": catalog.list_positions(session),
        "analyst": analyst,
    }
    return render(request, "position.html", context, fragment="_position_groups.html")


def safe_next(path: str) -> str:
    """Only redirect within this site (an absolute or protocol-relative URL is refused)."""
    if path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/documents"


@router.post("/analyst")
def set_analyst(
    name: Annotated[str, Form(max_length=200)],
    next_path: Annotated[str, Form(alias="next", max_length=2000)] = "/documents",
) -> RedirectResponse:
    """Remember the analyst's name in a cookie; every tag they make records it."""
    cleaned = tagging.clean_analyst_name(name)
    response = RedirectResponse(safe_next(next_path), status_code=303)
    response.set_cookie(
        ANALYST_COOKIE, encode_analyst(cleaned), max_age=ONE_YEAR, httponly=True, samesite="lax"
    )
    return response

"""The positions: the list (with a form to add one) and each position's tagged passages; and
the JSON twins of positions and topics."""

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status
from fastapi.responses import HTMLResponse

from app.deps import AnalystDep, BlindingDep, SessionDep
from app.models import (
    PositionCreate,
    PositionPublic,
    PositionUpdate,
    TopicCreate,
    TopicPublic,
    TopicUpdate,
)
from app.presenters.positions import (
    PositionDetail,
    position_context,
    position_detail,
    position_list_context,
)
from app.routes.paging import ApiPageDep, HtmlPageDep, add_page_headers, page_url, pager
from app.routes.params import VersionQuery, VersionRequired
from app.routes.responses import CONFLICT, DELETES, INVALID, NOT_FOUND, STALE, no_content
from app.services import catalog
from app.templating import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api")


@router.get("/positions", response_class=HTMLResponse)
def position_list(
    request: Request, session: SessionDep, analyst: AnalystDep, blinding: BlindingDep
) -> HTMLResponse:
    context = position_list_context(session, analyst, blinding)
    return render(request, "positions.html", context, fragment="_position_rows.html")


@router.post("/positions", response_class=HTMLResponse)
def add_position(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    blinding: BlindingDep,
    key: Annotated[str, Form(max_length=32)],
    name: Annotated[str, Form(max_length=100)],
    colour: Annotated[str, Form(max_length=7)] = "#666666",
) -> HTMLResponse:
    catalog.create_position(session, PositionCreate(key=key, name=name, colour=colour))
    return position_list(request, session, analyst, blinding)


@router.get("/positions/{position_key}", response_class=HTMLResponse)
def position_page(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    blinding: BlindingDep,
    position_key: str,
    page: HtmlPageDep,
) -> HTMLResponse:
    context = position_context(session, position_key, page, blinding)
    found = context["found"]
    context |= {
        "pager": pager(request, found),
        "rows_url": page_url(request, found, found.offset),
        "positions": catalog.list_positions(session),
        "analyst": analyst,
    }
    return render(request, "position.html", context, fragment="_position_groups.html")


# --- the JSON twins: positions -------------------------------------------------------------------


class PositionEdit(VersionRequired, PositionUpdate):
    pass


class TopicEdit(VersionRequired, TopicUpdate):
    pass


@api_router.get("/positions", tags=["positions"])
def list_positions(session: SessionDep) -> list[PositionPublic]:
    return [PositionPublic.model_validate(p) for p in catalog.list_positions(session)]


@api_router.post(
    "/positions",
    status_code=status.HTTP_201_CREATED,
    tags=["positions"],
    responses=CONFLICT | INVALID,
)
def create_position(session: SessionDep, data: PositionCreate) -> PositionPublic:
    return PositionPublic.model_validate(catalog.create_position(session, data))


@api_router.get("/positions/{position_key}", tags=["positions"], responses=NOT_FOUND)
def get_position(
    request: Request,
    response: Response,
    session: SessionDep,
    blinding: BlindingDep,
    position_key: str,
    page: ApiPageDep,
) -> PositionDetail:
    """A position with the passages tagged with it, grouped by topic, a page of tags at a time
    (`limit`, `offset`; the number of tags is in `X-Total-Count`, the next and previous pages
    in `Link`); not the tags of others in a document you code independently."""
    context = position_context(session, position_key, page, blinding)
    add_page_headers(request, response, context["found"])
    return position_detail(context)


@api_router.patch(
    "/positions/{position_key}", tags=["positions"], responses=NOT_FOUND | INVALID | STALE
)
def update_position(session: SessionDep, position_key: str, data: PositionEdit) -> PositionPublic:
    return PositionPublic.model_validate(catalog.update_position(session, position_key, data))


@api_router.delete("/positions/{position_key}", tags=["positions"], **DELETES)
def delete_position(
    session: SessionDep, position_key: str, version: VersionQuery = None
) -> Response:
    """Delete a position no tag uses."""
    catalog.delete_position(session, position_key, version)
    return no_content()


# --- the JSON twins: topics ----------------------------------------------------------------------


@api_router.get("/topics", tags=["topics"])
def list_topics(session: SessionDep) -> list[TopicPublic]:
    return [TopicPublic.model_validate(t) for t in catalog.list_topics(session)]


@api_router.post(
    "/topics", status_code=status.HTTP_201_CREATED, tags=["topics"], responses=CONFLICT | INVALID
)
def create_topic(session: SessionDep, data: TopicCreate) -> TopicPublic:
    return TopicPublic.model_validate(catalog.create_topic(session, data))


@api_router.get("/topics/{topic_key}", tags=["topics"], responses=NOT_FOUND)
def get_topic(session: SessionDep, topic_key: str) -> TopicPublic:
    return TopicPublic.model_validate(catalog.get_topic(session, topic_key))


@api_router.patch("/topics/{topic_key}", tags=["topics"], responses=NOT_FOUND | INVALID | STALE)
def update_topic(session: SessionDep, topic_key: str, data: TopicEdit) -> TopicPublic:
    return TopicPublic.model_validate(catalog.update_topic(session, topic_key, data))


@api_router.delete("/topics/{topic_key}", tags=["topics"], **DELETES)
def delete_topic(session: SessionDep, topic_key: str, version: VersionQuery = None) -> Response:
    """Delete a topic no tag uses."""
    catalog.delete_topic(session, topic_key, version)
    return no_content()

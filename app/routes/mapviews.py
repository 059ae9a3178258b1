"""The map views: the claim graph and the position × topic matrix, each with its JSON twin."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse

from app.deps import AnalystDep, BlindingDep, SessionDep
from app.presenters.mapviews import (
    cell_passages_as_json,
    cell_passages_context,
    graph_context,
    matrix_as_json,
    matrix_context,
)
from app.routes.params import CellTagFiltersDep, TagFiltersDep
from app.routes.responses import INVALID, NOT_FOUND, json_answer
from app.services import actors, mapviews
from app.services.blinding import Layer
from app.services.mapviews import MapFilters
from app.templating import render

router = APIRouter()

TopicQuery = Annotated[
    str | None, Query(max_length=32, description=f"A topic key, or {mapviews.NO_TOPIC}.")
]
PositionQuery = Annotated[str | None, Query(max_length=32, description="A position key.")]
CellPosition = Annotated[str, Query(max_length=32, description="A position key.")]
CellTopic = Annotated[
    str, Query(max_length=32, description=f"A topic key, or {mapviews.NO_TOPIC}.")
]


async def map_filters(
    blinding: BlindingDep,
    topic: TopicQuery = None,
    position: PositionQuery = None,
    layer: Annotated[
        Layer,
        Query(description="Which tags count as evidence: `all`, or only the `adjudicated` layer."),
    ] = Layer.all,
    analyst: Annotated[
        str, Query(max_length=80, description="Count only this analyst's tags as evidence.")
    ] = "",
) -> MapFilters:
    """The graph's filters: the claims shown, the tags counted as their evidence, and the
    reader's blinding (the documents they code independently)."""
    return MapFilters(
        topic=topic or None,
        position=position or None,
        analyst=analyst.strip() or None,
        layer=layer,
        blinding=blinding,
    )


MapFiltersDep = Annotated[MapFilters, Depends(map_filters)]


@router.get("/api/graph", tags=["map"], responses=NOT_FOUND, response_model=dict[str, Any])
def graph_data(session: SessionDep, filters: MapFiltersDep) -> Response:
    """Claims as nodes and support/attack relations as edges, for the graph view; a claim's
    `evidence` counts the tags `layer` and `analyst` choose."""
    return json_answer(mapviews.claim_graph(session, filters))


@router.get("/graph", response_class=HTMLResponse, include_in_schema=False)
def graph_page(
    request: Request, session: SessionDep, analyst: AnalystDep, filters: MapFiltersDep
) -> HTMLResponse:
    mapviews.check_filters(session, filters)
    context = graph_context(session, filters)
    context["analyst"] = analyst
    return render(request, "graph.html", context)


@router.get(
    "/api/matrix", tags=["map"], responses=NOT_FOUND | INVALID, response_model=dict[str, Any]
)
def matrix_data(session: SessionDep, filters: TagFiltersDep) -> Response:
    """Who stands where: positions × topics, each cell its tags by kind (with and without a
    claim) and the claims the position holds or rejects there, with their evidence. The tag
    filters are those of the networks and the CSV of tags."""
    return json_answer(matrix_as_json(mapviews.position_topic_matrix(session, filters), filters))


@router.get("/matrix", response_class=HTMLResponse, include_in_schema=False)
def matrix_page(
    request: Request, session: SessionDep, analyst: AnalystDep, filters: TagFiltersDep
) -> HTMLResponse:
    matrix = mapviews.position_topic_matrix(session, filters)
    choices = (
        mapviews.document_choices(session),
        actors.list_actors(session),
        mapviews.analyst_choices(session, filters.analyst),
    )
    context = matrix_context(matrix, filters, *choices)
    return render(request, "matrix.html", {**context, "analyst": analyst}, fragment="_matrix.html")


@router.get("/api/matrix/cell", tags=["map"], responses=NOT_FOUND | INVALID)
def matrix_cell_data(
    session: SessionDep, position: CellPosition, topic: CellTopic, filters: CellTagFiltersDep
) -> dict[str, Any]:
    """The tags behind one cell of the matrix (the first 200, and how many in all), each with
    its passage, document, kind, analyst and claim; the cell names the position and topic,
    the other tag filters are the matrix's."""
    found = mapviews.cell_passages(session, position, topic, filters)
    return cell_passages_as_json(found, filters)


@router.get("/matrix/cell", response_class=HTMLResponse, include_in_schema=False)
def matrix_cell(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    position: CellPosition,
    topic: CellTopic,
    filters: CellTagFiltersDep,
) -> HTMLResponse:
    """The passages behind one cell: a page of its own, or the panel beside the matrix."""
    context = cell_passages_context(mapviews.cell_passages(session, position, topic, filters))
    context["analyst"] = analyst
    return render(request, "matrix_cell.html", context, fragment="_matrix_cell.html")

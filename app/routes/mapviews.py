"""The map views: the claim graph and the position × topic matrix, each with its JSON twin."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from app.deps import AnalystDep, SessionDep
from app.presenters.mapviews import matrix_as_json
from app.routes.params import DATE_OR_BLANK, parse_date
from app.services import catalog, documents, examples, mapviews
from app.services.mapviews import MapFilters, MatrixFilters
from app.templating import render

router = APIRouter()

TopicQuery = Annotated[
    str | None, Query(max_length=32, description=f"A topic key, or {mapviews.NO_TOPIC}.")
]
PositionQuery = Annotated[str | None, Query(max_length=32, description="A position key.")]


def matrix_filters(
    since: Annotated[
        str | None,
        Query(
            max_length=10,
            description="Evidence from documents published on or after.",
            json_schema_extra=DATE_OR_BLANK,
        ),
    ] = None,
    until: Annotated[
        str | None,
        Query(
            max_length=10,
            description="Evidence from documents published on or before.",
            json_schema_extra=DATE_OR_BLANK,
        ),
    ] = None,
    undated: Annotated[
        bool, Query(description="Count evidence from undated documents too.")
    ] = True,
) -> MatrixFilters:
    return MatrixFilters(parse_date("since", since), parse_date("until", until), undated)


MatrixFiltersDep = Annotated[MatrixFilters, Depends(matrix_filters)]


def map_filters(topic: str | None, position: str | None) -> MapFilters:
    return MapFilters(topic=topic or None, position=position or None)


@router.get("/api/graph", tags=["map"])
def graph_data(
    session: SessionDep, topic: TopicQuery = None, position: PositionQuery = None
) -> dict[str, Any]:
    """Claims as nodes and support/attack relations as edges, for the graph view."""
    return mapviews.claim_graph(session, map_filters(topic, position))


@router.get("/graph", response_class=HTMLResponse, include_in_schema=False)
def graph_page(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    topic: TopicQuery = None,
    position: PositionQuery = None,
) -> HTMLResponse:
    filters = map_filters(topic, position)
    mapviews.check_filters(session, filters)
    context = {
        "filters": filters,
        "topics": catalog.list_topics(session),
        "positions": catalog.list_positions(session),
        "no_topic": mapviews.NO_TOPIC,
        "analyst": analyst,
        "example_counts": examples.count_examples(session),
    }
    return render(request, "graph.html", context)


@router.get("/api/matrix", tags=["map"])
def matrix_data(
    session: SessionDep,
    filters: MatrixFiltersDep,
) -> dict[str, Any]:
    """Who stands where: positions × topics, each cell its claims and their evidence."""
    matrix = mapviews.position_topic_matrix(session, filters)
    return matrix_as_json(matrix)


@router.get("/matrix", response_class=HTMLResponse, include_in_schema=False)
def matrix_page(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    filters: MatrixFiltersDep,
) -> HTMLResponse:
    context = {
        "matrix": mapviews.position_topic_matrix(session, filters),
        "filters": filters,
        "analyst": analyst,
    }
    return render(request, "matrix.html", context, fragment="_matrix.html")


@router.get("/matrix/cell", response_class=HTMLResponse, include_in_schema=False)
def matrix_cell(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    position: Annotated[str, Query(max_length=32)],
    topic: Annotated[str, Query(max_length=32)],
    filters: MatrixFiltersDep,
) -> HTMLResponse:
    """The evidence behind one cell of the matrix."""
    context = {
        "position": catalog.get_position(session, position),
        "topic_name": mapviews.topic_name(session, topic),
        "items": mapviews.cell_evidence(session, position, topic, filters),
        "labels": {s.document.id: s.label for s in documents.list_documents(session)},
        "analyst": analyst,
    }
    return render(request, "matrix_cell.html", context, fragment="_matrix_cell.html")

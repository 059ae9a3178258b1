"""Discourse networks from the map's statements: the network view, the statements behind a tie,
JSON for scripts and the files analysts open in Gephi, visone, igraph, R or pandas (GraphML,
GEXF 1.3, CSV node and edge lists)."""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse

from app.deps import AnalystDep, SessionDep
from app.presenters.networks import (
    network_as_json,
    network_file,
    network_page_context,
    tie_as_json,
    tie_context,
)
from app.routes.params import DATE_OR_BLANK, TagFiltersDep
from app.routes.responses import INVALID, NOT_FOUND, json_answer
from app.services.filter_values import parse_date
from app.services.network_ties import tie_evidence
from app.services.networks import (
    Duplicates,
    Mode,
    NetworkKind,
    NetworkSpec,
    Normalization,
    TwoModeWeight,
    network_spec,
)
from app.services.statements import ConceptLevel, StatementFilters
from app.templating import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api")

# A window longer than a century is no window; the bound also keeps the dates in range.
MAX_DAYS = 36_500


class FileFormat(StrEnum):
    graphml = "graphml"
    gexf = "gexf"
    nodes_csv = "nodes.csv"
    edges_csv = "edges.csv"


@dataclass(frozen=True)
class NetworkRequest:
    """What a network request asks for, checked: the network, the statements, the window."""

    spec: NetworkSpec
    filters: StatementFilters
    window_days: int | None
    step_days: int
    start: date | None
    end: date | None

    @property
    def windowing(self) -> dict[str, Any]:
        """The moving window, as `network_as_json` and `network_file` take it."""
        return {
            "window_days": self.window_days,
            "step_days": self.step_days,
            "start": self.start,
            "end": self.end,
        }


async def network_request(
    tags: TagFiltersDep,
    kind: Annotated[NetworkKind, Query(description="The network.")] = NetworkKind.congruence,
    mode: Annotated[Mode, Query(description="One-mode networks: actors or concepts.")] = (
        Mode.actor
    ),
    normalization: Annotated[Normalization, Query()] = Normalization.no,
    two_mode_weight: Annotated[TwoModeWeight, Query()] = TwoModeWeight.ignore,
    duplicates: Annotated[Duplicates, Query()] = Duplicates.include,
    concepts: Annotated[
        ConceptLevel, Query(description="Statements on claims, or on a position's topic.")
    ] = ConceptLevel.claims,
    window: Annotated[
        int | None, Query(ge=1, le=MAX_DAYS, description="Days a moving window covers.")
    ] = None,
    step: Annotated[int, Query(ge=1, le=MAX_DAYS, description="Days a window moves by.")] = 1,
) -> NetworkRequest:
    spec = network_spec(
        kind,
        mode=mode,
        normalization=normalization,
        two_mode_weight=two_mode_weight,
        duplicates=duplicates,
    )
    filters = StatementFilters(concepts, tags)
    return NetworkRequest(spec, filters, window, step, tags.since, tags.until)


NetworkRequestDep = Annotated[NetworkRequest, Depends(network_request)]
MEDIA_TYPES = {
    FileFormat.graphml: "application/graphml+xml",
    FileFormat.gexf: "application/gexf+xml",
    FileFormat.nodes_csv: "text/csv; charset=utf-8",
    FileFormat.edges_csv: "text/csv; charset=utf-8",
}
FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The network as a file.",
        "content": {media.split(";")[0]: {} for media in MEDIA_TYPES.values()},
    },
}


@api_router.get(
    "/networks", tags=["networks"], responses=NOT_FOUND | INVALID, response_model=dict[str, Any]
)
def network_data(session: SessionDep, asked: NetworkRequestDep) -> Response:
    """A discourse network of the statements the tags make (definitions: docs/networks.md);
    with `window`, one network per step of a moving window over `since`…`until` (default: the
    statements' first and last dates). The tags are chosen by the matrix's and the CSV's tag
    filters. `left_out` counts the tags that made no statement."""
    return json_answer(network_as_json(session, asked.spec, asked.filters, **asked.windowing))


@api_router.get(
    "/networks/file",
    tags=["networks"],
    responses=FILE_RESPONSES | NOT_FOUND | INVALID,
    response_class=Response,
)
def network_download(
    session: SessionDep, asked: NetworkRequestDep, format: FileFormat = FileFormat.graphml
) -> Response:
    """The same network as a file: GraphML, GEXF 1.3 (with time spells when windowed), or CSV
    node and edge lists, with a file name that says what it holds."""
    content, name = network_file(
        session, asked.spec, asked.filters, format.value, **asked.windowing
    )
    return Response(
        content,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


NodeQuery = Annotated[
    str, Query(min_length=1, max_length=2100, description='A node id: "actor:…" or "concept:…".')
]


@dataclass(frozen=True)
class TieRequest:
    """One tie of a network: its two nodes, and the window's first and last day if windowed."""

    source: str
    target: str
    days: tuple[date, date] | None


DayQuery = Annotated[str | None, Query(max_length=10, json_schema_extra=DATE_OR_BLANK)]


async def tie_request(
    source: NodeQuery,
    target: NodeQuery,
    window_start: Annotated[
        DayQuery, Query(description="The first day of the window the tie is in.")
    ] = None,
    window_end: Annotated[
        DayQuery, Query(description="The last day of the window the tie is in.")
    ] = None,
) -> TieRequest:
    first = parse_date(window_start, "window_start")
    last = parse_date(window_end, "window_end")
    days = None if first is None and last is None else (first or date.min, last or date.max)
    return TieRequest(source, target, days)


TieRequestDep = Annotated[TieRequest, Depends(tie_request)]


@api_router.get("/networks/tie", tags=["networks"], responses=NOT_FOUND | INVALID)
def tie_data(session: SessionDep, asked: NetworkRequestDep, tie: TieRequestDep) -> dict[str, Any]:
    """The statements behind one tie of a network (the same network choices and filters), by
    the nodes both ends share, each with its passage: what the tie's weight counts."""
    found = tie_evidence(session, asked.spec, asked.filters, tie.source, tie.target, tie.days)
    return tie_as_json(found, asked.spec, tie.source, tie.target)


@router.get("/networks", response_class=HTMLResponse)
def network_page(
    request: Request, session: SessionDep, analyst: AnalystDep, asked: NetworkRequestDep
) -> HTMLResponse:
    """The network view: the chosen network drawn, a time slider over its windows, and the
    statements behind a tie beside it."""
    context = network_page_context(session, asked.spec, asked.filters, request.url.query)
    context.update(window=asked.window_days, step=asked.step_days, analyst=analyst)
    return render(request, "networks.html", context)


@router.get("/networks/tie", response_class=HTMLResponse)
def tie_panel(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    asked: NetworkRequestDep,
    tie: TieRequestDep,
) -> HTMLResponse:
    """The panel beside the network: the statements behind the tie clicked."""
    found = tie_evidence(session, asked.spec, asked.filters, tie.source, tie.target, tie.days)
    context = tie_context(found, asked.spec, tie.source, tie.target, tie.days)
    context["analyst"] = analyst
    return render(request, "network_tie.html", context, fragment="_network_tie.html")

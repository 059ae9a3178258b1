"""How far analysts agree: the agreement page, its results fragment and its JSON twin."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse

from app.deps import AnalystDep, BlindingDep, SessionDep
from app.presenters.agreement import agreement_as_json
from app.routes.paging import ApiPageDep, HtmlPageDep, add_page_headers, pager
from app.services import agreement
from app.templating import render

router = APIRouter()

MAX_ID = 64
MAX_NAME = 80


@dataclass(frozen=True)
class AgreementFilters:
    """The documents and analysts chosen; empty means all."""

    documents: list[str]
    analysts: list[str]


def _checked(name: str, values: list[str] | None, longest: int) -> list[str]:
    kept = [v.strip() for v in values or [] if v.strip()]
    for value in kept:
        if len(value) > longest:
            raise HTTPException(
                422, f"{name}: '{value[:20]}…' is longer than {longest} characters."
            )
    return list(dict.fromkeys(kept))


async def agreement_filters(
    document: Annotated[
        list[str] | None, Query(description="A document id; repeat for several (none: all).")
    ] = None,
    analyst: Annotated[
        list[str] | None,
        Query(description="An analyst's name; repeat for several (none: all who tagged)."),
    ] = None,
) -> AgreementFilters:
    return AgreementFilters(
        _checked("document", document, MAX_ID), _checked("analyst", analyst, MAX_NAME)
    )


AgreementFiltersDep = Annotated[AgreementFilters, Depends(agreement_filters)]


@router.get("/api/agreement", tags=["map"])
def agreement_data(
    request: Request,
    response: Response,
    session: SessionDep,
    filters: AgreementFiltersDep,
    page: ApiPageDep,
    blinding: BlindingDep,
) -> dict[str, Any]:
    """Inter-analyst agreement on finished independent coding (documents that two or more
    assigned analysts marked done): Cohen's kappa per pair and Krippendorff's alpha per
    position, kind and topic; Krippendorff's unitizing alpha and span F1 per position and kind;
    95 % bootstrap intervals (`samples` draws, `seed`); alpha per position as documents
    qualified (`progress`); the documents still waiting for coders; and the passages where
    analysts disagree, a page at a time (`limit`, `offset`; their number is
    `disagreements_total`, also in `X-Total-Count`, and the next and previous pages are in
    `Link`). Documents the reader is still coding are left out."""
    report = agreement.analyst_agreement(session, filters.documents, filters.analysts, blinding)
    disagreements = agreement.page_of_disagreements(report, page)
    add_page_headers(request, response, disagreements)
    return agreement_as_json(report, disagreements)


@router.get("/agreement", response_class=HTMLResponse, include_in_schema=False)
def agreement_page(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    filters: AgreementFiltersDep,
    page: HtmlPageDep,
    blinding: BlindingDep,
) -> HTMLResponse:
    report = agreement.analyst_agreement(session, filters.documents, filters.analysts, blinding)
    disagreements = agreement.page_of_disagreements(report, page)
    context = {
        "report": report,
        "disagreements": disagreements.items,
        "pager": pager(request, disagreements),
        "position_map": {p.position.key: p.position for p in report.positions},
        "chosen_analysts": {a.name for a in report.analysts},
        "analyst": analyst,
    }
    return render(request, "agreement.html", context, fragment="_agreement.html")

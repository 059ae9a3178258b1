"""How far analysts agree: the agreement page, its results fragment and its JSON twin."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from app.deps import AnalystDep, BlindingDep, SessionDep
from app.presenters.agreement import agreement_as_json
from app.routes.paging import ApiPageDep, HtmlPageDep, add_page_headers, pager
from app.services import agreement
from app.services.agreement_bootstrap import SAMPLES, SEED
from app.services.blinding import Blinding
from app.templating import render

router = APIRouter()

MAX_ID = 64
MAX_NAME = 80
MAX_SAMPLES = 10_000
MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class AgreementFilters:
    """The documents and analysts chosen (empty means all), and the bootstrap's draws."""

    documents: list[str]
    analysts: list[str]
    samples: int = SAMPLES
    seed: int = SEED


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
        Query(description="An analyst's name; repeat for several (none: all who finished coding)."),
    ] = None,
    samples: Annotated[
        int,
        Query(ge=0, le=MAX_SAMPLES, description="Bootstrap draws for the intervals (0: none)."),
    ] = SAMPLES,
    seed: Annotated[
        int, Query(ge=0, le=MAX_SEED, description="The seed of the bootstrap's draws.")
    ] = SEED,
) -> AgreementFilters:
    return AgreementFilters(
        _checked("document", document, MAX_ID),
        _checked("analyst", analyst, MAX_NAME),
        samples,
        seed,
    )


AgreementFiltersDep = Annotated[AgreementFilters, Depends(agreement_filters)]


def _report(
    session: Session, filters: AgreementFilters, blinding: Blinding
) -> agreement.AgreementReport:
    return agreement.analyst_agreement(
        session,
        filters.documents,
        filters.analysts,
        blinding,
        samples=filters.samples,
        seed=filters.seed,
    )


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
    95 % bootstrap intervals (`samples` draws, 1000 by default, 0 for none; `seed`, 0 by
    default); alpha per position as documents
    qualified (`progress`); the documents still waiting for coders; and the passages where
    analysts disagree, a page at a time (`limit`, `offset`; their number is
    `disagreements_total`, also in `X-Total-Count`, and the next and previous pages are in
    `Link`). Documents the reader is still coding are left out."""
    report = _report(session, filters, blinding)
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
    report = _report(session, filters, blinding)
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

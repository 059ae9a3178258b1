"""How far analysts agree: the agreement page, its results fragment and its JSON twin."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from app.deps import AnalystDep, SessionDep
from app.services import agreement
from app.services.agreement import AgreementReport, AlphaResult, KappaResult
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


def agreement_filters(
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


def _kappa(first: str, second: str, result: KappaResult) -> dict[str, Any]:
    return {
        "analysts": [first, second],
        "kappa": result.kappa,
        "observed_agreement": result.observed_agreement,
        "expected_agreement": result.expected_agreement,
        "units": result.units,
        "agreements": result.agreements,
        "table": [
            {"first": str(a), "second": str(b), "units": count}
            for (a, b), count in result.table.items()
        ],
        "note": result.note,
    }


def _alpha(result: AlphaResult) -> dict[str, Any]:
    return {
        "alpha": result.alpha,
        "pairable_values": result.pairable_values,
        "units": result.units,
        "observed_disagreement": result.observed_disagreement,
        "expected_disagreement": result.expected_disagreement,
        "values": {str(value): count for value, count in result.values.items()},
        "coincidences": [
            {"first": str(c), "second": str(k), "count": o}
            for (c, k), o in result.coincidences.items()
        ],
        "note": result.note,
    }


def agreement_as_json(report: AgreementReport) -> dict[str, Any]:
    """The report as a plain dict for other tools: ids, names and counts, no HTML."""
    return {
        "message": report.message,
        "units": report.units,
        "documents": [
            {"id": d.id, "label": d.label, "units": d.units, "coded_by": d.coded_by}
            for d in report.documents
        ],
        "analysts": [
            {"name": a.name, "documents": a.documents, "units": a.units, "tags": a.tags}
            for a in report.analysts
        ],
        "positions": [
            {
                "key": p.position.key,
                "name": p.position.name,
                "tags": p.tags,
                "alpha": _alpha(p.alpha),
                "pairs": [_kappa(pair.first, pair.second, pair.kappa) for pair in p.pairs],
            }
            for p in report.positions
        ],
        "disagreements": [
            {
                "passage_id": d.passage.id,
                "document_id": d.passage.document_id,
                "document_label": d.document_label,
                "ordinal": d.passage.ordinal,
                "kind": d.passage.kind,
                "start": d.passage.start,
                "end": d.passage.end,
                "text": d.passage.text,
                "url": f"/documents/{d.passage.document_id}#p-{d.passage.id}",
                "positions": d.positions,
                "labels": [
                    {
                        "analyst": side.analyst,
                        "coded": side.coded,
                        "labels": None
                        if side.labels is None
                        else [{"position": key, "kind": kind} for key, kind in side.labels],
                    }
                    for side in d.labels
                ],
            }
            for d in report.disagreements
        ],
    }


@router.get("/api/agreement", tags=["map"])
def agreement_data(session: SessionDep, filters: AgreementFiltersDep) -> dict[str, Any]:
    """Inter-analyst agreement: Cohen's kappa per position and pair of analysts, Krippendorff's
    alpha per position, and the passages where analysts disagree."""
    report = agreement.analyst_agreement(session, filters.documents, filters.analysts)
    return agreement_as_json(report)


@router.get("/agreement", response_class=HTMLResponse, include_in_schema=False)
def agreement_page(
    request: Request, session: SessionDep, analyst: AnalystDep, filters: AgreementFiltersDep
) -> HTMLResponse:
    report = agreement.analyst_agreement(session, filters.documents, filters.analysts)
    context = {
        "report": report,
        "position_map": {p.position.key: p.position for p in report.positions},
        "chosen_analysts": {a.name for a in report.analysts},
        "analyst": analyst,
    }
    return render(request, "agreement.html", context, fragment="_agreement.html")

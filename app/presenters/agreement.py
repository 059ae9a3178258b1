"""What the agreement pages and their JSON twins show, built from the services' results."""

from dataclasses import fields
from typing import Any

from app.services.agreement import AgreementReport, Disagreement
from app.services.agreement_measures import AlphaResult, KappaResult
from app.services.documents import passage_citation
from app.services.paging import Page


def kappa(first: str, second: str, result: KappaResult) -> dict[str, Any]:
    return {"analysts": [first, second], **_figures(result, matrix="table", count="units")}


def alpha(result: AlphaResult) -> dict[str, Any]:
    figures = _figures(result, matrix="coincidences", count="count")
    figures["values"] = {str(value): count for value, count in result.values.items()}
    return figures


def _figures(result: KappaResult | AlphaResult, *, matrix: str, count: str) -> dict[str, Any]:
    """Every field of a result, in its order; the `matrix` keyed by pairs of labels becomes a
    list of cells {"first", "second", `count`} with the labels as text."""
    figures = {field.name: getattr(result, field.name) for field in fields(result)}
    figures[matrix] = [
        {"first": str(a), "second": str(b), count: n} for (a, b), n in figures[matrix].items()
    ]
    return figures


def agreement_as_json(report: AgreementReport, disagreements: Page[Disagreement]) -> dict[str, Any]:
    """The report as a plain dict for other tools: ids, names and counts, no HTML; of the
    disagreements, the page asked for and how many there are in all."""
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
                "alpha": alpha(p.alpha),
                "pairs": [kappa(pair.first, pair.second, pair.kappa) for pair in p.pairs],
            }
            for p in report.positions
        ],
        "disagreements": [
            {
                "passage_id": d.passage.id,
                "document_id": d.passage.document_id,
                "document_label": d.document_label,
                "citation": passage_citation(d.document_label, d.passage.ordinal),
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
            for d in disagreements.items
        ],
        "disagreements_total": disagreements.total,
    }

"""What the agreement pages and their JSON twins show, built from the services' results."""

from dataclasses import fields
from typing import Any

from app.services.agreement import AgreementReport, CodeAgreement
from app.services.agreement_bootstrap import LEVEL, Interval
from app.services.agreement_disagreements import Disagreement
from app.services.agreement_labels import PairAgreement
from app.services.agreement_measures import AlphaResult, KappaResult
from app.services.agreement_span_report import SpanAgreement
from app.services.agreement_spans import UnitizingAlphaResult
from app.services.documents import passage_citation
from app.services.paging import Page


def kappa(first: str, second: str, result: KappaResult) -> dict[str, Any]:
    return {"analysts": [first, second], **_figures(result, matrix="table", count="units")}


def interval(result: Interval | None) -> dict[str, Any] | None:
    """A bootstrap interval: its bounds, level, draws (and how many gave a figure) and seed."""
    if result is None:
        return None
    return {field.name: getattr(result, field.name) for field in fields(result)}


def pair(item: PairAgreement) -> dict[str, Any]:
    return {**kappa(item.first, item.second, item.kappa), "interval": interval(item.interval)}


def code(item: CodeAgreement) -> dict[str, Any]:
    """Agreement on one kind or topic."""
    return {
        "key": item.key,
        "name": item.name,
        "tags": item.tags,
        "alpha": {**alpha(item.alpha), "interval": interval(item.interval)},
        "pairs": [pair(p) for p in item.pairs],
    }


def unitizing(result: UnitizingAlphaResult) -> dict[str, Any]:
    return {field.name: getattr(result, field.name) for field in fields(result)}


def span(item: SpanAgreement) -> dict[str, Any]:
    """Span agreement on one position or kind: α_u with its interval, and span F1 per pair."""
    return {
        "dimension": item.dimension,
        "key": item.key,
        "name": item.name,
        "documents": item.documents,
        "note": item.note,
        "alpha_u": {**unitizing(item.alpha), "interval": interval(item.interval)},
        "pairs": [
            {
                "analysts": [p.first, p.second],
                "f1_exact": p.f1.exact,
                "f1_overlap": p.f1.overlap,
                "spans": [p.f1.first_spans, p.f1.second_spans],
            }
            for p in item.pairs
        ],
    }


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
        "qualifying_documents": len(report.documents),
        "documents": [
            {
                "id": d.id,
                "label": d.label,
                "units": d.units,
                "coded_by": d.coded_by,
                "qualified_on": d.qualified_on.isoformat() if d.qualified_on else None,
            }
            for d in report.documents
        ],
        "waiting": [
            {"id": w.id, "label": w.label, "done": w.done, "waiting_for": w.waiting_for}
            for w in report.waiting
        ],
        "bootstrap": {"samples": report.samples, "seed": report.seed, "level": LEVEL},
        "analysts": [
            {"name": a.name, "documents": a.documents, "units": a.units, "tags": a.tags}
            for a in report.analysts
        ],
        "positions": [
            {
                "key": p.position.key,
                "name": p.position.name,
                "tags": p.tags,
                "alpha": {**alpha(p.alpha), "interval": interval(p.interval)},
                "pairs": [pair(item) for item in p.pairs],
            }
            for p in report.positions
        ],
        "kinds": [code(k) for k in report.kinds],
        "topics": [code(t) for t in report.topics],
        "spans": [span(s) for s in report.spans],
        "progress": [
            {"day": p.day.isoformat(), "documents": p.documents, "alphas": p.alphas}
            for p in report.progress
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

"""What the agreement pages and their JSON twins show, built from the services' results."""

from typing import Any

from app.services.agreement import AgreementReport, AlphaResult, KappaResult


def kappa(first: str, second: str, result: KappaResult) -> dict[str, Any]:
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


def alpha(result: AlphaResult) -> dict[str, Any]:
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

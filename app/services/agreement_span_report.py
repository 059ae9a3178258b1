"""Agreement on spans in the report: Krippendorff's unitizing alpha and span F1 per position
and per kind, on the characters of the qualifying documents (the measures themselves are in
`app.services.agreement_spans`, the definitions in `app.services.agreement`)."""

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations

from app.models import Position
from app.services.agreement_bootstrap import Interval, unitizing_interval
from app.services.agreement_labels import KINDS, TagRow, Unit
from app.services.agreement_spans import (
    Section,
    Segment,
    Span,
    SpanF1,
    UnitizingAlphaResult,
    alpha_of_figures,
    merged_units,
    section_figures,
    span_f1,
)


@dataclass(frozen=True)
class SpanPair:
    """Span F1 of two analysts on one code, over the documents both coded."""

    first: str
    second: str
    f1: SpanF1


@dataclass(frozen=True)
class SpanAgreement:
    """Agreement on the stretches of text tagged with one position (or one kind): α_u over
    `documents` documents, its interval, and span F1 for each pair of analysts."""

    dimension: str  # "position" or "kind"
    key: str
    name: str
    alpha: UnitizingAlphaResult
    interval: Interval | None
    pairs: list[SpanPair]
    documents: int
    note: str | None = None


def span_agreement(
    positions: list[Position],
    units: list[Unit],
    on_units: list[TagRow],
    coders_of: Mapping[str, list[str]],
    analysts: list[str],
    samples: int,
    seed: int,
) -> list[SpanAgreement]:
    """α_u and span F1 per position and per kind, on the characters of the documents'
    units laid end to end (see app/services/agreement_spans.py)."""
    # Where each unit begins in its document's continuum, and each document's length.
    begins: dict[str, int] = {}
    lengths: Counter[str] = Counter()
    for unit in units:
        begins[unit.id] = lengths[unit.document_id]
        lengths[unit.document_id] += len(unit.text)
    length_of = {unit.id: len(unit.text) for unit in units}
    # (dimension, code) → document → analyst → the stretches tagged with it.
    stretches: defaultdict[tuple[str, str], defaultdict[str, defaultdict[str, list[Segment]]]]
    stretches = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for passage_id, document_id, analyst, position_key, kind, _, start, end in on_units:
        size = length_of[passage_id]
        begin = min(max(start or 0, 0), size)
        finish = size if end is None else min(max(end, begin), size)
        stretch = (begins[passage_id] + begin, begins[passage_id] + finish)
        stretches[("position", position_key)][document_id][analyst].append(stretch)
        stretches[("kind", kind)][document_id][analyst].append(stretch)

    # α_u wants the same number of coders on every document: the most usual number.
    by_count = Counter(len(names) for names in coders_of.values() if len(names) >= 2)
    results: list[SpanAgreement] = []
    if not by_count:
        return results
    coders, _ = max(by_count.items(), key=lambda item: (item[1], item[0]))
    measured = [d for d, names in coders_of.items() if len(names) == coders]
    left_out = sum(by_count.values()) - len(measured)
    note = (
        f"α_u is computed over the {len(measured)} documents coded by {coders} analysts; "
        f"{left_out} coded by another number of analysts are left out."
        if left_out
        else None
    )
    codes = [("position", p.key, p.name) for p in positions] + [("kind", k, k) for k in KINDS]
    for dimension, key, name in codes:
        tagged: Mapping[str, Mapping[str, list[Segment]]] = stretches.get((dimension, key), {})
        merged = {
            d: {a: merged_units(tagged.get(d, {}).get(a, [])) for a in names}
            for d, names in coders_of.items()
        }
        figures = [
            section_figures(Section(lengths[d], [merged[d][a] for a in coders_of[d]]))
            for d in measured
        ]
        pairs = []
        for first, second in combinations(analysts, 2):
            both = [d for d, names in coders_of.items() if first in names and second in names]
            if both:
                pairs.append(
                    SpanPair(
                        first,
                        second,
                        span_f1(_spans(merged, both, first), _spans(merged, both, second)),
                    )
                )
        results.append(
            SpanAgreement(
                dimension,
                key,
                name,
                alpha_of_figures(coders, figures),
                unitizing_interval(coders, figures, samples=samples, seed=seed),
                pairs,
                len(measured),
                note,
            )
        )
    return results


def _spans(
    merged: Mapping[str, Mapping[str, list[Segment]]], documents: list[str], analyst: str
) -> list[Span]:
    return [(d, b, e) for d in documents for b, e in merged[d][analyst]]

"""Agreement on where tags begin and end, as pure functions on segments: Krippendorff's
unitizing alpha (α_u) and a simple pairwise span F1.

**The continuum.** Each document is a *section* of the continuum: its non-boilerplate passages
one after another, measured in characters. A coder's *units* in a section, for one code (a
position, say), are the stretches they tagged with it: a whole-passage tag covers its passage,
a span tag its characters; overlapping tags of one coder are merged, adjacent ones stay two
units. What is not a unit is a *gap*. The coding is binary: each character is in a unit of
that code or not. Gaps end where their section ends: two documents are two texts, and a stretch
left untagged at the end of one does not go on into the next.

**Krippendorff's α_u** (Krippendorff 1995, "On the reliability of unitizing continuous data",
Sociological Methodology 25: 47–76; Content Analysis, 2004, ch. 12), for ``m`` coders who all
coded every section, continuum length ``L``:

- For two segments ``g`` and ``h`` of two coders that overlap, the squared distance is
  ``(b_g − b_h)² + (e_g − e_h)²`` if both are units (begins and ends); ``l_g²`` if ``g`` is a
  unit lying wholly inside the gap ``h`` (and the other way round); 0 otherwise (two gaps, or a
  unit that only partly overlaps a gap).
- Observed disagreement: ``D_o = 2 Σ_pairs Σ δ² / (m (m − 1) L²)`` over every pair of coders
  and every pair of their overlapping segments.
- Expected disagreement, over every unit ``u`` (length ``l``) of every coder, ``N`` units in
  all, and every gap ``g`` of every coder:
  ``D_e = (2 / L) Σ_u [(N − 1)(2l³ − 3l² + l) / 3 + l² Σ_{g ≥ l} (g − l + 1)]
  / (mL (mL − 1) − Σ_u l (l − 1))``.
- ``α_u = 1 − D_o / D_e``; undefined (None, with a note) when ``D_e = 0``, that is when no
  one marked any unit.

The formulas are those of the DKPro Statistics implementation (dkpro/dkpro-statistics,
``KrippendorffAlphaUnitizingAgreement``), whose test ``Krippendorff1995Test`` reproduces the
worked example of Krippendorff (1995: 57); tests/services/test_agreement_spans.py reproduces it
here too.

**Span F1** (pairwise, per code): each coder's units as spans (document, begin, end). With
*exact* matching a span of one coder matches a span of the other with the same document,
begin and end; with *overlap* matching it matches one in the same document that shares at
least one character. Precision = the share of the first coder's spans that match one of the
second's, recall = the share of the second's that match one of the first's, and
``F1 = 2PR / (P + R)`` (0 if both are 0). Undefined (None) when neither coder has a span;
0 when only one has. With exact matching, F1 is ``2 |A ∩ B| / (|A| + |B|)``.
"""

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate, combinations

Segment = tuple[int, int]  # [begin, end) in characters from the start of its section


@dataclass(frozen=True)
class Section:
    """A stretch of the continuum (a document): its length and each coder's units in it,
    one list per coder, every coder of the study in the same order."""

    length: int
    units: Sequence[Sequence[Segment]]


@dataclass(frozen=True)
class SectionFigures:
    """What α_u needs of one section: its length, the sum of the squared distances between
    the coders' overlapping segments, and the lengths of every coder's units and gaps."""

    length: int
    distance: int
    unit_lengths: tuple[int, ...]
    gap_lengths: tuple[int, ...]


@dataclass(frozen=True)
class UnitizingAlphaResult:
    """Krippendorff's α_u with the figures behind it; `alpha` is None when undefined."""

    alpha: float | None
    observed_disagreement: float | None
    expected_disagreement: float | None
    coders: int
    length: int
    units: int
    note: str | None = None


def merged_units(spans: Iterable[Segment]) -> list[Segment]:
    """One coder's units from their tags: sorted, with overlapping ones merged into one (two
    that only touch stay two units); empty spans are dropped."""
    merged: list[Segment] = []
    for begin, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and begin < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((begin, end))
    return merged


def _segments(units: Sequence[Segment], length: int) -> list[tuple[int, int, bool]]:
    """The section cut into a coder's units (True) and the gaps between them (False)."""
    segments: list[tuple[int, int, bool]] = []
    at = 0
    for begin, end in units:
        if begin > at:
            segments.append((at, begin, False))
        segments.append((begin, end, True))
        at = end
    if at < length:
        segments.append((at, length, False))
    return segments


def _distance(g: tuple[int, int, bool], h: tuple[int, int, bool]) -> int:
    """The squared distance of two overlapping segments of two coders."""
    (gb, ge, g_unit), (hb, he, h_unit) = g, h
    if g_unit and h_unit:
        return (gb - hb) ** 2 + (ge - he) ** 2
    if g_unit and not h_unit and hb <= gb and ge <= he:
        return (ge - gb) ** 2
    if h_unit and not g_unit and gb <= hb and he <= ge:
        return (he - hb) ** 2
    return 0


def _pair_distance(first: list[tuple[int, int, bool]], second: list[tuple[int, int, bool]]) -> int:
    """Σ δ² over every overlapping pair of segments of two coders: one walk along both."""
    total = i = j = 0
    while i < len(first) and j < len(second):
        total += _distance(first[i], second[j])
        first_end, second_end = first[i][1], second[j][1]
        if first_end <= second_end:
            i += 1
        if second_end <= first_end:
            j += 1
    return total


def section_figures(section: Section) -> SectionFigures:
    """The figures of one section that α_u adds up (see the module docstring)."""
    cut = [_segments(units, section.length) for units in section.units]
    distance = sum(_pair_distance(a, b) for a, b in combinations(cut, 2))
    return SectionFigures(
        section.length,
        distance,
        tuple(e - b for segments in cut for b, e, unit in segments if unit),
        tuple(e - b for segments in cut for b, e, unit in segments if not unit),
    )


def _unit_term(length: int, units: int) -> int:
    """(N − 1)(2l³ − 3l² + l), three times the first term of a unit in D_e's numerator."""
    return (units - 1) * (2 * length**3 - 3 * length**2 + length)


def alpha_of_figures(coders: int, figures: Sequence[SectionFigures]) -> UnitizingAlphaResult:
    """α_u over sections whose figures are given (a section may come more than once: the
    bootstrap draws documents with replacement)."""
    length = sum(f.length for f in figures)
    unit_lengths = [u for f in figures for u in f.unit_lengths]
    gaps = sorted(g for f in figures for g in f.gap_lengths)
    units = len(unit_lengths)
    if coders < 2 or length == 0:
        return UnitizingAlphaResult(
            None, None, None, coders, length, units, note="α_u needs two coders and some text."
        )
    observed = 2 * sum(f.distance for f in figures) / (coders * (coders - 1) * length**2)
    # Σ_{g ≥ l} (g − l + 1) for each unit length l, from the sorted gaps and their sums.
    suffix = list(accumulate(reversed(gaps), initial=0))
    numerator = 0.0
    for unit in unit_lengths:
        longer = len(gaps) - bisect_left(gaps, unit)
        fitting = suffix[longer] - (unit - 1) * longer
        numerator += _unit_term(unit, units) / 3 + unit * unit * fitting
    denominator = coders * length * (coders * length - 1) - sum(u * (u - 1) for u in unit_lengths)
    expected = 2 / length * numerator / denominator if denominator else 0.0
    if expected == 0:
        return UnitizingAlphaResult(
            None,
            observed,
            expected,
            coders,
            length,
            units,
            note="No coder marked any stretch, so there is nothing to agree on: α_u is undefined.",
        )
    return UnitizingAlphaResult(1 - observed / expected, observed, expected, coders, length, units)


def unitizing_alpha(sections: Sequence[Section]) -> UnitizingAlphaResult:
    """Krippendorff's (1995) α_u for binary unitizing over `sections`, each coded by the same
    number of coders (see the module docstring)."""
    coders = {len(s.units) for s in sections}
    if len(coders) > 1:
        raise ValueError("Every section must have the same number of coders.")
    return alpha_of_figures(coders.pop() if coders else 0, [section_figures(s) for s in sections])


# --- span F1 ------------------------------------------------------------------------------

Span = tuple[str, int, int]  # (document, begin, end)


@dataclass(frozen=True)
class SpanF1:
    """Pairwise span agreement of two coders: F1 with exact and with overlap matching, and
    how many spans each marked. The F1s are None when neither marked any."""

    exact: float | None
    overlap: float | None
    first_spans: int
    second_spans: int


def _f1(matched_first: int, matched_second: int, first: int, second: int) -> float:
    precision = matched_first / first if first else 0.0
    recall = matched_second / second if second else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _matching(spans: Sequence[Span], others: Sequence[Span]) -> int:
    """How many of `spans` share a character with one of `others` in the same document: a
    span [b, e) does if, among the others beginning before e, one ends after b."""
    by_document: dict[str, list[tuple[int, int]]] = {}
    for document, begin, end in others:
        by_document.setdefault(document, []).append((begin, end))
    begins: dict[str, list[int]] = {}
    furthest: dict[str, list[int]] = {}  # the furthest end among the first k others
    for document, stretches in by_document.items():
        stretches.sort()
        begins[document] = [b for b, _ in stretches]
        furthest[document] = list(accumulate((e for _, e in stretches), max))
    matched = 0
    for document, begin, end in spans:
        before = bisect_left(begins.get(document, []), end)
        matched += before > 0 and furthest[document][before - 1] > begin
    return matched


def span_f1(first: Iterable[Span], second: Iterable[Span]) -> SpanF1:
    """Span F1 of two coders' spans, exact and overlap (see the module docstring)."""
    a, b = sorted(set(first)), sorted(set(second))
    if not a and not b:
        return SpanF1(None, None, 0, 0)
    same = len(set(a) & set(b))
    exact = _f1(same, same, len(a), len(b))
    overlap = _f1(_matching(a, b), _matching(b, a), len(a), len(b))
    return SpanF1(exact, overlap, len(a), len(b))

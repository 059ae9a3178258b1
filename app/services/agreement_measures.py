"""The two agreement measures, as pure functions on plain Python data: Cohen's kappa and
Krippendorff's alpha (nominal). Their definitions, and how the report feeds them, are in
`app.services.agreement`; they are tested against published worked examples and the
`krippendorff` package."""

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TypeVar

Label = TypeVar("Label", bound=Hashable)


@dataclass(frozen=True)
class KappaResult:
    """Cohen's kappa for two coders, with the counts behind it.

    `table` maps (first coder's label, second coder's label) to the number of units so
    labelled; `units` is how many units both coded and `agreements` how many of them got the
    same label. The three figures are None when kappa is undefined, and `note` says why.
    """

    kappa: float | None
    observed_agreement: float | None
    expected_agreement: float | None
    units: int
    agreements: int
    table: dict[tuple[Hashable, Hashable], int] = field(default_factory=dict)
    note: str | None = None


@dataclass(frozen=True)
class AlphaResult:
    """Krippendorff's alpha (nominal), with the counts behind it.

    `pairable_values` is n, the number of values in units that have at least two (the total of
    the coincidence matrix); `units` the number of such units; `values` the n_c, how often each
    value occurs among them; `coincidences` the coincidence matrix o_ck. `alpha` and the two
    disagreements are None when alpha is undefined, and `note` says why.
    """

    alpha: float | None
    pairable_values: int
    units: int
    observed_disagreement: float | None = None
    expected_disagreement: float | None = None
    values: dict[Hashable, int] = field(default_factory=dict)
    coincidences: dict[tuple[Hashable, Hashable], float] = field(default_factory=dict)
    note: str | None = None


def _by_text(item: tuple[Hashable, object]) -> str:
    """Sort key that orders labels of any type (and pairs of them) the same way every time."""
    return repr(item[0])


def cohen_kappa(pairs: Iterable[tuple[Hashable, Hashable]]) -> KappaResult:
    """Cohen's (1960) kappa over `pairs`, one (first coder's label, second's) per unit.

    Computed with exact fractions, so that the figures do not depend on the order of units.
    """
    return cohen_kappa_of_table(Counter(pairs))


def cohen_kappa_of_table(table: Mapping[tuple[Label, Label], int]) -> KappaResult:
    """Cohen's kappa from its contingency table: (first coder's label, second's) → how many
    units were so labelled. The same figures as `cohen_kappa` over those units."""
    units = sum(table.values())
    if units == 0:
        return KappaResult(None, None, None, 0, 0, note="No unit was coded by both analysts.")
    agreements = sum(count for (first, second), count in table.items() if first == second)
    first_counts: Counter[Hashable] = Counter()
    second_counts: Counter[Hashable] = Counter()
    for (first, second), count in table.items():
        first_counts[first] += count
        second_counts[second] += count
    observed = Fraction(agreements, units)
    expected = Fraction(
        sum(count * second_counts[label] for label, count in first_counts.items()), units * units
    )
    sorted_table: dict[tuple[Hashable, Hashable], int] = dict(sorted(table.items(), key=_by_text))
    if expected == 1:
        (label,) = first_counts
        return KappaResult(
            None,
            float(observed),
            float(expected),
            units,
            agreements,
            sorted_table,
            note=(
                f"Both analysts gave every unit the same label ({label}), so the agreement "
                "expected by chance is 1 and kappa is 0/0, undefined."
            ),
        )
    kappa = (observed - expected) / (1 - expected)
    return KappaResult(
        float(kappa), float(observed), float(expected), units, agreements, sorted_table
    )


def krippendorff_alpha_nominal(units: Iterable[Iterable[Hashable | None]]) -> AlphaResult:
    """Krippendorff's alpha for nominal data, by the coincidence matrix (Krippendorff 2011).

    Each unit is the values its coders gave it, None for a coder who gave none (missing).
    Units with fewer than two values cannot be paired and are left out.
    """
    return krippendorff_alpha_of_counted_units(Counter(tuple(unit) for unit in units))


def krippendorff_alpha_of_counted_units(
    units: Mapping[tuple[Label | None, ...], int],
) -> AlphaResult:
    """Krippendorff's alpha for nominal data over units given as (values of a unit → how many
    units have those values): the same figures as `krippendorff_alpha_nominal` over the units
    one by one, as the fractions are exact."""
    coincidences: defaultdict[tuple[Hashable, Hashable], Fraction] = defaultdict(Fraction)
    pairable_units = 0
    for unit, alike in units.items():
        counts: Counter[Hashable] = Counter(value for value in unit if value is not None)
        m = sum(counts.values())
        if m < 2 or not alike:
            continue
        pairable_units += alike
        # Each ordered pair of values from two different coders, weighted 1 / (m_u − 1), so
        # that every unit contributes exactly its m_u values to the matrix.
        for c, n_c in counts.items():
            for k, n_k in counts.items():
                pairs = n_c * (n_k - 1) if c == k else n_c * n_k
                if pairs:
                    coincidences[(c, k)] += Fraction(pairs * alike, m - 1)
    totals: defaultdict[Hashable, Fraction] = defaultdict(Fraction)
    for (c, _), o in coincidences.items():
        totals[c] += o
    # n_c = Σ_k o_ck counts the values c in pairable units, so it is a whole number.
    value_counts = {c: int(total) for c, total in sorted(totals.items(), key=_by_text)}
    n = sum(value_counts.values())
    matrix = {pair: float(o) for pair, o in sorted(coincidences.items(), key=_by_text)}
    if n == 0:
        return AlphaResult(
            None, 0, 0, note="No unit has values from two analysts, so nothing can be compared."
        )
    disagreeing = sum((o for (c, k), o in coincidences.items() if c != k), Fraction(0))
    by_chance = Fraction(n * n - sum(n_c * n_c for n_c in value_counts.values()))
    observed = disagreeing / n
    expected = by_chance / (n * (n - 1))
    if by_chance == 0:
        (value,) = value_counts
        return AlphaResult(
            None,
            n,
            pairable_units,
            float(observed),
            float(expected),
            value_counts,
            matrix,
            note=(
                f"Every value is the same ({value}): with no variation, the disagreement "
                "expected by chance is 0 and alpha is 0/0, undefined."
            ),
        )
    alpha = 1 - (n - 1) * disagreeing / by_chance
    return AlphaResult(
        float(alpha), n, pairable_units, float(observed), float(expected), value_counts, matrix
    )

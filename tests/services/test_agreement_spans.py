"""Krippendorff's unitizing alpha against the published worked example, and span F1."""

import random

import pytest

from app.services.agreement_spans import (
    Section,
    SectionFigures,
    alpha_of_figures,
    merged_units,
    section_figures,
    span_f1,
    unitizing_alpha,
)

# Krippendorff, K. (1995). On the reliability of unitizing continuous data. Sociological
# Methodology 25: 47–76, the example on p. 57: four pairs of coders unitize a continuum of 24,
# each pair in its own category A–D, as transcribed (begin, length) by the DKPro Statistics
# test Krippendorff1995Test (dkpro/dkpro-statistics,
# dkpro-statistics-agreement/src/test/java/org/dkpro/statistics/agreement/unitizing/).
#   A Bertha:  0 0|1 1 1 1 1 1 1 1|0 0 0 0|1 1 1 1 1 1|0 0 0 0
#     Bill:    0 0 0 0|1 1 1 1|0 0 0 0 0 0 0|1 1|0 0 0 0 0 0 0
#   C Gerret:  0 0|1 1 1 1 1 1|0 0|1 1|0 0|1 1 1 1|0 0|1 1|0 0
#     Gill:    1 1|0 0|1 1 1 1|0 0|1 1 1 1|0 0|1 1|0 0|1 1|0 0
KRIPPENDORFF_1995 = {
    "A": [[(2, 8), (14, 6)], [(4, 4), (15, 2)]],
    "B": [[(0, 18)], [(0, 2), (2, 1), (3, 1), (4, 1), (5, 1), (6, 3), (9, 1)]],
    "C": [[(2, 6), (10, 2), (14, 4), (20, 2)], [(0, 2), (4, 4), (10, 4), (16, 2), (20, 2)]],
    "D": [
        [(0, 2), (2, 8), (10, 4), (14, 6), (20, 4)],
        [(0, 4), (4, 4), (8, 7), (15, 2), (17, 7)],
    ],
}
# The published observed disagreements (continuum of 24, exact) and, the continuum stretched
# to 1,200,000 so that it approaches the continuous case the paper computes, the expected
# disagreements and alphas: α_u = .553 (A), −.926 (B), .679 (C), .066 (D).
OBSERVED = {"A": 0.03125, "B": 2.26736, "C": 0.02777, "D": 0.38715}
EXPECTED = {"A": 0.06990, "B": 1.17731, "C": 0.08642, "D": 0.41445}
ALPHA = {"A": 0.553, "B": -0.926, "C": 0.679, "D": 0.066}


def example(category: str, stretch: int = 1) -> Section:
    return Section(
        24 * stretch,
        [
            [(begin * stretch, (begin + length) * stretch) for begin, length in coder]
            for coder in KRIPPENDORFF_1995[category]
        ],
    )


@pytest.mark.parametrize("category", "ABCD")
def test_unitizing_alpha_reproduces_krippendorff_1995(category: str) -> None:
    exact = unitizing_alpha([example(category)])
    assert exact.observed_disagreement == pytest.approx(OBSERVED[category], abs=1e-5)
    stretched = unitizing_alpha([example(category, 50_000)])
    assert stretched.observed_disagreement == pytest.approx(OBSERVED[category], abs=1e-5)
    assert stretched.expected_disagreement == pytest.approx(EXPECTED[category], abs=5e-3)
    assert stretched.alpha == pytest.approx(ALPHA[category], abs=0.02)
    assert (stretched.coders, stretched.length) == (2, 1_200_000)


def test_unitizing_alpha_of_a_short_example_with_a_negative_value() -> None:
    # DKPro Statistics, UnitizingAgreementTest: r0 -11111111-, r1 --1-1-1--- on a continuum
    # of 10. Published there: D_o = 0.9100, D_e = 0.5351, α_u = −0.7003.
    result = unitizing_alpha([Section(10, [[(1, 9)], [(2, 3), (4, 5), (6, 7)]])])
    assert result.observed_disagreement == pytest.approx(0.9100, abs=1e-4)
    assert result.expected_disagreement == pytest.approx(0.5351, abs=1e-4)
    assert result.alpha == pytest.approx(-0.7003, abs=1e-4)


def test_identical_unitizing_agrees_fully_and_no_units_is_undefined() -> None:
    same = [(3, 9), (12, 20)]
    assert unitizing_alpha([Section(30, [same, same, same])]).alpha == pytest.approx(1.0)
    nothing = unitizing_alpha([Section(30, [[], []])])
    assert nothing.alpha is None and "nothing to agree on" in (nothing.note or "")


def test_sections_add_up_and_gaps_stop_at_their_end() -> None:
    first = Section(10, [[(2, 5)], [(2, 6)]])
    second = Section(8, [[], [(0, 3)]])
    together = unitizing_alpha([first, second])
    figures = [section_figures(first), section_figures(second)]
    assert figures[1] == SectionFigures(8, 9, (3,), (8, 5))
    assert together == alpha_of_figures(2, figures)
    # Drawing a section twice counts it twice.
    assert alpha_of_figures(2, [figures[0], figures[0]]).length == 20
    with pytest.raises(ValueError, match="same number of coders"):
        unitizing_alpha([first, Section(5, [[], [], []])])


def test_a_coders_overlapping_tags_merge_and_touching_ones_do_not() -> None:
    assert merged_units([(5, 9), (0, 3), (2, 4), (9, 12), (7, 7)]) == [(0, 4), (5, 9), (9, 12)]


def test_span_f1_exact_and_overlap() -> None:
    first = [("d", 0, 10), ("d", 20, 30), ("e", 0, 5)]
    second = [("d", 0, 10), ("d", 25, 40), ("e", 5, 9)]
    result = span_f1(first, second)
    # Exact: one shared span of three each: F1 = 2·1 / 6.
    assert result.exact == pytest.approx(1 / 3)
    # Overlap: two of three match each way ("e" 0–5 and 5–9 only touch): P = R = F1 = 2/3.
    assert result.overlap == pytest.approx(2 / 3)
    assert (result.first_spans, result.second_spans) == (3, 3)
    assert span_f1([], []).exact is None
    alone = span_f1(first, [])
    assert (alone.exact, alone.overlap) == (0.0, 0.0)


def test_overlap_matching_equals_checking_every_pair() -> None:
    rng = random.Random(4)

    def spans() -> list[tuple[str, int, int]]:
        found = []
        for _ in range(rng.randint(0, 12)):
            begin = rng.randint(0, 60)
            found.append((rng.choice("de"), begin, begin + rng.randint(1, 15)))
        return found

    def overlapping(a: list[tuple[str, int, int]], b: list[tuple[str, int, int]]) -> int:
        return sum(any(d == e and x < g and f < y for e, f, g in b) for d, x, y in a)

    for _ in range(200):
        a, b = sorted(set(spans())), sorted(set(spans()))
        if not a or not b:
            continue
        p, r = overlapping(a, b) / len(a), overlapping(b, a) / len(b)
        assert span_f1(a, b).overlap == pytest.approx(2 * p * r / (p + r) if p + r else 0.0)

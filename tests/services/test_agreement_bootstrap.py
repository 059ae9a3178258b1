"""Bootstrap intervals of alpha, kappa and unitizing alpha: reproducible with a seed, each
draw's figure the measure's own on the units drawn, and around the point estimate."""

import numpy as np
import pytest

from app.services.agreement_bootstrap import alpha_interval, kappa_interval, unitizing_interval
from app.services.agreement_measures import (
    cohen_kappa_of_table,
    krippendorff_alpha_of_counted_units,
)
from app.services.agreement_spans import Section, alpha_of_figures, section_figures

# Three coders over 60 passages that agree mostly, with a passage not coded by one of them.
ROWS: dict[tuple[str | None, ...], int] = {
    ("none", "none", "none"): 30,
    ("states", "states", "states"): 12,
    ("opposes", "opposes", None): 6,
    ("states", "none", "states"): 5,
    ("none", "opposes", "none"): 4,
    ("supports", "supports", "states"): 3,
}
TABLE = {("yes", "yes"): 20, ("yes", "no"): 5, ("no", "yes"): 10, ("no", "no"): 15}
SECTIONS = [
    Section(120, [[(10, 40), (60, 70)], [(12, 40), (58, 75)]]),
    Section(80, [[(0, 20)], [(0, 18), (50, 60)]]),
    Section(200, [[(30, 90), (150, 160)], [(30, 95), (150, 158)]]),
    Section(60, [[], [(5, 9)]]),
    Section(150, [[(0, 150)], [(0, 140)]]),
]
FIGURES = [section_figures(s) for s in SECTIONS]


def test_the_same_seed_gives_the_same_interval_and_another_seed_another() -> None:
    assert alpha_interval(ROWS, seed=3) == alpha_interval(ROWS, seed=3)
    assert kappa_interval(TABLE, seed=3) == kappa_interval(TABLE, seed=3)
    assert unitizing_interval(2, FIGURES, seed=3) == unitizing_interval(2, FIGURES, seed=3)
    # On these data the draws of seeds 0 and 1 differ, and so do the intervals.
    assert alpha_interval(ROWS, seed=0).low != alpha_interval(ROWS, seed=1).low
    assert kappa_interval(TABLE, seed=0).low != kappa_interval(TABLE, seed=1).low
    assert unitizing_interval(2, FIGURES, seed=0) != unitizing_interval(2, FIGURES, seed=1)


def test_the_interval_holds_the_point_estimate() -> None:
    alpha = krippendorff_alpha_of_counted_units(ROWS).alpha
    interval = alpha_interval(ROWS)
    assert interval.low is not None and interval.high is not None and alpha is not None
    assert interval.low < alpha < interval.high
    assert (interval.samples, interval.seed, interval.level) == (1000, 0, 0.95)
    assert interval.defined == 1000
    kappa = cohen_kappa_of_table(TABLE).kappa
    k = kappa_interval(TABLE, samples=2000)
    assert k.low is not None and k.high is not None and kappa is not None
    assert k.low < kappa < k.high and k.samples == 2000
    alpha_u = alpha_of_figures(2, FIGURES).alpha
    u = unitizing_interval(2, FIGURES)
    assert u.low is not None and u.high is not None and alpha_u is not None
    assert u.low <= alpha_u <= u.high


def test_a_draw_gives_the_measures_own_figure_on_the_units_drawn() -> None:
    """With one draw, both ends of the interval are that draw's figure: the vectorised
    algebra must give what the exact measures give on the same units."""
    for seed in range(5):
        items = list(ROWS.items())
        counts = [c for _, c in items]
        drawn = np.random.default_rng(seed).multinomial(
            sum(counts), np.asarray(counts) / sum(counts), size=1
        )[0]
        exact = krippendorff_alpha_of_counted_units(
            {row: int(n) for (row, _), n in zip(items, drawn, strict=True) if n}
        ).alpha
        one = alpha_interval(ROWS, samples=1, seed=seed)
        assert one.low == pytest.approx(exact) and one.high == pytest.approx(exact)

        cells = list(TABLE.items())
        counts = [c for _, c in cells]
        drawn = np.random.default_rng(seed).multinomial(
            sum(counts), np.asarray(counts) / sum(counts), size=1
        )[0]
        exact = cohen_kappa_of_table(
            {cell: int(n) for (cell, _), n in zip(cells, drawn, strict=True) if n}
        ).kappa
        assert kappa_interval(TABLE, samples=1, seed=seed).low == pytest.approx(exact)

        picks = np.random.default_rng(seed).integers(0, len(FIGURES), size=(1, len(FIGURES)))
        exact = alpha_of_figures(2, [FIGURES[i] for i in picks[0]]).alpha
        assert unitizing_interval(2, FIGURES, samples=1, seed=seed).low == pytest.approx(exact)


def test_draws_with_no_figure_are_left_out_and_no_data_has_no_interval() -> None:
    # Perfect agreement with one rare label: a draw without it has no variation (undefined).
    rows: dict[tuple[str | None, ...], int] = {("a", "a"): 58, ("b", "b"): 2}
    interval = alpha_interval(rows, samples=500)
    assert interval.defined < 500
    assert interval.low == interval.high == pytest.approx(1.0)
    empty = alpha_interval({})
    assert (empty.low, empty.high, empty.defined) == (None, None, 0)
    assert kappa_interval({}).low is None
    assert unitizing_interval(2, []).low is None
    nobody = unitizing_interval(2, [section_figures(Section(10, [[], []]))] * 2)
    assert (nobody.low, nobody.defined) == (None, 0)
    # One document: every draw is the same document, which says nothing of the variation.
    alone = unitizing_interval(2, FIGURES[:1])
    assert (alone.low, alone.high, alone.samples) == (None, None, 1000)

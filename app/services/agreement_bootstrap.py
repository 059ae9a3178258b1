"""Bootstrap confidence intervals for the agreement measures: how much a figure could move had
other passages (or documents) of the same kind been coded.

**Method** (percentile bootstrap, Efron and Tibshirani 1993): draw as many units as there are,
with replacement, ``samples`` times (1000 by default); compute the measure on each draw; the
95 % interval runs from the 2.5th to the 97.5th percentile of the draws' figures. A draw on
which the measure is undefined (every value alike, say) is left out; if every draw is, there
is no interval.

- For **α and κ** the units are passages. The report already counts passages by their row of
  labels, so a draw is a multinomial of the number of passages over those rows (each row with
  the share of passages that have it): the same as drawing passages one by one. κ draws the
  passages both analysts coded; α every passage.
- For **α_u** the units are documents, the sections of the continuum: a document drawn twice
  adds its text, units and gaps twice. With a single document there is nothing to draw from,
  and no interval.

No draws (``samples`` 0) give no intervals, and the report is quicker. The draws come from a
generator seeded with ``seed`` (0 by default): the same data and seed
give the same interval every time. Each measure is computed for all draws at once with numpy,
from the counts that define it, so 1000 draws cost a few matrix products.
"""

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from app.services.agreement_spans import SectionFigures

SAMPLES = 1000
SEED = 0
LEVEL = 0.95

Floats = npt.NDArray[np.float64]
Label = TypeVar("Label", bound=Hashable)


@dataclass(frozen=True)
class Interval:
    """A 95 % percentile bootstrap interval, from `samples` draws (of which `defined` gave a
    figure) made with `seed`. `low` and `high` are None when no draw gave one."""

    low: float | None
    high: float | None
    samples: int
    defined: int
    seed: int
    level: float = LEVEL


def _interval(values: Floats, samples: int, seed: int) -> Interval:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return Interval(None, None, samples, 0, seed)
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return Interval(float(low), float(high), samples, int(finite.size), seed)


def _draws(counts: Sequence[int], samples: int, seed: int) -> npt.NDArray[np.int64]:
    """`samples` multinomial draws of sum(counts) units over rows weighted by `counts`."""
    total = sum(counts)
    rng = np.random.default_rng(seed)
    shares = np.asarray(counts, dtype=np.float64) / total
    return rng.multinomial(total, shares, size=samples)


def _no_interval(samples: int, seed: int) -> Interval:
    return Interval(None, None, samples, 0, seed)


def alpha_interval(
    rows: Mapping[tuple[Label | None, ...], int], *, samples: int = SAMPLES, seed: int = SEED
) -> Interval:
    """The interval of Krippendorff's alpha (nominal) over units given as (their values → how
    many units have them), as in `krippendorff_alpha_of_counted_units`."""
    items = [(row, count) for row, count in rows.items() if count]
    if not items or samples < 1:
        return _no_interval(samples, seed)
    labels = sorted({v for row, _ in items for v in row if v is not None}, key=repr)
    if len(labels) < 2:
        return _no_interval(samples, seed)  # one value: no draw has variation to measure
    place = {label: i for i, label in enumerate(labels)}
    # For each row: its values (n_c) and its disagreeing coincidences Σ_{c≠k} o_ck, if pairable.
    values = np.zeros((len(items), len(labels)))
    disagreeing = np.zeros(len(items))
    for r, (row, _) in enumerate(items):
        counts = Counter(v for v in row if v is not None)
        m = sum(counts.values())
        if m < 2:
            continue
        for value, n in counts.items():
            values[r, place[value]] = n
        disagreeing[r] = (m * m - sum(n * n for n in counts.values())) / (m - 1)
    draws = _draws([count for _, count in items], samples, seed).astype(np.float64)
    n_c = draws @ values
    n = n_c.sum(axis=1)
    by_chance = n * n - (n_c * n_c).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1 - (n - 1) * (draws @ disagreeing) / by_chance
    alpha[by_chance == 0] = np.nan
    return _interval(alpha, samples, seed)


def kappa_interval(
    table: Mapping[tuple[Label, Label], int], *, samples: int = SAMPLES, seed: int = SEED
) -> Interval:
    """The interval of Cohen's kappa from its contingency table (as in `cohen_kappa_of_table`),
    drawing the passages both analysts coded."""
    cells = [(pair, count) for pair, count in table.items() if count]
    if not cells or samples < 1:
        return _no_interval(samples, seed)
    labels = sorted({label for pair, _ in cells for label in pair}, key=repr)
    if len(labels) < 2:
        return _no_interval(samples, seed)  # one label: kappa is undefined on every draw
    place = {label: i for i, label in enumerate(labels)}
    first = np.zeros((len(cells), len(labels)))
    second = np.zeros((len(cells), len(labels)))
    same = np.zeros(len(cells))
    for c, ((a, b), _) in enumerate(cells):
        first[c, place[a]] = 1
        second[c, place[b]] = 1
        same[c] = a == b
    draws = _draws([count for _, count in cells], samples, seed).astype(np.float64)
    units = draws.sum(axis=1)
    observed = (draws @ same) / units
    expected = ((draws @ first) * (draws @ second)).sum(axis=1) / (units * units)
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = (observed - expected) / (1 - expected)
    kappa[np.isclose(expected, 1)] = np.nan
    return _interval(kappa, samples, seed)


def unitizing_interval(
    coders: int, figures: Sequence[SectionFigures], *, samples: int = SAMPLES, seed: int = SEED
) -> Interval:
    """The interval of α_u (`alpha_of_figures`), drawing documents (sections) with
    replacement. The same algebra as `alpha_of_figures`, for every draw at once. One document
    alone has no interval: every draw would be that document again."""
    if coders < 2 or len(figures) < 2 or samples < 1:
        return _no_interval(samples, seed)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(figures), size=(samples, len(figures)))
    # How often each section is drawn in each draw.
    drawn = np.zeros((samples, len(figures)))
    np.add.at(drawn, (np.arange(samples)[:, None], picks), 1)
    unit_lengths = sorted({u for f in figures for u in f.unit_lengths})
    u_place = {u: i for i, u in enumerate(unit_lengths)}
    ell = np.asarray(unit_lengths, dtype=np.float64)
    # For each section: how many units of each length, and for each unit length l, its gaps
    # g ≥ l: how many and their total length. Σ_{g ≥ l} (g − l + 1) over a draw's gaps is then
    # Σ_s drawn_s (total_s(l) − (l − 1) count_s(l)), and no table of gap lengths is needed.
    units_in = np.zeros((len(figures), len(unit_lengths)))
    longer = np.zeros((len(figures), len(unit_lengths)))
    longer_total = np.zeros((len(figures), len(unit_lengths)))
    for s, f in enumerate(figures):
        for u in f.unit_lengths:
            units_in[s, u_place[u]] += 1
        gaps = np.sort(np.asarray(f.gap_lengths, dtype=np.float64))
        suffix = np.concatenate([np.cumsum(gaps[::-1])[::-1], [0.0]])
        first_fitting = np.searchsorted(gaps, ell, side="left")
        longer[s] = len(gaps) - first_fitting
        longer_total[s] = suffix[first_fitting]
    length = drawn @ np.asarray([f.length for f in figures], dtype=np.float64)
    distance = drawn @ np.asarray([f.distance for f in figures], dtype=np.float64)
    units = drawn @ units_in  # draws × unit lengths
    n_units = units.sum(axis=1)
    fitting = drawn @ longer_total - (ell - 1) * (drawn @ longer)  # draws × unit lengths
    first = (n_units - 1) * (units @ (2 * ell**3 - 3 * ell**2 + ell)) / 3
    second = (units * ell**2 * fitting).sum(axis=1)
    denominator = coders * length * (coders * length - 1) - units @ (ell * (ell - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        observed = 2 * distance / (coders * (coders - 1) * length**2)
        expected = 2 / length * (first + second) / denominator
        alpha = 1 - observed / expected
    alpha[~(expected > 0)] = np.nan
    return _interval(alpha, samples, seed)

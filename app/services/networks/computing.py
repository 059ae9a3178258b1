"""Compute a network, or one network per step of a moving window, from statements."""

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import date, timedelta
from operator import itemgetter

from app.services.errors import InvalidInput
from app.services.networks.model import Network, NetworkKind, Window
from app.services.networks.one_mode import one_mode_network
from app.services.networks.specification import NetworkSpec
from app.services.networks.statements import Duplicates, Statement, drop_duplicates
from app.services.networks.two_mode import two_mode_network


def network_of(
    statements: Sequence[Statement], spec: NetworkSpec, window: Window | None = None
) -> Network:
    """The network `spec` asks for, from statements whose duplicates were already dropped."""
    if spec.kind is NetworkKind.two_mode:
        return two_mode_network(statements, spec.two_mode_weight, spec.normalization, window)
    return one_mode_network(statements, spec.kind, spec.mode, spec.normalization, window)


def compute_network(statements: Sequence[Statement], spec: NetworkSpec) -> Network:
    """The network `spec` asks for, after dropping duplicates by `spec.duplicates`."""
    return network_of(_kept(statements, spec), spec)


def _kept(statements: Sequence[Statement], spec: NetworkSpec) -> Sequence[Statement]:
    """The statements that count: all of them (in any order: a network does not depend on
    it), or those `spec.duplicates` keeps, which needs them in time order."""
    if spec.duplicates is Duplicates.include:
        return statements
    return drop_duplicates(statements, spec.duplicates)


def half_width(window_days: int) -> int:
    """Days either side of a window's middle: DNA's `addition`,
    `(int) Math.round(((double) windowSize - 1) / 2)` (Java rounds halves up)."""
    return window_days // 2


def check_window(window_days: int, step_days: int) -> None:
    """InvalidInput unless the window lasts at least a day and moves by at least a day."""
    if window_days <= 0:
        raise InvalidInput(f"A time window must last at least one day, not {window_days}.")
    if step_days <= 0:
        raise InvalidInput(f"A time window must move by at least one day, not {step_days}.")


def moving_windows(start: date, end: date, window_days: int, step_days: int = 1) -> list[Window]:
    """The windows of DNA's moving time window over `start`…`end` (both included).

    Follows `Exporter.computeTimeWindowMatrices()` (leifeld-lab/dna,
    dna/src/main/java/dna/export/Exporter.java), whose loop puts a window's middle on every
    day from the start and keeps a window only if it lies wholly inside the range:

        windowStart = windowStart.minusDays(addition);
        windowStop = windowStop.plusDays(addition);
        currentTime = currentTime.plusDays(1);
        ...
        if (!windowStart.isBefore(startCalendar) && !windowStop.isAfter(stopCalendar)) {
            ... if (!iTime.isBefore(windowStart) && !iTime.isAfter(windowStop)) { add }

    so a window is [middle − h, middle + h] with both ends included, h = round((w − 1) / 2):
    an odd `window_days` covers exactly that many days, an even one a day more (DNA's
    behaviour, kept so the numbers match). DNA always steps by one day; here middles are
    `start`, `start + step`, `start + 2·step`, …, so a step of s days gives every s-th of
    DNA's networks. A range shorter than one window gives no windows. DNA compares date-times
    (for a range starting at midnight, from midnight of a window's first day to midnight of its
    last); dates here are those midnights, so both end days count in full.
    """
    check_window(window_days, step_days)
    if end < start:
        raise InvalidInput(
            f"The date range ends ({end.isoformat()}) before it starts ({start.isoformat()})."
        )
    half = timedelta(days=half_width(window_days))
    windows: list[Window] = []
    middle = start
    while middle <= end:
        if middle - half >= start and middle + half <= end:
            windows.append(Window(start=middle - half, middle=middle, end=middle + half))
        middle += timedelta(days=step_days)
    return windows


def compute_windowed_networks(
    statements: Sequence[Statement],
    spec: NetworkSpec,
    *,
    window_days: int,
    step_days: int = 1,
    start: date | None = None,
    end: date | None = None,
) -> list[Network]:
    """One network per window of a moving window, each labelled with its window.

    Duplicates are dropped over the whole range first, then each window takes the statements
    dated within it, as DNA filters before it slides the window; an undated statement is in
    none. `start` and `end` default to the first and last statement dates; statements outside
    them are ignored. Each network has the nodes active in its window only.
    """
    check_window(window_days, step_days)
    # The dated statements in date order, once: each window is then the slice of its days.
    dated = sorted(
        ((s.date, s) for s in _kept(statements, spec) if s.date is not None), key=itemgetter(0)
    )
    days = [day for day, _ in dated]
    ordered = [statement for _, statement in dated]
    if days:
        start = days[0] if start is None else start
        end = days[-1] if end is None else end
    if start is None or end is None:
        return []
    return [
        network_of(
            ordered[bisect_left(days, window.start) : bisect_right(days, window.end)],
            spec,
            window,
        )
        for window in moving_windows(start, end, window_days, step_days)
    ]

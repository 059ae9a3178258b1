"""The moving window as DNA's Exporter.computeTimeWindowMatrices slides it, and the refusals.

A window of w days centred on day t covers t − h … t + h, both days included, with
h = round((w − 1) / 2) rounding halves up (Java's Math.round): w = 3 → h = 1 (3 days),
w = 4 → h = 2 (5 days, as in DNA). Only windows wholly inside the range are kept.
"""

import random
from datetime import date, timedelta

import pytest

from app.services.errors import InvalidInput
from app.services.networks import (
    Agreement,
    Network,
    Statement,
    Window,
    compute_network,
    compute_windowed_networks,
    drop_duplicates,
    moving_windows,
    network_spec,
)
from app.services.networks.computing import network_of
from tests.services.networks.examples import H, statement, three_actors


def day(n: int) -> date:
    return date(2024, 1, n)


def test_windows_are_centred_and_kept_only_inside_the_range() -> None:
    windows = moving_windows(day(1), day(10), window_days=3)
    assert [window.middle for window in windows] == [day(n) for n in range(2, 10)]
    assert windows[0] == Window(start=day(1), middle=day(2), end=day(3))
    assert windows[-1] == Window(start=day(8), middle=day(9), end=day(10))


def test_an_even_window_spans_one_day_more_as_in_dna() -> None:
    windows = moving_windows(day(1), day(10), window_days=4)
    assert windows[0] == Window(start=day(1), middle=day(3), end=day(5))
    assert len(windows) == 6  # middles 3 … 8


def test_a_step_keeps_every_nth_of_dnas_daily_windows() -> None:
    """Middles 1, 4, 7, 10: the first and last stick out of the range and are dropped."""
    daily = moving_windows(day(1), day(10), window_days=3)
    stepped = moving_windows(day(1), day(10), window_days=3, step_days=3)
    assert [window.middle for window in stepped] == [day(4), day(7)]
    assert set(stepped) <= set(daily)


def test_a_one_day_window_is_each_day_and_a_long_window_gives_none() -> None:
    assert [w.start for w in moving_windows(day(1), day(3), 1)] == [day(1), day(2), day(3)]
    assert moving_windows(day(1), day(3), window_days=5) == []


def weights_by_window(networks: list[Network]) -> list[tuple[date, dict[tuple[str, str], float]]]:
    result = []
    for network in networks:
        assert network.window is not None
        labels = {node.id: node.label for node in network.nodes}
        edges = {(labels[e.source], labels[e.target]): e.weight for e in network.edges}
        result.append((network.window.middle, edges))
    return result


def test_each_window_counts_the_statements_dated_within_it_both_ends_included() -> None:
    """three_actors is dated 1–7 January. With w = 5 (h = 2) over 1–7 January:

    window 1–5 (middle 3): A's three holds on c1 (1, 2, 3) and rejects c2 (4), B holds c1
        (5): conflict A–B 0, A–C none (C on the 7th).            conflict: {}
    window 2–6 (middle 4): A h c1 ×2 (2, 3), A r c2 (4), B h c1 (5), B h c2 (6):
        conflict A–B = r_A(c2)·h_B(c2) = 1
    window 3–7 (middle 5): A h c1 (3), A r c2 (4), B h c1, B h c2, C r c1 (7):
        conflict A–B 1, A–C h_A(c1)·r_C(c1) = 1, B–C 1
    """
    networks = compute_windowed_networks(three_actors(), network_spec("conflict"), window_days=5)
    assert weights_by_window(networks) == [
        (day(3), {}),
        (day(4), {("A", "B"): 1}),
        (day(5), {("A", "B"): 1, ("A", "C"): 1, ("B", "C"): 1}),
    ]
    assert [node.label for node in networks[0].nodes] == ["A", "B"]


def test_windows_default_to_the_statements_dates_and_accept_a_wider_range() -> None:
    """Statements run 1–7 January; a range to the 12th with w = 3 and a step of 2 has middles
    3, 5, 7, 9, 11 (1 sticks out): 6–8 January holds B h c2 (6th) and C r c1 (7th), 10–12
    January nothing."""
    spec = network_spec("two-mode")
    assert [n.window for n in compute_windowed_networks(three_actors(), spec, window_days=3)] == (
        moving_windows(day(1), day(7), 3)
    )
    networks = compute_windowed_networks(
        three_actors(), spec, window_days=3, step_days=2, start=day(1), end=day(12)
    )
    assert [network.window for network in networks] == moving_windows(day(1), day(12), 3, 2)
    assert [node.label for node in networks[2].nodes] == ["B", "C", "c1", "c2"]
    assert networks[-1].nodes == ()
    assert compute_windowed_networks([], spec, window_days=3) == []


def test_duplicates_are_dropped_over_the_whole_range_before_windowing() -> None:
    """A's three holds on c1 are one statement under "acrossrange", the one of 1 January, so
    the window 3–5 January keeps only A's rejection of c2 (4th) and B's hold of c1 (5th)."""
    spec = network_spec("two-mode", duplicates="acrossrange")
    networks = compute_windowed_networks(three_actors(), spec, window_days=3, end=day(7))
    middle_4 = next(n for n in networks if n.window and n.window.middle == day(4))
    assert [(node.label, node.statements) for node in middle_4.nodes] == [
        ("A", 1),
        ("B", 1),
        ("c1", 1),
        ("c2", 1),
    ]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"window_days": 0}, "must last at least one day, not 0"),
        ({"window_days": -3}, "must last at least one day, not -3"),
        ({"window_days": 3, "step_days": 0}, "must move by at least one day, not 0"),
        ({"window_days": 3, "start": day(9), "end": day(2)}, r"ends \(2024-01-02\) before"),
    ],
)
def test_bad_windows_are_refused_in_words(arguments: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        compute_windowed_networks(three_actors(), network_spec("congruence"), **arguments)  # type: ignore[arg-type]


def test_bad_windows_are_refused_even_without_statements() -> None:
    with pytest.raises(InvalidInput):
        compute_windowed_networks([], network_spec("congruence"), window_days=0)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"kind": "affiliation"}, 'Unknown network type "affiliation"'),
        ({"kind": "congruence", "normalization": "z-score"}, 'Unknown normalization "z-score"'),
        ({"kind": "congruence", "normalization": "activity"}, "does not apply to a congruence"),
        ({"kind": "two-mode", "normalization": "jaccard"}, "does not apply to a two-mode"),
        ({"kind": "conflict", "mode": "document"}, 'Unknown kind of node "document"'),
        ({"kind": "two-mode", "two_mode_weight": "max"}, 'Unknown two-mode weight "max"'),
        (
            {"kind": "two-mode", "two_mode_weight": "combine", "normalization": "activity"},
            "cannot be normalized",
        ),
    ],
)
def test_unknown_or_mismatched_choices_are_refused_in_words(
    arguments: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        network_spec(**arguments)


def test_a_statement_on_the_last_day_of_a_window_counts_and_the_day_after_does_not() -> None:
    statements = [statement("1", "A", "c", H, 1), statement("2", "B", "c", H, 3)]
    spec = network_spec("congruence")
    networks = compute_windowed_networks(statements, spec, window_days=3, start=day(1), end=day(4))
    assert [len(network.edges) for network in networks] == [1, 0]  # 1–3 January, 2–4 January


def test_an_undated_statement_counts_over_all_time_and_in_no_window() -> None:
    statements = [
        Statement("1", "A", "c1", Agreement.holds, date(2024, 1, 1), "d1"),
        Statement("2", "B", "c1", Agreement.holds, None, "d2"),
    ]
    spec = network_spec("congruence")
    assert [(e.source, e.target, e.weight) for e in compute_network(statements, spec).edges] == [
        ("actor:A", "actor:B", 1.0)
    ]
    [window] = compute_windowed_networks(statements, spec, window_days=1)
    assert [node.label for node in window.nodes] == ["A"]
    assert window.window is not None and window.window.start == date(2024, 1, 1)


def test_same_day_statements_at_both_ends_of_a_window_all_count() -> None:
    """Window 3–5 January (w = 3, middle 4): every statement of the 3rd and of the 5th is in,
    none of the 2nd or the 6th, whatever order they come in."""
    statements = [
        statement("e1", "A", "c", H, 5),
        statement("b1", "B", "c", H, 2),
        statement("s1", "C", "c", H, 3),
        statement("a1", "D", "c", H, 6),
        statement("s2", "E", "c", H, 3),
        statement("e2", "F", "c", H, 5),
        statement("s3", "C", "c", H, 3),
    ]
    spec = network_spec("two-mode")
    networks = compute_windowed_networks(statements, spec, window_days=3, start=day(1), end=day(7))
    [middle_4] = [n for n in networks if n.window and n.window.middle == day(4)]
    assert [(node.label, node.statements) for node in middle_4.nodes] == [
        ("A", 1),
        ("C", 2),
        ("E", 1),
        ("F", 1),
        ("c", 5),
    ]


def test_undated_statements_are_in_no_window_and_do_not_set_the_range() -> None:
    undated = [
        Statement(f"u{n}", actor, "c1", Agreement.holds, None, "d9") for n, actor in enumerate("AB")
    ]
    statements = [undated[0], *three_actors(), undated[1]]
    spec = network_spec("congruence")
    networks = compute_windowed_networks(statements, spec, window_days=3)
    assert networks == compute_windowed_networks(three_actors(), spec, window_days=3)
    assert [n.window.middle for n in networks if n.window] == [day(n) for n in range(2, 7)]
    assert compute_windowed_networks(undated, spec, window_days=3) == []
    empty = compute_windowed_networks(undated, spec, window_days=3, start=day(1), end=day(3))
    assert [(n.nodes, n.edges) for n in empty] == [((), ())]


@pytest.mark.parametrize("duplicates", ["include", "document", "week", "acrossrange"])
@pytest.mark.parametrize(("window_days", "step_days"), [(1, 1), (4, 3), (10, 2)])
def test_each_window_has_the_network_of_exactly_its_days_statements(
    duplicates: str, window_days: int, step_days: int
) -> None:
    """Against the plain definition: duplicates dropped over the whole range, then each
    window's network made from the statements whose date is in it, both ends included."""
    pick = random.Random(window_days * 100 + step_days)
    statements = [
        Statement(
            str(n),
            f"a{pick.randrange(5)}",
            f"c{pick.randrange(4)}",
            pick.choice((Agreement.holds, Agreement.rejects)),
            None if pick.random() < 0.1 else day(1) + timedelta(days=pick.randrange(40)),
            f"d{pick.randrange(8)}",
        )
        for n in range(150)
    ]
    for kind in ("two-mode", "subtract"):
        spec = network_spec(kind, duplicates=duplicates)
        kept = drop_duplicates(statements, duplicates)
        start, end = day(3), day(3) + timedelta(days=35)
        expected = [
            network_of(
                [s for s in kept if s.date is not None and w.start <= s.date <= w.end], spec, w
            )
            for w in moving_windows(start, end, window_days, step_days)
        ]
        assert expected and any(network.edges for network in expected)
        assert (
            compute_windowed_networks(
                statements,
                spec,
                window_days=window_days,
                step_days=step_days,
                start=start,
                end=end,
            )
            == expected
        )

"""DNA's duplicates rules: the earliest of each set of equal statements is kept."""

import random
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from app.services.errors import InvalidInput
from app.services.networks import Agreement, Statement, drop_duplicates


def dated(id: str, day: date, document: str = "d1", agreement: str = "holds") -> Statement:
    return Statement(id, "A", "c", Agreement(agreement), day, document)


STATEMENTS = [
    dated("1", date(2024, 1, 1), "d1"),
    dated("2", date(2024, 1, 1), "d1"),  # same document as 1
    dated("3", date(2024, 1, 3), "d2"),  # same ISO week (1–7 January) as 1
    dated("4", date(2024, 1, 9), "d3"),  # next week, same month
    dated("5", date(2024, 2, 1), "d4"),  # next month, same year
    dated("6", date(2025, 1, 2), "d5"),  # next year, same month *number* as 1
    dated("7", date(2024, 1, 1), "d1", "rejects"),  # another agreement: never a duplicate
]


def kept(rule: str) -> list[str]:
    return [statement.id for statement in drop_duplicates(STATEMENTS, rule)]


@pytest.mark.parametrize(
    ("rule", "ids"),
    [
        ("include", ["1", "2", "7", "3", "4", "5", "6"]),
        ("document", ["1", "7", "3", "4", "5", "6"]),
        ("week", ["1", "7", "4", "5", "6"]),
        ("month", ["1", "7", "5", "6"]),
        ("year", ["1", "7", "6"]),
        ("acrossrange", ["1", "7"]),
    ],
)
def test_duplicates_keep_the_first_statement_of_each_period(rule: str, ids: list[str]) -> None:
    """Statements come back in time order (date, then id); January 2025 is not January 2024
    (DNA would merge them under "month": documented difference)."""
    assert kept(rule) == ids


def test_an_unknown_duplicates_rule_is_refused_in_words() -> None:
    with pytest.raises(InvalidInput, match='Unknown duplicates setting "daily"'):
        drop_duplicates(STATEMENTS, "daily")


UNDATED = [
    Statement("u1", "A", "c", Agreement.holds, None, "d1"),
    Statement("u2", "A", "c", Agreement.holds, None, "d1"),  # same document as u1
    Statement("u3", "A", "c", Agreement.holds, None, "d2"),  # another undated document
    dated("9", date(2024, 1, 1), "d3"),
]


@pytest.mark.parametrize(
    ("rule", "ids"),
    [
        ("include", ["u1", "u2", "u3", "9"]),
        ("document", ["u1", "u3", "9"]),
        # An undated statement's week, month or year is unknown: only its document tells.
        ("week", ["u1", "u3", "9"]),
        ("year", ["u1", "u3", "9"]),
        ("acrossrange", ["u1"]),
    ],
)
def test_undated_statements_come_first_and_repeat_only_within_their_document(
    rule: str, ids: list[str]
) -> None:
    assert [statement.id for statement in drop_duplicates(UNDATED, rule)] == ids


def test_duplicates_match_their_plain_definition_on_shuffled_statements() -> None:
    """Against the rules written out: sort by (dated, date, id), then keep a statement unless
    an earlier kept one has its actor, concept, agreement and period. The dates run over a
    new year, whose ISO week 1 of 2025 starts on 30 December 2024."""
    pick = random.Random(5)
    statements = [
        Statement(
            f"s{pick.randrange(60):02}",  # some ids repeat
            pick.choice("AB"),
            pick.choice(("c1", "c2")),
            pick.choice((Agreement.holds, Agreement.rejects)),
            None if pick.random() < 0.15 else date(2024, 12, 1) + timedelta(pick.randrange(70)),
            pick.choice(("d1", "d2", "d3")),
        )
        for _ in range(300)
    ]
    periods: dict[str, Callable[[Statement], object]] = {
        "document": lambda s: s.document,
        "week": lambda s: s.document if s.date is None else s.date.isocalendar()[:2],
        "month": lambda s: s.document if s.date is None else (s.date.year, s.date.month),
        "year": lambda s: s.document if s.date is None else s.date.year,
        "acrossrange": lambda s: None,
    }
    ordered = sorted(statements, key=lambda s: (s.date is not None, s.date or date.min, s.id))
    assert drop_duplicates(statements, "include") == ordered
    for rule, period in periods.items():
        seen: set[tuple[str, str, str, object]] = set()
        expected = []
        for s in ordered:
            key = (s.actor, s.concept, s.agreement.value, period(s))
            if key not in seen:
                seen.add(key)
                expected.append(s)
        assert drop_duplicates(statements, rule) == expected, rule

"""DNA's duplicates rules: the earliest of each set of equal statements is kept."""

from datetime import date

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

"""What the networks are made of: statements, and DNA's rules for dropping duplicates.

A *statement* is one actor's stance on one concept (a claim or a topic), read from one piece of
evidence in one document on one date. The caller turns the map's stances into these, with its
filters already applied; everything in this package is pure computation on them.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.services.filter_values import parse_choice


class Agreement(StrEnum):
    """DNA's boolean qualifier: 1 (agrees) is `holds`, 0 (disagrees) is `rejects`."""

    holds = "holds"
    rejects = "rejects"


@dataclass(frozen=True)
class Statement:
    """One actor's stance on one concept, dated, with the evidence it was read from.

    `date` is None when the document has no publication date: such a statement counts in a
    network over all time, never in a time window.
    """

    id: str
    actor: str
    concept: str
    agreement: Agreement
    date: date | None
    document: str
    evidence: str | None = None


class Duplicates(StrEnum):
    """DNA's "duplicates" setting: which repeated statements count only once.

    Two statements are duplicates when they have the same actor, concept and agreement and
    fall in the same document (`document`), ISO calendar week, calendar month or calendar year,
    or anywhere in the range (`acrossrange`). `include` keeps them all.
    """

    include = "include"
    document = "document"
    week = "week"
    month = "month"
    year = "year"
    acrossrange = "acrossrange"


def in_time_order(statements: Iterable[Statement]) -> list[Statement]:
    """The statements by date, then id: DNA sorts them by time before filtering and windowing.
    Undated statements come first."""
    return sorted(
        statements,
        key=lambda statement: (
            statement.date is not None,
            statement.date or date.min,
            statement.id,
        ),
    )


def _period(statement: Statement, rule: Duplicates) -> object:
    day = statement.date
    if rule is Duplicates.acrossrange:
        return None
    if rule is Duplicates.document or day is None:
        # An undated statement's week, month or year is unknown: only its document is known.
        return statement.document
    if rule is Duplicates.week:
        return day.isocalendar()[:2]
    if rule is Duplicates.month:
        return (day.year, day.month)
    return day.year


def drop_duplicates(
    statements: Iterable[Statement], rule: Duplicates | str = Duplicates.include
) -> list[Statement]:
    """The statements in time order, keeping the earliest of each set of duplicates.

    Follows DNA's `Exporter.filterStatements()` (dna/src/main/java/dna/export/Exporter.java),
    which walks the statements in time order and drops one that matches an earlier kept one:

        if (... ((al.get(j).getDocumentId() == s.getDocumentId() && duplicates.equals("document"))
                || duplicates.equals("acrossrange")
                || (duplicates.equals("year") && year == yearPrevious)
                || (duplicates.equals("month") && month == monthPrevious)
                || (duplicates.equals("week") && week == weekPrevious) )
            && values1[i].equals(previousVar1) && values2[i].equals(previousVar2)
            && <the same qualifier value>)

    One deliberate difference: DNA compares the month (and the week) number alone, so March
    2020 and March 2021 count as one month; here a month is a month of a year and a week an ISO
    week of its ISO year (Monday to Sunday, as DNA's UK week).
    """
    rule = parse_choice(Duplicates, rule, "duplicates setting")
    ordered = in_time_order(statements)
    if rule is Duplicates.include:
        return ordered
    seen: set[tuple[str, str, Agreement, object]] = set()
    kept: list[Statement] = []
    for statement in ordered:
        key = (statement.actor, statement.concept, statement.agreement, _period(statement, rule))
        if key not in seen:
            seen.add(key)
            kept.append(statement)
    return kept

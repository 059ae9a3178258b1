"""What the networks are made of: statements, and DNA's rules for dropping duplicates.

A *statement* is one actor's stance on one concept (a claim or a topic), read from one piece of
evidence in one document on one date. The caller turns the map's stances into these, with its
filters already applied; everything in this package is pure computation on them.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from operator import attrgetter

from app.services.filter_values import parse_choice


class Agreement(StrEnum):
    """DNA's boolean qualifier: 1 (agrees) is `holds`, 0 (disagrees) is `rejects`."""

    holds = "holds"
    rejects = "rejects"


@dataclass(frozen=True, slots=True)
class Statement:
    """One actor's stance on one concept, dated, with the evidence it was read from.

    `date` is None when the document has no publication date: such a statement counts in a
    network over all time, never in a time window. (Slots: a corpus makes 100,000 of them,
    made a third faster and smaller.)
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
    undated: list[Statement] = []
    dated: list[Statement] = []
    for statement in statements:
        (dated if statement.date is not None else undated).append(statement)
    # Sorting is stable: by id, then by date, gives date then id (without a key tuple each).
    undated.sort(key=attrgetter("id"))
    dated.sort(key=attrgetter("id"))
    dated.sort(key=attrgetter("date"))
    return undated + dated


def _calendar_period(rule: Duplicates, day: date) -> object:
    if rule is Duplicates.week:
        return day.isocalendar()[:2]
    if rule is Duplicates.month:
        return (day.year, day.month)
    return day.year


def _periods(rule: Duplicates) -> Callable[[Statement], object]:
    """What two equal statements must also share to be duplicates under `rule`: their
    document, their week, month or year, or nothing (`acrossrange`)."""
    if rule is Duplicates.acrossrange:
        return lambda statement: None
    if rule is Duplicates.document:
        return attrgetter("document")
    by_day: dict[date, object] = {}

    def period(statement: Statement) -> object:
        day = statement.date
        if day is None:
            # An undated statement's week, month or year is unknown: only its document is known.
            return statement.document
        if day not in by_day:
            by_day[day] = _calendar_period(rule, day)
        return by_day[day]

    return period


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
    period = _periods(rule)
    holds = Agreement.holds
    seen: set[tuple[str, str, bool, object]] = set()
    kept: list[Statement] = []
    for statement in ordered:
        key = (statement.actor, statement.concept, statement.agreement is holds, period(statement))
        if key not in seen:
            seen.add(key)
            kept.append(statement)
    return kept

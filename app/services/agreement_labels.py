"""The tables of labels the agreement measures read: for each code (a position, a kind, a
topic), how many units got each row of labels, one label per analyst; and kappa and alpha
with their intervals, measured on them. The definitions are in `app.services.agreement`."""

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import cast

from app.models import AnnotationKind
from app.services.agreement_bootstrap import Interval, alpha_interval, kappa_interval
from app.services.agreement_measures import (
    AlphaResult,
    KappaResult,
    cohen_kappa_of_table,
    krippendorff_alpha_of_counted_units,
)

NONE = "none"
COMBINED = "+"
KINDS = [kind.value for kind in AnnotationKind]


def combined_label(kinds: Iterable[str]) -> str:
    """One analyst's label of a unit for one code: the values of their tags of it, sorted
    and joined (`states`, `opposes+supports`), or `none` for no tag."""
    return COMBINED.join(sorted(set(kinds))) or NONE


@dataclass(frozen=True, slots=True)
class Unit:
    """A passage that is a unit: the fields of it that a report shows."""

    id: str
    document_id: str
    ordinal: int
    kind: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class PairAgreement:
    """Cohen's kappa of two analysts on one code, with its bootstrap interval."""

    first: str
    second: str
    kappa: KappaResult
    interval: Interval | None = None


# (passage, document, analyst, position, kind, topic, start, end) of a counted tag.
TagRow = tuple[str, str, str, str, str, str | None, int | None, int | None]
# unit → analyst → the (code, value) pairs of their tags there.
Facts = Mapping[str, Mapping[str, set[tuple[str, str]]]]


def facts_of(
    rows: Iterable[TagRow], code: int, value: int
) -> dict[str, dict[str, set[tuple[str, str]]]]:
    """unit → analyst → (code, value) of each tag, from the row fields `code` and `value`
    (a tag without that code, a topic say, gives none)."""
    facts: defaultdict[str, defaultdict[str, set[tuple[str, str]]]] = defaultdict(
        lambda: defaultdict(set)
    )
    for row in rows:
        key = row[code]
        if key is not None:
            facts[row[0]][row[2]].add((cast(str, key), cast(str, row[value])))
    return {unit: dict(by_analyst) for unit, by_analyst in facts.items()}


@dataclass(frozen=True)
class Coding:
    """Who coded what, among the chosen: the base of every figure."""

    analysts: list[str]
    units: list[Unit]
    coders: dict[str, tuple[bool, ...]]  # document → for each analyst, coded it?
    samples: int
    seed: int

    def measured(
        self, keys: list[str], facts: Facts
    ) -> dict[str, tuple[list[PairAgreement], AlphaResult, Interval]]:
        """For each code: kappa of each pair and alpha over all, with their intervals."""
        profiles_of = label_profiles(keys, self.units, facts, self.coders, self.analysts)
        figures = {}
        for key in keys:
            profiles = profiles_of[key]
            pairs = []
            for (i, first), (j, second) in combinations(enumerate(self.analysts), 2):
                table = pair_table(profiles, i, j)
                pairs.append(
                    PairAgreement(
                        first,
                        second,
                        cohen_kappa_of_table(table),
                        kappa_interval(table, samples=self.samples, seed=self.seed),
                    )
                )
            figures[key] = (
                pairs,
                krippendorff_alpha_of_counted_units(profiles),
                alpha_interval(profiles, samples=self.samples, seed=self.seed),
            )
        return figures


Labels = tuple[str | None, ...]


def label_profiles(
    keys: list[str],
    units: list[Unit],
    facts: Facts,
    coders: Mapping[str, tuple[bool, ...]],
    analysts: list[str],
) -> dict[str, Counter[Labels]]:
    """For each code, how many units got each row of labels, one label per analyst (None
    where they did not code the document): every figure of the code follows from these.

    One pass over the tagged units: a unit nobody tagged with a code has `none` from each of
    its coders there, so those units are counted by their coders, not looked at. Facts about
    units not in `units` are passed over."""
    profiles: dict[str, Counter[Labels]] = {key: Counter() for key in keys}
    tagged: dict[str, Counter[tuple[bool, ...]]] = {key: Counter() for key in keys}
    place = {analyst: index for index, analyst in enumerate(analysts)}
    document_of = {unit.id: unit.document_id for unit in units}
    # The labels of a unit no one tagged with a code, for each set of coders.
    untagged_labels = {
        document_coders: tuple(NONE if coded_it else None for coded_it in document_coders)
        for document_coders in set(coders.values())
    }
    for unit_id, by_analyst in facts.items():
        document_id = document_of.get(unit_id)
        if document_id is None:
            continue
        document_coders = coders[document_id]
        # code → the label of each analyst for it on this unit
        here: dict[str, list[str | None]] = {}
        for analyst, pairs in by_analyst.items():
            index = place.get(analyst)
            if index is None:
                continue
            for key, value in pairs:
                row = here.get(key)
                if row is None:
                    row = here[key] = list(untagged_labels[document_coders])
                label = row[index]
                if label is None:
                    continue  # not a coder of this document: missing, whatever they tagged
                row[index] = (
                    value if label == NONE else combined_label([*label.split(COMBINED), value])
                )
        for key, row in here.items():
            if key in profiles:
                tagged[key][document_coders] += 1
                profiles[key][tuple(row)] += 1
    units_by_coders = Counter(coders[unit.document_id] for unit in units)
    for key, counts in profiles.items():
        for document_coders, count in units_by_coders.items():
            untagged = count - tagged[key][document_coders]
            if untagged:
                counts[untagged_labels[document_coders]] += untagged
    return profiles


def pair_table(profiles: Mapping[Labels, int], first: int, second: int) -> Counter[tuple[str, str]]:
    """Cohen's contingency table of two analysts (by their place in the rows of labels), over
    the units both coded."""
    table: Counter[tuple[str, str]] = Counter()
    for labels, count in profiles.items():
        a, b = labels[first], labels[second]
        if a is not None and b is not None:
            table[(a, b)] += count
    return table

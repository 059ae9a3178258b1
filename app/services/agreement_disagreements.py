"""The passages on which analysts who both coded them disagree, for the agreement report:
every analyst's overall label of each, side by side (definitions in
`app.services.agreement`)."""

from collections.abc import Mapping
from dataclasses import dataclass
from operator import itemgetter

from app.models import Position
from app.services.agreement_labels import Coding, Facts, TagRow, Unit

MIN_ANALYSTS = 2


@dataclass(frozen=True)
class AnalystLabels:
    """One analyst's overall label of a passage: (position, kind) pairs, None if not coded."""

    analyst: str
    labels: list[tuple[str, str]] | None

    @property
    def coded(self) -> bool:
        return self.labels is not None


@dataclass(frozen=True)
class Disagreement:
    """A passage to which two analysts who coded it gave different labels."""

    passage: Unit
    document_label: str
    labels: list[AnalystLabels]
    positions: list[str]  # keys of the positions on which the labels differ


def disagreements(
    positions: list[Position],
    units: list[Unit],
    on_units: list[TagRow],
    overall: Facts,
    coding: Coding,
    labels: Mapping[str, str],
    position_tags: Mapping[str, int],
) -> list[Disagreement]:
    """The passages to which two analysts who both coded them gave different labels."""
    position_order = {p.key: index for index, p in enumerate(positions)}

    def by_position(pair: tuple[str, str]) -> tuple[int, str, str]:
        return (position_order.get(pair[0], len(position_order)), *pair)

    # Every (position, kind) pair there is, ranked once: an analyst's labels are shown in
    # that order.
    kinds = set(map(itemgetter(4), on_units))
    rank = {
        pair: index
        for index, pair in enumerate(
            sorted(((key, kind) for key in position_tags for kind in kinds), key=by_position)
        )
    }
    position_rank = {
        key: index
        for index, key in enumerate(sorted(position_tags, key=lambda k: by_position((k, ""))))
    }
    nothing: set[tuple[str, str]] = set()
    found = []
    for unit in units:
        tagged_by = overall.get(unit.id)
        if tagged_by is None:
            continue  # every coder left it untagged: the same empty label
        document_coders = coding.coders[unit.document_id]
        given = [
            tagged_by.get(a, nothing)
            for a, coded_it in zip(coding.analysts, document_coders, strict=True)
            if coded_it
        ]
        if len(given) < MIN_ANALYSTS or all(g == given[0] for g in given):
            continue
        # The (position, kind) pairs that some but not all of the coders gave.
        differing = given[0].union(*given[1:]) - given[0].intersection(*given[1:])
        found.append(
            Disagreement(
                unit,
                labels[unit.document_id],
                [
                    AnalystLabels(
                        a,
                        sorted(tagged_by.get(a, ()), key=rank.__getitem__) if coded_it else None,
                    )
                    for a, coded_it in zip(coding.analysts, document_coders, strict=True)
                ],
                sorted({key for key, _ in differing}, key=position_rank.__getitem__),
            )
        )
    return found

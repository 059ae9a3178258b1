"""What lies behind one tie of a network: the statements that make it, grouped by what the two
nodes share.

A tie between two actors is made of their statements on the concepts both spoke on; between two
concepts, of the statements of the actors who spoke on both; between an actor and a concept (the
two-mode network), of that actor's statements on that concept. Duplicates are dropped and the
window applied exactly as for the network itself, so the pairs counted here are the ones its
weight counts (before normalization).
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from app.services.errors import InvalidInput
from app.services.networks.model import Mode, NetworkKind
from app.services.networks.specification import NetworkSpec
from app.services.networks.statements import Agreement, Statement, drop_duplicates


@dataclass(frozen=True)
class SharedNode:
    """One node both ends of a tie are tied to, with each end's statements on (or by) it.

    `agreeing` and `disagreeing` count the pairs of statements, one from each end, with the same
    and with opposite agreement: the congruence and conflict this shared node adds to the tie.
    A two-mode tie has one shared node, the tie itself, and `second` is empty.
    """

    label: str
    first: tuple[Statement, ...]
    second: tuple[Statement, ...]
    agreeing: int
    disagreeing: int


def _split(node: str) -> tuple[Mode, str]:
    kind, _, label = node.partition(":")
    try:
        return Mode(kind), label
    except ValueError:
        raise InvalidInput(
            f'"{node}" is not a node of a network: a node is "actor:<name>" or "concept:<name>".'
        ) from None


def actors_of_tie(spec: NetworkSpec, source: str, target: str) -> set[str] | None:
    """The labels of the actors whose statements alone can make the tie `source`–`target`:
    both ends of a tie between actors, the actor end of a two-mode tie; None for a tie between
    concepts, which any actor's statements may make."""
    ends = [_split(source), _split(target)]
    if spec.kind is NetworkKind.two_mode or spec.mode is Mode.actor:
        return {label for mode, label in ends if mode is Mode.actor}
    return None


def _pairs(first: Sequence[Statement], second: Sequence[Statement]) -> tuple[int, int]:
    """(agreeing, disagreeing) pairs of statements, one from each side (DNA's boolean sums)."""
    first_holds = sum(1 for s in first if s.agreement is Agreement.holds)
    second_holds = sum(1 for s in second if s.agreement is Agreement.holds)
    first_rejects, second_rejects = len(first) - first_holds, len(second) - second_holds
    agreeing = first_holds * second_holds + first_rejects * second_rejects
    disagreeing = first_holds * second_rejects + first_rejects * second_holds
    return agreeing, disagreeing


def _two_mode_tie(statements: Sequence[Statement], ends: list[tuple[Mode, str]]) -> SharedNode:
    labels = dict(ends)
    if set(labels) != {Mode.actor, Mode.concept}:
        raise InvalidInput("A tie of the two-mode network joins an actor and a concept.")
    made = tuple(
        s for s in statements if s.actor == labels[Mode.actor] and s.concept == labels[Mode.concept]
    )
    return SharedNode(labels[Mode.concept], made, (), 0, 0)


def tie_statements(
    statements: Sequence[Statement],
    spec: NetworkSpec,
    source: str,
    target: str,
    days: tuple[date, date] | None = None,
) -> list[SharedNode]:
    """The statements behind the tie `source`–`target` (node ids, as the network names them),
    dated within `days` (first and last day included) if given, by shared node in label order.

    For congruence only the shared nodes with agreeing pairs are kept, for conflict those with
    disagreeing pairs; subtract keeps both. Nodes with nothing between them give an empty list.
    """
    ends = [_split(source), _split(target)]
    if source == target:
        raise InvalidInput("A tie joins two different nodes.")
    kept = drop_duplicates(statements, spec.duplicates)
    if days is not None:
        kept = [s for s in kept if s.date is not None and days[0] <= s.date <= days[1]]
    if spec.kind is NetworkKind.two_mode:
        tie = _two_mode_tie(kept, ends)
        return [tie] if tie.first else []
    if ends[0][0] is not spec.mode or ends[1][0] is not spec.mode:
        raise InvalidInput(f"A tie of this network joins two {spec.mode.value}s.")
    # Statements of each end, by the node of the other kind they tie it to.
    by_end: list[dict[str, list[Statement]]] = [defaultdict(list), defaultdict(list)]
    for statement in kept:
        own, other = (
            (statement.actor, statement.concept)
            if spec.mode is Mode.actor
            else (statement.concept, statement.actor)
        )
        for side, (_, label) in enumerate(ends):
            if own == label:
                by_end[side][other].append(statement)
    shared: list[SharedNode] = []
    for label in sorted(by_end[0].keys() & by_end[1].keys()):
        first, second = by_end[0][label], by_end[1][label]
        agreeing, disagreeing = _pairs(first, second)
        wanted = {
            NetworkKind.congruence: agreeing > 0,
            NetworkKind.conflict: disagreeing > 0,
            NetworkKind.subtract: True,
        }[spec.kind]
        if wanted:
            shared.append(SharedNode(label, tuple(first), tuple(second), agreeing, disagreeing))
    return shared


def other_kind(spec: NetworkSpec) -> Mode:
    """The kind of node two ends of a one-mode tie share (concepts for an actor network)."""
    return Mode.concept if spec.mode is Mode.actor else Mode.actor

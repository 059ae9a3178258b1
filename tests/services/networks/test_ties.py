"""The statements behind one tie, checked by hand on the three-actor example and against the
network's own weights: the pairs listed are the pairs the tie counts."""

from collections.abc import Sequence
from datetime import date
from itertools import combinations

import pytest

from app.services.errors import InvalidInput
from app.services.networks import Mode, NetworkKind, Statement, compute_network, network_spec
from app.services.networks.ties import tie_statements
from tests.services.networks.examples import three_actors


def _ids(statements: Sequence[Statement]) -> list[str]:
    return [s.id for s in statements]


def test_congruence_lists_the_concepts_two_actors_agree_on() -> None:
    # A holds c1 three times and B once: 3 agreeing pairs; on c2 they only disagree.
    shared = tie_statements(three_actors(), network_spec("congruence"), "actor:A", "actor:B")
    assert [(node.label, node.agreeing, node.disagreeing) for node in shared] == [("c1", 3, 0)]
    assert _ids(shared[0].first) == ["1", "2", "3"]
    assert _ids(shared[0].second) == ["5"]


def test_conflict_and_subtract_keep_the_concepts_they_count() -> None:
    conflict = tie_statements(three_actors(), network_spec("conflict"), "actor:A", "actor:B")
    assert [(node.label, node.agreeing, node.disagreeing) for node in conflict] == [("c2", 0, 1)]
    assert _ids(conflict[0].first) == ["4"] and _ids(conflict[0].second) == ["6"]
    subtract = tie_statements(three_actors(), network_spec("subtract"), "actor:B", "actor:A")
    assert [(node.label, node.agreeing, node.disagreeing) for node in subtract] == [
        ("c1", 3, 0),
        ("c2", 0, 1),
    ]
    # The ends keep the order asked for: B's statements first.
    assert _ids(subtract[0].first) == ["5"]


def test_a_tie_between_concepts_lists_the_actors_who_spoke_on_both() -> None:
    spec = network_spec("conflict", mode="concept")
    # A holds c1 (×3) and rejects c2: 3 disagreeing pairs; B holds both: none.
    shared = tie_statements(three_actors(), spec, "concept:c1", "concept:c2")
    assert [(node.label, node.agreeing, node.disagreeing) for node in shared] == [("A", 0, 3)]
    congruence = network_spec("congruence", mode="concept")
    shared = tie_statements(three_actors(), congruence, "concept:c1", "concept:c2")
    assert [(node.label, node.agreeing) for node in shared] == [("B", 1)]


def test_a_two_mode_tie_is_the_actors_statements_on_the_concept() -> None:
    spec = network_spec("two-mode")
    shared = tie_statements(three_actors(), spec, "concept:c1", "actor:A")
    assert len(shared) == 1 and _ids(shared[0].first) == ["1", "2", "3"]
    assert tie_statements(three_actors(), spec, "actor:C", "concept:c2") == []


def test_a_window_and_the_duplicates_rule_choose_the_statements_as_the_network_does() -> None:
    spec = network_spec("congruence")
    early = tie_statements(
        three_actors(), spec, "actor:A", "actor:B", (date(2024, 1, 2), date(2024, 1, 5))
    )
    assert _ids(early[0].first) == ["2", "3"] and early[0].agreeing == 2
    once = network_spec("congruence", duplicates="acrossrange")
    assert tie_statements(three_actors(), once, "actor:A", "actor:B")[0].agreeing == 1


@pytest.mark.parametrize("kind", ["congruence", "conflict", "subtract"])
@pytest.mark.parametrize("mode", ["actor", "concept"])
def test_the_pairs_listed_add_up_to_every_ties_weight(kind: str, mode: str) -> None:
    spec = network_spec(kind, mode=mode)
    network = compute_network(three_actors(), spec)
    weights = {frozenset((e.source, e.target)): e.weight for e in network.edges}
    nodes = [node.id for node in network.nodes]
    for source, target in combinations(nodes, 2):
        shared = tie_statements(three_actors(), spec, source, target)
        agreeing = sum(node.agreeing for node in shared)
        disagreeing = sum(node.disagreeing for node in shared)
        tie = {"congruence": agreeing, "conflict": disagreeing}.get(kind, agreeing - disagreeing)
        assert tie == weights.get(frozenset((source, target)), 0)
    assert network.mode is Mode(mode) and network.kind is NetworkKind(kind)


@pytest.mark.parametrize(
    ("source", "target", "reason"),
    [
        ("A", "actor:B", "not a node"),
        ("actor:A", "actor:A", "two different nodes"),
        ("actor:A", "concept:c1", "two actors"),
    ],
)
def test_a_tie_that_cannot_be_is_refused_with_a_reason(
    source: str, target: str, reason: str
) -> None:
    with pytest.raises(InvalidInput, match=reason):
        tie_statements(three_actors(), network_spec("congruence"), source, target)


def test_a_two_mode_tie_joins_an_actor_and_a_concept() -> None:
    with pytest.raises(InvalidInput, match="an actor and a concept"):
        tie_statements(three_actors(), network_spec("two-mode"), "actor:A", "actor:B")

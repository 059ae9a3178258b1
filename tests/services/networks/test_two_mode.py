"""The two-mode network, counted by hand the way DNA's Exporter.computeTwoModeMatrix does.

`examples.three_actors` plus D, who holds and rejects c2:

    actor–concept   holds  rejects   ignore (h + r)   subtract (h − r)   combine   sign
    A–c1              3       0            3                3               1      holds
    A–c2              0       1            1               −1               2      rejects
    B–c1              1       0            1                1               1      holds
    B–c2              1       0            1                1               1      holds
    C–c1              0       1            1               −1               2      rejects
    D–c2              1       1            2                0               3      both

Statements per actor: A 4, B 2, C 1, D 2; per concept: c1 5, c2 4.
"""

import pytest

from app.services.networks import Network, Statement, compute_network, network_spec
from tests.services.networks.examples import H, R, statement, three_actors


def with_both() -> list[Statement]:
    return [*three_actors(), statement("8", "D", "c2", H, 8), statement("9", "D", "c2", R, 9)]


def ties(network: Network) -> dict[tuple[str, str], tuple[float, str]]:
    labels = {node.id: node.label for node in network.nodes}
    return {(labels[e.source], labels[e.target]): (e.weight, e.sign) for e in network.edges}


def test_two_mode_weights_count_statements_and_signs_say_which_stances() -> None:
    assert ties(compute_network(with_both(), network_spec("two-mode"))) == {
        ("A", "c1"): (3, "holds"),
        ("A", "c2"): (1, "rejects"),
        ("B", "c1"): (1, "holds"),
        ("B", "c2"): (1, "holds"),
        ("C", "c1"): (1, "rejects"),
        ("D", "c2"): (2, "both"),
    }


def test_subtract_and_combine_follow_dnas_qualifier_aggregation() -> None:
    subtract = compute_network(with_both(), network_spec("two-mode", two_mode_weight="subtract"))
    assert {pair: weight for pair, (weight, _) in ties(subtract).items()} == {
        ("A", "c1"): 3,
        ("A", "c2"): -1,
        ("B", "c1"): 1,
        ("B", "c2"): 1,
        ("C", "c1"): -1,
        ("D", "c2"): 0,
    }
    combine = compute_network(with_both(), network_spec("two-mode", two_mode_weight="combine"))
    assert {pair: weight for pair, (weight, _) in ties(combine).items()} == {
        ("A", "c1"): 1,
        ("A", "c2"): 2,
        ("B", "c1"): 1,
        ("B", "c2"): 1,
        ("C", "c1"): 2,
        ("D", "c2"): 3,
    }


def test_activity_divides_by_the_actors_and_prominence_by_the_concepts_statements() -> None:
    activity = compute_network(with_both(), network_spec("two-mode", normalization="activity"))
    assert {pair: weight for pair, (weight, _) in ties(activity).items()} == pytest.approx(
        {
            ("A", "c1"): 3 / 4,
            ("A", "c2"): 1 / 4,
            ("B", "c1"): 1 / 2,
            ("B", "c2"): 1 / 2,
            ("C", "c1"): 1,
            ("D", "c2"): 1,
        }
    )
    spec = network_spec("two-mode", two_mode_weight="subtract", normalization="prominence")
    prominence = compute_network(with_both(), spec)
    assert {pair: weight for pair, (weight, _) in ties(prominence).items()} == pytest.approx(
        {
            ("A", "c1"): 3 / 5,
            ("A", "c2"): -1 / 4,
            ("B", "c1"): 1 / 5,
            ("B", "c2"): 1 / 4,
            ("C", "c1"): -1 / 5,
            ("D", "c2"): 0,
        }
    )


def test_two_mode_nodes_are_actors_then_concepts_with_their_statement_counts() -> None:
    network = compute_network(with_both(), network_spec("two-mode"))
    assert [(n.label, n.kind.value, n.statements) for n in network.nodes] == [
        ("A", "actor", 4),
        ("B", "actor", 2),
        ("C", "actor", 1),
        ("D", "actor", 2),
        ("c1", "concept", 5),
        ("c2", "concept", 4),
    ]


def test_an_actor_and_a_concept_of_one_name_stay_two_nodes() -> None:
    network = compute_network([statement("1", "EU", "EU", H)], network_spec("two-mode"))
    assert len({node.id for node in network.nodes}) == 2

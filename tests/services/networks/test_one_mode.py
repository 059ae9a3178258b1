"""One-mode networks counted by hand the way DNA's Exporter.computeOneModeMatrix does.

With the table of `examples.three_actors` (h = holds, r = rejects):

    congruence(i, k) = Σ_concepts h_i·h_k + r_i·r_k      (pairs of agreeing statements)
    conflict(i, k)   = Σ_concepts h_i·r_k + r_i·h_k      (pairs of disagreeing statements)

    A–B  congruence c1: 3·1 = 3, c2: 0            → 3    conflict c2: r_A·h_B = 1·1 → 1
    A–C  congruence 0                                     conflict c1: h_A·r_C = 3·1 → 3
    B–C  congruence 0                                     conflict c1: h_B·r_C = 1·1 → 1
"""

import random
from itertools import combinations

import pytest

from app.services.errors import InvalidInput
from app.services.networks import (
    Mode,
    Network,
    Statement,
    compute_network,
    network_spec,
    one_mode,
)
from app.services.networks.tallies import tally
from tests.services.networks.examples import H, R, statement, three_actors


def weights(network: Network) -> dict[tuple[str, str], float]:
    labels = {node.id: node.label for node in network.nodes}
    return {(labels[e.source], labels[e.target]): e.weight for e in network.edges}


def test_congruence_counts_pairs_of_statements_as_dna_does() -> None:
    """Three agreeing statements by A and one by B on a concept give 3, not 1."""
    statements = [statement(str(i), "A", "c", H) for i in range(3)] + [statement("b", "B", "c", H)]
    assert weights(compute_network(statements, network_spec("congruence"))) == {("A", "B"): 3}


def test_congruence_conflict_and_subtract_without_normalization() -> None:
    statements = three_actors()
    assert weights(compute_network(statements, network_spec("congruence"))) == {("A", "B"): 3}
    assert weights(compute_network(statements, network_spec("conflict"))) == {
        ("A", "B"): 1,
        ("A", "C"): 3,
        ("B", "C"): 1,
    }
    # subtract = congruence − conflict: A–B 3 − 1, A–C 0 − 3, B–C 0 − 1
    subtract = compute_network(statements, network_spec("subtract"))
    assert weights(subtract) == {("A", "B"): 2, ("A", "C"): -3, ("B", "C"): -1}
    assert [edge.sign for edge in subtract.edges] == ["positive", "negative", "negative"]


def test_average_divides_by_the_mean_of_the_two_statement_counts() -> None:
    """A has 4 statements, B 2, C 1: A–B by (4 + 2) / 2 = 3, A–C by 2.5, B–C by 1.5."""
    spec = network_spec("conflict", normalization="average")
    assert weights(compute_network(three_actors(), spec)) == pytest.approx(
        {("A", "B"): 1 / 3, ("A", "C"): 3 / 2.5, ("B", "C"): 1 / 1.5}
    )
    spec = network_spec("congruence", normalization="average")
    assert weights(compute_network(three_actors(), spec)) == pytest.approx({("A", "B"): 1.0})


def test_jaccard_divides_by_dnas_m10_m01_m11() -> None:
    """Over the cells (concept, agreement), m10 adds i's count where k has none, m01 the
    reverse, m11 the product where both have some:

    A–B  (c1,h) 3·1 → m11 3; (c2,h) only B → m01 1; (c2,r) only A → m10 1      norm 5
    A–C  (c1,h) only A → m10 3; (c1,r) only C → m01 1; (c2,r) only A → m10 1   norm 5
    B–C  (c1,h) only B 1; (c2,h) only B 1; (c1,r) only C 1                      norm 3
    """
    spec = network_spec("congruence", normalization="jaccard")
    assert weights(compute_network(three_actors(), spec)) == pytest.approx({("A", "B"): 3 / 5})
    spec = network_spec("conflict", normalization="jaccard")
    assert weights(compute_network(three_actors(), spec)) == pytest.approx(
        {("A", "B"): 1 / 5, ("A", "C"): 3 / 5, ("B", "C"): 1 / 3}
    )


def test_cosine_divides_by_the_product_of_the_two_statement_counts() -> None:
    """DNA's cosine: A–B by 4·2 = 8, A–C by 4·1, B–C by 2·1."""
    spec = network_spec("subtract", normalization="cosine")
    assert weights(compute_network(three_actors(), spec)) == pytest.approx(
        {("A", "B"): 2 / 8, ("A", "C"): -3 / 4, ("B", "C"): -1 / 2}
    )


def test_concept_network_ties_concepts_by_the_same_actors() -> None:
    """Concepts as nodes, actors as what ties them: c1 has A h3, B h1, C r1 (5 statements);
    c2 has A r1, B h1 (2).

    congruence c1–c2: A 3·0 + 0·1 = 0, B 1·1 = 1          → 1
    conflict   c1–c2: A h3·r1 = 3, B 0                     → 3
    average (5 + 2) / 2 = 3.5; cosine 5·2 = 10;
    jaccard (A,h) 3,0 → m10 3; (A,r) 0,1 → m01 1; (B,h) 1·1 → m11 1; (C,r) 1,0 → m10 1: 6
    """
    statements = three_actors()
    for normalization, congruence in (("no", 1), ("average", 1 / 3.5), ("jaccard", 1 / 6)):
        spec = network_spec("congruence", mode="concept", normalization=normalization)
        assert weights(compute_network(statements, spec)) == pytest.approx(
            {("c1", "c2"): congruence}
        )
    spec = network_spec("conflict", mode="concept", normalization="cosine")
    network = compute_network(statements, spec)
    assert weights(network) == pytest.approx({("c1", "c2"): 3 / 10})
    assert [(node.label, node.statements) for node in network.nodes] == [("c1", 5), ("c2", 2)]


def test_every_actor_with_a_statement_is_a_node_even_without_ties() -> None:
    network = compute_network(three_actors(), network_spec("congruence"))
    assert [(node.label, node.kind.value, node.statements) for node in network.nodes] == [
        ("A", "actor", 4),
        ("B", "actor", 2),
        ("C", "actor", 1),
    ]
    assert network.description == "congruence network of actors"


def test_no_statements_give_an_empty_network() -> None:
    network = compute_network([], network_spec("subtract", normalization="jaccard"))
    assert network.nodes == () and network.edges == ()


def test_a_network_too_large_to_compute_at_once_is_refused_with_a_way_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # c1 is shared by A, B and C (three pairs), c2 by A and B: four comparisons in all.
    monkeypatch.setattr(one_mode, "MAX_PAIRS", 3)
    with pytest.raises(InvalidInput, match="4 comparisons .* narrow it with the filters"):
        compute_network(three_actors(), network_spec("congruence"))
    monkeypatch.setattr(one_mode, "MAX_PAIRS", 4)
    assert len(compute_network(three_actors(), network_spec("congruence")).edges) == 1


def random_statements(seed: int, actors: int, concepts: int, count: int) -> list[Statement]:
    """`count` statements of random actors on random concepts, holding or rejecting."""
    pick = random.Random(seed)
    return [
        statement(
            str(n),
            f"a{pick.randrange(actors)}",
            f"c{pick.randrange(concepts)}",
            pick.choice((H, R)),
        )
        for n in range(count)
    ]


SHAPES = {
    "dense": (6, 4, 80),  # every actor on every concept, several times
    "sparse": (40, 300, 150),  # most pairs share nothing
    "one actor": (1, 5, 10),
}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("mode", list(Mode))
def test_both_ways_of_summing_pairs_give_pair_counts_for_every_pair(shape: str, mode: Mode) -> None:
    counts = tally(random_statements(7, *SHAPES[shape]), rows=mode)
    expected = []
    for first, second in combinations(counts.rows, 2):
        congruence, conflict = one_mode.pair_counts(counts.cells[first], counts.cells[second])
        if congruence or conflict:
            expected.append((first, second, congruence, conflict))
    assert list(one_mode._shared_column_ties(counts)) == expected
    assert list(one_mode._packed_ties(counts)) == expected


@pytest.mark.parametrize("shape", SHAPES)
def test_a_network_is_the_same_whichever_way_its_pairs_are_summed(
    shape: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    statements = random_statements(11, *SHAPES[shape])
    specs = [
        network_spec(kind, mode=mode, normalization=normalization)
        for kind in ("congruence", "conflict", "subtract")
        for mode in ("actor", "concept")
        for normalization in ("no", "average", "jaccard", "cosine")
    ]
    networks = []
    for cost in (0, 10**9):  # never packed, always packed
        monkeypatch.setattr(one_mode, "COMPARISON_COST", cost)
        networks.append([compute_network(statements, spec) for spec in specs])
    assert networks[0] == networks[1]
    assert any(network.edges for network in networks[0])


def test_jaccard_norm_is_dnas_m10_m01_m11_over_every_cell() -> None:
    pick = random.Random(3)
    for _ in range(200):
        first, second = (
            {f"c{n}": (pick.randrange(3), pick.randrange(3)) for n in pick.sample(range(6), 4)}
            for _ in range(2)
        )
        m10 = m01 = m11 = 0
        for column in first.keys() | second.keys():
            a, b = first.get(column, (0, 0)), second.get(column, (0, 0))
            for x, y in zip(a, b, strict=True):
                m10 += x if y == 0 else 0
                m01 += y if x == 0 else 0
                m11 += x * y if x > 0 and y > 0 else 0
        totals = sum(map(sum, first.values())), sum(map(sum, second.values()))
        assert one_mode.jaccard_norm(first, second, *totals) == m10 + m01 + m11

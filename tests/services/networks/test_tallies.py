"""The tally every network starts from: statements per row node, column node and agreement."""

from app.services.networks.model import Mode, node_id, node_ids
from app.services.networks.tallies import tally
from tests.services.networks.examples import H, R, statement, three_actors


def test_a_tally_counts_holds_and_rejects_of_each_actor_on_each_concept() -> None:
    """The table of `examples.three_actors`, with D holding and rejecting c2."""
    statements = [*three_actors(), statement("8", "D", "c2", H), statement("9", "D", "c2", R)]
    counts = tally(statements, rows=Mode.actor)
    assert counts.rows == ("A", "B", "C", "D")
    assert counts.columns == ("c1", "c2")
    assert counts.cells == {
        "A": {"c1": (3, 0), "c2": (0, 1)},
        "B": {"c1": (1, 0), "c2": (1, 0)},
        "C": {"c1": (0, 1)},
        "D": {"c2": (1, 1)},
    }
    assert counts.row_totals == {"A": 4, "B": 2, "C": 1, "D": 2}
    assert counts.column_totals == {"c1": 5, "c2": 4}


def test_concepts_as_rows_turn_the_tally_round() -> None:
    counts = tally(three_actors(), rows=Mode.concept)
    assert counts.rows == ("c1", "c2")
    assert counts.columns == ("A", "B", "C")
    assert counts.cells == {
        "c1": {"A": (3, 0), "B": (1, 0), "C": (0, 1)},
        "c2": {"A": (0, 1), "B": (1, 0)},
    }
    assert counts.row_totals == {"c1": 5, "c2": 2}
    assert counts.column_totals == {"A": 4, "B": 2, "C": 1}


def test_no_statements_give_an_empty_tally() -> None:
    counts = tally([], rows=Mode.actor)
    assert counts.rows == counts.columns == ()
    assert counts.cells == {}
    assert counts.row_totals == counts.column_totals == {}


def test_node_ids_are_made_as_node_id_makes_one() -> None:
    labels = ["A", "c:1", ""]
    for kind in Mode:
        assert node_ids(kind, labels) == {label: node_id(kind, label) for label in labels}
    assert list(node_ids(Mode.actor, ["b", "a"])) == ["b", "a"]

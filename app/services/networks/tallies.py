"""The three-dimensional array DNA builds before any network: statements counted per node of
one kind, node of the other kind, and agreement (`Exporter.createArray`)."""

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from app.services.networks.model import Mode, Node, node_id
from app.services.networks.statements import Agreement, Statement

AGREEMENTS = (Agreement.holds, Agreement.rejects)


@dataclass(frozen=True)
class Tally:
    """`counts[row][column][agreement]`: how many statements tie a row node to a column node
    with that agreement. Rows are actors and columns concepts, or the other way round."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    counts: dict[str, dict[str, Counter[Agreement]]]

    def total(self, row: str) -> int:
        """All statements of a row node (DNA's `i1count`)."""
        return sum(sum(cell.values()) for cell in self.counts[row].values())

    def column_totals(self) -> Counter[str]:
        """All statements of each column node."""
        totals: Counter[str] = Counter()
        for cells in self.counts.values():
            for column, cell in cells.items():
                totals[column] += sum(cell.values())
        return totals


def tally(statements: Sequence[Statement], rows: Mode) -> Tally:
    """Count the statements by row node, column node and agreement; `rows` says which kind of
    node the rows are (actors for the actor network and the two-mode network)."""
    counts: dict[str, dict[str, Counter[Agreement]]] = defaultdict(lambda: defaultdict(Counter))
    columns: set[str] = set()
    for statement in statements:
        row, column = (
            (statement.actor, statement.concept)
            if rows is Mode.actor
            else (statement.concept, statement.actor)
        )
        counts[row][column][statement.agreement] += 1
        columns.add(column)
    return Tally(rows=tuple(sorted(counts)), columns=tuple(sorted(columns)), counts=counts)


def nodes_of(labels: Sequence[str], kind: Mode, totals: dict[str, int]) -> list[Node]:
    """Nodes for `labels` of one kind, with their statement counts."""
    return [Node(node_id(kind, label), label, kind, totals.get(label, 0)) for label in labels]

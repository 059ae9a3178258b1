"""The three-dimensional array DNA builds before any network: statements counted per node of
one kind, node of the other kind, and agreement (`Exporter.createArray`)."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from app.services.networks.model import Mode, Node
from app.services.networks.statements import Agreement, Statement

# How many statements tie a row node to a column node: (holds, rejects).
Cell = tuple[int, int]


@dataclass(frozen=True)
class Tally:
    """`cells[row][column]`: how many statements tie a row node to a column node, as (holds,
    rejects); only the pairs with a statement are there. Rows are actors and columns concepts,
    or the other way round. `rows` and `columns` are sorted; the totals count all the
    statements of a row node (DNA's `i1count`) and of a column node."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: dict[str, dict[str, Cell]]
    row_totals: dict[str, int]
    column_totals: dict[str, int]


def tally(statements: Sequence[Statement], rows: Mode) -> Tally:
    """Count the statements by row node, column node and agreement; `rows` says which kind of
    node the rows are (actors for the actor network and the two-mode network)."""
    holds = Agreement.holds
    # One flat count keyed by plain strings and a flag, so counting stays in C: no container
    # per cell and no hashing of enum members for each statement.
    if rows is Mode.actor:
        flat = Counter((s.actor, s.concept, s.agreement is holds) for s in statements)
    else:
        flat = Counter((s.concept, s.actor, s.agreement is holds) for s in statements)
    cells: dict[str, dict[str, Cell]] = {}
    row_totals: dict[str, int] = {}
    column_totals: dict[str, int] = {}
    for (row, column, holding), count in flat.items():
        row_cells = cells.get(row)
        if row_cells is None:
            cells[row] = row_cells = {}
        held, rejected = row_cells.get(column, (0, 0))
        row_cells[column] = (held + count, rejected) if holding else (held, rejected + count)
        row_totals[row] = row_totals.get(row, 0) + count
        column_totals[column] = column_totals.get(column, 0) + count
    return Tally(
        rows=tuple(sorted(cells)),
        columns=tuple(sorted(column_totals)),
        cells=cells,
        row_totals=row_totals,
        column_totals=column_totals,
    )


def nodes_of(ids: dict[str, str], kind: Mode, totals: dict[str, int]) -> list[Node]:
    """Nodes for the labels of one kind (`ids`, label → id, in node order), with their
    statement counts."""
    return [Node(node, label, kind, totals.get(label, 0)) for label, node in ids.items()]

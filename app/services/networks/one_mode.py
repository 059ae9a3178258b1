"""One-mode networks as DNA computes them: congruence, conflict and subtract, normalized.

The definitions follow `Exporter.computeOneModeMatrix()` in DNA
(leifeld-lab/dna, dna/src/main/java/dna/export/Exporter.java) with its boolean qualifier
(agreement: holds = 1, rejects = 0). With `a[i][j][k]` the number of statements by node `i` on
node `j` of the other kind with agreement `k`, DNA sums, for every pair `i1 ≠ i2`, over `j`
and both qualifier levels `k1`, `k2`:

    // "congruence"
    mat1[i1][i2] = mat1[i1][i2] + (array[i1][j][k1] * array[i2][j][k2] * (1.0 - ((Math.abs(
        qualifierInteger[k1] - qualifierInteger[k2]) / range))));
    // "conflict"
    mat1[i1][i2] = mat1[i1][i2] + (array[i1][j][k1] * array[i2][j][k2] * ((Math.abs(
        qualifierInteger[k1] - qualifierInteger[k2]) / range)));

With a boolean qualifier `range` is 1, so congruence counts the *pairs of statements* that agree
(Σ_j h1·h2 + r1·r2) and conflict the pairs that disagree (Σ_j h1·r2 + r1·h2); subtract is one
minus the other. Each is then divided by a norm (0 when the norm is 0):

    } else if (this.normalization.equals("average")) { ... norm = (i1count + i2count) / 2;
    } else if (this.normalization.equals("jaccard")) { ... norm = m01 + m10 + m11;
    } else if (this.normalization.equals("cosine")) { ...
        norm = Math.sqrt(i1count * i1count) * Math.sqrt(i2count * i2count);

where `i1count` is all statements of `i1`, and for Jaccard, summing over every cell (j, k):
`m10` adds `a[i1][j][k]` where `a[i2][j][k] == 0`, `m01` the reverse, and `m11` adds
`a[i1][j][k] * a[i2][j][k]` where both are positive. DNA's "cosine" is therefore the product of
the two nodes' statement counts, not the cosine of two vectors.
"""

from collections import defaultdict
from collections.abc import Sequence
from itertools import combinations

from app.services.errors import InvalidInput
from app.services.networks.model import (
    Edge,
    Mode,
    Network,
    NetworkKind,
    Normalization,
    Window,
    node_ids,
)
from app.services.networks.statements import Statement
from app.services.networks.tallies import Cell, Tally, nodes_of, tally

Cells = dict[str, Cell]


def pair_counts(first: Cells, second: Cells) -> tuple[int, int]:
    """(congruence, conflict) of two nodes: their pairs of statements on a shared node of the
    other kind with the same agreement, and with opposite agreements."""
    congruence = conflict = 0
    for column in first.keys() & second.keys():
        (holds_a, rejects_a), (holds_b, rejects_b) = first[column], second[column]
        congruence += holds_a * holds_b + rejects_a * rejects_b
        conflict += holds_a * rejects_b + rejects_a * holds_b
    return congruence, conflict


# A one-mode network compares every pair of nodes that share a node of the other kind; past
# this many comparisons (some seconds of work) it is refused, with a way to narrow it.
MAX_PAIRS = 3_000_000


def pair_ties(counts: Tally) -> dict[tuple[str, str], list[int]]:
    """[congruence, conflict] of every pair of rows (in row order) that share a column.

    The same sums as `pair_counts` over every pair, but visiting only the pairs that share a
    column: most pairs of a large, sparse network share none and have no tie.
    """
    members: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for row in counts.rows:
        for column, (holds, rejects) in counts.cells[row].items():
            members[column].append((row, holds, rejects))
    pairs = sum(len(rows) * (len(rows) - 1) // 2 for rows in members.values())
    if pairs > MAX_PAIRS:
        raise InvalidInput(
            f"This network would make {pairs:,} comparisons of two nodes' statements, more "
            f"than the {MAX_PAIRS:,} it makes at once: narrow it with the filters (a document, "
            "a position, a topic, dates) or use a time window."
        )
    ties: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for rows in members.values():
        for (first, holds_1, rejects_1), (second, holds_2, rejects_2) in combinations(rows, 2):
            tie = ties[first, second]
            tie[0] += holds_1 * holds_2 + rejects_1 * rejects_2
            tie[1] += holds_1 * rejects_2 + rejects_1 * holds_2
    return ties


def jaccard_norm(first: Cells, second: Cells) -> int:
    """DNA's Jaccard denominator m10 + m01 + m11 over the cells (column, agreement)."""
    m10 = m01 = m11 = 0
    for column in first.keys() | second.keys():
        a, b = first.get(column, (0, 0)), second.get(column, (0, 0))
        for x, y in zip(a, b, strict=True):
            if y == 0:
                m10 += x
            if x == 0:
                m01 += y
            if x > 0 and y > 0:
                m11 += x * y
    return m10 + m01 + m11


def dna_norm(normalization: Normalization, counts: Tally, first: str, second: str) -> float:
    """The denominator DNA divides a one-mode tie by (1 for no normalization)."""
    totals = counts.row_totals
    if normalization is Normalization.average:
        return (totals[first] + totals[second]) / 2
    if normalization is Normalization.jaccard:
        return jaccard_norm(counts.cells[first], counts.cells[second])
    if normalization is Normalization.cosine:
        return totals[first] * totals[second]
    return 1


def one_mode_network(
    statements: Sequence[Statement],
    kind: NetworkKind,
    mode: Mode,
    normalization: Normalization = Normalization.no,
    window: Window | None = None,
) -> Network:
    """The congruence, conflict or subtract network among actors (or among concepts).

    Every node with a statement is a node (DNA without isolates from outside the statements);
    an edge joins two nodes whose tie is not zero. The callers check the arguments
    (`compute_network`).
    """
    counts = tally(statements, rows=mode)
    ids = node_ids(mode, counts.rows)
    nodes = nodes_of(ids, mode, counts.row_totals)
    edges: list[Edge] = []
    ties = pair_ties(counts)
    for first, second in sorted(ties):
        congruence, conflict = ties[first, second]
        tie = {
            NetworkKind.congruence: congruence,
            NetworkKind.conflict: conflict,
            NetworkKind.subtract: congruence - conflict,
        }[kind]
        if tie == 0:
            continue
        norm = dna_norm(normalization, counts, first, second)
        weight = 0.0 if norm == 0 else tie / norm
        edges.append(
            Edge(
                ids[first],
                ids[second],
                weight,
                "positive" if weight > 0 else "negative",
            )
        )
    return Network(
        kind=kind,
        normalization=normalization,
        nodes=tuple(nodes),
        edges=tuple(edges),
        mode=mode,
        window=window,
    )

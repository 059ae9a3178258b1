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

import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
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
# (first row, second row, congruence, conflict): the tie of two rows, the first before the second.
PairTie = tuple[str, str, int, int]


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
# What a comparison of two rows on a shared column costs in `_shared_column_ties`, in steps of
# `_packed_ties` (a cell times a row; about 0.3 µs against 0.02 µs, measured): packing wins
# when rows share most columns, as 300 actors on 48 topics do.
COMPARISON_COST = 14


def pair_ties(counts: Tally) -> Iterator[PairTie]:
    """The ties of every pair of rows that share a column, in row order (by the first row,
    then the second): the sums of `pair_counts`, without comparing the pairs that share none.

    InvalidInput if that takes more than MAX_PAIRS comparisons of two rows on a column.
    """
    members = Counter(column for cells in counts.cells.values() for column in cells)
    comparisons = sum(size * (size - 1) // 2 for size in members.values())
    if comparisons > MAX_PAIRS:
        raise InvalidInput(
            f"This network would make {comparisons:,} comparisons of two nodes' statements, "
            f"more than the {MAX_PAIRS:,} it makes at once: narrow it with the filters (a "
            "document, a position, a topic, dates) or use a time window."
        )
    rows = len(counts.rows)
    packed_steps = (sum(len(cells) for cells in counts.cells.values()) + rows) * rows
    fits = max(counts.row_totals.values(), default=0) ** 2 < 1 << FIELD_BITS
    if fits and packed_steps < COMPARISON_COST * comparisons:
        return _packed_ties(counts)
    return _shared_column_ties(counts)


def _shared_column_ties(counts: Tally) -> Iterator[PairTie]:
    """`pair_ties` column by column: every pair of rows on each column adds to their tie."""
    rows = counts.rows
    size = len(rows)
    members: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for index, row in enumerate(rows):
        for column, (holds, rejects) in counts.cells[row].items():
            members[column].append((index, holds, rejects))
    # Keyed by the pair's indexes as one int: quick to hash, and it sorts in row order. Two
    # dicts of ints rather than a container per pair, which the garbage collector would scan.
    congruences: dict[int, int] = {}
    conflicts: dict[int, int] = {}
    for shared in members.values():
        if len(shared) < 2:
            continue
        for (first, holds_1, rejects_1), (second, holds_2, rejects_2) in combinations(shared, 2):
            pair = first * size + second
            congruences[pair] = congruences.get(pair, 0) + holds_1 * holds_2 + rejects_1 * rejects_2
            conflicts[pair] = conflicts.get(pair, 0) + holds_1 * rejects_2 + rejects_1 * holds_2
    for pair in sorted(congruences):
        first, second = divmod(pair, size)
        yield rows[first], rows[second], congruences[pair], conflicts[pair]


# `_packed_ties` gives each row a field of this many bits in one integer (an array item's).
FIELD_BITS = 8 * array("Q").itemsize


def _packed_ties(counts: Tally) -> Iterator[PairTie]:
    """`pair_ties` row by row, for rows that share most columns (say 300 actors on 48 topics).

    Each column's holds over all rows are packed into one integer, row k's count in the field
    of bits FIELD_BITS·k and up, and its rejects into another. For a row, the sum over its
    cells of holds × (the column's packed holds) + rejects × (the column's packed rejects) is
    then one integer whose field k is the row's congruence with row k (conflict crosses holds
    with rejects): Python's integer arithmetic does the loop over the other rows. No field
    overflows into the next while every row's statement count squared fits in one (the caller
    checks): a tie of two rows is at most the product of their statement counts.
    """
    rows = counts.rows
    holds_of: dict[str, int] = defaultdict(int)
    rejects_of: dict[str, int] = defaultdict(int)
    for index, row in enumerate(rows):
        shift = FIELD_BITS * index
        for column, (holds, rejects) in counts.cells[row].items():
            holds_of[column] |= holds << shift
            rejects_of[column] |= rejects << shift
    for index, row in enumerate(rows):
        congruence = conflict = 0
        for column, (holds, rejects) in counts.cells[row].items():
            column_holds, column_rejects = holds_of[column], rejects_of[column]
            if holds:
                congruence += holds * column_holds
                conflict += holds * column_rejects
            if rejects:
                congruence += rejects * column_rejects
                conflict += rejects * column_holds
        # The fields of the rows after this one, as machine integers.
        later = index + 1
        length = (len(rows) - later) * FIELD_BITS // 8
        shift = FIELD_BITS * later
        congruences = array("Q", (congruence >> shift).to_bytes(length, "little"))
        conflicts = array("Q", (conflict >> shift).to_bytes(length, "little"))
        if sys.byteorder == "big":
            congruences.byteswap()
            conflicts.byteswap()
        for second, agreeing, disagreeing in zip(rows[later:], congruences, conflicts, strict=True):
            if agreeing or disagreeing:
                yield row, second, agreeing, disagreeing


def jaccard_norm(first: Cells, second: Cells, first_total: int, second_total: int) -> int:
    """DNA's Jaccard denominator m10 + m01 + m11 over the cells (column, agreement), where
    the totals are each node's statements.

    m10 adds a first count where the second's is 0, m01 the reverse, m11 the product where
    both are positive; so m10 = first_total − Σ x and m01 = second_total − Σ y over the cells
    where both counts x, y are positive, and only the shared columns need a look.
    """
    if len(second) < len(first):
        first, second = second, first
    shared = 0
    for column, (holds_1, rejects_1) in first.items():
        other = second.get(column)
        if other is None:
            continue
        holds_2, rejects_2 = other
        if holds_1 and holds_2:
            shared += holds_1 * holds_2 - holds_1 - holds_2
        if rejects_1 and rejects_2:
            shared += rejects_1 * rejects_2 - rejects_1 - rejects_2
    return first_total + second_total + shared


def dna_norm(normalization: Normalization, counts: Tally, first: str, second: str) -> float:
    """The denominator DNA divides a one-mode tie by (1 for no normalization)."""
    totals = counts.row_totals
    if normalization is Normalization.average:
        return (totals[first] + totals[second]) / 2
    if normalization is Normalization.jaccard:
        return jaccard_norm(
            counts.cells[first], counts.cells[second], totals[first], totals[second]
        )
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
    congruent, conflicting = kind is NetworkKind.congruence, kind is NetworkKind.conflict
    normalized = normalization is not Normalization.no
    for first, second, congruence, conflict in pair_ties(counts):
        if congruent:
            tie = congruence
        elif conflicting:
            tie = conflict
        else:
            tie = congruence - conflict
        if tie == 0:
            continue
        norm = dna_norm(normalization, counts, first, second) if normalized else 1
        weight = 0.0 if norm == 0 else tie / norm
        edges.append(
            Edge(ids[first], ids[second], weight, "positive" if weight > 0 else "negative")
        )
    return Network(
        kind=kind,
        normalization=normalization,
        nodes=tuple(nodes),
        edges=tuple(edges),
        mode=mode,
        window=window,
    )

"""The two-mode network of actors and concepts, as DNA computes it.

Follows `Exporter.computeTwoModeMatrix()` (leifeld-lab/dna,
dna/src/main/java/dna/export/Exporter.java) with a boolean qualifier (holds = 1, rejects = 0).
The weight of the tie between an actor and a concept depends on the qualifier aggregation:

    if (this.qualifierAggregation.equals("ignore")) {
        mat[i][j] = mat[i][j] + array[i][j][k];
    ...
    } else if (!qualifierDocument && dataTypes.get(qualifier).equals("boolean")) {
        if (qualifierInteger[k] == 0) { mat[i][j] = mat[i][j] - array[i][j][k]; }
        else if (qualifierInteger[k] > 0) { mat[i][j] = mat[i][j] + array[i][j][k]; }

and for "combine" the lexical rank of which levels occur (`lexRank(vec2)`): 1 holds only,
2 rejects only, 3 both. "activity" divides each actor's ties by the actor's statements, and
"prominence" each concept's ties by the concept's statements:

    } else if (this.normalization.equals("activity")) { ...
        if (qualifierAggregation.equals("ignore")) { currentDenominator += mat[i][j]; }
        else if (qualifierAggregation.equals("subtract")) { currentDenominator += array[i][j][k]; }
"""

from collections.abc import Sequence

from app.services.networks.model import (
    Edge,
    Mode,
    Network,
    NetworkKind,
    Normalization,
    TwoModeWeight,
    Window,
    node_ids,
)
from app.services.networks.statements import Statement
from app.services.networks.tallies import nodes_of, tally

COMBINED_CODES = {"holds": 1, "rejects": 2, "both": 3}


def two_mode_network(
    statements: Sequence[Statement],
    weight: TwoModeWeight = TwoModeWeight.ignore,
    normalization: Normalization = Normalization.no,
    window: Window | None = None,
) -> Network:
    """Actors tied to the concepts they made statements on, one edge per pair with at least
    one statement (even when holds − rejects is 0: its sign says "both").

    `sign` is holds, rejects or both by which agreements occur. The callers check the
    arguments (`compute_network`; "combine" takes no normalization).
    """
    counts = tally(statements, rows=Mode.actor)
    actor_totals, concept_totals = counts.row_totals, counts.column_totals
    actor_ids = node_ids(Mode.actor, counts.rows)
    concept_ids = node_ids(Mode.concept, counts.columns)
    nodes = nodes_of(actor_ids, Mode.actor, actor_totals) + nodes_of(
        concept_ids, Mode.concept, concept_totals
    )
    edges: list[Edge] = []
    combine = weight is TwoModeWeight.combine
    subtract = weight is TwoModeWeight.subtract
    activity = normalization is Normalization.activity
    prominence = normalization is Normalization.prominence
    for actor, source in actor_ids.items():
        cells = counts.cells[actor]
        for concept in sorted(cells):
            holds, rejects = cells[concept]
            sign = "both" if holds and rejects else ("holds" if holds else "rejects")
            value: float
            if combine:
                value = COMBINED_CODES[sign]
            elif subtract:
                value = holds - rejects
            else:
                value = holds + rejects
            if activity:
                value /= actor_totals[actor]
            elif prominence:
                value /= concept_totals[concept]
            edges.append(Edge(source, concept_ids[concept], value, sign))
    return Network(
        kind=NetworkKind.two_mode,
        normalization=normalization,
        nodes=tuple(nodes),
        edges=tuple(edges),
        window=window,
    )

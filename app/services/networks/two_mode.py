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
    node_id,
)
from app.services.networks.statements import Agreement, Statement
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
    actor_totals = {actor: counts.total(actor) for actor in counts.rows}
    concept_totals = counts.column_totals()
    nodes = nodes_of(counts.rows, Mode.actor, actor_totals) + nodes_of(
        counts.columns, Mode.concept, dict(concept_totals)
    )
    edges: list[Edge] = []
    for actor in counts.rows:
        for concept in sorted(counts.counts[actor]):
            cell = counts.counts[actor][concept]
            holds, rejects = cell[Agreement.holds], cell[Agreement.rejects]
            sign = "both" if holds and rejects else ("holds" if holds else "rejects")
            value: float
            if weight is TwoModeWeight.combine:
                value = COMBINED_CODES[sign]
            elif weight is TwoModeWeight.subtract:
                value = holds - rejects
            else:
                value = holds + rejects
            if normalization is Normalization.activity:
                value /= actor_totals[actor]
            elif normalization is Normalization.prominence:
                value /= concept_totals[concept]
            source, target = node_id(Mode.actor, actor), node_id(Mode.concept, concept)
            edges.append(Edge(source, target, value, sign))
    return Network(
        kind=NetworkKind.two_mode,
        normalization=normalization,
        nodes=tuple(nodes),
        edges=tuple(edges),
        window=window,
    )

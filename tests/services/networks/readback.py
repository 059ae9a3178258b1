"""Networks to compare files with: the computed network as plain labelled values."""

from app.services.networks import Network, Statement
from app.services.networks.writing import xml_text
from tests.services.networks.examples import H, R, statement, three_actors

# Labels a writer must escape or clean: markup, quotes, a comma and line break for CSV, a
# control character XML 1.0 cannot carry, and text beyond ASCII.
AWKWARD = 'Quote "Q", <b>&amp;</b>\nnew line \x01 Ünïcødé 中文 🙂'


def awkward_statements() -> list[Statement]:
    return [
        *three_actors(),
        statement("8", AWKWARD, "c1", H, 2),
        statement("9", AWKWARD, "c2", R, 6),
    ]


def nodes_by_label(network: Network, *, for_xml: bool = False) -> dict[str, tuple[str, int]]:
    """label → (type, statements); with `for_xml`, labels as XML can carry them."""
    clean = xml_text if for_xml else str
    return {clean(n.label): (n.kind.value, n.statements) for n in network.nodes}


def edges_by_labels(
    network: Network, *, for_xml: bool = False
) -> dict[frozenset[str], tuple[float, str]]:
    """{source label, target label} → (weight, sign)."""
    clean = xml_text if for_xml else str
    labels = {node.id: clean(node.label) for node in network.nodes}
    return {
        frozenset((labels[e.source], labels[e.target])): (e.weight, e.sign) for e in network.edges
    }

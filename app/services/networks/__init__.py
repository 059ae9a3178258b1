"""Discourse networks computed the way the Discourse Network Analyzer (DNA) computes them.

Pure functions on statements (an actor's stance on a concept, dated): the two-mode network
of actors and concepts; the one-mode congruence, conflict and subtract networks of actors or of
concepts with DNA's normalizations; a moving time window; and the files analysts open them in
(CSV node and edge lists, GraphML, GEXF 1.3). No database, no HTTP. Definitions:
docs/networks.md.
"""

from app.services.networks.computing import (
    compute_network,
    compute_windowed_networks,
    moving_windows,
)
from app.services.networks.csv_files import (
    edges_csv,
    nodes_csv,
    timeline_edges_csv,
    timeline_nodes_csv,
)
from app.services.networks.gexf import network_gexf, timeline_gexf
from app.services.networks.graphml import network_graphml
from app.services.networks.model import (
    Edge,
    Mode,
    Network,
    NetworkKind,
    Node,
    Normalization,
    TwoModeWeight,
    Window,
)
from app.services.networks.specification import NetworkSpec, network_spec
from app.services.networks.statements import Agreement, Duplicates, Statement, drop_duplicates

__all__ = [
    "Agreement",
    "Duplicates",
    "Edge",
    "Mode",
    "Network",
    "NetworkKind",
    "NetworkSpec",
    "Node",
    "Normalization",
    "Statement",
    "TwoModeWeight",
    "Window",
    "compute_network",
    "compute_windowed_networks",
    "drop_duplicates",
    "edges_csv",
    "moving_windows",
    "network_gexf",
    "network_graphml",
    "network_spec",
    "nodes_csv",
    "timeline_edges_csv",
    "timeline_gexf",
    "timeline_nodes_csv",
]

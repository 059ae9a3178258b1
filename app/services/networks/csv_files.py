"""Networks as CSV node and edge lists: RFC 4180 (CRLF, quotes where needed), UTF-8, a header.

The ids are those of the GraphML and GEXF files of the same networks (n0, n1, …), so the two
lists join on them; edges carry their nodes' labels too, to be read without the node list.
"""

import csv
import io
from collections.abc import Sequence

from app.services.networks.model import Network, Window
from app.services.networks.writing import all_nodes, file_ids, number_text

NODE_HEADER = ["id", "label", "type", "statements"]
EDGE_HEADER = ["source", "target", "source_label", "target_label", "type", "weight", "sign"]
WINDOW_HEADER = ["window_start", "window_middle", "window_end"]


def _csv_bytes(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode("utf-8")


def _window_cells(window: Window | None) -> list[str]:
    if window is None:
        return ["", "", ""]
    return [window.start.isoformat(), window.middle.isoformat(), window.end.isoformat()]


def _node_rows(network: Network, ids: dict[str, str]) -> list[list[str]]:
    return [[ids[n.id], n.label, n.kind.value, str(n.statements)] for n in network.nodes]


def _edge_rows(network: Network, ids: dict[str, str]) -> list[list[str]]:
    labels = {node.id: node.label for node in network.nodes}
    return [
        [
            ids[edge.source],
            ids[edge.target],
            labels[edge.source],
            labels[edge.target],
            network.kind.value,
            number_text(edge.weight),
            edge.sign,
        ]
        for edge in network.edges
    ]


def nodes_csv(network: Network) -> bytes:
    """The node list: id, label, type (actor or concept), statements."""
    ids = file_ids(network.nodes)
    return _csv_bytes([NODE_HEADER, *_node_rows(network, ids)])


def edges_csv(network: Network) -> bytes:
    """The edge list: source, target (node ids), their labels, type (the network), weight, sign."""
    ids = file_ids(network.nodes)
    return _csv_bytes([EDGE_HEADER, *_edge_rows(network, ids)])


def timeline_nodes_csv(networks: Sequence[Network]) -> bytes:
    """The node lists of a moving window: each window's nodes, after its start, middle, end."""
    ids = file_ids(all_nodes(networks))
    rows = [WINDOW_HEADER + NODE_HEADER]
    for network in networks:
        rows += [_window_cells(network.window) + row for row in _node_rows(network, ids)]
    return _csv_bytes(rows)


def timeline_edges_csv(networks: Sequence[Network]) -> bytes:
    """The edge lists of a moving window: each window's edges, after its start, middle, end."""
    ids = file_ids(all_nodes(networks))
    rows = [WINDOW_HEADER + EDGE_HEADER]
    for network in networks:
        rows += [_window_cells(network.window) + row for row in _edge_rows(network, ids)]
    return _csv_bytes(rows)

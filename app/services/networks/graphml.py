"""A network as GraphML (graphml.graphdrawing.org), for yEd, visone, Gephi, networkx, igraph.

Nodes have `label`, `type` (actor or concept) and `statements`; edges `label`, `type` (the
network: two-mode, congruence, conflict, subtract), `weight` and `sign`; the graph says which
network it is and, for a moving window, the window's days. Built with ElementTree, which
escapes all text; characters XML cannot hold are replaced (`xml_text`).
"""

import xml.etree.ElementTree as ET

from app.services.networks.model import Network
from app.services.networks.writing import file_ids, number_text, xml_bytes, xml_text

NAMESPACE = "http://graphml.graphdrawing.org/xmlns"
SCHEMA_INSTANCE = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA = "http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"

# (key id, domain, attribute name, GraphML type)
KEYS = (
    ("network", "graph", "network", "string"),
    ("normalization", "graph", "normalization", "string"),
    ("window_start", "graph", "window_start", "string"),
    ("window_middle", "graph", "window_middle", "string"),
    ("window_end", "graph", "window_end", "string"),
    ("node_label", "node", "label", "string"),
    ("node_type", "node", "type", "string"),
    ("statements", "node", "statements", "int"),
    ("edge_label", "edge", "label", "string"),
    ("edge_type", "edge", "type", "string"),
    ("weight", "edge", "weight", "double"),
    ("sign", "edge", "sign", "string"),
)


def _tag(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _data(parent: ET.Element, key: str, value: str) -> None:
    ET.SubElement(parent, _tag("data"), key=key).text = xml_text(value)


def network_graphml(network: Network) -> bytes:
    """The network as a GraphML document (UTF-8 bytes), undirected, node ids n0, n1, …."""
    ET.register_namespace("", NAMESPACE)
    ET.register_namespace("xsi", SCHEMA_INSTANCE)
    root = ET.Element(_tag("graphml"))
    root.set(f"{{{SCHEMA_INSTANCE}}}schemaLocation", f"{NAMESPACE} {SCHEMA}")
    for key, domain, name, kind in KEYS:
        ET.SubElement(
            root, _tag("key"), {"id": key, "for": domain, "attr.name": name, "attr.type": kind}
        )
    graph = ET.SubElement(root, _tag("graph"), id="network", edgedefault="undirected")
    _data(graph, "network", network.description)
    _data(graph, "normalization", network.normalization.value)
    if network.window is not None:
        _data(graph, "window_start", network.window.start.isoformat())
        _data(graph, "window_middle", network.window.middle.isoformat())
        _data(graph, "window_end", network.window.end.isoformat())
    ids = file_ids(network.nodes)
    labels = {node.id: node.label for node in network.nodes}
    for node in network.nodes:
        element = ET.SubElement(graph, _tag("node"), id=ids[node.id])
        _data(element, "node_label", node.label)
        _data(element, "node_type", node.kind.value)
        _data(element, "statements", str(node.statements))
    for index, edge in enumerate(network.edges):
        element = ET.SubElement(
            graph, _tag("edge"), id=f"e{index}", source=ids[edge.source], target=ids[edge.target]
        )
        _data(element, "edge_label", f"{labels[edge.source]} – {labels[edge.target]}")
        _data(element, "edge_type", network.kind.value)
        _data(element, "weight", number_text(edge.weight))
        _data(element, "sign", edge.sign)
    return xml_bytes(root)

"""Networks as GEXF 1.3 (gexf.net), Gephi's format: one network, or a moving window's networks
as one dynamic graph that Gephi's timeline plays.

Nodes carry the label, `type` (actor or concept) and `statements`; edges the weight, a label,
`type` (the network) and `sign`. In the dynamic graph every window owns a slice of the time
line that starts on its middle day (the date DNA labels its network with) and ends the day
before the next window's middle (the last one lasts one step): the slices touch but never
overlap, so at any date Gephi shows exactly one window's network. A node or edge has a spell
for each run of slices it is in, and its statement count, weight and sign hold per slice.
A slice is where a window shows on the time line, not the days it counts statements from
(its start to its end, in the CSV and GraphML files).
"""

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import date, timedelta

from app.services.networks.model import Network
from app.services.networks.writing import all_nodes, file_ids, number_text, xml_bytes, xml_text

NAMESPACE = "http://gexf.net/1.3"
SCHEMA_INSTANCE = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA = "http://gexf.net/1.3/gexf.xsd"
ONE_DAY = timedelta(days=1)
WINDOW_WEIGHT = "window_weight"

Slice = tuple[date, date]


def _tag(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _root(description: str) -> ET.Element:
    ET.register_namespace("", NAMESPACE)
    ET.register_namespace("xsi", SCHEMA_INSTANCE)
    root = ET.Element(_tag("gexf"), version="1.3")
    root.set(f"{{{SCHEMA_INSTANCE}}}schemaLocation", f"{NAMESPACE} {SCHEMA}")
    meta = ET.SubElement(root, _tag("meta"))
    ET.SubElement(meta, _tag("creator")).text = "argmap"
    ET.SubElement(meta, _tag("description")).text = xml_text(description)
    return root


def _attributes(graph: ET.Element, kind: str, mode: str, *columns: tuple[str, str, str]) -> None:
    """Declare attributes, each (id, title, type)."""
    attributes = ET.SubElement(graph, _tag("attributes"), {"class": kind, "mode": mode})
    for name, title, value_type in columns:
        ET.SubElement(attributes, _tag("attribute"), id=name, title=title, type=value_type)


def _attvalue(parent: ET.Element, name: str, value: str, spell: Slice | None = None) -> None:
    element = ET.SubElement(parent, _tag("attvalue"), {"for": name, "value": xml_text(value)})
    if spell is not None:
        element.set("start", spell[0].isoformat())
        element.set("end", spell[1].isoformat())


def network_gexf(network: Network) -> bytes:
    """One network as a static GEXF 1.3 document (UTF-8 bytes), undirected, ids n0, n1, …."""
    root = _root(network.description)
    graph = ET.SubElement(root, _tag("graph"), defaultedgetype="undirected", mode="static")
    _attributes(
        graph, "node", "static", ("type", "type", "string"), ("statements", "statements", "integer")
    )
    _attributes(graph, "edge", "static", ("type", "type", "string"), ("sign", "sign", "string"))
    ids = file_ids(network.nodes)
    labels = {node.id: node.label for node in network.nodes}
    nodes = ET.SubElement(graph, _tag("nodes"), count=str(len(network.nodes)))
    for node in network.nodes:
        element = ET.SubElement(nodes, _tag("node"), id=ids[node.id], label=xml_text(node.label))
        values = ET.SubElement(element, _tag("attvalues"))
        _attvalue(values, "type", node.kind.value)
        _attvalue(values, "statements", str(node.statements))
    edges = ET.SubElement(graph, _tag("edges"), count=str(len(network.edges)))
    for index, edge in enumerate(network.edges):
        element = ET.SubElement(
            edges,
            _tag("edge"),
            id=f"e{index}",
            source=ids[edge.source],
            target=ids[edge.target],
            label=xml_text(f"{labels[edge.source]} – {labels[edge.target]}"),
            weight=number_text(edge.weight),
        )
        values = ET.SubElement(element, _tag("attvalues"))
        _attvalue(values, "type", network.kind.value)
        _attvalue(values, "sign", edge.sign)
    return xml_bytes(root)


def timeline_slices(networks: Sequence[Network]) -> list[Slice]:
    """Each windowed network's slice of the time line: its middle day up to the day before the
    next one's middle; the last slice is as long as the step before it (one day if alone)."""
    middles = [network.window.middle for network in networks if network.window is not None]
    if len(middles) != len(networks):
        raise ValueError("every network of a time line needs its window")
    step = middles[1] - middles[0] if len(middles) > 1 else ONE_DAY
    ends = [following - ONE_DAY for following in middles[1:]] + [middles[-1] + step - ONE_DAY]
    return list(zip(middles, ends, strict=True))


def _runs(slices: list[Slice]) -> list[Slice]:
    """Touching slices joined into one spell."""
    runs: list[Slice] = []
    for start, end in slices:
        if runs and runs[-1][1] + ONE_DAY == start:
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return runs


def _spells(parent: ET.Element, slices: list[Slice]) -> None:
    spells = ET.SubElement(parent, _tag("spells"))
    for start, end in _runs(slices):
        ET.SubElement(spells, _tag("spell"), start=start.isoformat(), end=end.isoformat())


def timeline_gexf(networks: Sequence[Network]) -> bytes:
    """A moving window's networks (from `compute_windowed_networks`) as one dynamic GEXF 1.3
    graph with dates for Gephi's timeline. An empty list gives a graph with no nodes."""
    description = networks[0].description if networks else "no time windows"
    root = _root(f"{description}, moving window")
    slices = timeline_slices(networks) if networks else []
    graph = ET.SubElement(
        root,
        _tag("graph"),
        defaultedgetype="undirected",
        mode="dynamic",
        timeformat="date",
        timerepresentation="interval",
    )
    if slices:
        graph.set("start", slices[0][0].isoformat())
        graph.set("end", slices[-1][1].isoformat())
    _attributes(graph, "node", "static", ("type", "type", "string"))
    _attributes(graph, "node", "dynamic", ("statements", "statements", "integer"))
    _attributes(graph, "edge", "static", ("type", "type", "string"))
    # Titled "weight" for Gephi; its id is not "weight" because networkx's reader takes an
    # attribute with that id for the static weight and would keep only the last value.
    _attributes(
        graph,
        "edge",
        "dynamic",
        (WINDOW_WEIGHT, "weight", "double"),
        ("sign", "sign", "string"),
    )

    every_node = all_nodes(networks)
    ids = file_ids(every_node)
    order = {node.id: index for index, node in enumerate(every_node)}
    nodes_by_window = [{node.id: node for node in network.nodes} for network in networks]
    edges_by_window = [{(e.source, e.target): e for e in network.edges} for network in networks]
    nodes = ET.SubElement(graph, _tag("nodes"), count=str(len(every_node)))
    for node in every_node:
        element = ET.SubElement(nodes, _tag("node"), id=ids[node.id], label=xml_text(node.label))
        values = ET.SubElement(element, _tag("attvalues"))
        _attvalue(values, "type", node.kind.value)
        present: list[Slice] = []
        for window_nodes, spell in zip(nodes_by_window, slices, strict=True):
            if node.id in window_nodes:
                _attvalue(values, "statements", str(window_nodes[node.id].statements), spell)
                present.append(spell)
        _spells(element, present)

    labels = {node.id: node.label for node in every_node}
    pairs = sorted(
        {pair for window_edges in edges_by_window for pair in window_edges},
        key=lambda pair: (order[pair[0]], order[pair[1]]),
    )
    edges = ET.SubElement(graph, _tag("edges"), count=str(len(pairs)))
    for index, (source, target) in enumerate(pairs):
        element = ET.SubElement(
            edges,
            _tag("edge"),
            id=f"e{index}",
            source=ids[source],
            target=ids[target],
            label=xml_text(f"{labels[source]} – {labels[target]}"),
        )
        values = ET.SubElement(element, _tag("attvalues"))
        _attvalue(values, "type", networks[0].kind.value)
        present = []
        for window_edges, spell in zip(edges_by_window, slices, strict=True):
            edge = window_edges.get((source, target))
            if edge is not None:
                _attvalue(values, WINDOW_WEIGHT, number_text(edge.weight), spell)
                _attvalue(values, "sign", edge.sign, spell)
                present.append(spell)
        _spells(element, present)
    return xml_bytes(root)

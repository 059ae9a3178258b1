"""GEXF 1.3 read back with networkx: one network, and a moving window for Gephi's timeline."""

import io
import xml.etree.ElementTree as ET
from datetime import timedelta

import networkx
import pytest

from app.services.networks import (
    Network,
    compute_network,
    compute_windowed_networks,
    network_gexf,
    network_spec,
    timeline_gexf,
)
from tests.services.networks.readback import awkward_statements, edges_by_labels, nodes_by_label

GEXF = "{http://gexf.net/1.3}"


def networks() -> list[Network]:
    statements = awkward_statements()
    return [
        compute_network(statements, network_spec("two-mode")),
        compute_network(statements, network_spec("subtract", normalization="cosine")),
        compute_network(statements, network_spec("congruence", mode="concept")),
    ]


@pytest.mark.parametrize("network", networks(), ids=lambda n: n.description)
def test_networkx_reads_the_gexf_back_as_computed(network: Network) -> None:
    data = network_gexf(network)
    root = ET.fromstring(data)
    assert (root.tag, root.get("version")) == (f"{GEXF}gexf", "1.3")
    graph = networkx.read_gexf(io.BytesIO(data))
    assert not graph.is_directed()
    found_nodes = {d["label"]: (d["type"], d["statements"]) for _, d in graph.nodes(data=True)}
    assert found_nodes == nodes_by_label(network, for_xml=True)
    found_edges = {
        frozenset((graph.nodes[u]["label"], graph.nodes[v]["label"])): (d["weight"], d["sign"])
        for u, v, d in graph.edges(data=True)
    }
    assert found_edges == edges_by_labels(network, for_xml=True)


def test_a_moving_window_becomes_one_dynamic_graph_with_a_slice_per_window() -> None:
    """Each window owns its middle day up to the day before the next middle (step 2 here),
    so a node or edge holds one value per slice and its spells join touching slices."""
    windows = compute_windowed_networks(
        awkward_statements(), network_spec("conflict"), window_days=3, step_days=2
    )
    graph = networkx.read_gexf(io.BytesIO(timeline_gexf(windows)))
    label = {node: data["label"] for node, data in graph.nodes(data=True)}
    slices = []
    for network in windows:
        assert network.window is not None
        middle = network.window.middle
        slices.append((middle.isoformat(), (middle + timedelta(days=1)).isoformat()))

    for network, (start, end) in zip(windows, slices, strict=True):
        at_slice = {}
        for u, v, data in graph.edges(data=True):
            for weight, first, last in data["weight"]:
                if (first, last) == (start, end):
                    at_slice[frozenset((label[u], label[v]))] = weight
        expected = {
            pair: weight for pair, (weight, _) in edges_by_labels(network, for_xml=True).items()
        }
        assert at_slice == expected
        present = {
            label[node]
            for node, data in graph.nodes(data=True)
            if any(first <= start and end <= last for first, last in data["spells"])
        }
        assert present == set(nodes_by_label(network, for_xml=True))


def test_the_timeline_graph_declares_dates_and_dynamic_attributes() -> None:
    windows = compute_windowed_networks(
        awkward_statements(), network_spec("two-mode"), window_days=3
    )
    graph = ET.fromstring(timeline_gexf(windows)).find(f"{GEXF}graph")
    assert graph is not None
    assert (graph.get("mode"), graph.get("timeformat")) == ("dynamic", "date")
    assert windows[0].window is not None and windows[-1].window is not None
    assert graph.get("start") == windows[0].window.middle.isoformat()
    assert graph.get("end") == windows[-1].window.middle.isoformat()
    dynamic_edge = graph.find(f"{GEXF}attributes[@class='edge'][@mode='dynamic']")
    assert dynamic_edge is not None
    assert [a.get("title") for a in dynamic_edge] == ["weight", "sign"]


def test_no_windows_give_an_empty_timeline() -> None:
    graph = networkx.read_gexf(io.BytesIO(timeline_gexf([])))
    assert graph.number_of_nodes() == 0

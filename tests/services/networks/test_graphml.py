"""GraphML read back with networkx and with igraph, labels escaped and cleaned."""

import io
from pathlib import Path

import igraph
import networkx
import pytest

from app.services.networks import (
    Network,
    compute_network,
    compute_windowed_networks,
    network_graphml,
    network_spec,
)
from tests.services.networks.readback import awkward_statements, edges_by_labels, nodes_by_label


def networks() -> list[Network]:
    statements = awkward_statements()
    return [
        compute_network(statements, network_spec("two-mode", two_mode_weight="subtract")),
        compute_network(statements, network_spec("conflict", normalization="average")),
        compute_network(statements, network_spec("subtract", mode="concept")),
    ]


@pytest.mark.parametrize("network", networks(), ids=lambda n: n.description)
def test_networkx_reads_the_graphml_back_as_computed(network: Network) -> None:
    graph = networkx.read_graphml(io.BytesIO(network_graphml(network)))
    assert not graph.is_directed()
    assert graph.graph["network"] == network.description
    found_nodes = {
        data["label"]: (data["type"], data["statements"]) for _, data in graph.nodes(data=True)
    }
    assert found_nodes == nodes_by_label(network, for_xml=True)
    found_edges = {
        frozenset((graph.nodes[u]["label"], graph.nodes[v]["label"])): (d["weight"], d["sign"])
        for u, v, d in graph.edges(data=True)
    }
    assert found_edges == edges_by_labels(network, for_xml=True)
    assert all(d["type"] == network.kind.value for _, _, d in graph.edges(data=True))


@pytest.mark.parametrize("network", networks(), ids=lambda n: n.description)
def test_igraph_reads_the_graphml_back_as_computed(network: Network, tmp_path: Path) -> None:
    path = tmp_path / "network.graphml"
    path.write_bytes(network_graphml(network))
    graph = igraph.Graph.Read_GraphML(str(path))
    assert not graph.is_directed()
    assert {v["label"]: (v["type"], int(v["statements"])) for v in graph.vs} == nodes_by_label(
        network, for_xml=True
    )
    found_edges = {
        frozenset((graph.vs[e.source]["label"], graph.vs[e.target]["label"])): (
            e["weight"],
            e["sign"],
        )
        for e in graph.es
    }
    assert found_edges == edges_by_labels(network, for_xml=True)


def test_a_windowed_network_says_which_days_it_covers() -> None:
    network = compute_windowed_networks(
        awkward_statements(), network_spec("congruence"), window_days=3
    )[0]
    graph = networkx.read_graphml(io.BytesIO(network_graphml(network)))
    assert (graph.graph["window_start"], graph.graph["window_end"]) == ("2024-01-01", "2024-01-03")

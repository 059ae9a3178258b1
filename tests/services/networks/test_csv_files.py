"""The CSV node and edge lists read back with the csv module and with pandas."""

import csv
import io

import pandas
import pytest

from app.services.networks import (
    compute_network,
    compute_windowed_networks,
    edges_csv,
    network_spec,
    nodes_csv,
    timeline_edges_csv,
    timeline_nodes_csv,
)
from tests.services.networks.readback import (
    AWKWARD,
    awkward_statements,
    edges_by_labels,
    nodes_by_label,
)


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def test_csv_lists_are_rfc_4180_with_a_header() -> None:
    network = compute_network(awkward_statements(), network_spec("two-mode"))
    data = edges_csv(network)
    assert data.startswith(b"source,target,source_label,target_label,type,weight,sign\r\n")
    assert data.endswith(b"\r\n")
    assert b'"Quote ""Q"", <b>&amp;</b>\nnew line' in data  # quoted, quotes doubled


@pytest.mark.parametrize("kind", ["two-mode", "subtract"])
def test_csv_read_by_the_csv_module_matches_the_network(kind: str) -> None:
    network = compute_network(awkward_statements(), network_spec(kind, normalization="no"))
    nodes = rows(nodes_csv(network))
    assert {row["label"]: (row["type"], int(row["statements"])) for row in nodes} == (
        nodes_by_label(network)
    )
    edges = rows(edges_csv(network))
    labels = {row["id"]: row["label"] for row in nodes}
    assert {
        frozenset((labels[row["source"]], labels[row["target"]])): (
            float(row["weight"]),
            row["sign"],
        )
        for row in edges
    } == edges_by_labels(network)
    assert all(row["source_label"] == labels[row["source"]] for row in edges)


def test_csv_read_by_pandas_matches_the_network() -> None:
    spec = network_spec("conflict", normalization="jaccard")
    network = compute_network(awkward_statements(), spec)
    nodes = pandas.read_csv(io.BytesIO(nodes_csv(network)), encoding="utf-8")
    edges = pandas.read_csv(io.BytesIO(edges_csv(network)), encoding="utf-8")
    assert list(nodes.columns) == ["id", "label", "type", "statements"]
    assert AWKWARD in set(nodes["label"])
    assert dict(
        zip(nodes["label"], zip(nodes["type"], nodes["statements"], strict=True), strict=True)
    ) == (nodes_by_label(network))
    found = {
        frozenset((row.source_label, row.target_label)): (row.weight, row.sign)
        for row in edges.itertuples()
    }
    expected = edges_by_labels(network)
    assert found.keys() == expected.keys()
    for pair, (weight, sign) in expected.items():
        assert found[pair] == (pytest.approx(weight, rel=1e-15), sign)


def test_timeline_csv_lists_each_windows_nodes_and_edges_after_its_days() -> None:
    networks = compute_windowed_networks(
        awkward_statements(), network_spec("congruence"), window_days=3
    )
    edges = pandas.read_csv(io.BytesIO(timeline_edges_csv(networks)), encoding="utf-8")
    nodes = pandas.read_csv(io.BytesIO(timeline_nodes_csv(networks)), encoding="utf-8")
    assert list(edges.columns[:3]) == ["window_start", "window_middle", "window_end"]
    for network in networks:
        assert network.window is not None
        window_edges = edges[edges["window_middle"] == network.window.middle.isoformat()]
        window_nodes = nodes[nodes["window_middle"] == network.window.middle.isoformat()]
        assert len(window_edges) == len(network.edges)
        assert sorted(window_nodes["label"]) == sorted(n.label for n in network.nodes)
        assert set(window_edges["window_start"]) <= {network.window.start.isoformat()}

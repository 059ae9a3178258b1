"""Discourse networks through the API: statements read from tags, counted as DNA counts them,
and the files read back by the readers analysts use."""

import io
from dataclasses import fields
from typing import Any

import networkx
import pytest
from fastapi.testclient import TestClient

from app.services.networks import Edge, Node, Window
from tests.routes.test_claims_api import paragraphs

JSON = dict[str, Any]
CLAIM = "Ukraine must cede the Donbas"


def _date_document(client: TestClient, index: int, published: str) -> JSON:
    document: JSON = client.get("/api/documents").json()[index]
    changed = client.patch(
        f"/api/documents/{document['id']}",
        json={"version": document["version"], "published": published},
    )
    assert changed.status_code == 200, changed.text
    return document


def _tag(client: TestClient, passage: JSON, **fields: Any) -> None:
    made = client.post("/api/annotations", json={"passage_id": passage["id"], **fields})
    assert made.status_code == 201, made.text


@pytest.fixture
def small_map(seeded_client: TestClient) -> TestClient:
    """Two dated documents, one claim Russia holds and Ukraine rejects, and five tags:

    - 10 Aug: Lavrov (Russian, states) → holds; Zelensky (Ukrainian, states) → rejects;
    - 20 Aug: Peskov (Russian, states) → holds; Zelensky *opposing* the Russian position →
      rejects; and a Russian tag naming no actor, which makes no statement.
    """
    client = seeded_client
    _date_document(client, 0, "2025-08-10")
    _date_document(client, 1, "2025-08-20")
    stances = [
        {"position_key": "russia", "stance": "holds"},
        {"position_key": "ukraine", "stance": "rejects"},
    ]
    claim = client.post("/api/claims", json={"text": CLAIM, "stances": stances}).json()
    for key, name in (
        ("lavrov", "Sergey Lavrov"),
        ("zelensky", "Volodymyr Zelensky"),
        ("peskov", "Dmitry Peskov"),
    ):
        assert client.post("/api/actors", json={"key": key, "name": name}).status_code == 201
    first, second = paragraphs(client, 0), paragraphs(client, 1)
    on_claim = {"claim_id": claim["id"]}
    _tag(client, first[0], position_key="russia", actor_key="lavrov", **on_claim)
    _tag(client, first[1], position_key="ukraine", actor_key="zelensky", **on_claim)
    _tag(client, second[0], position_key="russia", actor_key="peskov", **on_claim)
    _tag(
        client,
        second[1],
        position_key="russia",
        kind="opposes",
        actor_key="zelensky",
        **on_claim,
    )
    _tag(client, second[2], position_key="russia", **on_claim)
    return client


def _weights(network: JSON) -> dict[frozenset[str], float]:
    labels = {node["id"]: node["label"] for node in network["nodes"]}
    return {
        frozenset((labels[edge["source"]], labels[edge["target"]])): edge["weight"]
        for edge in network["edges"]
    }


def test_congruence_and_conflict_count_pairs_of_statements(small_map: TestClient) -> None:
    congruence = small_map.get("/api/networks", params={"kind": "congruence"}).json()
    assert congruence["statements"] == 4
    assert congruence["left_out"] == {"no actor": 1}
    assert _weights(congruence["networks"][0]) == {
        frozenset({"Sergey Lavrov", "Dmitry Peskov"}): 1,
    }
    conflict = small_map.get("/api/networks", params={"kind": "conflict"}).json()
    # Zelensky's two rejections meet each holding: 1 × 2 pairs with Lavrov and with Peskov.
    assert _weights(conflict["networks"][0]) == {
        frozenset({"Sergey Lavrov", "Volodymyr Zelensky"}): 2,
        frozenset({"Dmitry Peskov", "Volodymyr Zelensky"}): 2,
    }


def test_a_date_range_and_a_moving_window_select_the_statements(small_map: TestClient) -> None:
    early = small_map.get(
        "/api/networks", params={"kind": "conflict", "until": "2025-08-15"}
    ).json()
    assert early["statements"] == 2
    assert _weights(early["networks"][0]) == {
        frozenset({"Sergey Lavrov", "Volodymyr Zelensky"}): 1,
    }
    windows = small_map.get(
        "/api/networks",
        params={
            "kind": "conflict",
            "window": 3,
            "since": "2025-08-09",
            "until": "2025-08-21",
        },
    ).json()
    # Middles 10 … 20 August: each window covers its middle day and one day either side.
    assert len(windows["networks"]) == 11
    first, last = windows["networks"][0], windows["networks"][-1]
    assert first["window"] == {"start": "2025-08-09", "middle": "2025-08-10", "end": "2025-08-11"}
    assert _weights(first) == {frozenset({"Sergey Lavrov", "Volodymyr Zelensky"}): 1}
    assert _weights(last) == {frozenset({"Dmitry Peskov", "Volodymyr Zelensky"}): 1}
    assert all(not network["edges"] for network in windows["networks"][2:9])


def test_a_networks_json_records_hold_every_field_of_its_nodes_edges_and_window(
    small_map: TestClient,
) -> None:
    body = small_map.get(
        "/api/networks",
        params={"kind": "two-mode", "window": 3, "since": "2025-08-09", "until": "2025-08-11"},
    ).json()
    [network] = body["networks"]
    lavrov, zelensky, claim = "Sergey Lavrov", "Volodymyr Zelensky", f"concept:{CLAIM}"
    assert network == {
        "description": "two-mode network of actors and concepts",
        "window": {"start": "2025-08-09", "middle": "2025-08-10", "end": "2025-08-11"},
        "nodes": [
            {"id": f"actor:{lavrov}", "label": lavrov, "kind": "actor", "statements": 1},
            {"id": f"actor:{zelensky}", "label": zelensky, "kind": "actor", "statements": 1},
            {"id": claim, "label": CLAIM, "kind": "concept", "statements": 2},
        ],
        "edges": [
            {"source": f"actor:{lavrov}", "target": claim, "weight": 1, "sign": "holds"},
            {"source": f"actor:{zelensky}", "target": claim, "weight": 1, "sign": "rejects"},
        ],
    }
    # The records' keys are the fields of the values, in their order.
    assert list(network["window"]) == [field.name for field in fields(Window)]
    assert {tuple(node) for node in network["nodes"]} == {tuple(f.name for f in fields(Node))}
    assert {tuple(edge) for edge in network["edges"]} == {tuple(f.name for f in fields(Edge))}


def test_the_graphml_reads_back_with_the_same_weights(small_map: TestClient) -> None:
    answer = small_map.get("/api/networks/file", params={"kind": "conflict", "format": "graphml"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/graphml+xml")
    assert 'filename="argmap-conflict-actor-claims-' in answer.headers["content-disposition"]
    graph = networkx.read_graphml(io.BytesIO(answer.content))
    labels = {node: data["label"] for node, data in graph.nodes(data=True)}
    weights = {
        frozenset((labels[a], labels[b])): data["weight"] for a, b, data in graph.edges(data=True)
    }
    assert weights == {
        frozenset({"Sergey Lavrov", "Volodymyr Zelensky"}): 2,
        frozenset({"Dmitry Peskov", "Volodymyr Zelensky"}): 2,
    }


def test_the_topic_level_reads_a_position_on_a_topic(small_map: TestClient) -> None:
    answer = small_map.get(
        "/api/networks", params={"kind": "two-mode", "concepts": "topics"}
    ).json()
    # None of the tags has a topic: every one is left out, and counted.
    assert answer["statements"] == 0
    assert answer["left_out"] == {"no actor": 1, "no topic": 4}


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"kind": "friendship"}, 422, "kind"),
        ({"window": 0}, 422, "greater than or equal to 1"),
        ({"window": -3}, 422, "greater than or equal to 1"),
        ({"since": "2025-08-20", "until": "2025-08-01"}, 422, "ends (2025-08-01) before"),
        ({"since": "20 August"}, 422, "is not a date"),
        ({"document": "nope"}, 404, "There is no document with the id 'nope'."),
        ({"kind": "two-mode", "normalization": "jaccard"}, 422, "does not apply"),
    ],
)
def test_bad_network_requests_are_refused_with_a_reason(
    seeded_client: TestClient, params: dict[str, Any], status: int, message: str
) -> None:
    answer = seeded_client.get("/api/networks", params=params)
    assert answer.status_code == status, answer.text
    assert message in answer.text


def test_an_arguing_tag_without_an_actor_speaks_for_its_documents_author(
    small_map: TestClient,
) -> None:
    client = small_map
    document = client.get("/api/documents").json()[0]
    changed = client.patch(
        f"/api/documents/{document['id']}",
        json={"version": document["version"], "author": "Fyodor Lukyanov"},
    )
    assert changed.status_code == 200, changed.text
    made = client.post("/api/actors", json={"key": "lukyanov", "name": "Fyodor Lukyanov"})
    assert made.status_code == 201
    (claim,) = [c for c in client.get("/api/claims").json() if c["text"] == CLAIM]
    passage = paragraphs(client, 0)[2]
    _tag(client, passage, position_key="russia", kind="supports", claim_id=claim["id"])
    _tag(client, passage, position_key="russia", kind="states", claim_id=claim["id"])
    answer = client.get("/api/networks", params={"kind": "two-mode"}).json()
    # The supporting tag is the author's statement; the one that states it still names nobody.
    assert answer["statements"] == 5
    assert answer["left_out"] == {"no actor": 2}
    labels = {node["label"] for node in answer["networks"][0]["nodes"]}
    assert "Fyodor Lukyanov" in labels


def test_a_filter_in_any_script_gives_a_file_name_a_header_can_carry(
    small_map: TestClient,
) -> None:
    # Found by the API probe: an outlet of Hangul and control characters made the name of the
    # file unencodable in its header (500).
    answer = small_map.get(
        "/api/networks/file", params={"outlet": "\x02끁¿À", "format": "edges.csv"}
    )
    assert answer.status_code == 200, answer.text
    disposition = answer.headers["content-disposition"]
    assert disposition.isascii() and "-outlet-x-" in disposition

"""The JSON API for claims and relations, route by route, with its error answers."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

JSON = dict[str, Any]


def paragraphs(client: TestClient, document_index: int) -> list[JSON]:
    document = client.get("/api/documents").json()[document_index]
    passages = client.get(f"/api/documents/{document['id']}/passages").json()
    return [p for p in passages if p["kind"] == "paragraph"]


def tag(client: TestClient, passage: JSON, position_key: str = "russia") -> JSON:
    response = client.post(
        "/api/annotations", json={"passage_id": passage["id"], "position_key": position_key}
    )
    assert response.status_code == 201, response.text
    created: JSON = response.json()
    return created


def create_claim(client: TestClient, text: str, **fields: Any) -> JSON:
    response = client.post("/api/claims", json={"text": text, **fields})
    assert response.status_code == 201, response.text
    created: JSON = response.json()
    return created


def relate(client: TestClient, source: JSON, target: JSON, kind: str = "supports") -> JSON:
    body = {"source_id": source["id"], "target_id": target["id"], "kind": kind}
    response = client.post("/api/relations", json=body)
    assert response.status_code == 201, response.text
    created: JSON = response.json()
    return created


def assert_error(response: Any, status: int, detail: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["detail"] == detail


# --- claims ----------------------------------------------------------------------------------


def test_create_claim_with_stances_and_evidence(seeded_client: TestClient) -> None:
    first = tag(seeded_client, paragraphs(seeded_client, 0)[0])
    second = tag(seeded_client, paragraphs(seeded_client, 1)[0])
    claim = create_claim(
        seeded_client,
        " Ukraine will not join NATO ",
        topic_key="nato",
        stances=[{"position_key": "russia"}, {"position_key": "ukraine", "stance": "rejects"}],
        annotation_ids=[first["id"], second["id"]],
    )
    assert claim["text"] == "Ukraine will not join NATO"
    assert claim["analyst"] == "tester"  # the signed-in user
    assert claim["stances"] == [
        {"position_key": "russia", "stance": "holds"},
        {"position_key": "ukraine", "stance": "rejects"},
    ]
    assert (claim["evidence_count"], claim["document_count"]) == (2, 2)
    tagged = seeded_client.get(f"/api/annotations/{first['id']}").json()
    assert tagged["claim_id"] == claim["id"]


def test_a_claim_is_credited_to_the_signed_in_user_whatever_the_body_says(
    seeded_client: TestClient,
) -> None:
    assert create_claim(seeded_client, "Claim", analyst="Bo")["analyst"] == "tester"


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"text": "x", "topic_key": "weather"}, 422, "There is no topic with the key 'weather'."),
        (
            {"text": "x", "stances": [{"position_key": "china"}]},
            422,
            "There is no position with the key 'china'.",
        ),
        (
            {"text": "x", "stances": [{"position_key": "us"}, {"position_key": "us"}]},
            422,
            "The position 'us' is given twice; a position takes one stance on a claim.",
        ),
        ({"text": "x", "annotation_ids": ["nope"]}, 404, "There is no tag with the id 'nope'."),
    ],
)
def test_create_claim_refuses_bad_references(
    seeded_client: TestClient, body: JSON, status: int, detail: str
) -> None:
    assert_error(seeded_client.post("/api/claims", json=body), status, detail)
    assert seeded_client.get("/api/claims").json() == []


@pytest.mark.parametrize(
    "body",
    [
        {"text": "   "},
        {"text": ""},
        {"text": "x" * 2001},
        {"text": "x", "stances": [{"position_key": "us", "stance": "maybe"}]},
    ],
)
def test_create_claim_refuses_malformed_bodies(seeded_client: TestClient, body: JSON) -> None:
    response = seeded_client.post("/api/claims", json=body)
    assert response.status_code == 422
    assert response.json()["message"]


def test_list_and_search_claims(seeded_client: TestClient) -> None:
    evidence = [tag(seeded_client, p) for p in paragraphs(seeded_client, 0)[:2]]
    create_claim(seeded_client, "Europe wants a ceasefire", topic_key="ceasefire")
    create_claim(
        seeded_client,
        "Russia rejects a ceasefire",
        topic_key="ceasefire",
        stances=[{"position_key": "russia", "stance": "holds"}],
        annotation_ids=[e["id"] for e in evidence],
    )
    create_claim(seeded_client, "Ceasefire talks will fail")
    create_claim(seeded_client, "Ukraine will not join NATO", topic_key="nato")

    def texts(**params: Any) -> list[str]:
        response = seeded_client.get("/api/claims", params=params)
        assert response.status_code == 200, response.text
        return [c["text"] for c in response.json()]

    assert texts() == [
        "Ceasefire talks will fail",
        "Europe wants a ceasefire",
        "Russia rejects a ceasefire",
        "Ukraine will not join NATO",
    ]
    assert texts(q="CEASEFIRE") == [
        "Ceasefire talks will fail",
        "Russia rejects a ceasefire",
        "Europe wants a ceasefire",
    ]
    assert texts(q="a ceasefire russia") == ["Russia rejects a ceasefire"]
    assert texts(topic="ceasefire") == ["Europe wants a ceasefire", "Russia rejects a ceasefire"]
    assert texts(position="russia") == ["Russia rejects a ceasefire"]
    assert texts(limit=2, offset=1) == ["Europe wants a ceasefire", "Russia rejects a ceasefire"]
    assert_error(
        seeded_client.get("/api/claims", params={"topic": "weather"}),
        404,
        "There is no topic with the key 'weather'.",
    )
    assert seeded_client.get("/api/claims", params={"limit": 0}).status_code == 422


def test_get_claim_gives_evidence_and_relations(seeded_client: TestClient) -> None:
    passage = paragraphs(seeded_client, 0)[0]
    evidence = tag(seeded_client, passage)
    claim = create_claim(seeded_client, "Centre", annotation_ids=[evidence["id"]])
    supported = create_claim(seeded_client, "Supported")
    supporter = create_claim(seeded_client, "Supporter")
    attacked = create_claim(seeded_client, "Attacked")
    attacker = create_claim(seeded_client, "Attacker")
    relate(seeded_client, claim, supported, "supports")
    relate(seeded_client, supporter, claim, "supports")
    relate(seeded_client, claim, attacked, "attacks")
    relate(seeded_client, attacker, claim, "attacks")
    detail = seeded_client.get(f"/api/claims/{claim['id']}").json()
    assert detail["text"] == "Centre"
    assert [e["id"] for e in detail["evidence"]] == [evidence["id"]]
    assert detail["evidence"][0]["passage_text"] == passage["text"]
    assert detail["evidence"][0]["document_id"] == passage["document_id"]
    assert detail["evidence"][0]["document_label"]
    for group, other in [
        ("supports", supported),
        ("supported_by", supporter),
        ("attacks", attacked),
        ("attacked_by", attacker),
    ]:
        assert [(r["other_claim_id"], r["other_claim_text"]) for r in detail[group]] == [
            (other["id"], other["text"])
        ]
    assert detail["supports"][0]["source_id"] == claim["id"]
    assert detail["attacked_by"][0]["target_id"] == claim["id"]


def test_unknown_claim_is_a_404_with_a_message(seeded_client: TestClient) -> None:
    detail = "There is no claim with the id 'nope'."
    for response in (
        seeded_client.get("/api/claims/nope"),
        seeded_client.patch("/api/claims/nope", json={"text": "x", "version": 1}),
        seeded_client.delete("/api/claims/nope"),
        seeded_client.put("/api/claims/nope/stances/russia", json={"stance": "holds"}),
        seeded_client.delete("/api/claims/nope/stances/russia"),
        seeded_client.post("/api/claims/nope/merge", json={"source_ids": ["x"]}),
        seeded_client.post("/api/claims/nope/split", json={"annotation_ids": ["x"], "text": "y"}),
        seeded_client.get("/api/relations", params={"claim": "nope"}),
    ):
        assert_error(response, 404, detail)


def test_update_claim(seeded_client: TestClient) -> None:
    claim = create_claim(
        seeded_client, "Old", topic_key="nato", stances=[{"position_key": "russia"}]
    )
    url = f"/api/claims/{claim['id']}"
    response = seeded_client.patch(
        url, json={"text": "New", "note": "checked", "version": claim["version"]}
    )
    assert response.status_code == 200
    assert (response.json()["text"], response.json()["topic_key"]) == ("New", "nato")
    assert response.json()["stances"] == [{"position_key": "russia", "stance": "holds"}]
    stances = [{"position_key": "us", "stance": "rejects"}]
    response = seeded_client.patch(
        url, json={"topic_key": None, "stances": stances, "version": response.json()["version"]}
    )
    assert response.json()["topic_key"] is None
    assert response.json()["stances"] == [{"position_key": "us", "stance": "rejects"}]
    version = response.json()["version"]
    assert_error(
        seeded_client.patch(url, json={"text": None, "version": version}),
        422,
        "A claim must keep its text.",
    )
    assert_error(
        seeded_client.patch(url, json={"topic_key": "weather", "version": version}),
        422,
        "There is no topic with the key 'weather'.",
    )


def test_set_and_remove_a_stance(seeded_client: TestClient) -> None:
    claim = create_claim(seeded_client, "Claim")
    url = f"/api/claims/{claim['id']}/stances"
    response = seeded_client.put(f"{url}/europe", json={"stance": "rejects"})
    assert response.status_code == 200
    assert response.json()["stances"] == [{"position_key": "europe", "stance": "rejects"}]
    response = seeded_client.put(f"{url}/europe", json={"stance": "holds"})
    assert response.json()["stances"] == [{"position_key": "europe", "stance": "holds"}]
    assert seeded_client.delete(f"{url}/europe").status_code == 204
    assert seeded_client.get(f"/api/claims/{claim['id']}").json()["stances"] == []
    assert seeded_client.put(f"{url}/europe", json={"stance": "maybe"}).status_code == 422
    assert_error(
        seeded_client.put(f"{url}/china", json={"stance": "holds"}),
        404,
        "There is no position with the key 'china'.",
    )


def test_delete_claim_keeps_its_evidence_and_removes_its_relations(
    seeded_client: TestClient,
) -> None:
    evidence = tag(seeded_client, paragraphs(seeded_client, 0)[0])
    claim = create_claim(seeded_client, "Doomed", annotation_ids=[evidence["id"]])
    other = create_claim(seeded_client, "Other")
    relation = relate(seeded_client, other, claim)
    assert seeded_client.delete(f"/api/claims/{claim['id']}").status_code == 204
    assert seeded_client.get(f"/api/claims/{claim['id']}").status_code == 404
    annotation = seeded_client.get(f"/api/annotations/{evidence['id']}")
    assert annotation.status_code == 200
    assert annotation.json()["claim_id"] is None
    assert seeded_client.get(f"/api/relations/{relation['id']}").status_code == 404
    assert seeded_client.get("/api/relations").json() == []


def test_attach_and_detach_evidence(seeded_client: TestClient) -> None:
    claim = create_claim(seeded_client, "Claim")
    annotation = tag(seeded_client, paragraphs(seeded_client, 2)[0])
    url = f"/api/claims/{claim['id']}/evidence"
    response = seeded_client.post(url, json={"annotation_id": annotation["id"]})
    assert response.status_code == 200
    assert response.json()["claim_id"] == claim["id"]
    assert response.json()["document_id"] == annotation["document_id"]
    assert seeded_client.get(f"/api/claims/{claim['id']}").json()["evidence_count"] == 1
    assert seeded_client.delete(f"{url}/{annotation['id']}").status_code == 204
    assert seeded_client.get(f"/api/claims/{claim['id']}").json()["evidence_count"] == 0
    assert_error(
        seeded_client.delete(f"{url}/{annotation['id']}"),
        404,
        f"The tag '{annotation['id']}' is not evidence for the claim “Claim”.",
    )
    assert_error(
        seeded_client.post(url, json={"annotation_id": "nope"}),
        404,
        "There is no tag with the id 'nope'.",
    )
    assert seeded_client.post(url, json={}).status_code == 422


def test_merge_two_claims_from_different_articles(seeded_client: TestClient) -> None:
    first = tag(seeded_client, paragraphs(seeded_client, 0)[0])
    second = tag(seeded_client, paragraphs(seeded_client, 3)[0])
    target = create_claim(
        seeded_client,
        "Ukraine will not join NATO",
        stances=[{"position_key": "russia", "stance": "holds"}],
        annotation_ids=[first["id"]],
    )
    source = create_claim(
        seeded_client,
        "Kyiv stays out of NATO",
        stances=[
            {"position_key": "russia", "stance": "rejects"},
            {"position_key": "us", "stance": "holds"},
        ],
        annotation_ids=[second["id"]],
    )
    other = create_claim(seeded_client, "NATO is a threat")
    relate(seeded_client, other, source, "supports")
    relate(seeded_client, source, target, "supports")  # would become a self-relation
    response = seeded_client.post(
        f"/api/claims/{target['id']}/merge", json={"source_ids": [source["id"]]}
    )
    assert response.status_code == 200, response.text
    merged = response.json()
    assert merged["id"] == target["id"]
    assert (merged["evidence_count"], merged["document_count"]) == (2, 2)
    assert merged["stances"] == [
        {"position_key": "russia", "stance": "holds"},
        {"position_key": "us", "stance": "holds"},
    ]
    assert merged["note"] == "Merged: “Kyiv stays out of NATO” (by tester)"
    assert seeded_client.get(f"/api/claims/{source['id']}").status_code == 404
    relations = seeded_client.get("/api/relations").json()
    assert [(r["source_id"], r["target_id"]) for r in relations] == [(other["id"], target["id"])]


@pytest.mark.parametrize(
    ("sources", "status", "detail"),
    [
        ([], 422, "Choose at least one claim to merge into this one."),
        (["SELF"], 422, "A claim cannot be merged into itself."),
        (["nope"], 404, "There is no claim with the id 'nope'."),
    ],
)
def test_merge_refuses_nonsense(
    seeded_client: TestClient, sources: list[str], status: int, detail: str
) -> None:
    claim = create_claim(seeded_client, "Claim")
    source_ids = [claim["id"] if s == "SELF" else s for s in sources]
    response = seeded_client.post(
        f"/api/claims/{claim['id']}/merge", json={"source_ids": source_ids}
    )
    assert_error(response, status, detail)


def test_split_a_claim(seeded_client: TestClient) -> None:
    a, b = (tag(seeded_client, p) for p in paragraphs(seeded_client, 1)[:2])
    claim = create_claim(
        seeded_client,
        "Broad claim",
        topic_key="nato",
        stances=[{"position_key": "ukraine", "stance": "rejects"}],
        annotation_ids=[a["id"], b["id"]],
    )
    url = f"/api/claims/{claim['id']}/split"
    response = seeded_client.post(url, json={"annotation_ids": [b["id"]], "text": "Narrow claim"})
    assert response.status_code == 201, response.text
    new = response.json()
    assert (new["text"], new["topic_key"], new["evidence_count"]) == ("Narrow claim", "nato", 1)
    assert new["stances"] == claim["stances"]
    assert seeded_client.get(f"/api/claims/{claim['id']}").json()["evidence_count"] == 1
    response = seeded_client.post(url, json={"annotation_ids": [a["id"]], "text": "All of it"})
    assert_error(
        response,
        422,
        "Those are all the passages of “Broad claim”: nothing would be left for it. "
        "Leave it at least one, or edit its text instead.",
    )
    assert seeded_client.post(url, json={"annotation_ids": [a["id"]]}).status_code == 422


# --- relations -------------------------------------------------------------------------------


def test_create_get_update_and_delete_a_relation(seeded_client: TestClient) -> None:
    nuclear = create_claim(seeded_client, "Russia cannot be defeated: it is a nuclear power")
    win = create_claim(seeded_client, "Ukraine cannot win by military means")
    passage = paragraphs(seeded_client, 1)[0]
    body = {
        "source_id": nuclear["id"],
        "target_id": win["id"],
        "kind": "supports",
        "evidence_passage_id": passage["id"],
    }
    response = seeded_client.post("/api/relations", json=body)
    assert response.status_code == 201, response.text
    relation = response.json()
    assert relation["analyst"] == "tester"
    url = f"/api/relations/{relation['id']}"
    assert seeded_client.get(url).json() == relation
    listed = seeded_client.get("/api/relations", params={"claim": win["id"]}).json()
    assert [r["id"] for r in listed] == [relation["id"]]
    response = seeded_client.patch(
        url,
        json={"kind": "attacks", "evidence_passage_id": None, "version": relation["version"]},
    )
    assert response.status_code == 200
    assert (response.json()["kind"], response.json()["evidence_passage_id"]) == ("attacks", None)
    version = response.json()["version"]
    assert seeded_client.patch(url, json={"kind": "agrees", "version": version}).status_code == 422
    assert_error(
        seeded_client.patch(url, json={"kind": None, "version": version}),
        422,
        "A relation must keep a kind (supports or attacks).",
    )
    assert seeded_client.delete(url).status_code == 204
    for response in (
        seeded_client.get(url),
        seeded_client.patch(url, json={"note": "x", "version": version}),
        seeded_client.delete(url),
    ):
        assert_error(response, 404, f"There is no relation with the id '{relation['id']}'.")


def test_a_claim_cannot_relate_to_itself(seeded_client: TestClient) -> None:
    claim = create_claim(seeded_client, "Claim")
    body = {"source_id": claim["id"], "target_id": claim["id"], "kind": "attacks"}
    assert_error(
        seeded_client.post("/api/relations", json=body),
        422,
        "A claim cannot support or attack itself.",
    )


@pytest.mark.parametrize("reverse", [False, True])
def test_a_duplicate_relation_is_a_409_in_either_direction(
    seeded_client: TestClient, reverse: bool
) -> None:
    first = create_claim(seeded_client, "First claim")
    second = create_claim(seeded_client, "Second claim")
    relate(seeded_client, first, second, "attacks")
    source, target = (second, first) if reverse else (first, second)
    body = {"source_id": source["id"], "target_id": target["id"], "kind": "supports"}
    assert_error(
        seeded_client.post("/api/relations", json=body),
        409,
        "“First claim” already attacks “Second claim”; two claims can have one relation "
        "only. Change or delete that one instead.",
    )


def test_create_relation_with_unknown_claim_or_passage_is_a_404(
    seeded_client: TestClient,
) -> None:
    claim = create_claim(seeded_client, "Claim")
    other = create_claim(seeded_client, "Other")
    for body, detail in [
        ({"source_id": "nope", "target_id": claim["id"]}, "There is no claim with the id 'nope'."),
        ({"source_id": claim["id"], "target_id": "nope"}, "There is no claim with the id 'nope'."),
        (
            {"source_id": claim["id"], "target_id": other["id"], "evidence_passage_id": "nope"},
            "There is no passage with the id 'nope'.",
        ),
    ]:
        response = seeded_client.post("/api/relations", json={"kind": "supports", **body})
        assert_error(response, 404, detail)
    assert seeded_client.get("/api/relations").json() == []

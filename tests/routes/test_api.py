"""The JSON API, route by route, with its error cases (JSON only; HTML pages are tested apart)."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.accounts import sign_in_as

JSON = dict[str, Any]


def first_paragraph(client: TestClient) -> JSON:
    document = client.get("/api/documents").json()[0]
    passages = client.get(f"/api/documents/{document['id']}/passages").json()
    return next(p for p in passages if p["kind"] == "paragraph")


def boilerplate_passage(client: TestClient) -> JSON:
    for document in client.get("/api/documents").json():
        for passage in client.get(f"/api/documents/{document['id']}/passages").json():
            if passage["kind"] == "boilerplate":
                found: JSON = passage
                return found
    raise AssertionError("the seed corpus has boilerplate passages")


def tag(client: TestClient, passage_id: str, **fields: Any) -> JSON:
    response = client.post(
        "/api/annotations", json={"passage_id": passage_id, "position_key": "russia", **fields}
    )
    assert response.status_code == 201, response.text
    created: JSON = response.json()
    return created


# --- documents -------------------------------------------------------------------------------


def test_list_documents_gives_the_seed_corpus_with_counts(seeded_client: TestClient) -> None:
    documents = seeded_client.get("/api/documents").json()
    assert len(documents) == 5
    assert all(d["passage_count"] > 0 for d in documents)
    assert all(d["tagged_passage_count"] == 0 for d in documents)
    assert len({d["sha256"] for d in documents}) == 5


def test_create_document_segments_the_text(client: TestClient) -> None:
    text = "A heading\n\nFirst paragraph, which says something.\n\nSecond paragraph here."
    response = client.post("/api/documents", json={"title": "Test", "text": text})
    assert response.status_code == 201
    document = response.json()
    assert document["title"] == "Test"
    assert document["passage_count"] == 3
    detail = client.get(f"/api/documents/{document['id']}").json()
    assert [p["text"] for p in detail["passages"]][1] == "First paragraph, which says something."
    assert [p["kind"] for p in detail["passages"]][0] == "heading"


def test_create_document_refuses_a_text_already_in_the_corpus(client: TestClient) -> None:
    body = {"title": "Twice", "text": "The same words.\n\nAgain."}
    assert client.post("/api/documents", json=body).status_code == 201
    response = client.post("/api/documents", json=body)
    assert response.status_code == 409
    assert "already" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"title": "No text"},
        {"title": "Empty", "text": ""},
        {"title": "Bad date", "text": "Words.", "published": "15 August"},
        {"title": "x" * 501, "text": "Words."},
    ],
)
def test_create_document_rejects_bad_input_with_a_message(client: TestClient, body: JSON) -> None:
    response = client.post("/api/documents", json=body)
    assert response.status_code == 422
    assert response.json()["message"]


def test_get_update_and_delete_a_document(seeded_client: TestClient) -> None:
    document = seeded_client.get("/api/documents").json()[0]
    url = f"/api/documents/{document['id']}"
    detail = seeded_client.get(url).json()
    assert detail["passages"][0]["ordinal"] == 0
    response = seeded_client.patch(
        url, json={"outlet": "Corrected outlet", "version": detail["version"]}
    )
    assert response.status_code == 200
    assert response.json()["outlet"] == "Corrected outlet"
    assert response.json()["title"] == document["title"]
    assert seeded_client.delete(url).status_code == 204
    assert seeded_client.get(url).status_code == 404
    passage_id = detail["passages"][0]["id"]
    assert seeded_client.get(f"/api/passages/{passage_id}").status_code == 404


def test_unknown_document_is_a_404_with_a_message(client: TestClient) -> None:
    for response in (
        client.get("/api/documents/nope"),
        client.patch("/api/documents/nope", json={"title": "x", "version": 1}),
        client.delete("/api/documents/nope"),
        client.get("/api/documents/nope/passages"),
    ):
        assert response.status_code == 404
        assert response.json() == {"detail": "There is no document with the id 'nope'."}


def test_update_document_rejects_a_bad_date(seeded_client: TestClient) -> None:
    document = seeded_client.get("/api/documents").json()[0]
    response = seeded_client.patch(
        f"/api/documents/{document['id']}", json={"published": "soon", "version": 1}
    )
    assert response.status_code == 422
    assert "published" in response.json()["message"]


# --- passages --------------------------------------------------------------------------------


def test_get_and_reclassify_a_passage(seeded_client: TestClient) -> None:
    passage = boilerplate_passage(seeded_client)
    url = f"/api/passages/{passage['id']}"
    assert seeded_client.get(url).json()["text"] == passage["text"]
    response = seeded_client.patch(url, json={"kind": "paragraph"})
    assert response.status_code == 200
    assert response.json()["kind"] == "paragraph"
    assert seeded_client.patch(url, json={"kind": "footnote"}).status_code == 422
    assert seeded_client.get("/api/passages/nope").status_code == 404
    assert seeded_client.patch("/api/passages/nope", json={"kind": "heading"}).status_code == 404


# --- positions and topics --------------------------------------------------------------------


def test_positions_are_seeded_in_order(seeded_client: TestClient) -> None:
    keys = [p["key"] for p in seeded_client.get("/api/positions").json()]
    assert keys[:4] == ["russia", "ukraine", "us", "europe"]


def test_create_update_and_delete_a_position(seeded_client: TestClient) -> None:
    body = {"key": "china", "name": "Chinese", "colour": "#aa3377", "ordinal": 5}
    response = seeded_client.post("/api/positions", json=body)
    assert response.status_code == 201
    assert response.json().items() >= body.items()
    version = response.json()["version"]
    response = seeded_client.patch(
        "/api/positions/china", json={"name": "China (PRC)", "version": version}
    )
    assert response.json()["name"] == "China (PRC)"
    assert response.json()["version"] == version + 1
    assert response.json()["colour"] == "#aa3377"
    assert seeded_client.delete("/api/positions/china").status_code == 204
    assert seeded_client.get("/api/positions/china").status_code == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"key": "russia", "name": "Again"}, 409),
        ({"key": "Bad Key", "name": "Spaces"}, 422),
        ({"key": "nato", "name": "NATO", "colour": "red"}, 422),
        ({"key": "nato", "name": "   "}, 422),
        ({"key": "nato"}, 422),
    ],
)
def test_create_position_errors(seeded_client: TestClient, body: JSON, status: int) -> None:
    response = seeded_client.post("/api/positions", json=body)
    assert response.status_code == status
    assert response.json().get("detail")


def test_a_position_in_use_cannot_be_deleted(seeded_client: TestClient) -> None:
    tag(seeded_client, first_paragraph(seeded_client)["id"])
    response = seeded_client.delete("/api/positions/russia")
    assert response.status_code == 409
    assert "used by 1 tag" in response.json()["detail"]
    assert seeded_client.get("/api/positions/russia").status_code == 200


def test_position_detail_groups_its_tags_by_topic(seeded_client: TestClient) -> None:
    passage = first_paragraph(seeded_client)
    tag(seeded_client, passage["id"], topic_key="nato")
    tag(seeded_client, passage["id"], kind="opposes")
    detail = seeded_client.get("/api/positions/russia").json()
    assert detail["position"]["name"] == "Russian"
    topics = [g["topic"]["key"] if g["topic"] else None for g in detail["groups"]]
    assert topics == ["nato", None]
    assert detail["groups"][1]["annotations"][0]["kind"] == "opposes"


def test_topics_crud_and_errors(seeded_client: TestClient) -> None:
    assert any(t["key"] == "territory" for t in seeded_client.get("/api/topics").json())
    body = {"key": "energy", "name": "Energy", "description": "Gas, oil, sanctions on both"}
    assert seeded_client.post("/api/topics", json=body).status_code == 201
    assert seeded_client.post("/api/topics", json=body).status_code == 409
    assert seeded_client.post("/api/topics", json={"key": "9x", "name": "n"}).status_code == 422
    assert seeded_client.get("/api/topics/energy").json()["name"] == "Energy"
    response = seeded_client.patch(
        "/api/topics/energy", json={"description": "Gas and oil", "version": 1}
    )
    assert response.json()["description"] == "Gas and oil"
    tag(seeded_client, first_paragraph(seeded_client)["id"], topic_key="energy")
    assert seeded_client.delete("/api/topics/energy").status_code == 409
    assert seeded_client.delete("/api/topics/nope").status_code == 404
    assert (
        seeded_client.patch("/api/topics/nope", json={"name": "x", "version": 1}).status_code == 404
    )


# --- annotations -----------------------------------------------------------------------------


def test_tag_a_whole_passage(seeded_client: TestClient) -> None:
    passage = first_paragraph(seeded_client)
    annotation = tag(seeded_client, passage["id"], kind="supports", topic_key="territory", note="n")
    assert annotation["passage_id"] == passage["id"]
    assert annotation["start"] is None and annotation["quote"] is None
    assert annotation["analyst"] == "tester"
    assert annotation["kind"] == "supports"
    assert annotation["created_at"] == annotation["updated_at"]
    documents = seeded_client.get("/api/documents").json()
    assert sum(d["tagged_passage_count"] for d in documents) == 1


def test_tag_a_span_keeps_its_quote(seeded_client: TestClient) -> None:
    passage = first_paragraph(seeded_client)
    annotation = tag(seeded_client, passage["id"], start=6, end=20)
    assert annotation["quote"] == passage["text"][6:20]
    assert (annotation["start"], annotation["end"]) == (6, 20)


def test_a_tag_is_credited_to_the_signed_in_user_whatever_the_body_says(
    seeded_client: TestClient,
) -> None:
    annotation = tag(seeded_client, first_paragraph(seeded_client)["id"], analyst="  Olena  K. ")
    assert annotation["analyst"] == "tester"


@pytest.mark.parametrize(
    ("fields", "status", "fragment"),
    [
        ({"start": 5}, 422, "both a start and an end"),
        ({"start": 5, "end": 5}, 422, "not inside the passage"),
        ({"start": 0, "end": 100000}, 422, "not inside the passage"),
        ({"start": -1, "end": 3}, 422, "greater than or equal to 0"),
        ({"position_key": "martians"}, 422, "no position with the key 'martians'"),
        ({"topic_key": "weather"}, 422, "no topic with the key 'weather'"),
        ({"kind": "agrees"}, 422, "'states', 'supports' or 'opposes'"),
        ({"passage_id": "nope"}, 404, "no passage with the id 'nope'"),
    ],
)
def test_bad_annotations_are_refused_with_a_message(
    seeded_client: TestClient, fields: JSON, status: int, fragment: str
) -> None:
    body = {"passage_id": first_paragraph(seeded_client)["id"], "position_key": "russia", **fields}
    response = seeded_client.post("/api/annotations", json=body)
    assert response.status_code == status
    payload = response.json()
    assert fragment in (payload.get("message") or payload["detail"])
    assert seeded_client.get("/api/annotations").json() == []


def test_boilerplate_cannot_be_tagged(seeded_client: TestClient) -> None:
    body = {"passage_id": boilerplate_passage(seeded_client)["id"], "position_key": "us"}
    response = seeded_client.post("/api/annotations", json=body)
    assert response.status_code == 422
    assert "boilerplate" in response.json()["detail"]


def test_a_tag_needs_someone_signed_in(seeded_client: TestClient) -> None:
    body = {"passage_id": first_paragraph(seeded_client)["id"], "position_key": "us"}
    sign_in_as(seeded_client, None)
    response = seeded_client.post("/api/annotations", json=body)
    assert response.status_code == 401
    assert "Sign in" in response.json()["detail"]


def test_list_annotations_filters(seeded_client: TestClient) -> None:
    documents = seeded_client.get("/api/documents").json()
    passages = [
        next(
            p
            for p in seeded_client.get(f"/api/documents/{d['id']}/passages").json()
            if p["kind"] == "paragraph"
        )
        for d in documents[:2]
    ]
    a = tag(seeded_client, passages[0]["id"], topic_key="nato")
    b = tag(seeded_client, passages[1]["id"], position_key="us")
    assert [x["id"] for x in seeded_client.get("/api/annotations").json()] == [a["id"], b["id"]]
    by_document = seeded_client.get("/api/annotations", params={"document": documents[1]["id"]})
    assert [x["id"] for x in by_document.json()] == [b["id"]]
    by_position = seeded_client.get("/api/annotations", params={"position": "russia"})
    assert [x["id"] for x in by_position.json()] == [a["id"]]
    by_topic = seeded_client.get("/api/annotations", params={"topic": "nato"})
    assert [x["id"] for x in by_topic.json()] == [a["id"]]
    by_passage = seeded_client.get("/api/annotations", params={"passage": passages[1]["id"]})
    assert [x["id"] for x in by_passage.json()] == [b["id"]]
    assert seeded_client.get("/api/annotations", params={"limit": 0}).status_code == 422


def test_update_an_annotation(seeded_client: TestClient) -> None:
    annotation = tag(seeded_client, first_paragraph(seeded_client)["id"], topic_key="nato")
    url = f"/api/annotations/{annotation['id']}"
    response = seeded_client.patch(
        url, json={"kind": "opposes", "note": " why ", "version": annotation["version"]}
    )
    assert response.status_code == 200
    updated = response.json()
    assert (updated["kind"], updated["note"], updated["topic_key"]) == ("opposes", "why", "nato")
    cleared = seeded_client.patch(
        url, json={"topic_key": None, "version": updated["version"]}
    ).json()
    assert cleared["topic_key"] is None
    version = cleared["version"]
    for body in ({"topic_key": "weather"}, {"position_key": None}, {"kind": "maybe"}):
        assert seeded_client.patch(url, json={**body, "version": version}).status_code == 422
    missing = seeded_client.patch("/api/annotations/nope", json={"note": "x", "version": 1})
    assert missing.status_code == 404


def test_delete_and_restore_an_annotation(seeded_client: TestClient) -> None:
    annotation = tag(seeded_client, first_paragraph(seeded_client)["id"])
    url = f"/api/annotations/{annotation['id']}"
    assert seeded_client.delete(url).status_code == 204
    assert seeded_client.get(url).status_code == 404
    assert seeded_client.get("/api/annotations").json() == []
    assert seeded_client.delete(url).status_code == 404
    restored = seeded_client.post(f"{url}/restore")
    assert restored.status_code == 200
    assert seeded_client.get(url).json()["id"] == annotation["id"]
    assert seeded_client.post("/api/annotations/nope/restore").status_code == 404


def test_openapi_documents_every_api_route(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    for path in (
        "/api/documents",
        "/api/documents/{document_id}",
        "/api/documents/{document_id}/passages",
        "/api/passages/{passage_id}",
        "/api/positions",
        "/api/positions/{position_key}",
        "/api/topics",
        "/api/topics/{topic_key}",
        "/api/annotations",
        "/api/annotations/{annotation_id}",
        "/api/annotations/{annotation_id}/restore",
    ):
        assert path in paths
    assert not any(p.startswith("/documents") for p in paths), "pages stay out of the API docs"
    assert client.get("/docs").status_code == 200

"""Replacing a document's text through the JSON API, and the orphans and review flags it leaves
(JSON only; the pages are tested in test_reanchor_pages.py)."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.corrections import JSON, Tagged, seed_document, tag_and_correct


@pytest.fixture
def tagged(seeded_client: TestClient) -> Tagged:
    return tag_and_correct(seeded_client)


def replace(client: TestClient, document_id: str, text: str) -> Any:
    return client.put(f"/api/documents/{document_id}/text", json={"text": text})


def test_replacing_the_text_reports_what_happened_to_each_tag(
    seeded_client: TestClient, tagged: Tagged
) -> None:
    response = replace(seeded_client, tagged.document["id"], tagged.corrected)

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["document_id"] == tagged.document["id"] and report["changed"] is True
    assert (report["kept"], report["moved"], report["orphaned"]) == (1, 0, 1)
    assert report["orphaned_ids"] == [tagged.lost["id"]]
    document = seeded_client.get(f"/api/documents/{tagged.document['id']}").json()
    assert document["sha256"] != tagged.document["sha256"]
    assert document["passages"][0]["text"] == "A corrected copy adds this opening line."
    kept = seeded_client.get(f"/api/annotations/{tagged.kept['id']}").json()
    assert kept["quote"] == tagged.kept["quote"] and kept["orphaned_at"] is None


def test_orphans_are_listed_per_document_and_overall_and_can_be_edited_removed_restored(
    seeded_client: TestClient, tagged: Tagged
) -> None:
    replace(seeded_client, tagged.document["id"], tagged.corrected)

    (orphan,) = seeded_client.get(f"/api/documents/{tagged.document['id']}/orphans").json()
    assert seeded_client.get("/api/orphans").json() == [orphan]
    assert orphan["id"] == tagged.lost["id"]
    assert (orphan["passage_id"], orphan["start"], orphan["end"]) == (None, None, None)
    assert orphan["document_id"] == tagged.document["id"]
    assert orphan["quote"].startswith("Britain and France") and orphan["orphaned_at"]
    listed = seeded_client.get("/api/annotations", params={"document": tagged.document["id"]})
    assert orphan["id"] in {a["id"] for a in listed.json()}
    assert seeded_client.get(f"/api/annotations/{orphan['id']}").json() == orphan

    edited = seeded_client.patch(
        f"/api/annotations/{orphan['id']}", json={"note": "gone", "version": orphan["version"]}
    )
    assert edited.status_code == 200 and edited.json()["note"] == "gone"
    assert seeded_client.delete(f"/api/annotations/{orphan['id']}").status_code == 204
    assert seeded_client.get("/api/orphans").json() == []
    restored = seeded_client.post(f"/api/annotations/{orphan['id']}/restore")
    assert restored.status_code == 200 and restored.json()["passage_id"] is None
    assert [a["id"] for a in seeded_client.get("/api/orphans").json()] == [orphan["id"]]


def test_the_claim_and_its_relation_need_review_in_the_json_views(
    seeded_client: TestClient, tagged: Tagged
) -> None:
    claim_url = f"/api/claims/{tagged.claim['id']}"
    assert seeded_client.get(claim_url).json()["needs_review"] is False

    replace(seeded_client, tagged.document["id"], tagged.corrected)

    claim = seeded_client.get(claim_url).json()
    assert claim["needs_review"] is True
    assert [a["id"] for a in claim["orphaned_evidence"]] == [tagged.lost["id"]]
    assert (claim["evidence_count"], claim["evidence"]) == (0, [])
    graph = seeded_client.get("/api/graph").json()
    flagged = {node["id"] for node in graph["nodes"] if node["needs_review"]}
    assert flagged == {tagged.claim["id"]}
    assert [edge["needs_review"] for edge in graph["edges"]] == [True]
    cells = seeded_client.get("/api/matrix").json()["cells"]
    (cell,) = [c for c in cells if c["position"] == "europe"]
    assert [(c["id"], c["needs_review"]) for c in cell["held"]] == [(tagged.claim["id"], True)]


def test_the_same_text_changes_nothing(seeded_client: TestClient, tagged: Tagged) -> None:
    before = seeded_client.get("/api/export").content

    response = replace(seeded_client, tagged.document["id"], tagged.text)

    assert response.status_code == 200 and response.json()["changed"] is False
    assert seeded_client.get("/api/export").content == before


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"text": ""}, 422, "at least 1 character"),
        ({"text": " \n\n "}, 422, "no content"),
        ({}, 422, "Field required"),
    ],
)
def test_a_bad_text_is_refused(
    seeded_client: TestClient, tagged: Tagged, body: JSON, status: int, message: str
) -> None:
    response = seeded_client.put(f"/api/documents/{tagged.document['id']}/text", json=body)
    assert response.status_code == status
    assert message in response.text


def test_another_documents_text_and_an_unknown_document_are_refused(
    seeded_client: TestClient, tagged: Tagged
) -> None:
    other = seed_document(seeded_client, "001_")
    other_text = seeded_client.get("/api/export", params={"document": other["id"]}).json()[
        "documents"
    ][0]["original_text"]

    conflict = replace(seeded_client, tagged.document["id"], other_text)
    assert conflict.status_code == 409 and "already in the corpus" in conflict.json()["detail"]
    missing = replace(seeded_client, "no-such-document", "Some text.")
    assert missing.status_code == 404
    assert seeded_client.get("/api/documents/no-such-document/orphans").status_code == 404

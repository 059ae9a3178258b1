"""A document of the seed corpus tagged through the API, and a corrected version of its text,
shared by the route tests of re-anchoring."""

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

JSON = dict[str, Any]


@dataclass
class Tagged:
    """Seed 000 with a span tag that survives a correction and a whole-passage tag that does
    not (its paragraph is cut); the latter is evidence for a claim with a relation."""

    document: JSON
    text: str
    corrected: str
    kept: JSON
    lost: JSON
    claim: JSON
    relation: JSON


def seed_document(client: TestClient, prefix: str) -> JSON:
    return next(
        d for d in client.get("/api/documents").json() if d["source_name"].startswith(prefix)
    )


def passage_starting(client: TestClient, document_id: str, opening: str) -> JSON:
    passages = client.get(f"/api/documents/{document_id}/passages").json()
    return next(p for p in passages if p["text"].startswith(opening))


def created(response: Any) -> JSON:
    assert response.status_code == 201, response.text
    result: JSON = response.json()
    return result


def tag_and_correct(client: TestClient) -> Tagged:
    """Tag seed 000 through the API and prepare its corrected text (not yet stored)."""
    document = seed_document(client, "000_")
    text = client.get("/api/export", params={"document": document["id"]}).json()["documents"][0][
        "original_text"
    ]
    world = passage_starting(client, document["id"], "The world has changed")
    britain = passage_starting(client, document["id"], "Britain and France")
    kept = created(
        client.post(
            "/api/annotations",
            json={"passage_id": world["id"], "position_key": "us", "start": 4, "end": 32},
        )
    )
    lost = created(
        client.post(
            "/api/annotations", json={"passage_id": britain["id"], "position_key": "europe"}
        )
    )
    claim = created(
        client.post(
            "/api/claims",
            json={
                "text": "Europe will not help a small state",
                "stances": [{"position_key": "europe", "stance": "holds"}],
                "annotation_ids": [lost["id"]],
            },
        )
    )
    other = created(client.post("/api/claims", json={"text": "History repeats itself"}))
    relation = created(
        client.post(
            "/api/relations",
            json={"source_id": other["id"], "target_id": claim["id"], "kind": "supports"},
        )
    )
    cut = text[britain["start"] : britain["end"]] + "\n\n"
    assert text.count(cut) == 1
    corrected = "A corrected copy adds this opening line.\n\n" + text.replace(cut, "")
    return Tagged(document, text, corrected, kept, lost, claim, relation)

"""GET /api/export/aif and POST /api/import/aif, through the app."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from app.models import Claim, Relation
from app.routes import interchange
from app.services.interchange.aif.export import export_aif
from app.services.interchange.filters import ExportFilters
from tests.export_source import XAIF_SAMPLE, build_map


@dataclass
class MapIds:
    nato: str  # the claim argued in both documents
    documents: list[str]  # the two documents with evidence


@pytest.fixture
def mapped_client(seeded_client: TestClient) -> tuple[TestClient, MapIds]:
    """The seed corpus with the small map of the service tests, signed in as an admin."""
    with Session(engine_of(seeded_client)) as session:
        small_map = build_map(session)
        return seeded_client, MapIds(small_map.nato.id, small_map.documents)


def engine_of(client: TestClient) -> Any:
    return client.app.state.engine  # type: ignore[attr-defined]


def service_export(client: TestClient, **filters: Any) -> dict[str, Any]:
    with Session(engine_of(client)) as session:
        return export_aif(session, ExportFilters(**filters))


def claim_count(client: TestClient) -> int:
    with Session(engine_of(client)) as session:
        return session.exec(select(func.count()).select_from(Claim)).one()


def test_the_export_is_the_services_aif_document(
    mapped_client: tuple[TestClient, MapIds],
) -> None:
    client, _ = mapped_client

    response = client.get("/api/export/aif")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "content-disposition" not in response.headers
    assert response.json() == service_export(client)
    assert {node["type"] for node in response.json()["AIF"]["nodes"]} == {
        "I",
        "L",
        "YA",
        "RA",
        "CA",
    }


def test_the_export_as_a_download_names_the_file(
    mapped_client: tuple[TestClient, MapIds],
) -> None:
    client, _ = mapped_client

    response = client.get("/api/export/aif", params={"download": "1", "topic": "nato"})

    today = datetime.now(UTC).date().isoformat()
    assert response.headers["content-disposition"] == (
        f'attachment; filename="argument-map-topic-nato-{today}.aif.json"'
    )


def test_the_export_filters_like_the_native_export(
    mapped_client: tuple[TestClient, MapIds],
) -> None:
    client, small_map = mapped_client

    by_document = client.get("/api/export/aif", params={"document": small_map.documents[1]})
    blank = client.get("/api/export/aif?document=&position=&topic=")

    assert by_document.json() == service_export(client, document=small_map.documents[1])
    i_nodes = [n["nodeID"] for n in by_document.json()["AIF"]["nodes"] if n["type"] == "I"]
    assert i_nodes == [small_map.nato]
    assert blank.json() == service_export(client)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("document=nope", "There is no document with the id 'nope'."),
        ("position=martians", "There is no position with the key 'martians'."),
        ("topic=weather", "There is no topic with the key 'weather'."),
    ],
)
def test_an_unknown_filter_is_404(seeded_client: TestClient, query: str, message: str) -> None:
    response = seeded_client.get(f"/api/export/aif?{query}")

    assert response.status_code == 404
    assert response.json() == {"detail": message}


def test_an_export_posted_to_an_empty_instance_recreates_the_claims_and_relations(
    mapped_client: tuple[TestClient, MapIds], client: TestClient
) -> None:
    source, _ = mapped_client
    exported = source.get("/api/export/aif").content

    response = client.post(
        "/api/import/aif",
        content=exported,
        params={"analyst": "Query Analyst"},
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"created", "reused", "skipped", "warnings", "message"}
    assert (body["created"]["claims"], body["created"]["relations"]) == (3, 2)
    assert body["skipped"]["locution_nodes"] == 3
    assert body["warnings"] == []
    assert "not recreated from L-nodes" in body["message"]
    again = client.get("/api/export/aif").json()
    for section in ("claims", "relations"):
        assert again["argmap"][section] == json.loads(exported)["argmap"][section]


def test_a_multipart_upload_is_credited_to_the_signed_in_user(
    seeded_client: TestClient,
) -> None:
    files = {"file": ("map.json", XAIF_SAMPLE.read_bytes(), "application/json")}

    first = seeded_client.post("/api/import/aif", files=files)
    again = seeded_client.post("/api/import/aif", files=files)

    assert first.status_code == again.status_code == 200
    assert first.json()["created"]["claims"] == 3
    assert first.json()["warnings"][0].startswith("AIF.locutions[2].personID: no participant")
    assert sum(again.json()["created"].values()) == 0
    with Session(engine_of(seeded_client)) as session:
        assert {claim.analyst for claim in session.exec(select(Claim))} == {"tester"}
        assert {relation.analyst for relation in session.exec(select(Relation))} == {"tester"}


def test_the_analyst_query_parameter_wins_over_the_signed_in_user(
    seeded_client: TestClient,
) -> None:
    response = seeded_client.post(
        "/api/import/aif", content=XAIF_SAMPLE.read_bytes(), params={"analyst": " Ivan "}
    )

    assert response.status_code == 200
    with Session(engine_of(seeded_client)) as session:
        assert {claim.analyst for claim in session.exec(select(Claim))} == {"Ivan"}


def test_a_malformed_file_is_refused_with_its_path(seeded_client: TestClient) -> None:
    document = json.loads(XAIF_SAMPLE.read_text(encoding="utf-8"))
    document["AIF"]["edges"][4]["toID"] = 17

    response = seeded_client.post("/api/import/aif", content=json.dumps(document))

    assert response.status_code == 422
    assert response.json() == {"detail": "AIF.edges[4].toID: no node with id 17"}
    assert claim_count(seeded_client) == 0


def test_a_refusal_quotes_a_huge_id_by_its_start_and_length(seeded_client: TestClient) -> None:
    document = json.loads(XAIF_SAMPLE.read_text(encoding="utf-8"))
    document["AIF"]["edges"][4]["toID"] = "7" * 10_000_000

    response = seeded_client.post("/api/import/aif", content=json.dumps(document))

    assert response.status_code == 422
    assert response.json() == {
        "detail": f"AIF.edges[4].toID: no node with id {'7' * 40}… (10,000,000 characters)"
    }
    assert claim_count(seeded_client) == 0


def test_a_multipart_upload_without_the_file_field_is_refused(seeded_client: TestClient) -> None:
    response = seeded_client.post(
        "/api/import/aif", files={"upload": ("map.json", b"{}", "application/json")}
    )

    assert response.status_code == 422
    assert response.json() == {"detail": 'Send the export file in a form field named "file".'}


def test_a_file_over_the_limit_is_refused(
    seeded_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(interchange, "MAX_IMPORT_BYTES", 100)

    response = seeded_client.post("/api/import/aif", content=XAIF_SAMPLE.read_bytes())

    assert response.status_code == 413
    assert claim_count(seeded_client) == 0

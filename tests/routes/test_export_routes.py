"""GET /api/export, GET /api/export/schema and POST /api/import, through the app."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import ActorCreate
from app.routes import interchange
from app.services import actors
from app.services.interchange.native import FORMAT_VERSION, export_schema, stream_export
from tests.export_source import paragraphs_in_id_order
from tests.factories import make_annotation, make_claim, make_relation

T0 = datetime(2025, 8, 15, 10, 0, tzinfo=UTC)
V1_SAMPLE = Path(__file__).parent.parent / "data" / "export-v1-sample.json"
V2_SAMPLE = Path(__file__).parent.parent / "data" / "export-v2-sample.json"
V3_SAMPLE = Path(__file__).parent.parent / "data" / "export-v3-sample.json"


@pytest.fixture
def annotated_client(seeded_client: TestClient) -> TestClient:
    """The seed corpus with one whole-passage tag, naming Lavrov, and one span tag, in different
    documents, and two claims (the first backed by the whole-passage tag), one supporting the
    other."""
    with Session(seeded_client.app.state.engine) as session:  # type: ignore[attr-defined]
        lavrov = ActorCreate(key="lavrov", name="Sergey Lavrov", aliases=["Lavrov"])
        actors.create_actor(session, lavrov, "tester")
        passages = paragraphs_in_id_order(session)
        other = next(p for p in passages if p.document_id != passages[0].document_id)
        whole = make_annotation(session, passages[0], "russia", topic_key="nato", created_at=T0)
        whole.actor_key = "lavrov"
        session.add(whole)
        session.commit()
        make_annotation(session, other, "ukraine", "opposes", start=0, end=12, note="<b>ü</b>")
        nato = make_claim(session, stances={"russia": "holds"}, evidence=[whole])
        cannot_win = make_claim(session, "Ukraine cannot win by military means")
        make_relation(session, cannot_win, nato)
    return seeded_client


def service_export(client: TestClient) -> bytes:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    return "".join(stream_export(engine)).encode("utf-8")


def test_export_streams_the_whole_map_as_json(annotated_client: TestClient) -> None:
    response = annotated_client.get("/api/export")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "content-disposition" not in response.headers
    # A streamed body has no length known in advance.
    assert "content-length" not in response.headers
    assert response.content == service_export(annotated_client)
    exported = response.json()
    assert (exported["format"], exported["version"]) == ("argmap", 4)
    assert [a["key"] for a in exported["actors"]] == ["lavrov"]
    assert [a["actor_key"] for a in exported["annotations"]] == ["lavrov", None]
    assert len(exported["annotations"]) == 2
    assert [len(exported["claims"]), len(exported["relations"])] == [2, 1]
    assert exported["annotations"][0]["claim_id"] == exported["claims"][0]["id"]


def test_export_as_a_download_names_the_file(annotated_client: TestClient) -> None:
    response = annotated_client.get("/api/export", params={"download": "1"})
    filtered = annotated_client.get(
        "/api/export", params={"download": "1", "position": "russia", "examples": "false"}
    )

    assert response.status_code == 200
    today = datetime.now(UTC).date().isoformat()
    assert response.headers["content-disposition"] == (
        f'attachment; filename="argument-map-{today}.json"'
    )
    assert filtered.headers["content-disposition"] == (
        f'attachment; filename="argument-map-position-russia-no-examples-{today}.json"'
    )


def test_export_filters_by_position_and_topic(annotated_client: TestClient) -> None:
    by_position = annotated_client.get("/api/export", params={"position": "ukraine"}).json()
    by_topic = annotated_client.get("/api/export", params={"topic": "nato"}).json()

    assert [a["position_key"] for a in by_position["annotations"]] == ["ukraine"]
    assert by_position["filters"]["position"] == "ukraine"
    assert [a["topic_key"] for a in by_topic["annotations"]] == ["nato"]
    assert [c["id"] for c in by_topic["claims"]] == [by_topic["annotations"][0]["claim_id"]]
    assert len(by_topic["documents"]) == 1
    assert by_topic["documents"][0]["id"] != by_position["documents"][0]["id"]


def test_export_filters_by_document(annotated_client: TestClient) -> None:
    full = annotated_client.get("/api/export").json()
    chosen = full["annotations"][0]["document_id"]

    part = annotated_client.get("/api/export", params={"document": chosen}).json()

    assert [d["id"] for d in part["documents"]] == [chosen]
    assert {p["document_id"] for p in part["passages"]} == {chosen}
    assert [a["id"] for a in part["annotations"]] == [full["annotations"][0]["id"]]


def test_blank_filters_mean_no_filter(annotated_client: TestClient) -> None:
    response = annotated_client.get("/api/export?document=&position=&topic=")
    assert response.content == service_export(annotated_client)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("document=nope", "There is no document with the id 'nope'."),
        ("position=martians", "There is no position with the key 'martians'."),
        ("topic=weather", "There is no topic with the key 'weather'."),
    ],
)
def test_export_with_an_unknown_filter_is_404(
    seeded_client: TestClient, query: str, message: str
) -> None:
    response = seeded_client.get(f"/api/export?{query}")

    assert response.status_code == 404
    assert response.json() == {"detail": message}


def test_the_schema_is_published(client: TestClient) -> None:
    response = client.get("/api/export/schema")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/schema+json")
    assert response.json() == export_schema()
    assert response.json()["properties"]["version"]["const"] == FORMAT_VERSION == 4
    assert {"actors", "assignments", "codebook", "team_settings"} <= set(
        response.json()["properties"]
    )


def test_the_version_3_schema_is_still_published(client: TestClient) -> None:
    response = client.get("/api/export/schema/v3")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/schema+json")
    assert response.json() == export_schema(3)
    assert response.json()["properties"]["version"]["const"] == 3
    assert "actors" in response.json()["properties"]
    assert "assignments" not in response.json()["properties"]


def test_the_version_2_schema_is_still_published(client: TestClient) -> None:
    response = client.get("/api/export/schema/v2")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/schema+json")
    assert response.json() == export_schema(2)
    assert response.json()["properties"]["version"]["const"] == 2
    assert "claims" in response.json()["properties"]
    assert "actors" not in response.json()["properties"]


def test_the_version_1_schema_is_still_published(client: TestClient) -> None:
    response = client.get("/api/export/schema/v1")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/schema+json")
    assert response.json() == export_schema(1)
    assert response.json()["properties"]["version"]["const"] == 1
    assert "claims" not in response.json()["properties"]


def test_import_of_a_raw_body_recreates_the_map(
    annotated_client: TestClient, client: TestClient
) -> None:
    exported = annotated_client.get("/api/export").content

    response = client.post(
        "/api/import", content=exported, headers={"content-type": "application/json"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["created"]["annotations"] == 2
    assert body["created"]["documents"] == 5
    assert (body["created"]["claims"], body["created"]["relations"]) == (2, 1)
    assert body["created"]["actors"] == 1
    assert body["message"].startswith("Import done: created 4 positions")
    assert client.get("/api/export").content == exported


def test_import_of_a_multipart_upload(annotated_client: TestClient, client: TestClient) -> None:
    exported = annotated_client.get("/api/export").content

    first = client.post("/api/import", files={"file": ("map.json", exported, "application/json")})
    again = client.post("/api/import", files={"file": ("map.json", exported, "application/json")})

    assert first.status_code == again.status_code == 200
    assert first.json()["created"]["passages"] > 0
    assert sum(again.json()["created"].values()) == 0
    assert again.json()["unchanged"]["annotations"] == 2


def test_import_of_a_version_1_file(client: TestClient) -> None:
    sample = V1_SAMPLE.read_bytes()

    response = client.post("/api/import", files={"file": ("old.json", sample, "application/json")})

    assert response.status_code == 200
    assert response.json()["created"]["annotations"] == 4
    exported = client.get("/api/export").json()
    assert exported["version"] == 4
    assert exported["passages"] == json.loads(sample)["passages"]


def test_import_of_a_version_2_file(client: TestClient) -> None:
    sample = V2_SAMPLE.read_bytes()

    response = client.post("/api/import", files={"file": ("v2.json", sample, "application/json")})

    assert response.status_code == 200
    assert response.json()["created"]["claims"] == 4
    assert response.json()["created"]["actors"] == 0
    exported = client.get("/api/export").json()
    assert (exported["version"], exported["actors"]) == (4, [])
    assert exported["claims"] == json.loads(sample)["claims"]
    assert {a["actor_key"] for a in exported["annotations"]} == {None}


def test_an_unknown_version_is_422(client: TestClient) -> None:
    data = json.loads(V1_SAMPLE.read_bytes())
    data["version"] = 5

    response = client.post("/api/import", content=json.dumps(data))

    assert response.status_code == 422
    assert response.json() == {
        "detail": "version 5 is not supported: this instance reads versions 1, 2, 3 and 4"
    }


def test_a_file_without_a_version_is_422_saying_it_is_missing(client: TestClient) -> None:
    data = json.loads(V1_SAMPLE.read_bytes())
    del data["version"]

    response = client.post("/api/import", content=json.dumps(data))

    assert response.status_code == 422
    assert response.json()["detail"].startswith('the file has no "version" field')


def test_a_huge_note_is_422_with_its_start_and_the_reason(client: TestClient) -> None:
    data = json.loads(V1_SAMPLE.read_bytes())
    data["annotations"][0]["note"] = "N" * 10_000_000

    response = client.post("/api/import", content=json.dumps(data))

    assert response.status_code == 422
    assert response.json() == {
        "detail": f"annotations[0].note: '{'N' * 40}…' (10,000,000 characters) is longer than "
        "the 5,000 characters allowed"
    }
    assert client.get("/api/export").json()["annotations"] == []


def test_a_multipart_upload_without_the_file_field_is_refused(client: TestClient) -> None:
    response = client.post("/api/import", files={"upload": ("map.json", b"{}", "text/plain")})

    assert response.status_code == 422
    assert response.json() == {"detail": 'Send the export file in a form field named "file".'}


def test_a_bad_file_is_422_with_the_reason_and_nothing_is_imported(
    annotated_client: TestClient, client: TestClient
) -> None:
    exported = annotated_client.get("/api/export").json()
    exported["annotations"][1]["kind"] = "agrees"

    response = client.post("/api/import", content=json.dumps(exported))
    not_json = client.post("/api/import", content=b'{"format": ')

    assert response.status_code == 422
    assert response.json() == {
        "detail": "annotations[1].kind: 'agrees' is not one of ['states', 'supports', 'opposes']"
    }
    assert not_json.status_code == 422
    assert not_json.json()["detail"].startswith("not JSON: Expecting value at line 1 column 12")
    assert client.get("/api/export").json()["documents"] == []


def test_an_alias_another_actor_has_is_422_naming_both_and_nothing_is_imported(
    annotated_client: TestClient, client: TestClient
) -> None:
    exported = annotated_client.get("/api/export").content
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        here = ActorCreate(key="minister", name="The Minister", aliases=["lavrov"])
        actors.create_actor(session, here, None)
    before = client.get("/api/export").content

    response = client.post("/api/import", content=exported)

    assert response.status_code == 422
    assert response.json() == {
        "detail": 'actors[0].aliases[0]: the name "Lavrov" already means the actor \'The '
        "Minister' (minister) here; a name or alias names one actor only"
    }
    assert client.get("/api/export").content == before


def test_an_unknown_actor_of_a_tag_is_422_and_nothing_is_imported(
    annotated_client: TestClient, client: TestClient
) -> None:
    exported = annotated_client.get("/api/export").json()
    exported["actors"] = []

    response = client.post("/api/import", content=json.dumps(exported))

    assert response.status_code == 422
    assert response.json() == {
        "detail": "annotations[0].actor_key: there is no actor 'lavrov' in the file or in this "
        "database"
    }
    assert client.get("/api/export").json()["documents"] == []


def test_an_oversized_file_is_413(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(interchange, "MAX_IMPORT_BYTES", 100)

    def chunked() -> Iterator[bytes]:  # no Content-Length: the size is only known by reading
        yield b"x" * 60
        yield b"x" * 60

    declared = client.post("/api/import", content=b"x" * 101)
    streamed = client.post("/api/import", content=chunked())
    uploaded = client.post("/api/import", files={"file": ("map.json", b"x" * 200)})

    for response in (declared, streamed, uploaded):
        assert response.status_code == 413
        assert response.json()["detail"].startswith("The file is larger than the import limit")


def test_import_of_a_version_3_file_and_of_coding_without_its_document(client: TestClient) -> None:
    sample = json.loads(V3_SAMPLE.read_bytes())
    assert client.post("/api/import", content=json.dumps(sample)).status_code == 200
    # The same file as version 4, giving a document it does not hold to a coder: refused.
    sample.update(
        version=4,
        filters={**sample["filters"], "layer": "all"},
        assignments=[
            {
                "document_id": "no-such-document",
                "analyst": "alice",
                "assigned_by": None,
                "assigned_at": "2026-12-07T09:00:00Z",
                "done_at": None,
            }
        ],
        codebook=[],
        team_settings=[],
    )

    response = client.post("/api/import", content=json.dumps(sample))

    assert response.status_code == 422
    assert response.json() == {
        "detail": "assignments[0].document_id: there is no document 'no-such-document' in the "
        "file or in this database"
    }

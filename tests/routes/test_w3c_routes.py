"""GET /api/export/w3c: the annotations as a W3C Web Annotation collection, through the app."""

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.services.interchange.filters import ExportFilters
from app.services.interchange.w3c import stream_w3c
from tests.export_source import paragraphs_in_id_order
from tests.factories import make_annotation
from tests.services.interchange.test_w3c import assert_meets_the_musts

T0 = datetime(2025, 8, 15, 10, 0, tzinfo=UTC)
MEDIA_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
# The base URL the test client's requests arrive with.
BASE = "http://testserver"


@pytest.fixture
def annotated_client(seeded_client: TestClient) -> TestClient:
    """The seed corpus with a whole-passage tag, a span tag and a removed tag."""
    with Session(seeded_client.app.state.engine) as session:  # type: ignore[attr-defined]
        passages = paragraphs_in_id_order(session)
        other = next(p for p in passages if p.document_id != passages[0].document_id)
        make_annotation(session, passages[0], "russia", topic_key="nato", created_at=T0)
        make_annotation(session, other, "ukraine", "opposes", start=0, end=12, note="<b>ü</b>")
        make_annotation(session, other, "europe", deleted_at=T0)
    return seeded_client


def test_the_export_streams_a_collection_as_json_ld(annotated_client: TestClient) -> None:
    response = annotated_client.get("/api/export/w3c")

    assert response.status_code == 200
    assert response.headers["content-type"] == MEDIA_TYPE
    assert "content-disposition" not in response.headers
    # A streamed body has no length known in advance.
    assert "content-length" not in response.headers
    engine = annotated_client.app.state.engine  # type: ignore[attr-defined]
    assert response.text == "".join(stream_w3c(engine, ExportFilters(), BASE))
    collection = response.json()
    assert collection["type"] == "AnnotationCollection"
    assert collection["id"] == f"{BASE}/api/export/w3c"
    assert collection["total"] == len(collection["first"]["items"]) == 2
    for annotation in collection["first"]["items"]:
        assert_meets_the_musts(annotation)


def test_ids_in_the_export_lead_to_the_things_they_name(annotated_client: TestClient) -> None:
    items = annotated_client.get("/api/export/w3c").json()["first"]["items"]
    tagged = next(i for i in items if len(i["body"]) == 3 and i["body"][2]["purpose"] == "tagging")

    urls = [
        tagged["id"],
        tagged["target"]["source"],
        tagged["body"][0]["source"]["id"],  # the position
        tagged["body"][2]["source"]["id"],  # the topic
    ]
    for url in urls:
        assert url.startswith(f"{BASE}/")
        response = annotated_client.get(urlsplit(url).path)
        assert response.status_code == 200, url
    assert annotated_client.get(urlsplit(tagged["id"]).path).json()["position_key"] == "russia"


def test_the_export_as_a_download_names_the_file(annotated_client: TestClient) -> None:
    response = annotated_client.get("/api/export/w3c", params={"download": "1"})

    assert response.status_code == 200
    today = datetime.now(UTC).date().isoformat()
    assert response.headers["content-disposition"] == (
        f'attachment; filename="argument-map-annotations-{today}.jsonld"'
    )


def test_the_export_filters_by_position_topic_and_document(annotated_client: TestClient) -> None:
    def positions(params: dict[str, str]) -> list[str]:
        collection = annotated_client.get("/api/export/w3c", params=params).json()
        return [
            i["body"][0]["source"]["id"].rsplit("/", 1)[1] for i in collection["first"]["items"]
        ]

    everything = annotated_client.get("/api/export/w3c").json()["first"]["items"]
    ukraine_document = next(
        i["target"]["source"].rsplit("/", 1)[1]
        for i in everything
        if i["body"][0]["source"]["id"].endswith("/ukraine")
    )

    assert positions({"position": "ukraine"}) == ["ukraine"]
    assert positions({"topic": "nato"}) == ["russia"]
    assert positions({"document": ukraine_document}) == ["ukraine"]
    assert positions({"position": "europe"}) == []  # its only tag was removed


def test_blank_filters_mean_no_filter(annotated_client: TestClient) -> None:
    blank = annotated_client.get("/api/export/w3c", params={"document": "", "position": ""})

    assert blank.status_code == 200
    assert blank.text == annotated_client.get("/api/export/w3c").text


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("document", "no-such-document", "There is no document with the id 'no-such-document'."),
        ("position", "martians", "There is no position with the key 'martians'."),
        ("topic", "weather", "There is no topic with the key 'weather'."),
    ],
)
def test_an_unknown_filter_is_404_with_a_message(
    annotated_client: TestClient, name: str, value: str, message: str
) -> None:
    response = annotated_client.get("/api/export/w3c", params={name: value})

    assert response.status_code == 404
    assert response.json() == {"detail": message}


def test_the_export_is_in_the_api_description(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/export/w3c"]["get"]

    assert operation["tags"] == ["export"]
    assert MEDIA_TYPE in operation["responses"]["200"]["content"]
    assert "404" in operation["responses"]

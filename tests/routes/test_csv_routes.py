"""GET /api/export/csv: the tags as a CSV table, through the app."""

import csv
import io
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.routes.interchange import tags_csv_file_name
from app.services.interchange.tags_csv import COLUMNS, stream_tags_csv
from app.services.tag_filters import TagFilters
from tests.export_source import paragraphs_in_id_order
from tests.factories import make_annotation

T0 = datetime(2025, 8, 15, 10, 0, tzinfo=UTC)
FORMULA = '=HYPERLINK("http://evil.test","click")'


@pytest.fixture
def annotated_client(seeded_client: TestClient) -> TestClient:
    """The seed corpus with a whole-passage tag, a span tag with a formula for a note, and a
    removed tag."""
    with Session(seeded_client.app.state.engine) as session:  # type: ignore[attr-defined]
        passages = paragraphs_in_id_order(session)
        other = next(p for p in passages if p.document_id != passages[0].document_id)
        make_annotation(session, passages[0], "russia", topic_key="nato", created_at=T0)
        make_annotation(session, other, "ukraine", "opposes", start=0, end=12, note=FORMULA)
        make_annotation(session, other, "europe", deleted_at=T0)
    return seeded_client


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_the_export_streams_the_tags_as_csv(annotated_client: TestClient) -> None:
    response = annotated_client.get("/api/export/csv")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "content-disposition" not in response.headers
    assert "content-length" not in response.headers  # streamed
    engine = annotated_client.app.state.engine  # type: ignore[attr-defined]
    assert response.text == "".join(stream_tags_csv(engine))
    assert response.content.startswith(",".join(COLUMNS).encode() + b"\r\n")
    tags = rows(response.text)
    assert [row["position_key"] for row in tags] == ["russia", "ukraine"]
    assert tags[1]["note"] == FORMULA  # exact by default


def test_the_spreadsheet_variant_guards_formulas(annotated_client: TestClient) -> None:
    response = annotated_client.get("/api/export/csv", params={"spreadsheet": "true"})

    assert response.status_code == 200
    assert rows(response.text)[1]["note"] == "'" + FORMULA


def test_the_export_filters_like_the_others(annotated_client: TestClient) -> None:
    def positions(params: dict[str, str]) -> list[str]:
        response = annotated_client.get("/api/export/csv", params=params)
        assert response.status_code == 200, response.text
        return [row["position_key"] for row in rows(response.text)]

    assert positions({"position": "ukraine"}) == ["ukraine"]
    assert positions({"topic": "nato"}) == ["russia"]
    assert positions({"position": "europe"}) == []
    assert positions({"position": "", "topic": ""}) == ["russia", "ukraine"]  # blank: no filter
    document = rows(annotated_client.get("/api/export/csv").text)[1]["document_id"]
    assert positions({"document": document}) == ["ukraine"]


def test_an_unknown_filter_is_404(annotated_client: TestClient) -> None:
    response = annotated_client.get("/api/export/csv", params={"topic": "weather"})
    assert response.status_code == 404
    assert "weather" in response.json()["detail"]


def test_the_download_is_named_after_what_it_holds(annotated_client: TestClient) -> None:
    response = annotated_client.get(
        "/api/export/csv", params={"download": "1", "position": "russia"}
    )

    assert response.status_code == 200
    today = datetime.now(UTC).date().isoformat()
    assert response.headers["content-disposition"] == (
        f'attachment; filename="argument-map-tags-position-russia-{today}.csv"'
    )


@pytest.mark.parametrize(
    ("filters", "spreadsheet", "name"),
    [
        (TagFilters(), False, "argument-map-tags-2026-12-06.csv"),
        (
            TagFilters(document="d1", position="us", topic="nato"),
            True,
            "argument-map-tags-document-d1-position-us-topic-nato-spreadsheet-2026-12-06.csv",
        ),
        # Quotes, slashes and other text never reach the header as they are.
        (
            TagFilters(topic='a"b/../c d'),
            False,
            "argument-map-tags-topic-a-b-c-d-2026-12-06.csv",
        ),
        (TagFilters(topic="ßà"), False, "argument-map-tags-topic-x-2026-12-06.csv"),
    ],
)
def test_the_file_name_says_what_filters_and_when(
    filters: TagFilters, spreadsheet: bool, name: str
) -> None:
    when = datetime(2026, 12, 6, 23, 59, tzinfo=UTC)
    assert tags_csv_file_name(filters, spreadsheet, when) == name


def test_the_api_description_documents_the_csv(annotated_client: TestClient) -> None:
    operation = annotated_client.get("/openapi.json").json()["paths"]["/api/export/csv"]["get"]

    assert "text/csv" in operation["responses"]["200"]["content"]
    assert {"401", "403", "404", "422"} <= set(operation["responses"])
    parameters = {p["name"] for p in operation["parameters"]}
    assert {"document", "position", "topic", "download", "spreadsheet"} <= parameters

"""The API's description (/openapi.json) and its answers agree: every error an operation can
give is documented in the shape it has, 405s name every method of the path, and a refused
input is described without being echoed back whole."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]  # ships no hints

JSON = dict[str, Any]


def validator_for(openapi: JSON, schema_name: str) -> Draft202012Validator:
    """A validator of `schema_name` from the description's components (refs resolved there)."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", **openapi}
    return Draft202012Validator(schema)


def response_schema(openapi: JSON, path: str, method: str, status: int) -> str:
    response = openapi["paths"][path][method]["responses"][str(status)]
    ref: str = response["content"]["application/json"]["schema"]["$ref"]
    return ref.rsplit("/", 1)[-1]


@pytest.fixture
def openapi(client: TestClient) -> JSON:
    description: JSON = client.get("/openapi.json").json()
    return description


def test_every_operation_documents_the_errors_it_can_give(openapi: JSON) -> None:
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            documented = set(operation["responses"])
            expected = {"401", "403", "404", "422"}
            if method in ("post", "put", "patch", "delete"):
                expected.add("409")
            assert expected <= documented, (method, path, documented)


def test_a_refusal_by_a_rule_matches_the_documented_422(client: TestClient, openapi: JSON) -> None:
    # A well-formed claim the service refuses: the detail is a sentence, not a list.
    response = client.post("/api/claims", json={"text": "A claim", "topic_key": "weather"})
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], str)
    name = response_schema(openapi, "/api/claims", "post", 422)
    validator_for(openapi, name).validate(response.json())


def test_a_malformed_request_matches_the_documented_422(client: TestClient, openapi: JSON) -> None:
    response = client.post("/api/claims", json={"text": 5})
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)
    name = response_schema(openapi, "/api/claims", "post", 422)
    validator_for(openapi, name).validate(response.json())


def test_a_clash_other_than_a_stale_version_matches_the_documented_409(
    client: TestClient, openapi: JSON
) -> None:
    first = client.post("/api/documents", json={"text": "Some text here."}).json()
    client.post("/api/documents", json={"text": "Other text here."})
    clash = client.put(
        f"/api/documents/{first['id']}/text",
        json={"text": "Other text here.", "version": first["version"]},
    )
    assert clash.status_code == 409, clash.text
    assert "current" not in clash.json()
    name = response_schema(openapi, "/api/documents/{document_id}/text", "put", 409)
    validator_for(openapi, name).validate(clash.json())


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("OPTIONS", "/api/claims", "GET, POST"),
        ("PUT", "/api/claims/abc", "DELETE, GET, PATCH"),
        ("OPTIONS", "/api/positions", "GET, POST"),
        ("GET", "/api/history/5/restore", "POST"),
        ("GET", "/api/claims/abc/stances/russia", "DELETE, PUT"),
    ],
)
def test_a_method_the_path_does_not_answer_is_405_naming_every_method_it_does(
    client: TestClient, method: str, path: str, allowed: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == 405, response.text
    assert response.headers["allow"] == allowed


def test_a_body_that_is_not_utf_8_is_refused_with_a_reason(client: TestClient) -> None:
    response = client.post(
        "/api/claims", content=b'{"text": "\xff\xfe"}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert "error parsing the body" not in response.text
    assert "UTF-8" in response.json()["message"]


def test_an_over_long_field_is_not_echoed_back_whole(client: TestClient) -> None:
    response = client.post("/api/claims", json={"text": "N" * 100_000})
    assert response.status_code == 422
    assert len(response.content) < 2_000, len(response.content)
    assert "at most 2000 characters" in response.json()["message"]


def test_the_export_schema_is_documented_as_json_schema(client: TestClient, openapi: JSON) -> None:
    response = client.get("/api/export/schema")
    assert response.headers["content-type"].startswith("application/schema+json")
    content = openapi["paths"]["/api/export/schema"]["get"]["responses"]["200"]["content"]
    assert "application/schema+json" in content


def test_dates_and_choices_are_described_as_the_server_takes_them(openapi: JSON) -> None:
    search = {p["name"]: p["schema"] for p in openapi["paths"]["/api/search"]["get"]["parameters"]}
    assert any(branch.get("format") == "date" for branch in search["published_from"]["anyOf"])
    kinds = openapi["components"]["schemas"]["ResultType"]["enum"]
    assert {"passage", "claim", "note"} <= set(kinds)
    assert "ResultType" in str(search["type"])
    history = {
        p["name"]: p["schema"] for p in openapi["paths"]["/api/history"]["get"]["parameters"]
    }
    assert "delete" in history["action"]["enum"]
    assert any(branch.get("format") == "date-time" for branch in history["since"]["anyOf"])


@pytest.mark.parametrize("path", ["/api/documents/preview", "/api/import", "/api/claims"])
def test_a_broken_form_is_refused_as_input_with_a_reason(client: TestClient, path: str) -> None:
    boundary = "fd34c499211bb07b4c0b5812a0c3ebd3"
    response = client.post(
        path,
        content=f"--{boundary}\r\n[[], {{}}]--{boundary}--\r\n".encode(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"]

"""The API reference at /docs: a page of the app, built from the OpenAPI description, that
names every operation with its parameters and answers and links every schema it names."""

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.presenters.api_reference import paragraphs, schema_type


def test_the_reference_names_every_operation_and_links_the_schemas_it_uses(
    client: TestClient,
) -> None:
    description = client.get("/openapi.json").json()
    client.cookies.clear()  # the reference is open without signing in
    response = client.get("/docs")
    assert response.status_code == 200
    page = BeautifulSoup(response.text, "html.parser")
    headings = {" ".join(h.get_text(" ").split()[:2]) for h in page.select(".api-operation h3")}
    expected = {
        f"{method.upper()} {path}"
        for path, methods in description["paths"].items()
        for method in methods
    }
    assert headings == expected
    anchors = {element["id"] for element in page.select("[id]")}
    links = [a["href"] for a in page.select("main a[href^='#']")]
    assert links and all(link[1:] in anchors for link in links)
    schemas = {h.get_text(strip=True) for h in page.select(".api-schema h3")}
    assert schemas == set(description["components"]["schemas"])
    # A parameter's row says where it goes, its type and whether it is required.
    operation = page.select_one("section:has(> #get-api-documents-document-id)")
    assert operation is not None
    row = operation.select_one("tr:has(code)")
    assert row is not None
    cells = [cell.get_text(strip=True) for cell in row.select("th, td")]
    assert cells[:4] == ["document_id", "path", "string", "yes"]
    assert page.find("script", src=lambda src: src and "swagger" in src) is None


def test_a_schema_is_told_in_a_few_words() -> None:
    assert schema_type({"$ref": "#/components/schemas/Claim"}) == "Claim"
    assert schema_type({"type": "array", "items": {"type": "string"}}) == "array of string"
    assert schema_type({"anyOf": [{"type": "string"}, {"type": "null"}]}) == "string or null"
    assert schema_type({"enum": ["states", "supports"]}) == "one of states, supports"
    assert schema_type({"type": "string", "format": "date"}) == "string (date)"
    assert schema_type(None) == "any"


def test_a_description_keeps_its_paragraphs_and_joins_its_wrapped_lines() -> None:
    assert paragraphs("One line\nwrapped.\n\nAnother.") == ["One line wrapped.", "Another."]

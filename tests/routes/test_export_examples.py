"""Leaving the starter map's example data out of every export (examples=false), as the Export
page does unless asked: the analysts' own work stays whole, every reference in a file stays
inside it, and the API still includes example data when not told otherwise."""

import csv
import io
from datetime import UTC, datetime
from typing import Any

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.presenters.file_names import export_file_name
from tests.accounts import ADMIN, sign_in_as
from tests.routes.test_examples_routes import alices_work_on_the_starter_map

WITHOUT = {"examples": "false"}


def native(client: TestClient, **params: str) -> dict[str, Any]:
    response = client.get("/api/export", params=params)
    assert response.status_code == 200, response.text
    exported: dict[str, Any] = response.json()
    return exported


def test_the_native_export_without_examples_keeps_the_own_work_and_what_it_refers_to(
    seeded_client: TestClient, client: TestClient
) -> None:
    work = alices_work_on_the_starter_map(seeded_client)
    everything = native(seeded_client)
    exported = native(seeded_client, **WITHOUT)

    assert {a["id"] for a in exported["annotations"]} == work["tags"]
    assert {r["id"] for r in exported["relations"]} == set(work["relations"])
    claims = {c["id"] for c in exported["claims"]}
    assert claims == {work["own_claim"]} | work["needed"]
    assert len(everything["claims"]) > len(claims), "the other example claims are left out"
    assert len(exported["documents"]) == len(everything["documents"]) == 5
    assert all(a["claim_id"] in claims for a in exported["annotations"] if a["claim_id"])
    assert all({r["source_id"], r["target_id"]} <= claims for r in exported["relations"])
    actors = {a["key"] for a in exported["actors"]}
    assert all(a["parent_key"] in actors for a in exported["actors"] if a["parent_key"])
    assert not any(a["example"] for a in exported["actors"])
    assert exported["filters"] == {
        "document": None,
        "position": None,
        "topic": None,
        "layer": "all",
    }

    # The file loads into an empty instance as it is.
    imported = client.post(
        "/api/import", content=seeded_client.get("/api/export?examples=false").content
    )
    assert imported.status_code == 200, imported.text
    assert len(client.get("/api/annotations").json()) == len(work["tags"])


def test_the_api_includes_example_data_unless_told_otherwise(seeded_client: TestClient) -> None:
    alices_work_on_the_starter_map(seeded_client)
    exported = native(seeded_client)
    assert any(a["example"] for a in exported["annotations"])
    collection = seeded_client.get("/api/export/w3c").json()
    without = seeded_client.get("/api/export/w3c", params=WITHOUT).json()
    assert collection["total"] == len(exported["annotations"])
    assert without["total"] == 3
    assert without["id"].endswith("?examples=false")


def test_aif_without_examples_has_only_the_claims_the_own_work_needs(
    seeded_client: TestClient,
) -> None:
    work = alices_work_on_the_starter_map(seeded_client)
    aif = seeded_client.get("/api/export/aif", params=WITHOUT).json()
    claims = [node for node in aif["AIF"]["nodes"] if node["type"] == "I"]
    assert len(claims) == len({work["own_claim"]} | work["needed"])
    everything = seeded_client.get("/api/export/aif").json()
    assert len([n for n in everything["AIF"]["nodes"] if n["type"] == "I"]) > len(claims)


def test_the_csv_and_the_networks_leave_the_example_tags_out(seeded_client: TestClient) -> None:
    work = alices_work_on_the_starter_map(seeded_client)

    def rows(**params: str) -> list[dict[str, str]]:
        text = seeded_client.get("/api/export/csv", params=params).text
        return list(csv.DictReader(io.StringIO(text)))

    assert {row["tag_id"] for row in rows(**WITHOUT)} == work["tags"]
    assert any(row["example"] == "true" for row in rows())

    def nodes(**params: str) -> int:
        asked = {"kind": "two-mode", **params}
        network = seeded_client.get("/api/networks", params=asked).json()
        return len(network["networks"][0]["nodes"])

    assert nodes(**WITHOUT) < nodes()
    file = seeded_client.get("/api/networks/file", params={"format": "nodes.csv", **WITHOUT})
    assert "-no-examples-" in file.headers["content-disposition"]


def test_every_form_of_the_export_page_leaves_example_data_out_until_ticked(
    seeded_client: TestClient,
) -> None:
    sign_in_as(seeded_client, ADMIN)
    page = BeautifulSoup(seeded_client.get("/export").text, "html.parser")
    forms = page.select("form.export-form")
    assert len(forms) == 3
    for form in forms:
        hidden = form.select_one('input[type=hidden][name="examples"]')
        assert hidden is not None and hidden["value"] == "false"
        box = form.select_one("input[type=checkbox][data-include-examples]")
        assert box is not None and box["value"] == "true" and not box.has_attr("checked")
        apis = [code["data-api"] for code in form.select("[data-api]")]
        clis = [code["data-cli"] for code in form.select("[data-cli]")]
        assert apis and len(apis) == len(clis)
        assert all(code.get_text().endswith("examples=false") for code in form.select("[data-api]"))
    assert page.select_one('script[src*="export"]') is not None


def test_a_file_name_says_what_with_which_filters_and_when() -> None:
    when = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    assert export_file_name("argument-map", {}, when, "json") == "argument-map-2026-12-07.json"
    chosen = {"position": "russia", "topic": "a/b c", "examples": "false"}
    assert export_file_name("argument-map", chosen, when, "aif.json") == (
        "argument-map-position-russia-topic-a-b-c-no-examples-2026-12-07.aif.json"
    )

"""The codebook: reading it, defining codes (admins), and codebook files in and out."""

from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from lxml import etree

from tests.accounts import sign_in_as

SCHEMA = Path(__file__).parents[1] / "data" / "refi-qda" / "Codebook.xsd"
NS = {"q": "urn:QDA-XML:codebook:1.0"}


def _codes(client: TestClient) -> dict[tuple[str, str], dict[str, Any]]:
    answer = client.get("/api/codebook")
    assert answer.status_code == 200, answer.text
    return {
        (family["family"], code["key"]): code
        for family in answer.json()["families"]
        for code in family["codes"]
    }


def _a_passage(client: TestClient) -> dict[str, Any]:
    document = client.get("/api/documents").json()[0]
    passages: list[dict[str, Any]] = client.get(f"/api/documents/{document['id']}/passages").json()
    return passages[0]


def _define(client: TestClient, family: str, key: str, **fields: Any) -> Any:
    return client.put(f"/api/codebook/{family}/{key}", json=fields)


def test_the_codebook_lists_every_code_of_the_catalog_defined_or_not(
    seeded_client: TestClient,
) -> None:
    codes = _codes(seeded_client)
    positions = {p["key"] for p in seeded_client.get("/api/positions").json()}
    topics = {t["key"] for t in seeded_client.get("/api/topics").json()}
    assert {k for f, k in codes if f == "position"} == positions
    assert {k for f, k in codes if f == "topic"} == topics
    assert {k for f, k in codes if f == "kind"} == {"states", "supports", "opposes"}
    assert {k for f, k in codes if f == "actor_type"} == {"person", "organization", "state"}
    assert all(c["version"] is None and c["definition"] == "" for c in codes.values())


def test_an_admin_defines_a_code_with_an_example_quoted_and_cited_on_the_page(
    seeded_client: TestClient,
) -> None:
    passage = _a_passage(seeded_client)
    made = _define(
        seeded_client,
        "kind",
        "opposes",
        definition="The author argues against the position.",
        include="Explicit rejection <b>in the author's voice</b>",
        exclude="Reported opposition",
        examples=[passage["id"]],
    )
    assert made.status_code == 200, made.text
    assert made.json()["version"] == 1
    page = BeautifulSoup(seeded_client.get("/codebook").text, "html.parser")
    entry = page.select_one("#code-kind-opposes")
    assert entry is not None
    assert "The author argues against the position." in entry.get_text()
    rule = entry.select_one("dd")
    assert rule is not None and "<b>" in rule.get_text()  # shown as typed, not as markup
    link = entry.select_one(".codebook-example figcaption a")
    assert link is not None and str(link["href"]).endswith(f"#p-{passage['id']}")
    assert "¶" in link.get_text()
    assert page.select_one('nav a[href="/codebook"]') is not None


def test_a_stale_version_is_refused_and_nothing_changes(seeded_client: TestClient) -> None:
    assert _define(seeded_client, "topic", "nato", definition="first").status_code == 200
    assert (
        _define(seeded_client, "topic", "nato", definition="second", version=1).json()["version"]
        == 2
    )
    stale = _define(seeded_client, "topic", "nato", definition="third", version=1)
    assert stale.status_code == 409, stale.text
    assert stale.json()["current"]["definition"] == "second"
    assert _codes(seeded_client)[("topic", "nato")]["definition"] == "second"


def test_examples_must_be_passages_and_the_refusal_names_them(seeded_client: TestClient) -> None:
    passage = _a_passage(seeded_client)
    refused = _define(
        seeded_client, "position", "russia", examples=[passage["id"], "no-such-passage"]
    )
    assert refused.status_code == 422, refused.text
    assert "no-such-passage" in refused.json()["detail"]
    assert _codes(seeded_client)[("position", "russia")]["version"] is None


def test_only_admins_define_codes_and_import_codebooks(seeded_client: TestClient) -> None:
    sign_in_as(seeded_client, "alice")
    assert _define(seeded_client, "topic", "nato", definition="x").status_code == 403
    files = {"file": ("c.csv", b"tag,description\nA,b\n", "text/csv")}
    assert seeded_client.post("/api/codebook/import", files=files).status_code == 403
    sign_in_as(seeded_client, "victor")
    assert seeded_client.get("/codebook").status_code == 200
    assert seeded_client.get("/api/codebook.qdc").status_code == 200


def test_a_change_to_a_code_is_in_its_history(seeded_client: TestClient) -> None:
    _define(seeded_client, "topic", "nato", definition="first")
    _define(seeded_client, "topic", "nato", definition="second")
    history = seeded_client.get("/api/history/codebook/topic:nato")
    assert history.status_code == 200, history.text
    entries = history.json()["entries"] if isinstance(history.json(), dict) else history.json()
    assert [e["action"] for e in entries] == ["update", "create"]
    assert entries[0]["before"]["definition"] == "first"
    assert entries[0]["after"]["definition"] == "second"
    assert seeded_client.get("/history/codebook/topic:nato").status_code == 200
    feed = seeded_client.get("/history", params={"item_type": "codebook"})
    assert feed.status_code == 200 and "/history/codebook/topic%3Anato" in feed.text


def test_the_edit_form_saves_through_the_page(seeded_client: TestClient) -> None:
    form = seeded_client.get("/codebook/topic/nato/edit", headers={"HX-Request": "true"})
    assert form.status_code == 200
    assert 'name="definition"' in form.text
    saved = seeded_client.post(
        "/codebook/topic/nato",
        data={"definition": "Membership of NATO", "include": "", "exclude": "", "examples": ""},
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200, saved.text
    assert "Membership of NATO" in saved.text
    assert _codes(seeded_client)[("topic", "nato")]["definition"] == "Membership of NATO"


def test_too_many_examples_typed_in_the_form_are_refused_in_words(
    seeded_client: TestClient,
) -> None:
    typed = "\n".join(f"p{n}" for n in range(51))
    fields = {"definition": "d", "include": "", "exclude": "", "examples": typed}
    refused = seeded_client.post("/codebook/topic/nato", data=fields)
    assert refused.status_code == 422, refused.text
    assert "examples" in refused.text and "not saved" in refused.text
    assert _codes(seeded_client)[("topic", "nato")]["version"] is None


# --- .qdc -------------------------------------------------------------------------------------


def test_the_qdc_export_is_valid_against_the_refi_qda_schema(seeded_client: TestClient) -> None:
    _define(seeded_client, "position", "russia", definition="Moscow's stance", include="Kremlin")
    answer = seeded_client.get("/api/codebook.qdc")
    assert answer.status_code == 200
    document = etree.fromstring(answer.content)
    etree.XMLSchema(etree.parse(str(SCHEMA))).assertValid(document)
    families = document.findall("q:Codes/q:Code", NS)
    assert [f.get("name") for f in families] == ["Positions", "Kinds", "Topics", "Actor types"]
    assert all(f.get("isCodable") == "false" for f in families)
    russia = document.find("q:Codes/q:Code/q:Code[@name='Russian']", NS)
    assert russia is not None
    assert russia.get("color", "").startswith("#")
    description = russia.findtext("q:Description", namespaces=NS) or ""
    assert description.startswith("Moscow's stance") and "Include: Kremlin" in description


def test_the_qdc_guids_stay_the_same_across_exports_and_edits(seeded_client: TestClient) -> None:
    first = seeded_client.get("/api/codebook.qdc").content
    _define(seeded_client, "topic", "nato", definition="NATO")
    second = seeded_client.get("/api/codebook.qdc").content

    def guids(data: bytes) -> list[str]:
        return [c.get("guid") for c in etree.fromstring(data).iter(f"{{{NS['q']}}}Code")]

    assert guids(first) == guids(second)


def test_a_qdc_round_trip_into_an_empty_database_gives_the_same_codebook(
    seeded_client: TestClient, client: TestClient
) -> None:
    passage_free = {"definition": "Moscow's stance", "include": "a", "exclude": "b"}
    _define(seeded_client, "position", "russia", **passage_free)
    _define(seeded_client, "topic", "nato", definition="NATO membership")
    _define(seeded_client, "actor_type", "state", definition="A country")
    exported = seeded_client.get("/api/codebook.qdc").content
    files = {"file": ("codebook.qdc", exported, "application/xml")}
    imported = client.post("/api/codebook/import", files=files)
    assert imported.status_code == 200, imported.text

    def shape(codes: dict[tuple[str, str], dict[str, Any]]) -> dict[Any, Any]:
        fields = ("name", "guid", "colour", "definition", "include", "exclude")
        return {k: tuple(c[f] for f in fields) for k, c in codes.items()}

    assert shape(_codes(client)) == shape(_codes(seeded_client))
    again = client.post("/api/codebook/import", files=files)
    assert again.status_code == 200, again.text
    assert again.json()["created"] == again.json()["updated"] == 0
    assert shape(_codes(client)) == shape(_codes(seeded_client))


FLAT = b"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="Other">
  <Codes>
    <Code guid="0E6B7C8D-1111-4222-8333-944445555666" name="Energy deals" isCodable="true">
      <Description>Oil and gas</Description>
    </Code>
  </Codes>
</CodeBook>"""


def test_codes_of_another_program_become_topics(seeded_client: TestClient) -> None:
    files = {"file": ("other.qdc", FLAT, "application/xml")}
    answer = seeded_client.post("/api/codebook/import", files=files)
    assert answer.status_code == 200, answer.text
    assert answer.json()["new_codes"] == ["topic:energy-deals"]
    code = _codes(seeded_client)[("topic", "energy-deals")]
    assert code["name"] == "Energy deals" and code["definition"] == "Oil and gas"
    assert code["guid"] == "0E6B7C8D-1111-4222-8333-944445555666"


def test_a_clashing_key_is_refused_naming_every_clash_and_nothing_changes(
    seeded_client: TestClient,
) -> None:
    _define(seeded_client, "topic", "nato", definition="ours")
    clashing = (
        b"family,key,tag,description,guid\n"
        b"topic,nato,NATO,theirs,11111111-2222-4333-8444-555555555555\n"
        b"topic,fresh,Fresh,new,22222222-2222-4333-8444-555555555555\n"
    )
    before = _codes(seeded_client)
    answer = seeded_client.post(
        "/api/codebook/import", files={"file": ("c.csv", clashing, "text/csv")}
    )
    assert answer.status_code == 409, answer.text
    assert "topic:nato" in answer.json()["detail"]
    assert _codes(seeded_client) == before


def test_codes_with_one_guid_or_no_guid_at_all_are_refused_and_nothing_changes(
    seeded_client: TestClient,
) -> None:
    before = _codes(seeded_client)
    twice = (
        b"tag,description,guid\n"
        b"A,x,11111111-2222-4333-8444-555555555555\n"
        b"B,y,11111111-2222-4333-8444-555555555555\n"
    )
    for body, words in [(twice, "another code's"), (b"tag,guid\nA,not-a-guid\n", "no GUID")]:
        answer = seeded_client.post(
            "/api/codebook/import", files={"file": ("c.csv", body, "text/csv")}
        )
        assert answer.status_code == 422, answer.text
        assert words in answer.json()["detail"]
    assert _codes(seeded_client) == before


@pytest.mark.parametrize(
    ("name", "body", "words"),
    [
        ("bad.qdc", b"<CodeBook xmlns='urn:QDA-XML:codebook:1.0'><Codes>", "well-formed"),
        ("bad.qdc", b"<CodeBook xmlns='urn:other'><Codes/></CodeBook>", "not a REFI-QDA"),
        ("bad.qdc", "<CodeBook origin='é'/>".encode("latin-1"), "not UTF-8"),
        ("bad.csv", b"tag,description\n\xff\xfe,x\n", "not UTF-8"),
        ("bad.txt", b"tag\nA\n", ".qdc"),
        (
            "bomb.qdc",
            b'<!DOCTYPE x [<!ENTITY a "aaaa">]><CodeBook xmlns="urn:QDA-XML:codebook:1.0">'
            b"<Codes>&a;</Codes></CodeBook>",
            "DTD",
        ),
    ],
)
def test_a_file_that_is_no_codebook_is_refused_with_a_sentence_and_nothing_changes(
    seeded_client: TestClient, name: str, body: bytes, words: str
) -> None:
    before = _codes(seeded_client)
    answer = seeded_client.post("/api/codebook/import", files={"file": (name, body, "text/plain")})
    assert answer.status_code == 422, answer.text
    assert words in answer.json()["detail"]
    assert _codes(seeded_client) == before


def test_the_csv_export_comes_back_unchanged(seeded_client: TestClient) -> None:
    _define(seeded_client, "topic", "nato", definition='NATO, "membership"', exclude="x\ny")
    exported = seeded_client.get("/api/codebook.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    first_line = exported.content.splitlines()[0]
    assert first_line == "\ufefffamily,key,tag,description,include,exclude,guid,colour".encode()
    before = _codes(seeded_client)
    files = {"file": ("codebook.csv", exported.content, "text/csv")}
    answer = seeded_client.post("/api/codebook/import", files=files)
    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] == answer.json()["updated"] == 0
    assert _codes(seeded_client) == before


def test_the_tag_form_shows_the_definitions_of_what_is_chosen(seeded_client: TestClient) -> None:
    _define(seeded_client, "position", "russia", definition="Moscow-def-7a")
    _define(seeded_client, "topic", "nato", definition="Nato-def-7b")
    _define(seeded_client, "kind", "supports", definition="Supports-def-7c")
    passage = _a_passage(seeded_client)
    form = seeded_client.get(
        f"/passages/{passage['id']}/tag-form", params={"position": "russia"}
    ).text
    page = BeautifulSoup(form, "html.parser")
    document = BeautifulSoup(
        seeded_client.get(f"/documents/{passage['document_id']}").text, "html.parser"
    )
    button = document.select_one(".pos-btn[hx-vals*=russia]")
    assert button is not None and "Moscow-def-7a" in str(button["title"])
    option = page.select_one("select[name=topic_key] option[value=nato]")
    assert option is not None and option["data-definition"] == "Nato-def-7b"
    kind = page.select_one("input[name=kind][value=supports]")
    assert kind is not None and kind["title"] == "Supports-def-7c"
    assert page.select_one("[data-definition-shown]") is not None

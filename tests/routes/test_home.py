"""The home page says what the map is and holds, and its JSON twin answers the same figures;
documents without a title are named by their outlet and date, and passages are cited shortly."""

from datetime import date
from typing import Any

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import PROJECT_ROOT
from app.models import Document
from app.services import examples
from app.services.documents import document_label, passage_citation
from tests.accounts import sign_in_as
from tests.markup import one

SEEDS = PROJECT_ROOT / "seeds"


def soup(response: Any) -> BeautifulSoup:
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "html.parser")


def with_starter_map(client: TestClient) -> None:
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        examples.load_starter_map(session, SEEDS)


def tag_as(client: TestClient, username: str, passage_id: str) -> None:
    sign_in_as(client, username)
    body = {"passage_id": passage_id, "position_key": "russia", "kind": "states"}
    assert client.post("/api/annotations", json=body).status_code == 201


def first_paragraph_of(client: TestClient, document_id: str) -> str:
    passages = client.get(f"/api/documents/{document_id}/passages").json()
    return str(next(p["id"] for p in passages if p["kind"] == "paragraph"))


def test_the_home_says_what_the_corpus_holds_and_where_to_start(
    seeded_client: TestClient,
) -> None:
    page = soup(seeded_client.get("/"))
    assert one(page, "h1").get_text(strip=True)
    assert one(page, '#home-corpus [data-count="documents"]').get_text() == "5"
    corpus = one(page, "#home-corpus").get_text(" ", strip=True)
    assert "24brussels" in corpus and "unherd.com" in corpus
    assert "15 Aug 2025" in corpus
    starts = {a["data-start"]: a["href"] for a in page.select(".starting-points a")}
    assert starts == {"read": "/documents", "matrix": "/matrix", "export": "/export"}
    hint = one(page, "[data-first-visit-hint]")
    assert hint.has_attr("hidden"), "shown by the script only until dismissed"
    assert hint.select_one("[data-show-help]") is not None
    assert hint.select_one("[data-dismiss-hint]") is not None
    assert page.select_one('script[src*="home"]') is not None


def test_the_document_list_stays_at_documents(seeded_client: TestClient) -> None:
    page = soup(seeded_client.get("/documents"))
    assert len(page.select("#document-rows tr")) == 5
    assert one(soup(seeded_client.get("/")), "header .brand")["href"] == "/"


def test_the_home_counts_the_teams_tags_apart_from_the_examples(
    seeded_client: TestClient,
) -> None:
    with_starter_map(seeded_client)
    document = seeded_client.get("/api/documents").json()[0]["id"]
    passage = first_paragraph_of(seeded_client, document)
    tag_as(seeded_client, "alice", passage)
    tag_as(seeded_client, "alice", passage)
    tag_as(seeded_client, "bob", passage)
    data = seeded_client.get("/api/home").json()
    progress = data["progress"]
    assert progress["analysts"] == [{"analyst": "alice", "tags": 2}, {"analyst": "bob", "tags": 1}]
    assert progress["tags"] == 3
    assert progress["example_tags"] > 0
    assert progress["documents_tagged"] == 1
    assert progress["documents"] == 5
    assert data["map"]["example_claims"] == data["map"]["claims"] > 0
    page = soup(seeded_client.get("/"))
    rows = [r.get_text(" ", strip=True) for r in page.select("#home-progress tbody tr")]
    assert rows == ["alice 2", "bob 1"]
    assert one(page, '[data-count="documents-tagged"]').get_text() == "1"
    recent = page.select("#home-recent li")
    assert recent and "bob" in recent[0].get_text(), "the newest change first"
    assert [e["actor"] for e in data["recent"]][:1] == ["bob"]


def test_the_thumbnail_shows_the_claims_each_position_holds_and_rejects_by_topic(
    seeded_client: TestClient,
) -> None:
    with_starter_map(seeded_client)
    data = seeded_client.get("/api/home").json()
    held = {
        (row["key"], cell["topic"]): cell["holds"]
        for row in data["map"]["positions"]
        for cell in row["cells"]
        if cell["holds"]
    }
    assert held, "the starter map's claims are held by positions"
    assert data["map"]["topics"][-1] == {"key": "_none", "name": "No topic"}
    assert len(data["map"]["positions"][0]["cells"]) == len(data["map"]["topics"])
    page = soup(seeded_client.get("/"))
    table = one(page, "#home-map table.thumbnail")
    assert len(table.select("tbody tr")) == len(data["map"]["positions"])
    shown_held = sum(int(s.get_text().rstrip("✓")) for s in table.select(".held"))
    assert shown_held == sum(held.values())


def test_the_json_twin_answers_what_the_page_shows(seeded_client: TestClient) -> None:
    data = seeded_client.get("/api/home").json()
    assert set(data) == {"corpus", "progress", "map", "recent", "starting_points"}
    assert data["corpus"]["documents"] == 5
    assert data["corpus"]["dated"] == 1
    assert data["corpus"]["first_published"] == "2025-08-15"
    assert {o["name"] for o in data["corpus"]["outlets"]} == {"24brussels", "unherd.com"}
    assert data["corpus"]["no_outlet"] == 3
    assert [p["url"] for p in data["starting_points"]] == ["/documents", "/matrix", "/export"]
    page = soup(seeded_client.get("/"))
    labels = [a.get_text() for a in page.select("#home-corpus tbody a")]
    assert labels == [d["label"] for d in data["corpus"]["shown"]]


def test_an_empty_map_has_a_home_too(client: TestClient) -> None:
    page = soup(client.get("/"))
    assert "No documents yet" in one(page, "#home-corpus").get_text()
    assert client.get("/api/home").json()["progress"]["documents"] == 0


def test_an_untitled_document_is_named_by_its_outlet_and_date() -> None:
    def document(**details: Any) -> Document:
        return Document(id="d", sha256="x", original_text="t", **details)

    both = document(outlet="Reuters", published=date(2025, 8, 16))
    assert document_label(both, "Opening words") == "Reuters, 16 Aug 2025"
    assert document_label(document(outlet="Reuters"), "Opening words") == "Reuters"
    dated = document(published=date(2025, 8, 1))
    assert document_label(dated, "The summit began") == "“The summit began”, 1 Aug 2025"
    assert document_label(dated) == "1 Aug 2025"
    assert document_label(document(), "The summit began") == "“The summit began”"
    assert document_label(document(title="A title", outlet="Reuters")) == "A title"


def test_a_citation_is_short_and_numbers_the_paragraph() -> None:
    assert passage_citation("Reuters, 16 Aug 2025", 3) == "Reuters, 16 Aug 2025, ¶4"
    long = "Trump-Putin in Alaska: a Bilateral Summit for a Multilateral Conflict"
    cited = passage_citation(long, 0)
    assert cited == "Trump-Putin in Alaska: a Bilateral Summit for a…, ¶1"
    opening = "“The summit between United States President Donald Trump and…”"
    assert passage_citation(opening, 1).endswith("…”, ¶2")


def test_evidence_is_cited_by_the_short_label_in_pages_and_json(
    seeded_client: TestClient,
) -> None:
    with_starter_map(seeded_client)
    claim = seeded_client.get("/api/claims").json()[0]
    detail = seeded_client.get(f"/api/claims/{claim['id']}").json()
    evidence = detail["evidence"][0]
    assert evidence["citation"].rsplit(", ¶", 1)[1].isdigit()
    page = soup(seeded_client.get(f"/claims/{claim['id']}"))
    assert evidence["citation"] in page.get_text()
    assert "passage " not in " ".join(a.get_text() for a in page.select(".tagged-meta a"))
    summary = soup(seeded_client.get(f"/claims/{claim['id']}/summary"))
    assert evidence["citation"] in summary.get_text()

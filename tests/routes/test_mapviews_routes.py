"""The graph and matrix pages, their JSON twins and the matrix's evidence fragment."""

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import Settings
from app.main import create_app
from tests.accounts import ADMIN, sign_in_as
from tests.factories import make_annotation
from tests.maps import build_small_map, paragraphs
from tests.markup import one

HX = {"HX-Request": "true"}


def client_with_map(seeded_db_url: str) -> TestClient:
    """The small map, plus plain tags without a claim: Russian opposes on NATO (by Ben, in
    the second document), Russian states on NATO and US states with no topic (first)."""
    app = create_app(Settings(database_url=seeded_db_url))
    with Session(app.state.engine) as session:
        build_small_map(session)
        first, second, *_ = paragraphs(session)
        make_annotation(session, first, "russia", kind="states", topic_key="nato")
        make_annotation(session, second, "russia", "opposes", "nato", analyst="Ben")
        make_annotation(session, first, "us", kind="states", analyst="Ben")
    return sign_in_as(TestClient(app), ADMIN)


def test_graph_json_and_page(seeded_db_url: str) -> None:
    with client_with_map(seeded_db_url) as client:
        data = client.get("/api/graph").json()
        assert len(data["nodes"]) == 3 and len(data["edges"]) == 2
        assert client.get("/api/graph", params={"topic": "nato"}).json()["edges"] == []
        assert client.get("/api/graph", params={"topic": "weather"}).status_code == 404
        page = BeautifulSoup(client.get("/graph?position=russia").text, "html.parser")
        assert one(page, "#graph")["data-src"] == "/api/graph?position=russia"
        assert one(page, "select[name=position] option[selected]")["value"] == "russia"


def test_matrix_page_fragment_and_json(seeded_db_url: str) -> None:
    with client_with_map(seeded_db_url) as client:
        page = BeautifulSoup(client.get("/matrix").text, "html.parser")
        assert page.find("html") is not None
        rows = page.select("table.matrix tbody tr")
        assert [one(r, "th").get_text(strip=True) for r in rows][:4] == [
            "Russian",
            "Ukrainian",
            "US",
            "European",
        ]
        cell = one(page, "td[data-position=russia][data-topic=nato]")
        assert "Ukraine will not join NATO" in one(cell, ".cell-claims").get_text()
        assert one(cell, ".cell-counts").get_text() == "2 states · 1 supports · 1 opposes"
        assert one(cell, ".cell-meta").get_text() == "4 tags, 2 for a claim"
        # A plain tag with no topic and no claim has its cell too.
        untopical = one(page, "td[data-position=us][data-topic=_none]")
        assert one(untopical, ".cell-counts").get_text() == "1 states"
        assert untopical.select(".cell-claims") == []
        assert page.select("td[data-position=us][data-topic=nato] a") == []
        fragment = BeautifulSoup(client.get("/matrix", headers=HX).text, "html.parser")
        assert fragment.find("html") is None and fragment.select_one("#matrix") is not None
        data = client.get("/api/matrix").json()
        cells = {(c["position"], c["topic"]): c for c in data["cells"]}
        russia = cells[("russia", "nato")]
        assert (russia["states"], russia["supports"], russia["opposes"]) == (2, 1, 1)
        assert (russia["tags"], russia["with_claim"]) == (4, 2)
        assert cells[("us", "_none")]["held"] == []
        assert cells[("ukraine", "nato")]["rejected"][0]["text"] == "Ukraine will not join NATO"
        assert data["filters"] == {
            "since": None,
            "until": None,
            "undated": True,
            "document": None,
            "outlet": None,
            "analyst": None,
            "actor": None,
            "position": None,
            "topic": None,
            "layer": "all",
        }


def test_matrix_filters_in_the_form_and_the_json(seeded_db_url: str) -> None:
    with client_with_map(seeded_db_url) as client:
        data = client.get("/api/matrix", params={"analyst": "Ben", "outlet": ""}).json()
        cells = {(c["position"], c["topic"]): c for c in data["cells"]}
        assert set(cells) == {("russia", "nato"), ("us", "_none")}
        assert cells[("russia", "nato")]["opposes"] == 1
        assert data["filters"]["analyst"] == "Ben" and data["filters"]["outlet"] is None
        document = client.get("/api/documents").json()[1]["id"]
        by_document = client.get("/api/matrix", params={"document": document}).json()
        assert {(c["position"], c["topic"]) for c in by_document["cells"]} == {
            ("russia", "nato"),
            ("ukraine", "nato"),
        }
        page = BeautifulSoup(
            client.get("/matrix", params={"document": document, "analyst": "Ben"}).text,
            "html.parser",
        )
        assert one(page, "select[name=document] option[selected]")["value"] == document
        # One analyst's tags are chosen from a list (Ben, who has no account, is kept in it).
        assert one(page, "select[name=analyst] option[selected]")["value"] == "Ben"
        assert one(page, "select[name=layer] option[selected]")["value"] == "all"
        link = one(page, "td[data-position=russia][data-topic=nato] a.cell-open")
        assert f"document={document}" in str(link["href"]) and "analyst=Ben" in str(link["href"])
        assert link["hx-get"] == link["href"] and link["hx-target"] == "#cell-evidence"
        # The form sends every field, blank ones included: they mean no filter.
        blank = (
            "/matrix?document=&outlet=&analyst=&actor=&position=&topic=&since=&until="
            "&undated=false&undated=true"
        )
        assert client.get(blank, headers=HX).status_code == 200


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ({"since": "soon"}, 422, "since: 'soon' is not a date (YYYY-MM-DD)."),
        ({"until": "2025-02-30"}, 422, "until: '2025-02-30' is not a date (YYYY-MM-DD)."),
        ({"document": "nowhere"}, 404, "There is no document with the id 'nowhere'."),
    ],
)
def test_matrix_refuses_bad_filters_in_words(
    seeded_db_url: str, query: dict[str, str], status: int, message: str
) -> None:
    with client_with_map(seeded_db_url) as client:
        cell = {"position": "russia", "topic": "nato"}
        for path, params in (("/api/matrix", query), ("/api/matrix/cell", cell | query)):
            refused = client.get(path, params=params)
            assert (refused.status_code, refused.json()["detail"]) == (status, message)
        page = client.get("/matrix", params=query, headers={"Accept": "text/html"})
        assert page.status_code == status
        assert message in BeautifulSoup(page.text, "html.parser").get_text()


@pytest.mark.parametrize(
    "query",
    [{"analyst": "x" * 81}, {"outlet": "x" * 201}, {"document": "x" * 65}, {"since": "x" * 11}],
)
def test_matrix_bounds_its_filters(seeded_db_url: str, query: dict[str, str]) -> None:
    with client_with_map(seeded_db_url) as client:
        assert client.get("/api/matrix", params=query).status_code == 422


def test_matrix_cell_opens_its_passages(seeded_db_url: str) -> None:
    with client_with_map(seeded_db_url) as client:
        response = client.get("/matrix/cell?position=russia&topic=nato", headers=HX)
        fragment = BeautifulSoup(response.text, "html.parser")
        assert fragment.find("html") is None
        assert len(fragment.select("blockquote.evidence")) == 4
        items = fragment.select(".cell-passage")
        assert sorted(one(i, ".chip-kind").get_text() for i in items) == [
            "opposes",
            "states",
            "states",
            "supports",
        ]
        assert len(fragment.select(".cell-passage .chip-claim")) == 2
        assert "by Ben" in fragment.get_text(" ", strip=True)
        links = [str(a["href"]) for a in fragment.select(".tagged-meta a:not(.chip-claim)")]
        assert len(links) == 4
        assert all(link.startswith("/documents/") and "#p-" in link for link in links)
        page = client.get("/matrix/cell?position=russia&topic=nato")
        assert "<html" in page.text and one(
            BeautifulSoup(page.text, "html.parser"), "h2.cell-title"
        ).get_text(" ", strip=True).endswith("NATO membership")
        data = client.get("/api/matrix/cell?position=russia&topic=nato&analyst=Ben").json()
        assert data["total"] == 1
        (item,) = data["passages"]
        assert (item["kind"], item["analyst"], item["claim"]) == ("opposes", "Ben", None)
        assert client.get("/api/matrix/cell?position=us&topic=_none").json()["total"] == 1
        assert client.get("/matrix/cell?position=russia&topic=weather").status_code == 404
        assert client.get("/api/matrix/cell?position=martians&topic=nato").status_code == 404

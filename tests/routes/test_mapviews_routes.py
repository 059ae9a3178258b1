"""The graph and matrix pages, their JSON twins and the matrix's evidence fragment."""

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import Settings
from app.main import create_app
from tests.accounts import ADMIN, sign_in_as
from tests.maps import build_small_map
from tests.markup import one

HX = {"HX-Request": "true"}


def client_with_map(seeded_db_url: str) -> TestClient:
    app = create_app(Settings(database_url=seeded_db_url))
    with Session(app.state.engine) as session:
        build_small_map(session)
    return sign_in_as(TestClient(app), ADMIN)


def test_graph_json_and_page(seeded_db_url: str) -> None:
    with client_with_map(seeded_db_url) as client:
        data = client.get("/api/graph").json()
        assert len(data["nodes"]) == 3 and len(data["edges"]) == 2
        assert client.get("/api/graph", params={"topic": "nato"}).json()["edges"] == []
        assert client.get("/api/graph", params={"topic": "weather"}).status_code == 404
        page = BeautifulSoup(client.get("/graph?position=russia").text, "html.parser")
        assert one(page, "#graph")["data-src"] == "/api/graph?topic=&position=russia"
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
        assert "Ukraine will not join NATO" in cell.get_text()
        assert "1 states · 1 argued · 2 docs" in one(cell, ".cell-counts").get_text()
        fragment = BeautifulSoup(client.get("/matrix", headers=HX).text, "html.parser")
        assert fragment.find("html") is None and fragment.select_one("#matrix") is not None
        data = client.get("/api/matrix").json()
        cells = {(c["position"], c["topic"]): c for c in data["cells"]}
        assert cells[("ukraine", "nato")]["rejected"][0]["text"] == "Ukraine will not join NATO"
        refused = client.get("/api/matrix", params={"since": "soon"})
        assert refused.status_code == 422
        assert refused.json()["detail"] == "since: 'soon' is not a date (YYYY-MM-DD)."
        # The filter form sends empty dates: they mean no limit.
        blank = client.get("/matrix?since=&until=&undated=true", headers=HX)
        assert blank.status_code == 200


def test_matrix_cell_opens_its_evidence(seeded_db_url: str) -> None:
    with client_with_map(seeded_db_url) as client:
        response = client.get("/matrix/cell?position=russia&topic=nato", headers=HX)
        fragment = BeautifulSoup(response.text, "html.parser")
        assert fragment.find("html") is None
        assert len(fragment.select("blockquote.evidence")) == 2
        links = [str(a["href"]) for a in fragment.select(".tagged-meta a")]
        assert all(link.startswith("/documents/") and "#p-" in link for link in links)
        page = client.get("/matrix/cell?position=russia&topic=nato")
        assert "<html" in page.text
        assert client.get("/matrix/cell?position=russia&topic=weather").status_code == 404

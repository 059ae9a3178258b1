"""The agreement page, its htmx fragment and its JSON twin."""

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.config import Settings
from app.main import create_app
from app.models import Assignment, Document, Passage, PassageKind, utcnow
from tests.accounts import ADMIN, sign_in_as
from tests.factories import make_annotation
from tests.markup import one

HX = {"HX-Request": "true"}
HOSTILE = "<script>alert('x')</script>"


def assign(session: Session, document_id: str, *names: str, done: bool = True) -> None:
    """Give the document to each of `names` to code, marked done (or still open)."""
    for name in names:
        session.add(
            Assignment(document_id=document_id, analyst=name, done_at=utcnow() if done else None)
        )
    session.commit()


def tagged_client(
    seeded_db_url: str, *names: str, also: tuple[int, ...] = ()
) -> tuple[TestClient, list[str], Passage]:
    """The app on the seed corpus where `names` code the third document (and the documents
    at the indexes `also`, where they tag nothing) and are done: all tag the third document's
    first paragraph (russia states); only the first name tags the second (ukraine opposes).
    Returns the client, the document ids and the passage in dispute."""
    app = create_app(Settings(database_url=seeded_db_url))
    with Session(app.state.engine) as session:
        ids = list(session.exec(select(Document.id).order_by(col(Document.created_at))))
        for index in (2, *also):
            assign(session, ids[index], *names)
        units = list(
            session.exec(
                select(Passage)
                .where(Passage.document_id == ids[2], Passage.kind != PassageKind.boilerplate)
                .order_by(col(Passage.ordinal))
            )
        )
        for name in names:
            make_annotation(session, units[0], "russia", "states", analyst=name)
        make_annotation(session, units[1], "ukraine", "opposes", analyst=names[0])
        disputed = units[1]
        session.refresh(disputed)  # loaded again after the commits, then kept for the test
        session.expunge(disputed)
    return sign_in_as(TestClient(app), ADMIN), ids, disputed


def test_agreement_json_has_kappa_alpha_and_disagreements(seeded_db_url: str) -> None:
    client, ids, disputed = tagged_client(seeded_db_url, "Ana", "Ben")
    with client:
        data = client.get("/api/agreement").json()
    assert data["message"] is None
    assert [a["name"] for a in data["analysts"]] == ["Ana", "Ben"]
    # Every qualifying document by default: the one Ana and Ben finished.
    assert [d["id"] for d in data["documents"]] == [ids[2]]
    assert data["qualifying_documents"] == 1 and data["waiting"] == []
    assert data["units"] == sum(d["units"] for d in data["documents"]) == 8
    positions = {p["key"]: p for p in data["positions"]}
    assert list(positions) == ["russia", "ukraine", "us", "europe"]
    (russia,) = positions["russia"]["pairs"]
    assert russia["analysts"] == ["Ana", "Ben"]
    assert russia["kappa"] == 1.0 and russia["observed_agreement"] == 1.0
    assert russia["units"] == russia["agreements"] == 8
    assert {(c["first"], c["second"]): c["units"] for c in russia["table"]} == {
        ("none", "none"): 7,
        ("states", "states"): 1,
    }
    (ukraine,) = positions["ukraine"]["pairs"]
    assert ukraine["kappa"] == 0.0 and ukraine["agreements"] == 7
    alpha = positions["ukraine"]["alpha"]
    assert (alpha["pairable_values"], alpha["units"]) == (16, 8)
    assert alpha["values"] == {"none": 15, "opposes": 1}
    assert {"alpha", "observed_disagreement", "expected_disagreement", "note"} <= set(alpha)
    europe = positions["europe"]["pairs"][0]
    assert europe["kappa"] is None and "undefined" in europe["note"]

    (dispute,) = data["disagreements"]
    assert dispute["passage_id"] == disputed.id and dispute["document_id"] == ids[2]
    assert (dispute["start"], dispute["end"], dispute["text"]) == (
        disputed.start,
        disputed.end,
        disputed.text,
    )
    assert dispute["url"] == f"/documents/{ids[2]}#p-{disputed.id}"
    assert dispute["positions"] == ["ukraine"]
    assert dispute["labels"] == [
        {"analyst": "Ana", "coded": True, "labels": [{"position": "ukraine", "kind": "opposes"}]},
        {"analyst": "Ben", "coded": True, "labels": []},
    ]


def test_agreement_json_filters(seeded_db_url: str) -> None:
    client, ids, _ = tagged_client(seeded_db_url, "Ana", "Ben", "Cy", also=(0,))
    with client:
        data = client.get(
            "/api/agreement",
            params=[
                ("document", ids[2]),
                ("document", ids[0]),
                ("analyst", "Cy"),
                ("analyst", "Ana"),
            ],
        ).json()
        assert [d["id"] for d in data["documents"]] == [ids[0], ids[2]]
        assert [a["name"] for a in data["analysts"]] == ["Ana", "Cy"]
        assert [p["analysts"] for p in data["positions"][0]["pairs"]] == [["Ana", "Cy"]]
        # A document nobody was assigned does not qualify: nothing is measured.
        unassigned = client.get("/api/agreement", params={"document": ids[1]}).json()
        assert unassigned["analysts"] == [] and unassigned["positions"] == []
        assert unassigned["message"].startswith("None of the chosen documents qualifies")
        missing = client.get("/api/agreement", params={"document": "nope"})
        assert missing.status_code == 404
        assert missing.json() == {"detail": "There is no document with the id 'nope'."}
        too_long = client.get("/api/agreement", params={"analyst": "x" * 81})
        assert too_long.status_code == 422


def test_unfinished_coding_gets_a_message_and_the_waiting_list(seeded_db_url: str) -> None:
    client, ids, _ = tagged_client(seeded_db_url, "Ana")
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        assign(session, ids[2], "Ben", done=False)
    with client:
        data = client.get("/api/agreement").json()
        assert data["message"].startswith("No document qualifies yet")
        assert data["positions"] == [] and data["disagreements"] == []
        assert [(w["id"], w["done"], w["waiting_for"]) for w in data["waiting"]] == [
            (ids[2], ["Ana"], ["Ben"])
        ]
        page = BeautifulSoup(client.get("/agreement").text, "html.parser")
    assert "No document qualifies yet" in one(page, ".agreement-message").get_text()
    assert page.select(".agreement-position") == []
    waiting = one(page, f'.agreement-waiting li[data-waiting="{ids[2]}"]').get_text()
    assert "waiting for Ben" in waiting and "done: Ana" in waiting


def test_agreement_page_and_fragment(seeded_db_url: str) -> None:
    client, ids, disputed = tagged_client(seeded_db_url, "Ana", "Ben")
    with client:
        response = client.get("/agreement")
        fragment = BeautifulSoup(client.get("/agreement", headers=HX).text, "html.parser")
        filtered = BeautifulSoup(
            client.get(f"/agreement?document={ids[2]}&analyst=Ben", headers=HX).text,
            "html.parser",
        )
        missing = client.get("/agreement?document=nope", headers={"accept": "text/html"})
    assert response.status_code == 200
    page = BeautifulSoup(response.text, "html.parser")
    assert page.find("html") is not None
    assert one(page, 'nav a[href="/agreement"]').get_text() == "Agreement"
    boxes = page.select("form.agreement-filters input[name=document]")
    assert [b["value"] for b in boxes] == [ids[2]] and boxes[0].has_attr("checked")
    names = page.select("form.agreement-filters input[name=analyst]")
    assert [(b["value"], b.has_attr("checked")) for b in names] == [("Ana", True), ("Ben", True)]

    russia = one(page, '.agreement-position[data-position="russia"]')
    assert one(russia, "[data-alpha]").get_text() == "1.000"
    row = one(russia, 'tr[data-pair="Ana / Ben"]')
    assert one(row, "td.kappa").get_text(strip=True) == "1.000"
    assert "states / states: 1" in one(row, ".label-counts").get_text()
    europe = one(page, '.agreement-position[data-position="europe"]')
    assert "No tag of this position" in europe.get_text()

    disputes = page.select("table.disagreements tbody tr")
    assert [tr["data-passage-id"] for tr in disputes] == [disputed.id]
    link = one(disputes[0], "a")["href"]
    assert link == f"/documents/{ids[2]}#p-{disputed.id}"
    cells = {
        td["data-analyst"]: td.get_text(" ", strip=True)
        for td in disputes[0].select("td[data-analyst]")
    }
    assert cells == {"Ana": "Ukrainian opposes", "Ben": "no tag"}

    assert fragment.find("html") is None
    assert fragment.select_one("#agreement") is not None
    assert fragment.select_one("form") is None  # the filters stay on the page
    # Only Ben chosen: a message instead of figures.
    assert "only Ben was chosen" in one(filtered, ".agreement-message").get_text()
    assert missing.status_code == 404 and "no document with the id" in missing.text


def test_hostile_analyst_names_are_escaped(seeded_db_url: str) -> None:
    client, _, _ = tagged_client(seeded_db_url, HOSTILE, "Ben")
    with client:
        html = client.get("/agreement").text
        data = client.get("/api/agreement").json()
    assert HOSTILE not in html
    page = BeautifulSoup(html, "html.parser")
    assert not any("alert" in (s.string or "") for s in page.find_all("script"))
    assert HOSTILE in [b["value"] for b in page.select("input[name=analyst]")]
    assert one(page, "table.agreement-coverage tbody th").get_text() == HOSTILE
    assert data["analysts"][0]["name"] == HOSTILE  # JSON carries the name as it is


def disputing_client(seeded_db_url: str) -> tuple[TestClient, list[str]]:
    """Ana and Ben tag the third document's paragraphs differently, each one: every one of
    them is a disagreement. Returns the client and the passages' ids in document order."""
    app = create_app(Settings(database_url=seeded_db_url))
    with Session(app.state.engine) as session:
        third = list(session.exec(select(Document.id).order_by(col(Document.created_at))))[2]
        units = list(
            session.exec(
                select(Passage)
                .where(Passage.document_id == third, Passage.kind != PassageKind.boilerplate)
                .order_by(col(Passage.ordinal))
            )
        )
        assign(session, third, "Ana", "Ben")
        for unit in units:
            make_annotation(session, unit, "russia", "states", analyst="Ana")
            make_annotation(session, unit, "russia", "opposes", analyst="Ben")
        ids = [unit.id for unit in units]
    return sign_in_as(TestClient(app), ADMIN), ids


def test_disagreements_come_a_page_at_a_time_and_are_all_counted(seeded_db_url: str) -> None:
    client, ids = disputing_client(seeded_db_url)
    assert len(ids) >= 3
    with client:
        everything = client.get("/api/agreement").json()
        first = client.get("/api/agreement?limit=2")
        second = client.get("/api/agreement?limit=2&offset=2").json()
        page = BeautifulSoup(client.get("/agreement?limit=2&offset=2").text, "html.parser")

    assert [d["passage_id"] for d in everything["disagreements"]] == ids
    assert everything["disagreements_total"] == len(ids)
    assert [d["passage_id"] for d in first.json()["disagreements"]] == ids[:2]
    assert first.json()["disagreements_total"] == len(ids)
    assert first.headers["x-total-count"] == str(len(ids))
    assert 'rel="next"' in first.headers["link"] and "offset=2" in first.headers["link"]
    assert [d["passage_id"] for d in second["disagreements"]] == ids[2:4]
    # The figures do not depend on the page.
    assert second["positions"] == everything["positions"]

    shown = [tr["data-passage-id"] for tr in page.select("table.disagreements tbody tr")]
    assert shown == ids[2:4]
    assert one(page, ".agreement-disagreements h2 .count").get_text() == str(len(ids))
    previous = str(one(page, ".agreement-disagreements .pager a[rel=prev]")["href"])
    assert previous.endswith("offset=0&limit=2")


def test_json_and_page_show_dimensions_spans_intervals_and_progress(seeded_db_url: str) -> None:
    client, ids, _ = tagged_client(seeded_db_url, "Ana", "Ben")
    with client:
        data = client.get("/api/agreement").json()
        page = BeautifulSoup(client.get("/agreement").text, "html.parser")
    assert data["bootstrap"] == {"samples": 1000, "seed": 0, "level": 0.95}
    russia = data["positions"][0]
    interval = russia["alpha"]["interval"]
    assert set(interval) == {"low", "high", "samples", "defined", "seed", "level"}
    assert russia["pairs"][0]["interval"]["samples"] == 1000
    kinds = {k["key"]: k for k in data["kinds"]}
    assert list(kinds) == ["states", "supports", "opposes"]
    # "states": both tagged russia on paragraph 1 → label "russia" from both; elsewhere none.
    assert kinds["states"]["tags"] == 2 and kinds["states"]["alpha"]["alpha"] == 1.0
    assert kinds["opposes"]["pairs"][0]["kappa"] == 0.0
    assert data["topics"] == []  # no tag has a topic
    spans = {(s["dimension"], s["key"]): s for s in data["spans"]}
    assert len(spans) == 4 + 3
    ukraine = spans[("position", "ukraine")]
    assert ukraine["documents"] == 1
    assert ukraine["alpha_u"]["units"] == 1 and ukraine["alpha_u"]["coders"] == 2
    assert ukraine["alpha_u"]["alpha"] < 0.5  # only Ana marked it
    assert ukraine["pairs"] == [
        {"analysts": ["Ana", "Ben"], "f1_exact": 0.0, "f1_overlap": 0.0, "spans": [1, 0]}
    ]
    assert spans[("position", "russia")]["alpha_u"]["alpha"] == 1.0
    (point,) = data["progress"]
    assert point["documents"] == 1 and point["day"] == data["documents"][0]["qualified_on"]
    assert point["alphas"]["russia"] == russia["alpha"]["alpha"]

    assert page.select(".agreement-position .ci")  # intervals beside the figures
    kind_rows = page.select('.agreement-dimension[data-dimension="kind"] tr[data-code]')
    assert [tr["data-code"] for tr in kind_rows] == ["states", "supports", "opposes"]
    assert "No tag has a topic" in one(page, '[data-dimension="topic"]').get_text()
    span_row = one(page, '.agreement-spans tr[data-span="position:russia"]')
    assert one(span_row, "[data-alpha-u]").get_text() == "1.000"
    assert "Ana · Ben: 1.000 / 1.000" in span_row.get_text()
    (day,) = page.select(".agreement-progress tbody tr")
    assert day["data-day"] == point["day"]


def test_a_coder_does_not_see_the_agreement_on_a_document_they_still_code(
    seeded_db_url: str,
) -> None:
    client, ids, _ = tagged_client(seeded_db_url, "Ana", "Ben")
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        # Ana and Ben finished the fourth document too; alice still codes it.
        assign(session, ids[3], "Ana", "Ben")
        assign(session, ids[3], "alice", done=False)
        fourth = session.exec(
            select(Passage)
            .where(Passage.document_id == ids[3], Passage.kind != PassageKind.boilerplate)
            .order_by(col(Passage.ordinal))
        ).first()
        assert fourth is not None
        make_annotation(session, fourth, "us", "opposes", analyst="Ben")
        fourth_id = fourth.id
    with client:
        everyone = client.get("/api/agreement").json()
        sign_in_as(client, "alice")
        alice = client.get("/api/agreement").json()
        page = client.get("/agreement").text
    assert [d["id"] for d in everyone["documents"]] == [ids[2], ids[3]]
    assert [w["waiting_for"] for w in everyone["waiting"]] == [["alice"]]
    # alice sees nothing of the fourth document: not its figures, not its place in the list.
    assert [d["id"] for d in alice["documents"]] == [ids[2]]
    assert alice["waiting"] == [] and ids[3] not in page
    us = next(p for p in alice["positions"] if p["key"] == "us")
    assert us["tags"] == 0
    assert fourth_id in {d["passage_id"] for d in everyone["disagreements"]}
    assert fourth_id not in {d["passage_id"] for d in alice["disagreements"]}


def test_the_bootstrap_draws_and_seed_are_chosen_in_the_query(seeded_db_url: str) -> None:
    client, _, _ = tagged_client(seeded_db_url, "Ana", "Ben", "Cy", also=(3,))
    with client:
        default = client.get("/api/agreement").json()
        again = client.get("/api/agreement", params={"seed": 0, "samples": 1000}).json()
        other = client.get("/api/agreement", params={"seed": 7, "samples": 300}).json()
        none = client.get("/api/agreement", params={"samples": 0}).json()
        page = BeautifulSoup(client.get("/agreement?samples=0", headers=HX).text, "html.parser")
        bad = client.get("/api/agreement", params={"samples": -1})
        huge = client.get("/api/agreement", params={"samples": 10_001})
    ukraine = {p["key"]: p for p in default["positions"]}["ukraine"]["alpha"]
    assert (
        ukraine["interval"]
        == {p["key"]: p for p in again["positions"]}["ukraine"]["alpha"]["interval"]
    )
    other_interval = {p["key"]: p for p in other["positions"]}["ukraine"]["alpha"]["interval"]
    assert (other_interval["samples"], other_interval["seed"]) == (300, 7)
    assert other["bootstrap"] == {"samples": 300, "seed": 7, "level": 0.95}
    assert other_interval != ukraine["interval"]
    no_interval = {p["key"]: p for p in none["positions"]}["ukraine"]["alpha"]
    assert no_interval["interval"]["low"] is None and no_interval["alpha"] == ukraine["alpha"]
    assert "No intervals" in one(page, ".agreement-summary").get_text()
    assert page.select(".ci") == []
    assert bad.status_code == 422 and huge.status_code == 422

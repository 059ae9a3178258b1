"""The analysis views as a coder sees them while they code a document independently, and the
layer of tags an analysis reads.

Alice and Bob code the same document (tests/coding.py); here both their tags are evidence for
one claim, on one topic, each naming an actor of its own. Signed in as Bob, no view may show
Alice's tag, her note or the example tags of that document, nor count them; the admin
`tester` sees them all, and Bob's own tag counts for him (so that every check can fail).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from app.access import RULES
from app.config import Settings
from app.main import create_app
from app.models import (
    ActorCreate,
    Annotation,
    AnnotationCreate,
    AnnotationKind,
    ClaimCreate,
    Document,
    Passage,
    PassageKind,
)
from app.services import actors, catalog, claims, tagging
from tests.accounts import ADMIN, sign_in_as
from tests.coding import ALICE_NOTE, BOB_NOTE, CodingScene, coding_scene
from tests.markup import one

CLAIM_TEXT = "Leakwatch claim both coders found"
ALICE_ACTOR, BOB_ACTOR = "Leakwatch Alpha", "Leakwatch Bravo"
TWO_MODE = {"kind": "two-mode"}

CHECKED_ROUTES: frozenset[str] = frozenset(
    {
        "/matrix",
        "/api/matrix",
        "/matrix/cell",
        "/api/matrix/cell",
        "/graph",
        "/api/graph",
        "/networks",
        "/api/networks",
        "/networks/tie",
        "/api/networks/tie",
        "/api/networks/file",
        "/positions",
        "/positions/{position_key}",
        "/api/positions/{position_key}",
        "/actors",
        "/actors/{actor_key}",
        "/claims",
        "/claims/search",
        "/claims/{claim_id}",
        "/claims/{claim_id}/summary",
        "/claims/{claim_id}/relations",
        "/api/claims",
        "/api/claims/{claim_id}",
    }
)


@dataclass(frozen=True)
class Scene:
    client: TestClient
    coding: CodingScene
    claim_id: str
    topic: str  # the topic of both coders' tags
    engine: Any

    def get(self, user: str, url: str, **params: Any) -> Any:
        answer = sign_in_as(self.client, user).get(url, params=params)
        assert answer.status_code == 200, (user, url, answer.text[:300])
        return answer

    def hidden_tags(self, *conditions: Any) -> int:
        """How many live tags of the coded document are not Bob's (what Bob may not see),
        among those `conditions` keep."""
        with Session(self.engine) as session:
            return session.exec(
                select(func.count())
                .select_from(Annotation)
                .where(
                    Annotation.document_id == self.coding.document_id,
                    col(Annotation.analyst) != "bob",
                    col(Annotation.deleted_at).is_(None),
                    *conditions,
                )
            ).one()


@pytest.fixture
def scene(seeded_db_url: str) -> Iterator[Scene]:
    app = create_app(Settings(database_url=seeded_db_url))
    with Session(app.state.engine) as session:
        coding = coding_scene(session)
        topic = catalog.list_topics(session)[0].key
        for key, name in (("leak-a", ALICE_ACTOR), ("leak-b", BOB_ACTOR)):
            actors.create_actor(session, ActorCreate(key=key, name=name), "tester")
        for tag_id, actor in ((coding.alice_tag, "leak-a"), (coding.bob_tag, "leak-b")):
            tag = session.get_one(Annotation, tag_id)
            tag.topic_key, tag.actor_key = topic, actor
            session.add(tag)
        session.commit()
        data = ClaimCreate(
            text=CLAIM_TEXT, topic_key=topic, annotation_ids=[coding.alice_tag, coding.bob_tag]
        )
        claim_id = claims.create_claim(session, data, "tester").id
    with TestClient(app) as client:
        yield Scene(client, coding, claim_id, topic, app.state.engine)


def leaks(scene: Scene, text: str) -> list[str]:
    """What of Alice's work and the document's example tags `text` shows."""
    secrets = [scene.coding.alice_tag, ALICE_NOTE, *scene.coding.example_tags]
    return [secret for secret in secrets if secret in text]


def checked_urls(scene: Scene) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each checked route, as a URL with the query that shows the scene."""
    cell = {"position": "russia", "topic": scene.topic}
    tie = TWO_MODE | {"source": f"actor:{ALICE_ACTOR}", "target": f"concept:{CLAIM_TEXT}"}
    claim = f"/claims/{scene.claim_id}"
    return {
        "/matrix": ("/matrix", {}),
        "/api/matrix": ("/api/matrix", {}),
        "/matrix/cell": ("/matrix/cell", cell),
        "/api/matrix/cell": ("/api/matrix/cell", cell),
        "/graph": ("/graph", {}),
        "/api/graph": ("/api/graph", {}),
        "/networks": ("/networks", TWO_MODE),
        "/api/networks": ("/api/networks", TWO_MODE),
        "/networks/tie": ("/networks/tie", tie),
        "/api/networks/tie": ("/api/networks/tie", tie),
        "/api/networks/file": ("/api/networks/file", TWO_MODE | {"format": "nodes.csv"}),
        "/positions": ("/positions", {}),
        "/positions/{position_key}": ("/positions/russia", {"limit": 500}),
        "/api/positions/{position_key}": ("/api/positions/russia", {"limit": 500}),
        "/actors": ("/actors", {}),
        "/actors/{actor_key}": ("/actors/leak-a", {}),
        "/claims": ("/claims", {"q": "Leakwatch"}),
        "/claims/search": ("/claims/search", {"q": "Leakwatch"}),
        "/claims/{claim_id}": (claim, {}),
        "/claims/{claim_id}/summary": (f"{claim}/summary", {}),
        "/claims/{claim_id}/relations": (f"{claim}/relations", {}),
        "/api/claims": ("/api/claims", {"q": "Leakwatch"}),
        "/api/claims/{claim_id}": (f"/api/{claim.lstrip('/')}", {}),
    }


def test_the_checked_routes_are_read_routes_with_an_access_rule() -> None:
    assert {path for path in CHECKED_ROUTES if ("GET", path) not in RULES} == set()


def test_no_checked_route_shows_bob_the_hidden_tags(scene: Scene) -> None:
    urls = checked_urls(scene)
    assert set(urls) == CHECKED_ROUTES
    for route, (url, params) in urls.items():
        shown = scene.get("bob", url, **params).text
        assert leaks(scene, shown) == [], route


def test_tag_lists_show_alice_her_tag_and_bob_his_own(scene: Scene) -> None:
    claim = f"/claims/{scene.claim_id}"
    for url in (claim, f"/api{claim}", "/positions/russia"):
        assert ALICE_NOTE in scene.get(ADMIN, url, limit=500).text, url
        assert ALICE_NOTE in scene.get("alice", url, limit=500).text, url
    for url in (claim, f"/api{claim}", "/positions/ukraine"):
        assert BOB_NOTE in scene.get("bob", url, limit=500).text, url
        assert BOB_NOTE not in scene.get("alice", url, limit=500).text, url
    evidence = scene.get(ADMIN, f"/api{claim}").json()["evidence"]
    assert {tag["id"] for tag in evidence} == {scene.coding.alice_tag, scene.coding.bob_tag}
    evidence = scene.get("bob", f"/api{claim}").json()["evidence"]
    assert [tag["id"] for tag in evidence] == [scene.coding.bob_tag]
    # The graph's side panel: the evidence each may see, and its count.
    for user, shown in ((ADMIN, "2 passages"), ("bob", "1 passage "), ("alice", "1 passage ")):
        panel = BeautifulSoup(scene.get(user, f"{claim}/summary").text, "html.parser")
        assert one(panel, ".count").get_text().startswith(shown), user
        assert len(panel.select("blockquote.evidence")) == int(shown.split()[0]), user


def _matrix_total(answer: Any) -> int:
    return sum(cell["tags"] for cell in answer.json()["cells"])


def test_the_matrix_counts_for_bob_all_but_the_hidden_tags(scene: Scene) -> None:
    everyone = _matrix_total(scene.get(ADMIN, "/api/matrix"))
    bob = _matrix_total(scene.get("bob", "/api/matrix"))
    # Alice's tag and the example tags of the document (none of them lost its place).
    assert scene.hidden_tags(col(Annotation.orphaned_at).is_(None)) == 1 + len(
        scene.coding.example_tags
    )
    assert bob == everyone - 1 - len(scene.coding.example_tags)
    assert _matrix_total(scene.get("bob", "/api/matrix", analyst="bob")) == 1
    cell = {"position": "russia", "topic": scene.topic}
    listed = scene.get(ADMIN, "/api/matrix/cell", **cell).json()
    hidden_in_cell = scene.hidden_tags(
        Annotation.position_key == "russia",
        Annotation.topic_key == scene.topic,
        col(Annotation.orphaned_at).is_(None),
    )
    assert scene.coding.alice_tag in {p["annotation"] for p in listed["passages"]}
    assert scene.get("bob", "/api/matrix/cell", **cell).json()["total"] == (
        listed["total"] - hidden_in_cell
    )
    own = scene.get("bob", "/api/matrix/cell", position="ukraine", topic=scene.topic).json()
    assert scene.coding.bob_tag in {p["annotation"] for p in own["passages"]}
    page = BeautifulSoup(scene.get("bob", "/matrix/cell", **cell).text, "html.parser")
    assert len(page.select(".cell-passage")) == min(listed["total"] - hidden_in_cell, 200)


def _evidence(answer: Any) -> dict[str, int]:
    return {node["id"]: node["evidence"] for node in answer.json()["nodes"]}


def test_the_graph_counts_for_bob_only_the_evidence_he_may_see(scene: Scene) -> None:
    everyone = _evidence(scene.get(ADMIN, "/api/graph"))
    bob = _evidence(scene.get("bob", "/api/graph"))
    assert set(bob) == set(everyone)  # the claims are a shared catalog: all show
    assert (everyone[scene.claim_id], bob[scene.claim_id]) == (2, 1)
    hidden = scene.hidden_tags(
        col(Annotation.claim_id).is_not(None), col(Annotation.orphaned_at).is_(None)
    )
    assert sum(everyone.values()) - sum(bob.values()) == hidden


def _statements(scene: Scene, user: str, **params: Any) -> int:
    answer = scene.get(user, "/api/networks", **(TWO_MODE | params)).json()
    return int(answer["statements"])


def test_the_networks_leave_out_for_bob_the_statements_he_may_not_see(scene: Scene) -> None:
    document = scene.coding.document_id
    in_document = _statements(scene, ADMIN, document=document)
    bobs = _statements(scene, ADMIN, document=document, analyst="bob")
    assert in_document > bobs == 1
    assert _statements(scene, "bob", document=document) == bobs
    assert _statements(scene, "bob") == _statements(scene, ADMIN) - (in_document - bobs)
    labels = {
        n["label"]
        for n in scene.get("bob", "/api/networks", **TWO_MODE).json()["networks"][0]["nodes"]
    }
    assert BOB_ACTOR in labels and ALICE_ACTOR not in labels
    nodes = TWO_MODE | {"format": "nodes.csv"}
    assert ALICE_ACTOR in scene.get(ADMIN, "/api/networks/file", **nodes).text
    file = scene.get("bob", "/api/networks/file", **nodes).text
    assert BOB_ACTOR in file and ALICE_ACTOR not in file
    tie = TWO_MODE | {"source": f"actor:{ALICE_ACTOR}", "target": f"concept:{CLAIM_TEXT}"}
    shown = scene.get(ADMIN, "/api/networks/tie", **tie).text
    assert scene.coding.alice_tag in shown
    assert scene.get("bob", "/api/networks/tie", **tie).json()["shared"] == []
    own = tie | {"source": f"actor:{BOB_ACTOR}"}
    assert scene.coding.bob_tag in scene.get("bob", "/api/networks/tie", **own).text
    assert "1 statement." in scene.get("bob", "/networks/tie", **own).text


def _position_count(page: str, key: str) -> int:
    soup = BeautifulSoup(page, "html.parser")
    row = one(soup, f'a.pos-link[href="/positions/{key}"]').find_parent("li")
    assert row is not None
    return int(one(row, ".count").get_text().split()[0])


def test_positions_count_and_list_for_bob_only_what_he_may_see(scene: Scene) -> None:
    hidden = scene.hidden_tags(Annotation.position_key == "russia")
    everyone = _position_count(scene.get(ADMIN, "/positions").text, "russia")
    assert _position_count(scene.get("bob", "/positions").text, "russia") == everyone - hidden
    ukraine = _position_count(scene.get(ADMIN, "/positions").text, "ukraine")
    hidden_ukraine = scene.hidden_tags(Annotation.position_key == "ukraine")
    assert _position_count(scene.get("bob", "/positions").text, "ukraine") == (
        ukraine - hidden_ukraine
    )
    placed = scene.hidden_tags(
        Annotation.position_key == "russia", col(Annotation.passage_id).is_not(None)
    )
    total = int(scene.get(ADMIN, "/api/positions/russia").headers["X-Total-Count"])
    bob = int(scene.get("bob", "/api/positions/russia").headers["X-Total-Count"])
    assert bob == total - placed and placed >= 1
    tags = scene.get("bob", "/api/positions/ukraine", limit=500).json()["groups"]
    assert scene.coding.bob_tag in {a["id"] for group in tags for a in group["annotations"]}


def _actor_page_count(scene: Scene, user: str, key: str) -> str:
    page = BeautifulSoup(scene.get(user, f"/actors/{key}").text, "html.parser")
    words = page.get_text(" ", strip=True).split()
    at = words.index("Named")
    return " ".join(words[at : at + 4])


def _actor_list_count(scene: Scene, user: str, key: str) -> str:
    page = BeautifulSoup(scene.get(user, "/actors").text, "html.parser")
    row = one(page, f'td a[href="/actors/{key}"]').find_parent("tr")
    assert row is not None
    return row.select("td")[-1].get_text(strip=True)


def test_actors_count_for_bob_only_the_tags_he_may_see(scene: Scene) -> None:
    assert _actor_page_count(scene, ADMIN, "leak-a") == "Named by 1 tag."
    assert _actor_page_count(scene, "bob", "leak-a") == "Named by 0 tags."
    assert _actor_page_count(scene, "bob", "leak-b") == "Named by 1 tag."
    assert [_actor_list_count(scene, ADMIN, key) for key in ("leak-a", "leak-b")] == ["1", "1"]
    assert [_actor_list_count(scene, "bob", key) for key in ("leak-a", "leak-b")] == ["0", "1"]


def test_claim_lists_count_for_bob_only_the_evidence_he_may_see(scene: Scene) -> None:
    def counts(user: str) -> tuple[int, int]:
        [found] = scene.get(user, "/api/claims", q="Leakwatch").json()
        return found["evidence_count"], found["document_count"]

    assert (counts(ADMIN), counts("bob")) == ((2, 1), (1, 1))
    assert scene.get("bob", f"/api/claims/{scene.claim_id}").json()["evidence_count"] == 1
    search = scene.get("bob", "/claims/search", q="Leakwatch").text
    assert (
        "1 passage<" in search
        and "2 passages" in scene.get(ADMIN, "/claims/search", q="Leakwatch").text
    )
    rows = BeautifulSoup(scene.get("bob", "/claims", q="Leakwatch").text, "html.parser")
    assert [td.get_text() for td in rows.select("td.num")] == ["1", "1"]


# --- the layer of tags an analysis reads -----------------------------------------------------


def _adjudicated_tag(scene: Scene) -> str:
    """A tag in the adjudicated layer, on another document than the coded one, evidence for
    the scene's claim and naming Alice's actor."""
    with Session(scene.engine) as session:
        passage = session.exec(
            select(Passage)
            .join(Document, col(Document.id) == col(Passage.document_id))
            .where(
                Passage.document_id != scene.coding.document_id,
                Passage.kind != PassageKind.boilerplate,
                col(Document.published).is_not(None),
            )
            .order_by(col(Passage.id))
        ).first()
        assert passage is not None
        data = AnnotationCreate(
            passage_id=passage.id,
            position_key="europe",
            kind=AnnotationKind.supports,
            topic_key=scene.topic,
            actor_key="leak-a",
            claim_id=scene.claim_id,
        )
        return tagging.tag_passage(session, data, "tester", adjudicated=True).id


def test_the_adjudicated_layer_counts_only_adjudicated_tags(scene: Scene) -> None:
    tag = _adjudicated_tag(scene)
    layer = {"layer": "adjudicated"}
    matrix = scene.get(ADMIN, "/api/matrix", **layer).json()
    assert matrix["filters"]["layer"] == "adjudicated"
    assert [(c["position"], c["topic"], c["tags"]) for c in matrix["cells"] if c["tags"]] == [
        ("europe", scene.topic, 1)
    ]
    cell = scene.get(ADMIN, "/api/matrix/cell", position="europe", topic=scene.topic, **layer)
    assert [p["annotation"] for p in cell.json()["passages"]] == [tag]
    graph = _evidence(scene.get(ADMIN, "/api/graph", **layer))
    assert {claim: count for claim, count in graph.items() if count} == {scene.claim_id: 1}
    assert _statements(scene, ADMIN, **layer) == 1
    # Everything else is still there in the whole map, the adjudicated tag among it.
    assert _evidence(scene.get(ADMIN, "/api/graph"))[scene.claim_id] == 3
    # Bob codes the document blind: the layer gives him nothing more of it.
    assert _statements(scene, "bob", **layer) == 1


def test_one_analysts_tags_are_a_filter_of_every_analysis(scene: Scene) -> None:
    alice = {"analyst": "alice"}
    assert _matrix_total(scene.get(ADMIN, "/api/matrix", **alice)) == 1
    graph = _evidence(scene.get(ADMIN, "/api/graph", **alice))
    assert {claim: count for claim, count in graph.items() if count} == {scene.claim_id: 1}
    assert _statements(scene, ADMIN, **alice) == 1
    # Bob asking for Alice's tags of the document he codes gets none of them.
    assert _matrix_total(scene.get("bob", "/api/matrix", **alice)) == 0
    assert sum(_evidence(scene.get("bob", "/api/graph", **alice)).values()) == 0


def test_the_pages_offer_the_layer_and_keep_it_in_their_links(scene: Scene) -> None:
    _adjudicated_tag(scene)
    chosen = {"layer": "adjudicated", "analyst": "tester"}
    for url in ("/matrix", "/graph", "/networks"):
        page = BeautifulSoup(scene.get(ADMIN, url, **chosen).text, "html.parser")
        assert one(page, "select[name=layer] option[selected]").get_text() == "Adjudicated layer"
        options = [o["value"] for o in page.select("select[name=analyst] option")]
        assert {"", "alice", "bob", "tester"} <= set(options), url
        assert one(page, "select[name=analyst] option[selected]")["value"] == "tester"
        assert one(page, ".shown-tags").get_text(" ", strip=True) == (
            "Tags shown: the adjudicated layer, tester's only ."
        )
        plain = BeautifulSoup(scene.get(ADMIN, url).text, "html.parser")
        assert one(plain, ".shown-tags strong").get_text() == "all tags", url
    matrix = BeautifulSoup(scene.get(ADMIN, "/matrix", **chosen).text, "html.parser")
    link = str(one(matrix, "a.cell-open")["href"])
    assert "layer=adjudicated" in link and "analyst=tester" in link
    graph = BeautifulSoup(scene.get(ADMIN, "/graph", **chosen).text, "html.parser")
    assert one(graph, "#graph")["data-src"] == "/api/graph?analyst=tester&layer=adjudicated"
    networks = scene.get(ADMIN, "/networks", **chosen).text
    assert "/api/networks?layer=adjudicated&amp;analyst=tester" in networks

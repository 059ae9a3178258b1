"""The activity feed, an item's history, undoing deletions and the history file: the pages
and their JSON twins."""

import json
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from tests.markup import one

JSON = dict[str, Any]
HX = {"HX-Request": "true"}
SCRIPT = "<script>alert('x')</script>"


def soup(response: Any) -> BeautifulSoup:
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "html.parser")


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def paragraphs(client: TestClient, document_index: int = 0) -> list[JSON]:
    document = client.get("/api/documents").json()[document_index]
    passages = client.get(f"/api/documents/{document['id']}/passages").json()
    return [p for p in passages if p["kind"] == "paragraph"]


def tag(client: TestClient, passage: JSON, position_key: str = "russia") -> JSON:
    body = {"passage_id": passage["id"], "position_key": position_key}
    created: JSON = ok(client.post("/api/annotations", json=body), 201)
    return created


def create_claim(client: TestClient, text: str, **fields: Any) -> JSON:
    created: JSON = ok(client.post("/api/claims", json={"text": text, **fields}), 201)
    return created


def relate(client: TestClient, source: JSON, target: JSON, kind: str = "supports") -> JSON:
    body = {"source_id": source["id"], "target_id": target["id"], "kind": kind}
    created: JSON = ok(client.post("/api/relations", json=body), 201)
    return created


def item_entries(client: TestClient, item_type: str, item_id: str) -> list[JSON]:
    entries: list[JSON] = ok(client.get(f"/api/history/{item_type}/{item_id}"))["entries"]
    return entries


def deletion(client: TestClient, item_type: str, item_id: str) -> JSON:
    entry = item_entries(client, item_type, item_id)[0]
    assert entry["action"] == "delete", entry
    return entry


def restore(client: TestClient, entry: JSON) -> JSON:
    restored: JSON = ok(client.post(f"/api/history/{entry['id']}/restore"))
    return restored


# --- the feed ------------------------------------------------------------------------------


def test_the_feed_lists_the_newest_changes_first(seeded_client: TestClient) -> None:
    claim = create_claim(seeded_client, "Ukraine will not join NATO")
    page = soup(seeded_client.get("/history"))
    rows = page.select("#history-rows tbody tr")
    assert rows[0]["data-entry-id"]
    assert "Ukraine will not join NATO" in rows[0].get_text()
    link = rows[0].select_one("a")
    assert link is not None and link["href"] == f"/history/claim/{claim['id']}"
    # The seed corpus was loaded from the command line: its entries have no user.
    assert "command line" in page.select("#history-rows tbody tr")[-1].get_text()


def test_the_feed_fragment_alone_for_htmx(seeded_client: TestClient) -> None:
    fragment = soup(seeded_client.get("/history", params={"item_type": "position"}, headers=HX))
    assert fragment.find("html") is None
    assert fragment.select_one("#history-rows") is not None
    assert len(fragment.select("tbody tr")) == 4  # the four seed positions


def test_the_feed_filters(seeded_client: TestClient) -> None:
    claim = create_claim(seeded_client, "Sanctions bite")
    ok(seeded_client.delete(f"/api/claims/{claim['id']}"), 204)

    def found(**params: str) -> list[tuple[str, str]]:
        entries = ok(seeded_client.get("/api/history", params=params))["entries"]
        return [(e["action"], e["item_type"]) for e in entries]

    assert found(action="delete") == [("delete", "claim")]
    assert found(actor="tester", item_type="claim") == [("delete", "claim"), ("create", "claim")]
    assert found(q=claim["id"][2:10]) == [("delete", "claim"), ("create", "claim")]
    assert ("create", "document") in found(until="2999-01-01")
    assert found(since="2999-01-01") == []
    assert found(until="2000-01-01T00:00:00Z") == []
    assert len(found(item_type="topic")) == 9
    # The page form sends blanks for "all".
    page = soup(seeded_client.get("/history?item_type=&actor=&action=delete&since=&until=&q="))
    assert len(page.select("#history-rows tbody tr[data-entry-id]")) == 1


@pytest.mark.parametrize(
    "query",
    [
        "item_type=claims",
        "action=undo",
        "since=yesterday",
        "until=2026-02-31",
        "before=0",
        "limit=201",
        "q=" + "x" * 65,
    ],
)
def test_the_feed_refuses_bad_parameters(seeded_client: TestClient, query: str) -> None:
    assert seeded_client.get(f"/api/history?{query}").status_code == 422
    assert seeded_client.get(f"/history?{query}").status_code == 422


def test_the_feed_pages_back_and_forth(seeded_client: TestClient) -> None:
    first = ok(seeded_client.get("/api/history", params={"limit": 5}))
    assert len(first["entries"]) == 5 and first["newer"] is None
    second = ok(seeded_client.get(first["older"]))
    assert second["entries"][0]["id"] < first["entries"][-1]["id"]
    back = ok(seeded_client.get(second["newer"]))
    assert [e["id"] for e in back["entries"]] == [e["id"] for e in first["entries"]]
    seen, url = [], "/api/history?limit=7"
    while url:
        page = ok(seeded_client.get(url))
        seen += [e["id"] for e in page["entries"]]
        url = page["older"]
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen))

    page = soup(seeded_client.get("/history?limit=5"))
    older = page.select_one('.pager a[rel="next"]')
    assert older is not None and page.select_one('.pager a[rel="prev"]') is None
    next_page = soup(seeded_client.get(str(older["href"])))
    assert next_page.select_one('.pager a[rel="prev"]') is not None


# --- an item's history ---------------------------------------------------------------------


def test_an_items_page_shows_each_version_and_what_changed(seeded_client: TestClient) -> None:
    claim = create_claim(seeded_client, "First words", stances=[{"position_key": "russia"}])
    body = {"text": "Second words", "note": "Reworded", "version": claim["version"]}
    ok(seeded_client.patch(f"/api/claims/{claim['id']}", json=body))
    page = soup(seeded_client.get(f"/history/claim/{claim['id']}"))
    assert one(page, "h1").get_text() == "Second words"
    update, create = page.select(".history-entry")
    text_row = one(update, 'tr[data-field="text"]')
    assert one(text_row, ".before").get_text() == "First words"
    assert one(text_row, ".after").get_text() == "Second words"
    assert "stances" in [tr["data-field"] for tr in create.select("tr[data-field]")]
    assert page.select_one(".restore-form") is None  # nothing to undo
    data = ok(seeded_client.get(f"/api/history/claim/{claim['id']}"))
    assert data["exists"] is True
    assert [e["action"] for e in data["entries"]] == ["update", "create"]
    assert [e["version"] for e in data["entries"]] == [2, 1]
    assert data["entries"][0]["before"]["text"] == "First words"


def test_an_item_without_history_is_not_found(seeded_client: TestClient) -> None:
    assert seeded_client.get("/api/history/claim/nope").status_code == 404
    # Only the item types are paths of the history; anything else is not found.
    assert seeded_client.get("/api/history/widget/nope").status_code == 404
    assert seeded_client.get("/history/claim/" + "x" * 65).status_code == 422


# --- restoring -----------------------------------------------------------------------------


def test_a_removed_tag_is_restored(seeded_client: TestClient) -> None:
    annotation = tag(seeded_client, paragraphs(seeded_client)[0])
    ok(seeded_client.delete(f"/api/annotations/{annotation['id']}"), 204)
    entry = restore(seeded_client, deletion(seeded_client, "annotation", annotation["id"]))
    assert (entry["action"], entry["item_id"], entry["actor"]) == (
        "restore",
        annotation["id"],
        "tester",
    )
    assert ok(seeded_client.get(f"/api/annotations/{annotation['id']}"))["id"] == annotation["id"]


def test_a_deleted_claim_is_restored_with_its_stances_and_evidence(
    seeded_client: TestClient,
) -> None:
    annotation = tag(seeded_client, paragraphs(seeded_client)[0])
    claim = create_claim(
        seeded_client,
        "Coming back",
        stances=[{"position_key": "ukraine", "stance": "rejects"}],
        annotation_ids=[annotation["id"]],
    )
    other = create_claim(seeded_client, "Staying")
    relation = relate(seeded_client, claim, other)
    ok(seeded_client.delete(f"/api/claims/{claim['id']}"), 204)
    restore(seeded_client, deletion(seeded_client, "claim", claim["id"]))
    back = ok(seeded_client.get(f"/api/claims/{claim['id']}"))
    assert back["stances"] == [{"position_key": "ukraine", "stance": "rejects"}]
    assert back["evidence_count"] == 1
    # Its relation went with it, and comes back on its own.
    assert seeded_client.get(f"/api/relations/{relation['id']}").status_code == 404
    entry = restore(seeded_client, deletion(seeded_client, "relation", relation["id"]))
    assert entry["after"]["source_id"] == claim["id"]
    assert ok(seeded_client.get(f"/api/relations/{relation['id']}"))["kind"] == "supports"


def test_positions_topics_and_documents_are_restored(seeded_client: TestClient) -> None:
    position = {"key": "china", "name": "China", "colour": "#aa0000"}
    ok(seeded_client.post("/api/positions", json=position), 201)
    ok(seeded_client.delete("/api/positions/china"), 204)
    restore(seeded_client, deletion(seeded_client, "position", "china"))
    assert ok(seeded_client.get("/api/positions/china"))["position"]["name"] == "China"

    ok(seeded_client.post("/api/topics", json={"key": "gas", "name": "Gas"}), 201)
    ok(seeded_client.delete("/api/topics/gas"), 204)
    restore(seeded_client, deletion(seeded_client, "topic", "gas"))
    assert ok(seeded_client.get("/api/topics/gas"))["name"] == "Gas"

    passage = paragraphs(seeded_client, 2)[0]
    annotation = tag(seeded_client, passage)
    document_id = passage["document_id"]
    before = ok(seeded_client.get(f"/api/documents/{document_id}"))
    ok(seeded_client.delete(f"/api/documents/{document_id}"), 204)
    tag_deletion = deletion(seeded_client, "annotation", annotation["id"])
    refused = seeded_client.post(f"/api/history/{tag_deletion['id']}/restore")
    assert refused.status_code == 422
    assert "restore the document first" in refused.json()["detail"]
    restore(seeded_client, deletion(seeded_client, "document", document_id))
    after = ok(seeded_client.get(f"/api/documents/{document_id}"))
    assert after["title"] == before["title"]
    assert after["passage_count"] == before["passage_count"]
    restore(seeded_client, tag_deletion)
    assert (
        ok(seeded_client.get(f"/api/annotations/{annotation['id']}"))["passage_id"]
        == (passage["id"])
    )


def test_restoring_is_refused_when_it_makes_no_sense(seeded_client: TestClient) -> None:
    claim = create_claim(seeded_client, "Once")
    created = item_entries(seeded_client, "claim", claim["id"])[0]
    assert seeded_client.post(f"/api/history/{created['id']}/restore").status_code == 409
    assert seeded_client.post("/api/history/999999/restore").status_code == 404
    ok(seeded_client.delete(f"/api/claims/{claim['id']}"), 204)
    entry = deletion(seeded_client, "claim", claim["id"])
    restore(seeded_client, entry)
    again = seeded_client.post(f"/api/history/{entry['id']}/restore")
    assert again.status_code == 409
    assert "already restored" in again.json()["detail"]


def test_the_page_restores_with_its_button(seeded_client: TestClient) -> None:
    claim = create_claim(seeded_client, "Undo me")
    ok(seeded_client.delete(f"/api/claims/{claim['id']}"), 204)
    page = soup(seeded_client.get(f"/history/claim/{claim['id']}"))
    assert "not in the map now" in page.get_text()
    form = page.select_one(".restore-form")
    assert form is not None
    response = seeded_client.post(str(form["action"]), follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/history/claim/{claim['id']}"
    page = soup(seeded_client.get(response.headers["location"]))
    assert page.select_one(".restore-form") is None
    assert page.select(".history-entry .history-action")[0].get_text() == "restore"


def test_htmx_restores_and_gets_the_refreshed_history(seeded_client: TestClient) -> None:
    annotation = tag(seeded_client, paragraphs(seeded_client)[1])
    ok(seeded_client.delete(f"/api/annotations/{annotation['id']}"), 204)
    entry = deletion(seeded_client, "annotation", annotation["id"])
    fragment = soup(seeded_client.post(f"/history/{entry['id']}/restore", headers=HX))
    assert fragment.find("html") is None
    history = fragment.select_one("#item-history")
    assert history is not None and history.select_one(".restore-form") is None
    assert [a.get_text() for a in history.select(".history-entry-head .history-action")] == [
        "restore",
        "delete",
        "create",
    ]


# --- the file, and hostile text ------------------------------------------------------------


def test_the_history_file_is_json_with_every_entry(seeded_client: TestClient) -> None:
    create_claim(seeded_client, 'A "quoted"\nclaim')
    response = seeded_client.get("/api/export/history", params={"download": 1})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "attachment" in response.headers["content-disposition"]
    exported = json.loads(response.text)
    assert exported["format"] == "argmap-history"
    ids = [e["id"] for e in exported["entries"]]
    seen, url = [], "/api/history?limit=200"
    while url:
        page = ok(seeded_client.get(url))
        seen += [e["id"] for e in page["entries"]]
        url = page["older"]
    assert ids == sorted(seen)
    assert exported["entries"][-1]["after"]["text"] == 'A "quoted"\nclaim'
    assert "content-disposition" not in seeded_client.get("/api/export/history").headers


def test_user_text_is_escaped_in_the_history_pages(seeded_client: TestClient) -> None:
    annotation = tag(seeded_client, paragraphs(seeded_client)[0])
    body = {"note": SCRIPT, "version": annotation["version"]}
    ok(seeded_client.patch(f"/api/annotations/{annotation['id']}", json=body))
    claim = create_claim(seeded_client, SCRIPT, note=SCRIPT)
    ok(seeded_client.delete(f"/api/claims/{claim['id']}"), 204)
    for url in (
        "/history",
        f"/history/claim/{claim['id']}",
        f"/history/annotation/{annotation['id']}",
        f"/history?q={SCRIPT[:20]}",
    ):
        response = seeded_client.get(url)
        assert response.status_code == 200, url
        assert SCRIPT not in response.text, url
        assert not any("alert" in s.get_text() for s in soup(response).find_all("script")), url
    page = seeded_client.get(f"/history/claim/{claim['id']}").text
    assert "&lt;script&gt;" in page

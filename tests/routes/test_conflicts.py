"""No lost updates through the web: the API's 409 with the item as it is now, and the pages'
conflict panel with both versions side by side."""

from collections.abc import Callable
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy.orm.exc import StaleDataError

from app.errors import RACE_MESSAGE
from app.services import tagging
from tests.markup import one

HX = {"HX-Request": "true"}
JSON = dict[str, Any]
SCRIPT = "<script>alert(1)</script>"


def html(response: Any, status: int = 200) -> BeautifulSoup:
    assert response.status_code == status, response.text
    return BeautifulSoup(response.text, "html.parser")


def first_paragraph(client: TestClient) -> JSON:
    document = client.get("/api/documents").json()[0]
    passages = client.get(f"/api/documents/{document['id']}/passages").json()
    return next(p for p in passages if p["kind"] == "paragraph")


def new_annotation(client: TestClient) -> JSON:
    body = {"passage_id": first_paragraph(client)["id"], "position_key": "russia"}
    response = client.post("/api/annotations", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def new_claim(client: TestClient, text: str = "Kyiv keeps its land") -> JSON:
    body = {"text": text, "stances": [{"position_key": "ukraine"}]}
    response = client.post("/api/claims", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def new_relation(client: TestClient) -> JSON:
    source, target = new_claim(client, "Talks will fail"), new_claim(client)
    body = {"source_id": source["id"], "target_id": target["id"], "kind": "attacks"}
    response = client.post("/api/relations", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def new_position(client: TestClient) -> JSON:
    response = client.post("/api/positions", json={"key": "china", "name": "Chinese"})
    assert response.status_code == 201, response.text
    return dict(response.json())


def new_topic(client: TestClient) -> JSON:
    response = client.post("/api/topics", json={"key": "energy", "name": "Energy"})
    assert response.status_code == 201, response.text
    return dict(response.json())


def a_document(client: TestClient) -> JSON:
    return dict(client.get("/api/documents").json()[0])


# (make the item, its API URL, an edit, another edit)
EDITABLE: dict[str, tuple[Callable[[TestClient], JSON], str, JSON, JSON]] = {
    "annotation": (new_annotation, "/api/annotations/{id}", {"note": "theirs"}, {"note": "mine"}),
    "claim": (new_claim, "/api/claims/{id}", {"note": "theirs"}, {"text": "Mine"}),
    "relation": (new_relation, "/api/relations/{id}", {"note": "theirs"}, {"kind": "supports"}),
    "position": (new_position, "/api/positions/{key}", {"name": "PRC"}, {"name": "China"}),
    "topic": (new_topic, "/api/topics/{key}", {"description": "theirs"}, {"name": "Oil"}),
    "document": (a_document, "/api/documents/{id}", {"outlet": "Theirs"}, {"title": "Mine"}),
}


@pytest.mark.parametrize("kind", list(EDITABLE))
def test_a_stale_patch_is_a_409_with_the_item_as_it_is_now(
    seeded_client: TestClient, kind: str
) -> None:
    make, url_pattern, theirs, mine = EDITABLE[kind]
    item = make(seeded_client)
    url = url_pattern.format(**item)
    version = item["version"]
    saved = seeded_client.patch(url, json={**theirs, "version": version})
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == version + 1

    stale = seeded_client.patch(url, json={**mine, "version": version})
    assert stale.status_code == 409
    body = stale.json()
    assert set(body) == {"detail", "current", "your_version"}
    assert body["your_version"] == version
    assert "since you opened it" in body["detail"]
    assert f"you edited version {version}, it is now at version {version + 1}" in body["detail"]
    assert "Nothing was saved." in body["detail"]
    stored = seeded_client.get(url).json()
    current = body["current"]
    assert current["version"] == version + 1
    # The detail views add more (passages, evidence); what the 409 has is what is stored.
    shown = stored["position"] if kind == "position" else stored
    assert current.items() <= shown.items()
    for field, value in theirs.items():
        assert current[field] == value

    retried = seeded_client.patch(url, json={**mine, "version": current["version"]})
    assert retried.status_code == 200, retried.text
    assert retried.json()["version"] == version + 2


@pytest.mark.parametrize("kind", list(EDITABLE))
def test_a_patch_without_a_version_is_a_422_that_says_so(
    seeded_client: TestClient, kind: str
) -> None:
    make, url_pattern, theirs, _ = EDITABLE[kind]
    item = make(seeded_client)
    url = url_pattern.format(**item)
    for body in (theirs, {**theirs, "version": None}):
        response = seeded_client.patch(url, json=body)
        assert response.status_code == 422
        assert "Send the `version`" in response.json()["message"]
    stored = seeded_client.get(url).json()
    assert (stored["position"] if kind == "position" else stored)["version"] == item["version"]
    assert seeded_client.patch(url, json={**theirs, "version": 0}).status_code == 422


def test_deletes_and_other_changes_check_an_optional_version(seeded_client: TestClient) -> None:
    annotation = new_annotation(seeded_client)
    url = f"/api/annotations/{annotation['id']}"
    seeded_client.patch(url, json={"note": "theirs", "version": 1})
    refused = seeded_client.delete(url, params={"version": 1})
    assert refused.status_code == 409
    assert refused.json()["current"]["note"] == "theirs"
    assert seeded_client.get(url).status_code == 200
    assert seeded_client.delete(url, params={"version": 2}).status_code == 204

    claim = new_claim(seeded_client)
    stance_url = f"/api/claims/{claim['id']}/stances/russia"
    changed = seeded_client.put(stance_url, json={"stance": "rejects"}, params={"version": 1})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    refused = seeded_client.put(stance_url, json={"stance": "holds"}, params={"version": 1})
    assert refused.status_code == 409 and refused.json()["your_version"] == 1
    assert seeded_client.delete(stance_url, params={"version": 1}).status_code == 409
    assert seeded_client.delete(stance_url, params={"version": 2}).status_code == 204
    claim_url = f"/api/claims/{claim['id']}"
    assert seeded_client.delete(claim_url, params={"version": 1}).status_code == 409
    assert seeded_client.delete(claim_url, params={"version": 3}).status_code == 204

    document = a_document(seeded_client)
    text_url = f"/api/documents/{document['id']}/text"
    seeded_client.patch(f"/api/documents/{document['id']}", json={"title": "T", "version": 1})
    refused = seeded_client.put(text_url, json={"text": "A new text."}, params={"version": 1})
    assert refused.status_code == 409
    assert refused.json()["current"]["title"] == "T"
    # Without a version, nothing is checked (as before).
    assert seeded_client.put(text_url, json={"text": "A new text."}).status_code == 200


def test_a_write_that_loses_the_race_is_a_409(
    seeded_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    annotation = new_annotation(seeded_client)

    def lose_the_race(*_args: Any, **_kwargs: Any) -> None:
        raise StaleDataError("UPDATE statement on table 'annotation' expected to update 1 row")

    monkeypatch.setattr(tagging, "update_annotation", lose_the_race)
    url = f"/api/annotations/{annotation['id']}"
    response = seeded_client.patch(url, json={"note": "x", "version": 1})
    assert response.status_code == 409
    assert response.json() == {"detail": RACE_MESSAGE}


def test_other_conflicts_keep_their_plain_409(seeded_client: TestClient) -> None:
    new_position(seeded_client)
    duplicate = seeded_client.post("/api/positions", json={"key": "china", "name": "Again"})
    assert duplicate.status_code == 409
    assert set(duplicate.json()) == {"detail"}
    new_annotation(seeded_client)
    in_use = seeded_client.delete("/api/positions/russia", params={"version": 1})
    assert in_use.status_code == 409 and set(in_use.json()) == {"detail"}
    # From a page over htmx too: no conflict panel, the toast shows the message.
    relation = new_relation(seeded_client)
    again = seeded_client.post(
        f"/claims/{relation['source_id']}/relations",
        data={"kind": "supports", "direction": "from", "other_id": relation["target_id"]},
        headers=HX,
    )
    assert again.status_code == 409
    assert "X-Conflict" not in again.headers and "HX-Retarget" not in again.headers
    assert "one relation only" in again.json()["detail"]


# --- the pages -------------------------------------------------------------------------------


def open_tag_form(client: TestClient, annotation_id: str) -> BeautifulSoup:
    return html(client.get(f"/annotations/{annotation_id}/edit", headers=HX))


def form_data(form: Any) -> dict[str, str]:
    """What a browser would send for `form`: its hidden fields and checked or chosen values."""
    data = {}
    for field in form.select("input, textarea, select"):
        name = field.get("name")
        if not name or field.get("type") == "search":
            continue
        if field.name == "select":
            chosen = field.select_one("option[selected]") or field.select_one("option")
            data[name] = chosen["value"]
        elif field.name == "textarea":
            data[name] = field.get_text()
        elif field.get("type") == "radio":
            if field.has_attr("checked"):
                data[name] = field["value"]
        else:
            data[name] = field.get("value", "")
    return data


def test_the_tag_edit_form_carries_the_version(seeded_client: TestClient) -> None:
    annotation = new_annotation(seeded_client)
    form = open_tag_form(seeded_client, annotation["id"])
    assert one(form, "form.tag-form input[name=version]")["value"] == "1"


def test_a_stale_tag_edit_shows_both_versions_and_saving_mine_then_works(
    seeded_client: TestClient,
) -> None:
    annotation = new_annotation(seeded_client)
    form = form_data(open_tag_form(seeded_client, annotation["id"]).select_one("form.tag-form"))
    assert form["version"] == "1"
    # Meanwhile someone else changes the tag.
    url = f"/api/annotations/{annotation['id']}"
    theirs = seeded_client.patch(
        url, json={"note": f"theirs {SCRIPT}", "topic_key": "nato", "version": 1}
    )
    assert theirs.status_code == 200

    mine = {**form, "kind": "opposes", "note": f"mine {SCRIPT}"}
    response = seeded_client.put(f"/annotations/{annotation['id']}", data=mine, headers=HX)
    panel = html(response, 409)
    assert response.headers["HX-Retarget"] == "#conflict"
    assert response.headers["HX-Reswap"] == "innerHTML"
    assert response.headers["X-Conflict"] == "version"
    assert panel.find("html") is None
    assert SCRIPT not in response.text  # every user text is escaped
    mine_side, theirs_side = panel.select(".conflict-mine"), panel.select(".conflict-theirs")
    assert len(mine_side) == 1 and len(theirs_side) == 1
    mine_text, theirs_text = mine_side[0].get_text(), theirs_side[0].get_text()
    assert f"mine {SCRIPT}" in mine_text and "opposes" in mine_text
    assert f"theirs {SCRIPT}" in theirs_text and "NATO membership" in theirs_text
    assert "states" in theirs_text and "version 2" in theirs_text
    assert "by tester" in theirs_text
    assert "based on version 1" in mine_text
    assert "was changed by tester since you opened it" in one(panel, ".conflict-message").get_text()

    pid = annotation["passage_id"]
    keep = one(panel, "[data-keep-theirs]")
    assert (keep["hx-get"], keep["hx-target"], keep["hx-swap"]) == (
        f"/passages/{pid}",
        f"#p-{pid}",
        "outerHTML",
    )
    retry = one(panel, "form.conflict-save")
    assert retry["hx-put"] == f"/annotations/{annotation['id']}"
    assert (retry["hx-target"], retry["hx-swap"]) == (f"#p-{pid}", "outerHTML")
    resend = form_data(retry)
    assert resend["version"] == "2"
    assert (resend["note"], resend["kind"], resend["position_key"]) == (
        f"mine {SCRIPT}",
        "opposes",
        "russia",
    )

    saved = seeded_client.put(str(retry["hx-put"]), data=resend, headers=HX)
    fragment = html(saved)
    assert fragment.select_one(f"section#p-{pid}") is not None
    stored = seeded_client.get(url).json()
    assert (stored["note"], stored["kind"], stored["topic_key"], stored["version"]) == (
        f"mine {SCRIPT}",
        "opposes",
        None,
        3,
    )


def test_keeping_theirs_reloads_the_passage_as_stored(seeded_client: TestClient) -> None:
    annotation = new_annotation(seeded_client)
    form = form_data(open_tag_form(seeded_client, annotation["id"]).select_one("form.tag-form"))
    url = f"/api/annotations/{annotation['id']}"
    seeded_client.patch(url, json={"kind": "supports", "version": 1})
    response = seeded_client.put(
        f"/annotations/{annotation['id']}", data={**form, "kind": "opposes"}, headers=HX
    )
    keep = one(html(response, 409), "[data-keep-theirs]")
    passage = html(seeded_client.get(str(keep["hx-get"]), headers=HX))
    assert "supports" in one(passage, ".chip-kind").get_text()
    assert seeded_client.get(url).json()["kind"] == "supports"


def test_a_plain_request_gets_the_conflict_as_a_whole_page(seeded_client: TestClient) -> None:
    annotation = new_annotation(seeded_client)
    form = form_data(open_tag_form(seeded_client, annotation["id"]).select_one("form.tag-form"))
    seeded_client.patch(
        f"/api/annotations/{annotation['id']}", json={"note": "theirs", "version": 1}
    )
    response = seeded_client.put(f"/annotations/{annotation['id']}", data={**form, "note": "mine"})
    page = html(response, 409)
    assert page.find("html") is not None
    assert "X-Conflict" not in response.headers
    panel = one(page, "main .conflict-panel")
    assert "mine" in one(panel, ".conflict-mine").get_text()
    assert "theirs" in one(panel, ".conflict-theirs").get_text()
    keep = one(panel, "a[data-keep-theirs]")
    pid = annotation["passage_id"]
    assert keep["href"] == f"/documents/{annotation['document_id']}#p-{pid}"
    assert form_data(panel.select_one("form.conflict-save"))["version"] == "2"


def test_a_stale_claim_edit_shows_both_versions_and_saving_mine_then_works(
    seeded_client: TestClient,
) -> None:
    claim = new_claim(seeded_client)
    page = html(seeded_client.get(f"/claims/{claim['id']}"))
    form = form_data(page.select_one("#claim-head form.claim-form"))
    assert form["version"] == "1"
    seeded_client.patch(
        f"/api/claims/{claim['id']}", json={"text": "Kyiv keeps all its land", "version": 1}
    )

    response = seeded_client.put(
        f"/claims/{claim['id']}", data={**form, "text": "Kyiv keeps some land"}, headers=HX
    )
    panel = html(response, 409)
    assert response.headers["X-Conflict"] == "version"
    assert "This claim was changed" in one(panel, ".conflict-message").get_text()
    assert "Kyiv keeps some land" in one(panel, ".conflict-mine").get_text()
    assert "Kyiv keeps all its land" in one(panel, ".conflict-theirs").get_text()
    keep = one(panel, "[data-keep-theirs]")
    assert (keep["hx-get"], keep["hx-target"]) == (f"/claims/{claim['id']}", "#claim-head")
    head = html(seeded_client.get(str(keep["hx-get"]), headers=HX))
    assert one(head, "header#claim-head h1").get_text() == "Kyiv keeps all its land"
    assert head.find("html") is None

    retry = one(panel, "form.conflict-save")
    resend = form_data(retry)
    assert resend["version"] == "2"
    saved = html(seeded_client.put(str(retry["hx-put"]), data=resend, headers=HX))
    assert one(saved, "h1").get_text() == "Kyiv keeps some land"
    assert one(saved, "form.claim-form input[name=version]")["value"] == "3"


def test_removing_a_tag_that_changed_since_it_was_shown_asks_first(
    seeded_client: TestClient,
) -> None:
    tag = new_annotation(seeded_client)
    passage = html(seeded_client.get(f"/passages/{tag['passage_id']}", headers=HX))
    remove = passage.select_one(f'[data-annotation-id="{tag["id"]}"] .chip-remove')
    assert remove is not None
    shown_url = str(remove["hx-delete"])
    assert shown_url == f"/annotations/{tag['id']}?version=1"
    # Someone changes the tag after the page was shown.
    edit = {"version": 1, "note": f"theirs {SCRIPT}"}
    assert seeded_client.patch(f"/api/annotations/{tag['id']}", json=edit).status_code == 200

    refused = seeded_client.delete(shown_url, headers=HX)
    panel = html(refused, 409)
    assert refused.headers["X-Conflict"] == "version"
    assert "version 2" in panel.get_text()
    assert SCRIPT not in refused.text  # their note is shown, escaped
    assert f"theirs {SCRIPT}" in panel.get_text()
    assert "(removed)" in panel.get_text()
    still = seeded_client.get(f"/api/annotations/{tag['id']}")
    assert still.status_code == 200 and still.json()["version"] == 2

    anyway = panel.select_one("form.conflict-save")
    assert anyway is not None and anyway.select("input") == []
    assert anyway["hx-delete"] == f"/annotations/{tag['id']}?version=2"
    removed = seeded_client.delete(str(anyway["hx-delete"]), headers=HX)
    assert removed.status_code == 200, removed.text
    assert "Undo" in removed.text
    assert seeded_client.get(f"/api/annotations/{tag['id']}").status_code == 404

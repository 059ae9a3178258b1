"""Independent coding through the app: giving documents to analysts, marking them done, the
progress everyone reads, the team's setting, the assignments page and the document page's
coding banner."""

from typing import Any

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.access import CSRF_HEADER
from tests.accounts import sign_in_as

HX = {"HX-Request": "true"}


def first_document(client: TestClient, index: int = 0) -> str:
    document_id: str = client.get("/api/documents").json()[index]["id"]
    return document_id


def first_paragraph(client: TestClient, document_id: str) -> str:
    passages = client.get(f"/api/documents/{document_id}/passages").json()
    passage_id: str = next(p["id"] for p in passages if p["kind"] == "paragraph")
    return passage_id


def assign(client: TestClient, document_id: str, analyst: str) -> dict[str, Any]:
    response = client.post(
        "/api/assignments", json={"document_id": document_id, "analyst": analyst}
    )
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def entries(client: TestClient, item_type: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get(
        "/api/history", params={"item_type": item_type}
    ).json()["entries"]
    return found


def status_of(client: TestClient, analyst: str, document_id: str) -> str:
    progress = client.get("/api/coding/progress").json()
    mine = next(a for a in progress["analysts"] if a["analyst"] == analyst)
    status: str = next(d["status"] for d in mine["documents"] if d["document_id"] == document_id)
    return status


# --- the API -------------------------------------------------------------------------------


def test_an_admin_gives_a_document_to_an_analyst_and_the_history_says_so(
    seeded_client: TestClient,
) -> None:
    document_id = first_document(seeded_client)
    made = assign(seeded_client, document_id, "alice")
    assert (made["analyst"], made["document_id"]) == ("alice", document_id)
    assert (made["assigned_by"], made["status"], made["done_at"]) == ("tester", "assigned", None)
    assert made["document_label"]
    listed = seeded_client.get("/api/assignments", params={"analyst": "alice"}).json()
    assert [a["id"] for a in listed] == [made["id"]]
    assert seeded_client.get("/api/assignments", params={"analyst": "bob"}).json() == []
    by_document = seeded_client.get("/api/assignments", params={"document": document_id}).json()
    assert [a["analyst"] for a in by_document] == ["alice"]
    [entry] = entries(seeded_client, "assignment")
    assert (entry["action"], entry["item_id"], entry["actor"]) == ("create", made["id"], "tester")
    assert entry["before"] is None
    assert entry["after"]["analyst"] == "alice"


def test_giving_the_same_document_twice_to_one_analyst_is_a_conflict(
    seeded_client: TestClient,
) -> None:
    document_id = first_document(seeded_client)
    assign(seeded_client, document_id, "alice")
    again = seeded_client.post(
        "/api/assignments", json={"document_id": document_id, "analyst": "alice"}
    )
    assert again.status_code == 409
    assert "alice already codes this document" in again.json()["detail"]
    assert len(seeded_client.get("/api/assignments").json()) == 1


def test_a_viewer_a_disabled_or_unknown_user_or_an_unknown_document_is_refused_by_name(
    seeded_client: TestClient,
) -> None:
    document_id = first_document(seeded_client)
    bob = next(u for u in seeded_client.get("/api/users").json() if u["username"] == "bob")
    assert seeded_client.patch(f"/api/users/{bob['id']}", json={"disabled": True}).is_success
    for body, status, words in (
        ({"document_id": document_id, "analyst": "victor"}, 422, "victor is a viewer"),
        ({"document_id": document_id, "analyst": "bob"}, 422, "bob is disabled"),
        ({"document_id": document_id, "analyst": "nobody"}, 404, "no user 'nobody'"),
        ({"document_id": "no-such-doc", "analyst": "alice"}, 404, "no document 'no-such-doc'"),
        ({"document_id": document_id}, 422, "analyst"),
    ):
        refused = seeded_client.post("/api/assignments", json=body)
        assert refused.status_code == status, body
        assert words in str(refused.json()["detail"]), refused.json()
    assert seeded_client.get("/api/assignments").json() == []
    assert entries(seeded_client, "assignment") == []


def test_only_admins_give_documents_out(seeded_client: TestClient) -> None:
    document_id = first_document(seeded_client)
    sign_in_as(seeded_client, "alice")
    refused = seeded_client.post(
        "/api/assignments", json={"document_id": document_id, "analyst": "alice"}
    )
    assert refused.status_code == 403
    assert seeded_client.get("/api/assignments").json() == []


def test_only_the_coder_marks_their_assignment_done_and_an_admin_reopens_it(
    seeded_client: TestClient,
) -> None:
    document_id = first_document(seeded_client)
    made = assign(seeded_client, document_id, "alice")
    done_url = f"/api/assignments/{made['id']}/done"
    for someone_else, status in (("tester", 403), ("bob", 403), ("victor", 403)):
        sign_in_as(seeded_client, someone_else)
        assert seeded_client.post(done_url).status_code == status, someone_else
    sign_in_as(seeded_client, "alice")
    assert seeded_client.post("/api/assignments/no-such-id/done").status_code == 404
    done = seeded_client.post(done_url)
    assert done.status_code == 200
    assert done.json()["status"] == "done" and done.json()["done_at"]
    assert seeded_client.post(f"/api/assignments/{made['id']}/reopen").status_code == 403
    sign_in_as(seeded_client, "tester")
    reopened = seeded_client.post(f"/api/assignments/{made['id']}/reopen").json()
    assert (reopened["status"], reopened["done_at"]) == ("assigned", None)
    actions = [(e["action"], e["actor"]) for e in entries(seeded_client, "assignment")]
    assert actions == [("update", "tester"), ("update", "alice"), ("create", "tester")]


def test_progress_goes_from_assigned_to_started_to_done(seeded_client: TestClient) -> None:
    document_id = first_document(seeded_client)
    other_id = first_document(seeded_client, 1)
    made = assign(seeded_client, document_id, "alice")
    assign(seeded_client, other_id, "alice")
    assign(seeded_client, document_id, "bob")
    assert status_of(seeded_client, "alice", document_id) == "assigned"
    sign_in_as(seeded_client, "alice")
    tagged = seeded_client.post(
        "/api/annotations",
        json={"passage_id": first_paragraph(seeded_client, document_id), "position_key": "us"},
    )
    assert tagged.status_code == 201, tagged.text
    sign_in_as(seeded_client, "victor")  # viewers read the progress too
    assert status_of(seeded_client, "alice", document_id) == "started"
    assert status_of(seeded_client, "bob", document_id) == "assigned"  # alice's tag is not his
    sign_in_as(seeded_client, "alice")
    assert seeded_client.post(f"/api/assignments/{made['id']}/done").is_success
    progress = seeded_client.get("/api/coding/progress").json()
    alice = next(a for a in progress["analysts"] if a["analyst"] == "alice")
    assert (alice["assigned"], alice["started"], alice["done"]) == (1, 0, 1)
    document = next(d for d in progress["documents"] if d["document_id"] == document_id)
    assert {c["analyst"]: c["status"] for c in document["coders"]} == {
        "alice": "done",
        "bob": "assigned",
    }
    # Statuses and counts, never tags.
    assert set(document["coders"][0]) == {"assignment_id", "analyst", "status", "done_at"}
    assert set(alice["documents"][0]) == {
        "assignment_id",
        "document_id",
        "document_label",
        "status",
        "done_at",
    }


def test_an_admin_takes_a_document_back(seeded_client: TestClient) -> None:
    made = assign(seeded_client, first_document(seeded_client), "alice")
    history = seeded_client.get(f"/history/assignment/{made['id']}")
    assert history.status_code == 200, history.text
    assert seeded_client.delete(f"/api/assignments/{made['id']}").status_code == 204
    assert seeded_client.get("/api/assignments").json() == []
    assert seeded_client.delete(f"/api/assignments/{made['id']}").status_code == 404
    deleted = entries(seeded_client, "assignment")[0]
    assert (deleted["action"], deleted["before"]["analyst"]) == ("delete", "alice")
    restore = seeded_client.post(f"/api/history/{deleted['id']}/restore")
    assert restore.status_code == 409  # given again through the assignments, not the history
    assert seeded_client.get(f"/history/assignment/{made['id']}").status_code == 200


def test_only_an_admin_changes_the_team_setting_and_the_history_records_it(
    seeded_client: TestClient,
) -> None:
    assert seeded_client.get("/api/team-settings").json() == {"show_others_when_done": True}
    sign_in_as(seeded_client, "alice")
    refused = seeded_client.put("/api/team-settings", json={"show_others_when_done": False})
    assert refused.status_code == 403
    assert seeded_client.get("/api/team-settings").json() == {"show_others_when_done": True}
    sign_in_as(seeded_client, "tester")
    bad = seeded_client.put("/api/team-settings", json={"show_others_when_done": "maybe"})
    assert bad.status_code == 422
    changed = seeded_client.put("/api/team-settings", json={"show_others_when_done": False})
    assert changed.json() == {"show_others_when_done": False}
    assert seeded_client.get("/api/team-settings").json() == {"show_others_when_done": False}
    [entry] = entries(seeded_client, "setting")
    assert (entry["item_id"], entry["action"], entry["after"]["value"]) == (
        "show_others_when_done",
        "create",
        "false",
    )
    seeded_client.put("/api/team-settings", json={"show_others_when_done": True})
    latest = entries(seeded_client, "setting")[0]
    assert (latest["action"], latest["before"]["value"], latest["after"]["value"]) == (
        "update",
        "false",
        "true",
    )


# --- the pages -----------------------------------------------------------------------------


def test_an_admin_assigns_several_analysts_at_once_on_the_page(seeded_client: TestClient) -> None:
    page = seeded_client.get("/assignments")
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    options = {str(o["value"]) for o in soup.select("select[name=document_id] option")}
    coders = {str(i["value"]) for i in soup.select("input[name=analysts]")}
    assert coders == {"tester", "alice", "bob", "editor"}  # not the viewer
    document_id = first_document(seeded_client)
    assert document_id in options
    response = seeded_client.post(
        "/assignments",
        data={"document_id": document_id, "analysts": ["alice", "bob"]},
        headers=HX,
    )
    assert response.status_code == 200
    fragment = BeautifulSoup(response.text, "html.parser")
    assert fragment.select_one("#assignment-panel") is not None
    assert fragment.select_one("html") is None  # the panel alone
    assert len(fragment.select("table.assignments tbody tr")) == 2
    progress = {str(r["data-analyst"]) for r in fragment.select("table.coding-progress tbody tr")}
    assert progress == {"alice", "bob"}


def test_a_refused_assignment_on_the_page_says_why_and_stores_nothing(
    seeded_client: TestClient,
) -> None:
    document_id = first_document(seeded_client)
    response = seeded_client.post(
        "/assignments", data={"document_id": document_id, "analysts": ["victor"]}, headers=HX
    )
    assert response.status_code == 422
    assert response.headers["X-Form-Errors"] == "true"
    alert = BeautifulSoup(response.text, "html.parser").select_one("[role=alert]")
    assert alert is not None and "victor is a viewer" in alert.text
    none = seeded_client.post("/assignments", data={"document_id": document_id}, headers=HX)
    assert none.status_code == 422 and "at least one analyst" in none.text
    assert seeded_client.get("/api/assignments").json() == []


def test_an_analyst_sees_their_documents_and_marks_one_done_on_the_page(
    seeded_client: TestClient,
) -> None:
    document_id = first_document(seeded_client)
    made = assign(seeded_client, document_id, "alice")
    sign_in_as(seeded_client, "alice")
    page = BeautifulSoup(seeded_client.get("/assignments").text, "html.parser")
    assert page.select_one("select[name=document_id]") is None  # no admin form
    mine = page.select_one(".my-assignments")
    assert mine is not None
    assert mine.select_one(f"a[href='/documents/{document_id}']") is not None
    button = mine.select_one(f"form[hx-post='/assignments/{made['id']}/done'] button")
    assert button is not None and button.text == "Mark done"
    response = seeded_client.post(f"/assignments/{made['id']}/done", headers=HX)
    assert response.status_code == 200
    assert "marked done" in response.text
    assert status_of(seeded_client, "alice", document_id) == "done"


def test_a_plain_form_post_needs_the_csrf_token_and_then_goes_back_to_the_page(
    seeded_client: TestClient,
) -> None:
    document_id = first_document(seeded_client)
    csrf = seeded_client.headers.pop(CSRF_HEADER)
    refused = seeded_client.post(
        "/assignments", data={"document_id": document_id, "analysts": ["alice"]}
    )
    assert refused.status_code == 403
    sent = seeded_client.post(
        "/assignments",
        data={"document_id": document_id, "analysts": ["alice"], "csrf_token": csrf},
        follow_redirects=False,
    )
    assert (sent.status_code, sent.headers["location"]) == (303, "/assignments")
    assert len(seeded_client.get("/api/assignments").json()) == 1


def test_a_viewer_reads_the_progress_but_no_controls(seeded_client: TestClient) -> None:
    assign(seeded_client, first_document(seeded_client), "alice")
    sign_in_as(seeded_client, "victor")
    page = BeautifulSoup(seeded_client.get("/assignments").text, "html.parser")
    assert page.select("table.coding-progress tbody tr")
    actions = [str(f.get("action")) for f in page.select("#assignment-panel form")]
    assert actions == []
    assert seeded_client.post("/team-settings", data={}).status_code == 403


def test_the_document_page_tells_a_coder_they_code_alone_until_done(
    seeded_client: TestClient,
) -> None:
    document_id = first_document(seeded_client)
    assign(seeded_client, document_id, "alice")
    banner_text = "You are coding this document independently"
    assert banner_text not in seeded_client.get(f"/documents/{document_id}").text  # not theirs
    sign_in_as(seeded_client, "alice")
    page = BeautifulSoup(seeded_client.get(f"/documents/{document_id}").text, "html.parser")
    banner = page.select_one("#coding-banner")
    assert banner is not None and banner_text in banner.text
    form = banner.select_one("form")
    assert form is not None
    done = seeded_client.post(str(form["hx-post"]), headers=HX)
    assert done.status_code == 200
    assert "You marked this done on" in done.text
    assert "Others' tags are shown to you now" in done.text
    assert done.headers.get("HX-Refresh") == "true"
    sign_in_as(seeded_client, "tester")
    seeded_client.put("/api/team-settings", json={"show_others_when_done": False})
    sign_in_as(seeded_client, "alice")
    again = seeded_client.get(f"/documents/{document_id}").text
    assert "keeps others' tags hidden from you" in again
    sign_in_as(seeded_client, "bob")
    refused = seeded_client.post(f"/documents/{document_id}/coding/done", headers=HX)
    assert refused.status_code == 404

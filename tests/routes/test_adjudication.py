"""The adjudication page, its row fragments and its JSON twin, and the curator's right on the
users page."""

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from app.models import Annotation, User
from tests.accounts import ADMIN, sign_in_as
from tests.adjudication import both_done, passages_of
from tests.coding import ALICE_NOTE, BOB_NOTE, CodingScene, coding_scene
from tests.factories import make_annotation
from tests.markup import one

HX = {"HX-Request": "true"}
JSON_ONLY = {"accept": "application/json"}
HOSTILE = "<script>alert('x')</script>"


def scene_of(client: TestClient, *, done: bool = True) -> CodingScene:
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        return both_done(session) if done else coding_scene(session)


def adjudicated(client: TestClient) -> list[Annotation]:
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        return list(session.exec(select(Annotation).where(col(Annotation.adjudicated))))


def api(scene: CodingScene, action: str = "") -> str:
    return f"/api/documents/{scene.document_id}/adjudication{action}"


def test_the_json_twin_shows_the_coders_side_by_side(seeded_client: TestClient) -> None:
    scene = scene_of(seeded_client)
    data = seeded_client.get(api(scene)).json()
    assert data["done"] == ["alice", "bob"] and data["still_coding"] == []
    (passage,) = data["passages"]
    assert passage["id"] == scene.passage_id and passage["disputed"] is True
    coders = {c["analyst"]: c["tags"] for c in passage["coders"]}
    assert [(t["id"], t["note"], t["differs"]) for t in coders["alice"]] == [
        (scene.alice_tag, ALICE_NOTE, True)
    ]
    assert [(t["position_key"], t["kind"]) for t in coders["bob"]] == [("ukraine", "opposes")]
    assert passage["differs"] == {"russia": ["alice", "bob"], "ukraine": ["alice", "bob"]}
    assert passage["adjudicated"] == [] and data["disputed"] == 1


def test_a_document_nobody_marked_done_is_refused_with_a_sentence(
    seeded_client: TestClient,
) -> None:
    scene = scene_of(seeded_client, done=False)
    response = seeded_client.get(api(scene))
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "Nobody has marked this document done yet: there is nothing to adjudicate."
    )
    refused = seeded_client.post(api(scene, "/accept"), json={"annotation_ids": [scene.bob_tag]})
    assert refused.status_code == 409 and "nothing to adjudicate" in refused.json()["detail"]
    assert adjudicated(seeded_client) == []


def test_an_analyst_is_no_curator_until_an_admin_allows_it(seeded_client: TestClient) -> None:
    scene = scene_of(seeded_client)
    sign_in_as(seeded_client, "bob")
    refused = seeded_client.get(api(scene))
    assert refused.status_code == 403 and "curators" in refused.json()["detail"]
    accept = seeded_client.post(api(scene, "/accept"), json={"annotation_ids": [scene.bob_tag]})
    assert accept.status_code == 403
    assert adjudicated(seeded_client) == []
    sign_in_as(seeded_client, ADMIN)
    editor = next(u for u in seeded_client.get("/api/users").json() if u["username"] == "editor")
    allowed = seeded_client.patch(f"/api/users/{editor['id']}", json={"may_adjudicate": True})
    assert allowed.status_code == 200 and allowed.json()["may_adjudicate"] is True
    sign_in_as(seeded_client, "editor")
    assert seeded_client.get("/api/me").json()["may_adjudicate"] is True
    assert seeded_client.get(api(scene)).status_code == 200


def test_accepting_adds_an_adopted_tag_to_the_layer_once(seeded_client: TestClient) -> None:
    scene = scene_of(seeded_client)
    response = seeded_client.post(api(scene, "/accept"), json={"annotation_ids": [scene.bob_tag]})
    assert response.status_code == 201
    (made,) = response.json()
    assert made["adjudicated"] is True and made["adopted_from"] == scene.bob_tag
    assert (made["analyst"], made["note"]) == (ADMIN, BOB_NOTE)
    history = seeded_client.get(f"/api/history/annotation/{made['id']}").json()
    assert [entry["action"] for entry in history["entries"]] == ["create"]
    again = seeded_client.post(api(scene, "/accept"), json={"annotation_ids": [scene.bob_tag]})
    assert again.status_code == 409 and "already" in again.json()["detail"]
    assert len(adjudicated(seeded_client)) == 1
    view = seeded_client.get(api(scene)).json()
    (passage,) = view["passages"]
    assert [t["id"] for t in passage["adjudicated"]] == [made["id"]]
    bobs = next(c for c in passage["coders"] if c["analyst"] == "bob")["tags"]
    assert bobs[0]["accepted"] is True


def test_tags_of_other_documents_or_unfinished_coders_are_refused(
    seeded_client: TestClient,
) -> None:
    scene = scene_of(seeded_client)
    with Session(seeded_client.app.state.engine) as session:  # type: ignore[attr-defined]
        elsewhere = session.exec(
            select(Annotation.id).where(Annotation.document_id != scene.document_id)
        ).first()
        passage = passages_of(session, scene.document_id)[1]
        stranger = make_annotation(session, passage, "us", analyst="carol").id
    for tag_id, reason in [
        (elsewhere, "on another document"),
        (stranger, "not the tag of a coder who marked this document done"),
        (scene.example_tags[0], "not the tag of a coder"),
    ]:
        response = seeded_client.post(api(scene, "/accept"), json={"annotation_ids": [tag_id]})
        assert response.status_code == 422 and reason in response.json()["detail"]
    empty = seeded_client.post(api(scene, "/accept"), json={"annotation_ids": []})
    assert empty.status_code == 422
    assert adjudicated(seeded_client) == []


def test_merging_makes_one_tag_over_the_union_of_the_spans(seeded_client: TestClient) -> None:
    scene = scene_of(seeded_client)
    with Session(seeded_client.app.state.engine) as session:  # type: ignore[attr-defined]
        passage = passages_of(session, scene.document_id)[1]
        alices = make_annotation(session, passage, "us", start=4, end=9, analyst="alice").id
        bobs = make_annotation(session, passage, "us", start=1, end=6, analyst="bob").id
        text = passage.text
    response = seeded_client.post(api(scene, "/merge"), json={"annotation_ids": [alices, bobs]})
    assert response.status_code == 201
    merged = response.json()
    assert (merged["start"], merged["end"], merged["quote"]) == (1, 9, text[1:9])
    assert merged["adopted_from"] == alices and merged["adjudicated"] is True
    different = seeded_client.post(
        api(scene, "/merge"), json={"annotation_ids": [scene.alice_tag, scene.bob_tag]}
    )
    assert different.status_code == 422
    assert "same position and kind" in different.json()["detail"]
    assert len(adjudicated(seeded_client)) == 1


def test_a_curator_adds_and_removes_a_tag_of_their_own(seeded_client: TestClient) -> None:
    scene = scene_of(seeded_client)
    body = {"passage_id": scene.passage_id, "position_key": "europe", "kind": "opposes"}
    made = seeded_client.post(api(scene, "/tags"), json=body)
    assert made.status_code == 201 and made.json()["adjudicated"] is True
    bad_span = seeded_client.post(api(scene, "/tags"), json={**body, "start": 5, "end": 2})
    assert bad_span.status_code == 422 and "span" in bad_span.json()["detail"]
    # Another curator may remove it: the layer is every curator's.
    with Session(seeded_client.app.state.engine) as session:  # type: ignore[attr-defined]
        editor = session.exec(select(User).where(User.username == "editor")).one()
        editor.may_adjudicate, editor.may_edit_others = True, False
        session.add(editor)
        session.commit()
    sign_in_as(seeded_client, "editor")
    tag_id = made.json()["id"]
    removed = seeded_client.delete(api(scene, f"/tags/{tag_id}"))
    assert removed.status_code == 204
    assert [t.deleted_at is not None for t in adjudicated(seeded_client)] == [True]
    coders = seeded_client.delete(api(scene, f"/tags/{scene.alice_tag}"))
    assert coders.status_code == 422


def test_the_page_shows_coders_in_columns_and_marks_differences(
    seeded_client: TestClient,
) -> None:
    scene = scene_of(seeded_client)
    with Session(seeded_client.app.state.engine) as session:  # type: ignore[attr-defined]
        passage = passages_of(session, scene.document_id)[1]
        make_annotation(session, passage, "us", note=HOSTILE, analyst="alice")
        make_annotation(session, passage, "us", analyst="bob")
        agreed_id = passage.id
    response = seeded_client.get(f"/documents/{scene.document_id}/adjudicate")
    assert response.status_code == 200
    assert HOSTILE not in response.text  # the note is shown escaped
    page = BeautifulSoup(response.text, "html.parser")
    headers = [th.get_text(strip=True) for th in page.select("table.adjudication thead th")]
    assert headers == ["Passage", "alice", "bob", "Adjudicated"]
    disputed = one(page, f"#adj-{scene.passage_id}")
    assert "differs" in disputed["class"]
    assert "differs" in one(disputed, ".adj-passage").get_text()
    agreed = one(page, f"#adj-{agreed_id}")
    assert "differs" not in agreed["class"] and "differs" not in agreed.get_text()
    alice = one(disputed, f'[data-annotation-id="{scene.alice_tag}"]')
    assert one(alice, "button").get_text(strip=True) == "Accept"
    assert one(alice, 'input[type="checkbox"]')["form"] == f"merge-{scene.passage_id}"
    assert one(disputed, f"#merge-{scene.passage_id} button").get_text() == "Merge selected"
    assert one(disputed, "details.adj-add summary").get_text() == "Add a tag"


def test_accepting_from_the_page_returns_the_passages_row(seeded_client: TestClient) -> None:
    scene = scene_of(seeded_client)
    url = f"/documents/{scene.document_id}/adjudicate/accept"
    response = seeded_client.post(url, data={"annotation_id": scene.alice_tag}, headers=HX)
    assert response.status_code == 200
    row = BeautifulSoup(response.text, "html.parser")
    (tr,) = row.find_all("tr", recursive=False)
    assert tr["id"] == f"adj-{scene.passage_id}"
    layer = one(tr, ".adj-layer")
    (chip,) = layer.select(".adj-chip")
    assert "Russian" in chip.get_text() and "Remove" in chip.get_text()
    assert "accepted" in one(tr, f'[data-annotation-id="{scene.alice_tag}"]').get_text()
    (made,) = adjudicated(seeded_client)
    removed = seeded_client.post(
        f"/documents/{scene.document_id}/adjudicate/tags/{made.id}/remove", headers=HX
    )
    assert removed.status_code == 200 and "Nothing adjudicated yet" in removed.text
    plain = seeded_client.post(url, data={"annotation_id": scene.alice_tag}, follow_redirects=False)
    assert plain.status_code == 303
    assert plain.headers["location"] == f"/documents/{scene.document_id}/adjudicate"


def test_adding_and_merging_from_the_page(seeded_client: TestClient) -> None:
    scene = scene_of(seeded_client)
    base = f"/documents/{scene.document_id}/adjudicate"
    added = seeded_client.post(
        f"{base}/tags",
        data={"passage_id": scene.passage_id, "position_key": "us", "kind": "supports"},
        headers=HX,
    )
    assert (
        added.status_code == 200
        and "supports" in one(BeautifulSoup(added.text, "html.parser"), ".adj-layer").get_text()
    )
    refused = seeded_client.post(
        f"{base}/merge", data={"annotation_id": [scene.alice_tag, scene.bob_tag]}, headers=HX
    )
    assert refused.status_code == 422 and "same position and kind" in refused.json()["detail"]
    assert len(adjudicated(seeded_client)) == 1


def test_the_document_page_links_curators_to_adjudication(seeded_client: TestClient) -> None:
    scene = scene_of(seeded_client)
    link = f'href="/documents/{scene.document_id}/adjudicate"'
    assert link in seeded_client.get(f"/documents/{scene.document_id}").text
    sign_in_as(seeded_client, "bob")
    assert link not in seeded_client.get(f"/documents/{scene.document_id}").text
    assert seeded_client.get(f"/documents/{scene.document_id}/adjudicate").status_code == 403


def test_the_users_page_grants_the_right_to_adjudicate(seeded_client: TestClient) -> None:
    page = BeautifulSoup(seeded_client.get("/users").text, "html.parser")
    boxes = page.select('input[name="may_adjudicate"]')
    assert len(boxes) == 1 + len(page.select("table.users tbody tr"))  # each user, and a new one
    with Session(seeded_client.app.state.engine) as session:  # type: ignore[attr-defined]
        bob = session.exec(select(User).where(User.username == "bob")).one()
    saved = seeded_client.post(
        f"/users/{bob.id}",
        data={"role": "analyst", "may_adjudicate": "true"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    added = seeded_client.post(
        "/users",
        data={
            "username": "cora",
            "display_name": "Cora Curator",
            "password": "a long enough password",
            "role": "analyst",
            "may_adjudicate": "true",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    with Session(seeded_client.app.state.engine) as session:  # type: ignore[attr-defined]
        curators = session.exec(
            select(User.username).where(col(User.may_adjudicate)).order_by(col(User.username))
        ).all()
        assert list(curators) == ["bob", "cora"]
        assert session.exec(select(func.count()).select_from(User)).one() >= 6

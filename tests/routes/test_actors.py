"""The actor registry through the API and its pages: add, edit, suggest, merge, delete, and
the refusals that change nothing."""

from typing import Any

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from tests.accounts import csrf_token_of, sign_in_as
from tests.markup import one
from tests.routes.test_claims_api import paragraphs

JSON = dict[str, Any]


def add(client: TestClient, key: str, name: str, **fields: Any) -> JSON:
    response = client.post("/api/actors", json={"key": key, "name": name, **fields})
    assert response.status_code == 201, response.text
    created: JSON = response.json()
    return created


def test_an_actor_is_added_with_its_aliases_and_links(seeded_client: TestClient) -> None:
    government = add(seeded_client, "russian-government", "Russian government", kind="state")
    lavrov = add(
        seeded_client,
        "Lavrov",
        "Sergey Lavrov",
        aliases=[" Lavrov ", "lavrov", "", "Russia's foreign minister"],
        parent_key="russian-government",
        position_key="russia",
    )
    assert government["kind"] == "state"
    assert lavrov["key"] == "lavrov"
    assert lavrov["aliases"] == ["Lavrov", "Russia's foreign minister"]
    assert lavrov["parent_key"] == "russian-government"
    assert lavrov["created_by"] == "tester"
    listed = seeded_client.get("/api/actors").json()
    assert [actor["key"] for actor in listed] == ["russian-government", "lavrov"]
    assert seeded_client.get("/api/actors/lavrov").json() == lavrov


def test_a_name_means_one_actor_only(seeded_client: TestClient) -> None:
    add(seeded_client, "putin", "Vladimir Putin", aliases=["Putin"])
    for body in (
        {"key": "vladimir", "name": "PUTIN"},
        {"key": "vladimir", "name": "V. Putin", "aliases": ["vladimir putin"]},
    ):
        refused = seeded_client.post("/api/actors", json=body)
        assert refused.status_code == 409, refused.text
        assert "already means the actor 'Vladimir Putin'" in refused.json()["detail"]
    assert [actor["key"] for actor in seeded_client.get("/api/actors").json()] == ["putin"]


def test_bad_links_are_refused_and_change_nothing(seeded_client: TestClient) -> None:
    government = add(seeded_client, "kremlin", "Kremlin", kind="organization")
    add(seeded_client, "peskov", "Dmitry Peskov", parent_key="kremlin")
    cases = [
        ({"parent_key": "nobody"}, "There is no actor with the key 'nobody'."),
        ({"position_key": "mars"}, "There is no position with the key 'mars'."),
        ({"parent_key": "kremlin"}, "An actor cannot belong to itself."),
        ({"parent_key": "peskov"}, "'peskov' belongs to 'kremlin'"),
    ]
    for change, message in cases:
        body = {"version": government["version"], **change}
        refused = seeded_client.patch("/api/actors/kremlin", json=body)
        assert refused.status_code == 422, refused.text
        assert message in refused.text
    assert seeded_client.get("/api/actors/kremlin").json() == government


def test_a_blank_link_takes_the_parent_away(seeded_client: TestClient) -> None:
    add(seeded_client, "kremlin", "Kremlin", kind="organization")
    peskov = add(seeded_client, "peskov", "Dmitry Peskov", parent_key="kremlin")
    changed = seeded_client.patch(
        "/api/actors/peskov", json={"version": peskov["version"], "parent_key": ""}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["parent_key"] is None
    assert changed.json()["version"] == peskov["version"] + 1


def test_a_tag_names_its_actor_and_an_unknown_actor_is_refused(
    seeded_client: TestClient,
) -> None:
    add(seeded_client, "lavrov", "Sergey Lavrov")
    passage = paragraphs(seeded_client, 0)[0]
    tagged = seeded_client.post(
        "/api/annotations",
        json={"passage_id": passage["id"], "position_key": "russia", "actor_key": "lavrov"},
    )
    assert tagged.status_code == 201, tagged.text
    assert tagged.json()["actor_key"] == "lavrov"
    refused = seeded_client.post(
        "/api/annotations",
        json={"passage_id": passage["id"], "position_key": "russia", "actor_key": "nobody"},
    )
    assert refused.status_code == 422
    assert "There is no actor with the key 'nobody'." in refused.text
    cleared = seeded_client.patch(
        f"/api/annotations/{tagged.json()['id']}",
        json={"version": tagged.json()["version"], "actor_key": None},
    )
    assert cleared.json()["actor_key"] is None


def test_the_actors_a_passage_names_are_suggested(seeded_client: TestClient) -> None:
    passage = next(p for p in paragraphs(seeded_client, 0) if "Trump" in p["text"])
    add(seeded_client, "trump", "Donald Trump", aliases=["TRUMP"])
    add(seeded_client, "trumpet", "Trumpet")
    suggested = seeded_client.get(f"/api/passages/{passage['id']}/actor-suggestions")
    assert suggested.status_code == 200
    keys = [actor["key"] for actor in suggested.json()]
    assert "trump" in keys
    assert ("trumpet" in keys) == ("trumpet" in passage["text"].lower().split())
    missing = seeded_client.get("/api/passages/nope/actor-suggestions")
    assert missing.status_code == 404


def test_merging_moves_tags_members_and_names(seeded_client: TestClient) -> None:
    add(seeded_client, "putin", "Vladimir Putin", aliases=["Putin"])
    duplicate = add(seeded_client, "v-putin", "V. V. Putin", aliases=["President Putin"])
    add(seeded_client, "aide", "An aide", parent_key="v-putin")
    passage = paragraphs(seeded_client, 0)[0]
    tagged = seeded_client.post(
        "/api/annotations",
        json={"passage_id": passage["id"], "position_key": "russia", "actor_key": "v-putin"},
    ).json()
    merged = seeded_client.post(
        f"/api/actors/v-putin/merge?version={duplicate['version']}", json={"into": "putin"}
    )
    assert merged.status_code == 200, merged.text
    assert merged.json()["aliases"] == ["Putin", "V. V. Putin", "President Putin"]
    assert seeded_client.get("/api/actors/v-putin").status_code == 404
    assert seeded_client.get(f"/api/annotations/{tagged['id']}").json()["actor_key"] == "putin"
    assert seeded_client.get("/api/actors/aide").json()["parent_key"] == "putin"
    history = seeded_client.get("/api/history/actor/v-putin").json()
    assert history["exists"] is False
    assert history["entries"][0]["action"] == "delete"


def test_merging_into_itself_or_a_member_is_refused(seeded_client: TestClient) -> None:
    add(seeded_client, "kremlin", "Kremlin", kind="organization")
    add(seeded_client, "peskov", "Dmitry Peskov", parent_key="kremlin")
    itself = seeded_client.post("/api/actors/kremlin/merge", json={"into": "kremlin"})
    assert itself.status_code == 422
    assert "cannot be merged into itself" in itself.text
    member = seeded_client.post("/api/actors/kremlin/merge", json={"into": "peskov"})
    assert member.status_code == 422
    assert "merge 'Dmitry Peskov' into 'Kremlin' instead" in member.text
    unknown = seeded_client.post("/api/actors/kremlin/merge", json={"into": "nobody"})
    assert unknown.status_code == 422
    assert len(seeded_client.get("/api/actors").json()) == 2


def test_an_actor_in_use_is_not_deleted_and_a_free_one_is_restorable(
    seeded_client: TestClient,
) -> None:
    add(seeded_client, "lavrov", "Sergey Lavrov", position_key="russia")
    add(seeded_client, "ushakov", "Yuri Ushakov")
    passage = paragraphs(seeded_client, 0)[0]
    seeded_client.post(
        "/api/annotations",
        json={"passage_id": passage["id"], "position_key": "russia", "actor_key": "lavrov"},
    )
    in_use = seeded_client.delete("/api/actors/lavrov")
    assert in_use.status_code == 409
    assert "merge it into another actor instead" in in_use.json()["detail"]
    assert seeded_client.delete("/api/actors/ushakov").status_code == 204
    entry = seeded_client.get("/api/history/actor/ushakov").json()["restorable_entry"]
    restored = seeded_client.post(f"/api/history/{entry}/restore")
    assert restored.status_code == 200, restored.text
    assert seeded_client.get("/api/actors/ushakov").json()["name"] == "Yuri Ushakov"


def test_analysts_add_and_edit_actors_but_only_admins_merge_or_delete(
    seeded_client: TestClient,
) -> None:
    sign_in_as(seeded_client, "victor")
    assert seeded_client.post("/api/actors", json={"key": "a", "name": "A"}).status_code == 403
    sign_in_as(seeded_client, "alice")
    made = add(seeded_client, "lavrov", "Sergey Lavrov")
    add(seeded_client, "peskov", "Dmitry Peskov")
    edited = seeded_client.patch(
        "/api/actors/lavrov", json={"version": made["version"], "description": "Minister"}
    )
    assert edited.status_code == 200
    assert seeded_client.delete("/api/actors/peskov").status_code == 403
    merge = seeded_client.post("/api/actors/peskov/merge", json={"into": "lavrov"})
    assert merge.status_code == 403


def test_the_pages_add_edit_and_merge_an_actor(seeded_client: TestClient) -> None:
    page = seeded_client.get("/actors")
    assert page.status_code == 200
    assert "No actors yet." in page.text
    token = csrf_token_of(page.text)
    added = seeded_client.post(
        "/actors",
        data={
            "key": "Putin",
            "name": "Vladimir Putin",
            "kind": "person",
            "aliases": "Putin\n  \nthe Russian president\n",
            "position_key": "russia",
            "csrf_token": token,
        },
    )
    assert added.status_code == 200, added.text
    assert "Vladimir Putin" in added.text
    assert seeded_client.get("/api/actors/putin").json()["aliases"] == [
        "Putin",
        "the Russian president",
    ]
    seeded_client.post(
        "/actors", data={"key": "vvp", "name": "VVP", "kind": "person", "csrf_token": token}
    )
    actor_page = seeded_client.get("/actors/vvp")
    assert "Merge into another actor" in actor_page.text
    edited = seeded_client.post(
        "/actors/vvp",
        data={
            "name": "V. V. P.",
            "kind": "person",
            "aliases": "",
            "parent_key": "putin",
            "version": "1",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert edited.status_code == 303
    assert seeded_client.get("/api/actors/vvp").json()["parent_key"] == "putin"
    stale = seeded_client.post(
        "/actors/vvp",
        data={"name": "Stale", "kind": "person", "version": "1", "csrf_token": token},
    )
    assert stale.status_code == 409
    assert seeded_client.get("/api/actors/vvp").json()["name"] == "V. V. P."
    merged = seeded_client.post(
        "/actors/vvp/merge", data={"into": "putin", "csrf_token": token}, follow_redirects=False
    )
    assert merged.status_code == 303
    assert merged.headers["location"] == "/actors/putin"
    assert "V. V. P." in seeded_client.get("/actors/putin").text


def test_actor_names_are_escaped_on_the_pages(seeded_client: TestClient) -> None:
    add(seeded_client, "evil", "<script>alert(1)</script>", aliases=["<b>x</b>"])
    for path in ("/actors", "/actors/evil"):
        text = seeded_client.get(path).text
        assert "<script>alert(1)</script>" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert "<b>x</b>" not in text


def test_a_restored_actor_leaves_out_a_parent_deleted_since(seeded_client: TestClient) -> None:
    add(seeded_client, "kremlin", "Kremlin", kind="organization")
    add(seeded_client, "peskov", "Dmitry Peskov", parent_key="kremlin")
    assert seeded_client.delete("/api/actors/peskov").status_code == 204
    assert seeded_client.delete("/api/actors/kremlin").status_code == 204
    entry = seeded_client.get("/api/history/actor/peskov").json()["restorable_entry"]
    restored = seeded_client.post(f"/api/history/{entry}/restore")
    assert restored.status_code == 200, restored.text
    assert seeded_client.get("/api/actors/peskov").json()["parent_key"] is None


def test_the_tag_form_suggests_the_actors_a_passage_names_and_saves_the_one_typed(
    seeded_client: TestClient,
) -> None:
    passage = next(p for p in paragraphs(seeded_client, 0) if "Trump" in p["text"])
    add(seeded_client, "trump", "Donald Trump", aliases=["Trump"])
    add(seeded_client, "lavrov", "Sergey Lavrov", aliases=["Lavrov"])
    hx = {"HX-Request": "true"}
    form = BeautifulSoup(
        seeded_client.get(f"/passages/{passage['id']}/tag-form?position=us", headers=hx).text,
        "html.parser",
    )
    suggested = [button["data-fill-actor"] for button in form.select("[data-fill-actor]")]
    assert "Donald Trump" in suggested
    assert ("Sergey Lavrov" in suggested) == ("Lavrov" in passage["text"])
    options = [option["value"] for option in form.select("datalist option")]
    assert options == ["Donald Trump", "Sergey Lavrov"]

    url = f"/passages/{passage['id']}/annotations"
    refused = seeded_client.post(url, data={"position_key": "us", "actor": "Nobody"}, headers=hx)
    assert refused.status_code == 422
    assert "No actor is called 'Nobody'" in refused.text
    saved = seeded_client.post(url, data={"position_key": "us", "actor": " trump "}, headers=hx)
    assert saved.status_code == 200, saved.text
    tags = seeded_client.get("/api/annotations", params={"passage_id": passage["id"]}).json()
    (tagged,) = [t for t in tags if t["actor_key"] == "trump"]
    edit = BeautifulSoup(
        seeded_client.get(f"/annotations/{tagged['id']}/edit", headers=hx).text, "html.parser"
    )
    assert one(edit, "input[name=actor]")["value"] == "Donald Trump"
    cleared = seeded_client.put(
        f"/annotations/{tagged['id']}",
        data={"position_key": "us", "kind": "states", "actor": "", "version": "1"},
        headers=hx,
    )
    assert cleared.status_code == 200, cleared.text
    assert seeded_client.get(f"/api/annotations/{tagged['id']}").json()["actor_key"] is None

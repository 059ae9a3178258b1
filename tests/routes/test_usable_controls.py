"""Pages offer only what the user may do: a tag's edit and remove controls follow the same
ownership rule the server enforces; the tag form names the position it tags with; a claim
chip says whether the position holds or rejects the claim; and a user an admin adds chooses
their own password before anything else."""

from typing import Any

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.audit.ownership import may_change_work
from tests.accounts import PASSWORD, csrf_token_of, sign_in_as
from tests.markup import one

HX = {"HX-Request": "true"}
JSON_ONLY = {"accept": "application/json"}
HTML = {"accept": "text/html"}


def first_paragraph(client: TestClient) -> dict[str, Any]:
    document = client.get("/api/documents").json()[0]
    passages = client.get(f"/api/documents/{document['id']}/passages").json()
    paragraph: dict[str, Any] = next(p for p in passages if p["kind"] == "paragraph")
    return paragraph


def tag_as(client: TestClient, username: str, passage_id: str) -> dict[str, Any]:
    sign_in_as(client, username)
    body = {"passage_id": passage_id, "position_key": "russia"}
    response = client.post("/api/annotations", json=body)
    assert response.status_code == 201, response.text
    tag: dict[str, Any] = response.json()
    return tag


def chip_controls(client: TestClient, passage_id: str, tag_id: str) -> tuple[bool, bool]:
    """Whether the passage shows the tag's (edit, remove) controls."""
    page = BeautifulSoup(client.get(f"/passages/{passage_id}", headers=HX).text, "html.parser")
    chip = one(page, f'[data-annotation-id="{tag_id}"]')
    return chip.select_one(".chip-label[hx-get]") is not None, chip.select_one(
        ".chip-remove"
    ) is not None


def test_the_ownership_rule_is_one_function() -> None:
    assert may_change_work("alice", "alice", may_edit_any=False)
    assert not may_change_work("alice", "bob", may_edit_any=False)
    assert may_change_work("alice", "editor", may_edit_any=True)
    assert may_change_work("alice", None, may_edit_any=False)  # the command line


def test_a_tag_shows_edit_and_remove_only_to_those_who_may_change_it(
    seeded_client: TestClient,
) -> None:
    passage = first_paragraph(seeded_client)
    tag = tag_as(seeded_client, "alice", passage["id"])
    seen = {}
    for username in ("alice", "bob", "editor", "tester", "victor"):
        sign_in_as(seeded_client, username)
        seen[username] = chip_controls(seeded_client, passage["id"], tag["id"])
    assert seen == {
        "alice": (True, True),  # her own
        "bob": (False, False),  # another analyst's
        "editor": (True, True),  # allowed to edit everyone's work
        "tester": (True, True),  # an admin
        "victor": (False, False),  # a viewer
    }
    # What is shown is what the server takes: bob is refused, the editor is not.
    sign_in_as(seeded_client, "bob")
    refused = seeded_client.get(f"/annotations/{tag['id']}/edit", headers=HX | JSON_ONLY)
    assert refused.status_code == 403
    assert "alice's work" in refused.json()["detail"]
    removal = seeded_client.delete(f"/annotations/{tag['id']}?version=1", headers=HX)
    assert removal.status_code == 403
    sign_in_as(seeded_client, "editor")
    assert seeded_client.get(f"/annotations/{tag['id']}/edit", headers=HX).status_code == 200


def test_the_tag_form_names_the_position_it_tags_with(seeded_client: TestClient) -> None:
    passage = first_paragraph(seeded_client)
    response = seeded_client.get(
        f"/passages/{passage['id']}/tag-form", params={"position": "russia"}, headers=HX
    )
    form = one(BeautifulSoup(response.text, "html.parser"), ".tag-form")
    kinds = [label.get_text(" ", strip=True) for label in form.select(".kinds .kind-choice")]
    assert kinds == [
        "s states the Russian position reports or attributes it",
        "u supports the Russian position the author argues for it",
        "o opposes the Russian position the author argues against it",
    ]
    stance = one(form, ".stance-choice").get_text(" ", strip=True)
    assert stance == "The Russian position h holds r rejects the claim"


def test_a_claim_chip_says_whether_the_position_holds_or_rejects_the_claim(
    seeded_client: TestClient,
) -> None:
    passage = first_paragraph(seeded_client)
    made = []
    for position, stance in (("russia", "rejects"), ("us", "holds")):
        response = seeded_client.post(
            f"/passages/{passage['id']}/annotations",
            data={
                "position_key": position,
                "kind": "states",
                "claim_mode": "new",
                "claim_text": f"A claim {position} {stance}",
                "stance": stance,
            },
            headers=HX,
        )
        assert response.status_code == 200, response.text
        made.append(response.text)
    page = BeautifulSoup(made[-1], "html.parser")
    chips = {
        one(chip, ".chip-pos").get_text(strip=True): one(chip, ".chip-claim")
        for chip in page.select(".chip")
    }
    assert one(chips["Russian"], ".chip-stance").get_text() == "▼ rejects"
    assert "stance-rejects" in chips["Russian"]["class"]
    assert one(chips["US"], ".chip-stance").get_text() == "▲ holds"
    assert "Russian rejects it" in str(chips["Russian"]["title"])


def sign_in(client: TestClient, username: str, password: str) -> Any:
    sign_in_as(client, None)
    return client.post(
        "/login",
        data={"username": username, "password": password, "next": "/claims"},
        follow_redirects=False,
    )


def test_a_user_an_admin_adds_chooses_their_own_password_first(client: TestClient) -> None:
    chosen = "the admin's choice"
    added = client.post(
        "/users",
        data={"username": "olena", "display_name": "Olena", "password": chosen},
        follow_redirects=False,
    )
    assert added.status_code == 303
    users = BeautifulSoup(client.get("/users").text, "html.parser")
    assert "has not yet chosen" in users.get_text()
    by_api = client.post(
        "/api/users", json={"username": "petro", "display_name": "Petro", "password": chosen}
    )
    assert by_api.json()["must_change_password"] is True

    signed_in = sign_in(client, "olena", chosen)
    assert signed_in.headers["location"] == "/account"
    # Every page leads to the account page; the API says why it refuses.
    page = client.get("/documents", headers=HTML, follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, "/account")
    refused = client.get("/api/documents", headers=JSON_ONLY)
    assert refused.status_code == 403
    assert "Choose a new password first" in refused.json()["detail"]
    assert "/account" in refused.json()["detail"]
    assert client.get("/api/me").json()["must_change_password"] is True
    account = BeautifulSoup(client.get("/account").text, "html.parser")
    assert "Choose your own" in one(account, ".notice").get_text()

    csrf = csrf_token_of(client.get("/account").text)
    changed = client.post(
        "/account/password",
        data={
            "current": chosen,
            "new": PASSWORD + "!",
            "confirm": PASSWORD + "!",
            "csrf_token": csrf,
        },
    )
    assert changed.status_code == 200
    assert client.get("/api/documents").status_code == 200
    assert client.get("/api/me").json()["must_change_password"] is False
    # Signing out stays open to such a user, too.
    sign_in(client, "petro", chosen)
    csrf = csrf_token_of(client.get("/account").text)
    out = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, "/login")


def test_a_claim_and_its_relations_show_edit_and_delete_only_to_those_who_may(
    seeded_client: TestClient,
) -> None:
    sign_in_as(seeded_client, "alice")
    claim = seeded_client.post("/api/claims", json={"text": "Talks will fail"}).json()
    other = seeded_client.post("/api/claims", json={"text": "Kyiv keeps its land"}).json()
    relation = {"source_id": claim["id"], "target_id": other["id"], "kind": "attacks"}
    assert seeded_client.post("/api/relations", json=relation).status_code == 201
    seen = {}
    for username in ("alice", "bob", "editor"):
        sign_in_as(seeded_client, username)
        page = BeautifulSoup(seeded_client.get(f"/claims/{claim['id']}").text, "html.parser")
        seen[username] = (
            page.select_one("details.edit-claim") is not None,
            page.select_one(f'[hx-delete="/claims/{claim["id"]}"]') is not None,
            page.select_one("#claim-relations .chip-remove") is not None,
        )
    assert seen == {
        "alice": (True, True, True),
        "bob": (False, False, False),
        "editor": (True, True, True),
    }


def test_editing_a_tag_shows_the_stance_its_position_takes_on_the_claim(
    seeded_client: TestClient,
) -> None:
    passage = first_paragraph(seeded_client)
    form = {
        "position_key": "russia",
        "kind": "states",
        "claim_mode": "new",
        "claim_text": "Guarantor countries must sign",
        "stance": "rejects",
    }
    made = seeded_client.post(f"/passages/{passage['id']}/annotations", data=form, headers=HX)
    chip = one(BeautifulSoup(made.text, "html.parser"), ".chip")
    edit = seeded_client.get(f"/annotations/{chip['data-annotation-id']}/edit", headers=HX)
    page = BeautifulSoup(edit.text, "html.parser")
    assert one(page, "input[name=stance][value=rejects]").has_attr("checked")
    assert not one(page, "input[name=stance][value=holds]").has_attr("checked")

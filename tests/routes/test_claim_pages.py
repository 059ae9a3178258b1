"""Claims through the pages: made from a passage, attached, related, merged, split."""

from typing import Any

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from tests.markup import one

HX = {"HX-Request": "true"}


def soup(response: Any) -> BeautifulSoup:
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "html.parser")


def paragraphs(client: TestClient, count: int) -> list[dict[str, Any]]:
    """The first paragraph of each of the first `count` documents."""
    found = []
    for document in client.get("/api/documents").json()[:count]:
        passages = client.get(f"/api/documents/{document['id']}/passages").json()
        found.append(next(p for p in passages if p["kind"] == "paragraph"))
    return found


def tag(client: TestClient, passage_id: str, **form: str) -> BeautifulSoup:
    data = {"position_key": "russia", "kind": "states", **form}
    return soup(client.post(f"/passages/{passage_id}/annotations", data=data, headers=HX))


def test_make_a_claim_from_a_passage(seeded_client: TestClient) -> None:
    (passage,) = paragraphs(seeded_client, 1)
    form = soup(
        seeded_client.get(f"/passages/{passage['id']}/tag-form?position=russia", headers=HX)
    )
    assert one(form, "textarea[name=claim_text]").get_text() == passage["text"]

    fragment = tag(
        seeded_client,
        passage["id"],
        topic_key="nato",
        claim_mode="new",
        claim_text="  Ukraine will not join NATO ",
        stance="holds",
    )
    assert "Ukraine will not join NATO" in one(fragment, ".chip-claim").get_text()
    (claim,) = seeded_client.get("/api/claims").json()
    assert claim["text"] == "Ukraine will not join NATO"
    assert claim["topic_key"] == "nato"
    assert claim["stances"] == [{"position_key": "russia", "stance": "holds"}]
    assert claim["evidence_count"] == 1


def test_attach_a_passage_of_another_document_to_a_claim(seeded_client: TestClient) -> None:
    first, second = paragraphs(seeded_client, 2)
    tag(seeded_client, first["id"], claim_mode="new", claim_text="Ukraine will not join NATO")
    claim_id = seeded_client.get("/api/claims").json()[0]["id"]

    found = soup(seeded_client.get("/claims/search", params={"q": "join nato"}, headers=HX))
    option = one(found, "input[name=claim_id]")
    assert option["value"] == claim_id

    tag(
        seeded_client,
        second["id"],
        position_key="ukraine",
        kind="opposes",
        claim_mode="existing",
        claim_id=claim_id,
        stance="rejects",
    )
    claim = seeded_client.get(f"/api/claims/{claim_id}").json()
    assert claim["evidence_count"] == 2 and claim["document_count"] == 2
    assert {s["position_key"]: s["stance"] for s in claim["stances"]} == {
        "russia": "holds",
        "ukraine": "rejects",
    }
    page = soup(seeded_client.get(f"/claims/{claim_id}"))
    assert len(page.select(".evidence-item")) == 2
    links = [a["href"] for a in page.select(".evidence-item .tagged-meta a")]
    assert f"#p-{second['id']}" in links[1]


def test_a_claim_choice_needs_its_text_or_claim(seeded_client: TestClient) -> None:
    (passage,) = paragraphs(seeded_client, 1)
    for form, message in (
        ({"claim_mode": "new", "claim_text": "  "}, "own words"),
        ({"claim_mode": "existing"}, "Choose the claim"),
        ({"claim_mode": "existing", "claim_id": "nope"}, "no claim with the id 'nope'"),
    ):
        response = seeded_client.post(
            f"/passages/{passage['id']}/annotations",
            data={"position_key": "russia", **form},
            headers=HX,
        )
        assert response.status_code in (404, 422)
        assert message in response.json()["detail"]
    assert seeded_client.get("/api/annotations").json() == []


def test_editing_a_tag_keeps_or_changes_its_claim(seeded_client: TestClient) -> None:
    (passage,) = paragraphs(seeded_client, 1)
    tag(seeded_client, passage["id"], claim_mode="new", claim_text="A ceasefire must come first")
    annotation = seeded_client.get("/api/annotations").json()[0]
    edit = soup(seeded_client.get(f"/annotations/{annotation['id']}/edit", headers=HX))
    assert one(edit, "input[name=claim_mode][value=existing]").has_attr("checked")
    assert one(edit, "input[name=claim_id]")["value"] == annotation["claim_id"]
    seeded_client.put(
        f"/annotations/{annotation['id']}",
        data={"position_key": "russia", "kind": "supports", "claim_mode": "none"},
        headers=HX,
    )
    assert seeded_client.get(f"/api/annotations/{annotation['id']}").json()["claim_id"] is None


def test_relate_two_claims_from_a_claim_page(seeded_client: TestClient) -> None:
    first, second = paragraphs(seeded_client, 2)
    tag(seeded_client, first["id"], claim_mode="new", claim_text="Russia cannot be defeated")
    tag(seeded_client, second["id"], claim_mode="new", claim_text="Ukraine cannot win militarily")
    by_text = {c["text"]: c["id"] for c in seeded_client.get("/api/claims").json()}
    source, target = by_text["Russia cannot be defeated"], by_text["Ukraine cannot win militarily"]

    response = seeded_client.post(
        f"/claims/{source}/relations",
        data={"kind": "supports", "direction": "from", "other_id": target},
        headers=HX,
    )
    assert response.headers["HX-Trigger"] == "relations-changed"
    fragment = soup(response)
    assert one(fragment, ".relation.kind-supports a")["href"] == f"/claims/{target}"
    again = seeded_client.post(
        f"/claims/{target}/relations",
        data={"kind": "attacks", "direction": "to", "other_id": source},
        headers=HX,
    )
    assert again.status_code == 409
    assert "one relation only" in again.json()["detail"]
    itself = seeded_client.post(
        f"/claims/{source}/relations",
        data={"kind": "attacks", "direction": "from", "other_id": source},
        headers=HX,
    )
    assert itself.status_code == 422
    target_page = soup(seeded_client.get(f"/claims/{target}"))
    assert "Supported by" in one(target_page, "#claim-relations").get_text()


def test_merge_and_split_from_the_claim_page(seeded_client: TestClient) -> None:
    first, second = paragraphs(seeded_client, 2)
    tag(seeded_client, first["id"], claim_mode="new", claim_text="Ukraine will not join NATO")
    tag(
        seeded_client,
        second["id"],
        position_key="us",
        claim_mode="new",
        claim_text="No NATO membership for Ukraine",
    )
    by_text = {c["text"]: c["id"] for c in seeded_client.get("/api/claims").json()}
    keep, duplicate = (
        by_text["Ukraine will not join NATO"],
        by_text["No NATO membership for Ukraine"],
    )

    merged = seeded_client.post(f"/claims/{keep}/merge", data={"source_id": duplicate}, headers=HX)
    assert merged.headers["HX-Redirect"] == f"/claims/{keep}"
    claim = seeded_client.get(f"/api/claims/{keep}").json()
    assert claim["evidence_count"] == 2
    assert {s["position_key"] for s in claim["stances"]} == {"russia", "us"}
    assert seeded_client.get(f"/api/claims/{duplicate}").status_code == 404

    evidence = [a["id"] for a in claim["evidence"]]
    split = seeded_client.post(
        f"/claims/{keep}/split",
        data={"text": "The US rules out NATO membership", "annotation_ids": evidence[1:]},
        headers=HX,
    )
    new_id = split.headers["HX-Redirect"].rsplit("/", 1)[1]
    assert seeded_client.get(f"/api/claims/{new_id}").json()["evidence_count"] == 1
    assert seeded_client.get(f"/api/claims/{keep}").json()["evidence_count"] == 1


def test_claim_stance_and_text_edits_return_the_header(seeded_client: TestClient) -> None:
    (passage,) = paragraphs(seeded_client, 1)
    tag(seeded_client, passage["id"], claim_mode="new", claim_text="Talks are useful")
    claim_id = seeded_client.get("/api/claims").json()[0]["id"]
    head = soup(
        seeded_client.put(
            f"/claims/{claim_id}/stances/europe", data={"stance": "rejects"}, headers=HX
        )
    )
    europe = one(head, 'select[hx-put$="/stances/europe"] option[selected]')
    assert europe["value"] == "rejects"
    head = soup(
        seeded_client.put(
            f"/claims/{claim_id}",
            data={"text": "Talks are useful <b>now</b>", "topic_key": "format"},
            headers=HX,
        )
    )
    assert one(head, "h1").get_text() == "Talks are useful <b>now</b>"
    assert "Negotiating format" in one(head, ".claim-meta").get_text()
    assert (
        seeded_client.put(
            f"/claims/{claim_id}/stances/europe", data={"stance": "maybe"}
        ).status_code
        == 422
    )


def test_claims_list_searches_as_you_type(seeded_client: TestClient) -> None:
    first, second = paragraphs(seeded_client, 2)
    tag(seeded_client, first["id"], claim_mode="new", claim_text="Sanctions should be lifted")
    tag(seeded_client, second["id"], claim_mode="new", claim_text="A ceasefire must come first")
    page = soup(seeded_client.get("/claims"))
    assert len(page.select("#claim-rows tr")) == 2
    rows = soup(seeded_client.get("/claims", params={"q": "CEASEFIRE"}, headers=HX))
    assert [a.get_text() for a in rows.select("a")] == ["A ceasefire must come first"]
    none = soup(seeded_client.get("/claims", params={"q": "zebra"}, headers=HX))
    assert "No claim has all of these words." in none.get_text()


def test_graph_panel_summary_and_deleting_a_claim(seeded_client: TestClient) -> None:
    (passage,) = paragraphs(seeded_client, 1)
    tag(seeded_client, passage["id"], claim_mode="new", claim_text="Talks are useful")
    claim_id = seeded_client.get("/api/claims").json()[0]["id"]
    summary = soup(seeded_client.get(f"/claims/{claim_id}/summary", headers=HX))
    assert summary.find("html") is None
    assert one(summary, ".summary-title a")["href"] == f"/claims/{claim_id}"
    assert len(summary.select("blockquote.evidence")) == 1
    deleted = seeded_client.delete(f"/claims/{claim_id}", headers=HX)
    assert deleted.headers["HX-Redirect"] == "/claims"
    assert seeded_client.get("/api/annotations").json()[0]["claim_id"] is None
    assert (
        seeded_client.get(f"/claims/{claim_id}", headers={"Accept": "text/html"}).status_code == 404
    )


def test_a_relation_can_name_its_evidence_passage(seeded_client: TestClient) -> None:
    first, second = paragraphs(seeded_client, 2)
    tag(seeded_client, first["id"], claim_mode="new", claim_text="Russia is a nuclear power")
    tag(seeded_client, second["id"], claim_mode="new", claim_text="Russia cannot be defeated")
    by_text = {c["text"]: c["id"] for c in seeded_client.get("/api/claims").json()}
    source = by_text["Russia is a nuclear power"]
    page = soup(seeded_client.get(f"/claims/{source}"))
    options = [o["value"] for o in page.select("select[name=evidence_passage_id] option")]
    assert options == ["", first["id"]]

    fragment = soup(
        seeded_client.post(
            f"/claims/{source}/relations",
            data={
                "kind": "supports",
                "direction": "from",
                "other_id": by_text["Russia cannot be defeated"],
                "evidence_passage_id": first["id"],
            },
            headers=HX,
        )
    )
    assert one(fragment, ".relation-evidence")["href"] == f"/passages/{first['id']}"
    (relation,) = seeded_client.get("/api/relations").json()
    assert relation["evidence_passage_id"] == first["id"]


def test_attaching_keeps_a_stance_the_position_already_has(seeded_client: TestClient) -> None:
    first, second = paragraphs(seeded_client, 2)
    tag(seeded_client, first["id"], claim_mode="new", claim_text="Sanctions work", stance="holds")
    claim_id = seeded_client.get("/api/claims").json()[0]["id"]
    tag(seeded_client, second["id"], claim_mode="existing", claim_id=claim_id, stance="rejects")
    claim = seeded_client.get(f"/api/claims/{claim_id}").json()
    assert claim["stances"] == [{"position_key": "russia", "stance": "holds"}]
    assert claim["evidence_count"] == 2

"""Clearing the example data from the claims page and through the API: the analysts' work on
top of the starter map stays whole, and the admin is told which example claims it kept."""

from typing import Any

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.config import PROJECT_ROOT
from app.models import Annotation, Claim, Relation
from app.services import examples
from tests.accounts import ADMIN, sign_in_as

SEEDS = PROJECT_ROOT / "seeds"
HX = {"HX-Request": "true"}


def engine_of(client: TestClient) -> Any:
    return client.app.state.engine  # type: ignore[attr-defined]


def alices_work_on_the_starter_map(client: TestClient) -> dict[str, Any]:
    """Load the starter map, then let the analyst alice work on it through the API: her own
    tags and claim, relations from her claim to a starter claim and from a starter claim to
    hers, her tag as evidence for a starter claim, and her tag on a passage with example tags."""
    with Session(engine_of(client)) as session:
        examples.load_starter_map(session, SEEDS)
        source, target, evidenced = session.exec(
            select(Claim).where(col(Claim.example)).order_by(col(Claim.id)).limit(3)
        ).all()
        passage_id = session.exec(
            select(Annotation.passage_id).where(col(Annotation.example))
        ).first()
    sign_in_as(client, "alice")

    def tag(note: str) -> str:
        body = {"passage_id": passage_id, "position_key": "us", "note": note}
        created = client.post("/api/annotations", json=body)
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    own_tag, evidence_tag, claims_tag = tag("mine"), tag("evidence"), tag("for my claim")
    own_claim = client.post(
        "/api/claims", json={"text": "Alice's own claim", "annotation_ids": [claims_tag]}
    ).json()["id"]
    attached = client.post(
        f"/api/claims/{evidenced.id}/evidence", json={"annotation_id": evidence_tag}
    )
    assert attached.status_code == 200, attached.text
    relations = {}
    for source_id, target_id, kind in (
        (own_claim, source.id, "supports"),
        (target.id, own_claim, "attacks"),
    ):
        body = {"source_id": source_id, "target_id": target_id, "kind": kind}
        created = client.post("/api/relations", json=body)
        assert created.status_code == 201, created.text
        relations[created.json()["id"]] = (source_id, target_id, kind)
    sign_in_as(client, ADMIN)
    return {
        "needed": {source.id, target.id, evidenced.id},
        "evidenced": evidenced.id,
        "own_claim": own_claim,
        "tags": {own_tag, evidence_tag, claims_tag},
        "links": {evidence_tag: evidenced.id, claims_tag: own_claim},
        "relations": relations,
    }


def assert_the_work_is_whole(client: TestClient, work: dict[str, Any]) -> None:
    tags = client.get("/api/annotations").json()
    assert {t["id"] for t in tags} == work["tags"]
    assert {t["id"]: t["claim_id"] for t in tags if t["claim_id"]} == work["links"]
    relations = client.get("/api/relations").json()
    assert {r["id"]: (r["source_id"], r["target_id"], r["kind"]) for r in relations} == work[
        "relations"
    ]
    assert {c["id"] for c in client.get("/api/claims").json()} == work["needed"] | {
        work["own_claim"]
    }
    evidence = client.get(f"/api/claims/{work['evidenced']}").json()
    assert [e["analyst"] for e in evidence["evidence"]] == ["alice"]
    with Session(engine_of(client)) as session:
        assert not any(session.exec(select(Claim.example)).all())
        assert not any(session.exec(select(Relation.example)).all())
    assert client.get("/api/examples").json() == {
        "claims": 0,
        "relations": 0,
        "annotations": 0,
        "actors": 0,
    }


def test_clearing_from_the_page_keeps_the_analysts_work_and_says_which_claims_stayed(
    seeded_client: TestClient,
) -> None:
    work = alices_work_on_the_starter_map(seeded_client)
    notice = BeautifulSoup(seeded_client.get("/claims").text, "html.parser")
    button = notice.select_one(".examples-notice button")
    assert button is not None and "kept" in button["hx-confirm"]
    assert "actors" in button["hx-confirm"]
    registry = notice.select_one(".examples-notice a[href='/actors']")
    assert registry is not None

    cleared = seeded_client.post("/examples/clear", headers=HX)

    assert cleared.headers["HX-Redirect"] == "/claims"
    page = BeautifulSoup(seeded_client.get("/claims").text, "html.parser")
    flash = page.select_one("[data-flash]")
    assert flash is not None
    assert "3 example claims were kept because your work refers to them" in flash.get_text()
    assert "now ordinary claims" in flash.get_text()
    # Shown once.
    assert seeded_client.get("/claims").text.count("data-flash") == 0
    assert_the_work_is_whole(seeded_client, work)


def test_clearing_through_the_api_keeps_the_analysts_work_and_says_so(
    seeded_client: TestClient,
) -> None:
    work = alices_work_on_the_starter_map(seeded_client)
    counts = seeded_client.get("/api/examples").json()

    cleared = seeded_client.delete("/api/examples")

    assert cleared.status_code == 200
    body = cleared.json()
    assert body["kept_claims"] == 3
    assert (body["claims"], body["relations"], body["annotations"]) == (
        counts["claims"] - 3,
        counts["relations"],
        counts["annotations"],
    )
    assert "3 example claims were kept because your work refers to them" in body["message"]
    assert (body["actors"], body["kept_actors"]) == (counts["actors"], 0)
    assert counts["actors"] > 0
    assert_the_work_is_whole(seeded_client, work)

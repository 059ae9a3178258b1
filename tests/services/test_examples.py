"""The starter map: built from its recipe through the services, shipped as an export, loaded
as example data on a new corpus, and cleared in one action."""

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.config import PROJECT_ROOT
from app.models import (
    Annotation,
    AnnotationCreate,
    Claim,
    ClaimCreate,
    Document,
    Passage,
    Relation,
    RelationCreate,
    RelationKind,
)
from app.services import claims, examples, tagging
from app.services.errors import InvalidInput
from app.services.interchange.native import export_schema
from tests.factories import make_annotation

SEEDS = PROJECT_ROOT / "seeds"


@pytest.fixture(scope="module")
def shipped_map() -> dict[str, Any]:
    exported: dict[str, Any] = json.loads((SEEDS / examples.MAP_FILE).read_text(encoding="utf-8"))
    return exported


def test_the_shipped_map_is_the_recipe_built(shipped_map: dict[str, Any]) -> None:
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]  # ships no hints

    # Built before actors (version 2, which imports still read): the registry ships apart.
    Draft202012Validator(
        export_schema(shipped_map["version"]), format_checker=Draft202012Validator.FORMAT_CHECKER
    ).validate(shipped_map)
    recipe = examples.read_recipe(SEEDS)
    assert sorted(c["text"] for c in shipped_map["claims"]) == sorted(
        c["text"] for c in recipe["claims"]
    )
    assert len(shipped_map["relations"]) == len(recipe["relations"])
    evidence = sum(len(c["evidence"]) for c in recipe["claims"])
    assert len(shipped_map["annotations"]) == evidence
    records = shipped_map["claims"] + shipped_map["relations"] + shipped_map["annotations"]
    assert all(record["example"] is True for record in records)


def test_the_starter_map_spans_all_five_articles(shipped_map: dict[str, Any]) -> None:
    documents = Counter(a["document_id"] for a in shipped_map["annotations"])
    assert len(documents) == 5
    assert 28 <= len(shipped_map["claims"]) <= 34
    kinds = Counter(r["kind"] for r in shipped_map["relations"])
    assert kinds["supports"] > 0 and kinds["attacks"] > 0
    per_claim = Counter(a["claim_id"] for a in shipped_map["annotations"])
    assert all(per_claim[c["id"]] >= 1 for c in shipped_map["claims"])


def test_building_from_the_recipe_again_gives_the_same_map(
    tmp_path: Path, shipped_map: dict[str, Any]
) -> None:
    counts = examples.build_starter_map(SEEDS, tmp_path / "map.json", tmp_path)
    rebuilt = json.loads((tmp_path / "map.json").read_text(encoding="utf-8"))
    assert (counts.claims, counts.relations, counts.annotations) == (
        len(shipped_map["claims"]),
        len(shipped_map["relations"]),
        len(shipped_map["annotations"]),
    )

    def quotes(m: dict[str, Any]) -> list[tuple[str, str, str]]:
        return sorted((a["quote"] or "", a["position_key"], a["kind"]) for a in m["annotations"])

    assert quotes(rebuilt) == quotes(shipped_map)


def test_a_recipe_quote_that_is_not_in_one_passage_is_refused(seeded_session: Session) -> None:
    recipe = {
        "analyst": "Example map",
        "claims": [
            {
                "key": "x",
                "text": "A claim",
                "topic": None,
                "stances": {"us": "holds"},
                "evidence": [
                    {
                        "document": "001_a050edf1c91724d1.txt",
                        "quote": "no such words here",
                        "span": True,
                        "position": "us",
                        "kind": "states",
                    }
                ],
            }
        ],
        "relations": [],
    }
    with pytest.raises(InvalidInput, match="in 0 passages"):
        examples.build_from_recipe(seeded_session, recipe)


def _starter_map_with_alices_work(session: Session) -> dict[str, Any]:
    """The starter map, then an analyst's work on top of it, made through the services as she
    would make it: her own tags and claim, relations from her claim to a starter claim and from
    a starter claim to hers, her tag as evidence for a starter claim, and her tag on a passage
    that has example tags too."""
    examples.load_starter_map(session, SEEDS)
    session.info.update({"actor": "alice", "may_edit_any": False})
    # An example relation gives two starter claims; her relations make both of them needed.
    example_relation = session.exec(select(Relation).order_by(col(Relation.id))).first()
    assert example_relation is not None
    source = session.get_one(Claim, example_relation.source_id)
    target = session.get_one(Claim, example_relation.target_id)
    evidenced = session.exec(
        select(Claim).where(col(Claim.id).not_in([source.id, target.id])).order_by(col(Claim.id))
    ).first()
    assert evidenced is not None
    tagged = session.exec(select(Annotation).where(col(Annotation.example))).first()
    assert tagged is not None
    passage = session.get_one(Passage, tagged.passage_id)

    def tag(note: str) -> Annotation:
        data = AnnotationCreate(passage_id=passage.id, position_key="us", note=note)
        return tagging.tag_passage(session, data, "alice")

    own_tag, evidence_tag, claims_tag = tag("mine"), tag("evidence"), tag("for my claim")
    own_claim = claims.create_claim(
        session,
        ClaimCreate(text="Alice's own claim", annotation_ids=[claims_tag.id]),
        "alice",
    )
    claims.attach_evidence(session, evidenced.id, evidence_tag.id)
    kinds = (RelationKind.supports, RelationKind.attacks)
    outgoing = claims.create_relation(
        session, RelationCreate(source_id=own_claim.id, target_id=source.id, kind=kinds[0]), "alice"
    )
    incoming = claims.create_relation(
        session, RelationCreate(source_id=target.id, target_id=own_claim.id, kind=kinds[1]), "alice"
    )
    session.info.update({"actor": "tester", "may_edit_any": True})
    return {
        "needed": {source.id, target.id, evidenced.id},
        "own_claim": own_claim.id,
        "tags": {own_tag.id, evidence_tag.id, claims_tag.id},
        "links": {evidence_tag.id: evidenced.id, claims_tag.id: own_claim.id},
        "relations": {
            outgoing.id: (own_claim.id, source.id, "supports"),
            incoming.id: (target.id, own_claim.id, "attacks"),
        },
        "example_relation": example_relation.id,
        "passage": passage.id,
    }


def test_clearing_keeps_the_analysts_work_and_the_example_claims_it_needs(
    seeded_session: Session,
) -> None:
    work = _starter_map_with_alices_work(seeded_session)
    before = examples.count_examples(seeded_session)
    texts = {c.id: c.text for c in seeded_session.exec(select(Claim))}
    stances_before = {
        claim_id: claims.claim_public(
            seeded_session, seeded_session.get_one(Claim, claim_id)
        ).stances
        for claim_id in work["needed"]
    }

    cleared = examples.clear_examples(seeded_session)

    assert cleared.kept_claims == 3
    assert (cleared.claims, cleared.relations, cleared.annotations) == (
        before.claims - 3,
        before.relations,
        before.annotations,
    )
    seeded_session.expire_all()
    # Her tags, with their links, all of them on the passage whose example tags went.
    tags = seeded_session.exec(select(Annotation)).all()
    assert {a.id for a in tags} == work["tags"]
    assert {a.id: a.claim_id for a in tags if a.claim_id} == work["links"]
    assert {a.passage_id for a in tags} == {work["passage"]}
    # Her relations, both ways, between the same claims.
    relations = seeded_session.exec(select(Relation)).all()
    assert {r.id: (r.source_id, r.target_id, r.kind) for r in relations} == work["relations"]
    # Her claim, and the starter claims her work needs: kept, now ordinary claims.
    remaining = seeded_session.exec(select(Claim)).all()
    assert {c.id for c in remaining} == work["needed"] | {work["own_claim"]}
    assert not any(c.example for c in remaining)
    assert all(c.text == texts[c.id] for c in remaining)
    for claim_id, stances in stances_before.items():
        kept = claims.claim_public(seeded_session, seeded_session.get_one(Claim, claim_id))
        assert kept.stances == stances
    # The rest of the example data is gone, the example relation between two kept claims too.
    assert seeded_session.get(Relation, work["example_relation"]) is None
    assert examples.count_examples(seeded_session) == examples.ExampleCounts(0, 0, 0, 0)
    assert len(seeded_session.exec(select(Document)).all()) == 5


def test_clearing_with_no_work_on_the_examples_deletes_them_all(seeded_session: Session) -> None:
    examples.load_starter_map(seeded_session, SEEDS)
    passage_id = seeded_session.exec(select(Annotation.passage_id)).first()
    own = make_annotation(seeded_session, seeded_session.get_one(Passage, passage_id), "us")
    counts = examples.count_examples(seeded_session)

    cleared = examples.clear_examples(seeded_session)

    assert (cleared.claims, cleared.relations, cleared.annotations) == (
        counts.claims,
        counts.relations,
        counts.annotations,
    )
    assert cleared.kept_claims == 0
    assert seeded_session.exec(select(Claim)).all() == []
    assert seeded_session.exec(select(Relation)).all() == []
    assert [a.id for a in seeded_session.exec(select(Annotation))] == [own.id]


def test_examples_api_and_page_button(seeded_client: TestClient, seeded_db_url: str) -> None:
    from app.db import make_engine

    engine = make_engine(seeded_db_url)
    with Session(engine) as session:
        examples.load_starter_map(session, SEEDS)
    engine.dispose()
    counts = seeded_client.get("/api/examples").json()
    assert counts["claims"] >= 28
    assert counts["actors"] == len(examples.read_starter_actors(SEEDS).actors)
    page = seeded_client.get("/claims").text
    assert "Clear the example data" in page
    cleared = seeded_client.post("/examples/clear", headers={"HX-Request": "true"})
    assert cleared.headers["HX-Redirect"] == "/claims"
    assert seeded_client.get("/api/examples").json() == {
        "claims": 0,
        "relations": 0,
        "annotations": 0,
        "actors": 0,
    }
    assert "Clear the example data" not in seeded_client.get("/claims").text
    assert seeded_client.delete("/api/examples").json()["claims"] == 0

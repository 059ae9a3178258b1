"""The starter map: built from its recipe through the services, shipped as an export, loaded
as example data on a new corpus, and cleared in one action."""

import json
from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.config import PROJECT_ROOT
from app.models import Annotation, Claim, Document, Relation
from app.services import examples
from app.services.errors import InvalidInput
from app.services.export import export_schema
from tests.factories import make_annotation

SEEDS = PROJECT_ROOT / "seeds"


@pytest.fixture(scope="module")
def shipped_map() -> dict:
    return json.loads((SEEDS / examples.MAP_FILE).read_text(encoding="utf-8"))


def test_the_shipped_map_is_the_recipe_built(shipped_map: dict) -> None:
    from jsonschema import Draft202012Validator

    Draft202012Validator(
        export_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER
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


def test_the_starter_map_spans_all_five_articles(shipped_map: dict) -> None:
    documents = Counter(a["document_id"] for a in shipped_map["annotations"])
    assert len(documents) == 5
    assert 28 <= len(shipped_map["claims"]) <= 34
    kinds = Counter(r["kind"] for r in shipped_map["relations"])
    assert kinds["supports"] > 0 and kinds["attacks"] > 0
    per_claim = Counter(a["claim_id"] for a in shipped_map["annotations"])
    assert all(per_claim[c["id"]] >= 1 for c in shipped_map["claims"])


def test_building_from_the_recipe_again_gives_the_same_map(
    tmp_path: Path, shipped_map: dict
) -> None:
    counts = examples.build_starter_map(SEEDS, tmp_path / "map.json", tmp_path)
    rebuilt = json.loads((tmp_path / "map.json").read_text(encoding="utf-8"))
    assert (counts.claims, counts.relations, counts.annotations) == (
        len(shipped_map["claims"]),
        len(shipped_map["relations"]),
        len(shipped_map["annotations"]),
    )

    def quotes(m):
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


def test_load_then_clear_keeps_the_analysts_own_work(seeded_session: Session) -> None:
    report = examples.load_starter_map(seeded_session, SEEDS)
    assert report is not None and report.created["claims"] >= 28
    counts = examples.count_examples(seeded_session)
    assert counts.claims == report.created["claims"]

    example_claim = seeded_session.exec(select(Claim)).first()
    passage_id = seeded_session.exec(select(Annotation.passage_id)).first()
    from app.models import Passage

    own = make_annotation(seeded_session, seeded_session.get(Passage, passage_id), "us")
    own.claim_id = example_claim.id
    seeded_session.add(own)
    seeded_session.commit()

    cleared = examples.clear_examples(seeded_session)
    assert cleared == counts
    assert examples.count_examples(seeded_session).claims == 0
    assert seeded_session.exec(select(Claim)).all() == []
    assert seeded_session.exec(select(Relation)).all() == []
    remaining = seeded_session.exec(select(Annotation)).all()
    assert [a.id for a in remaining] == [own.id]
    seeded_session.refresh(remaining[0])
    assert remaining[0].claim_id is None
    assert len(seeded_session.exec(select(Document)).all()) == 5


def test_examples_api_and_page_button(seeded_client: TestClient, seeded_db_url: str) -> None:
    from app.db import make_engine

    engine = make_engine(seeded_db_url)
    with Session(engine) as session:
        examples.load_starter_map(session, SEEDS)
    engine.dispose()
    counts = seeded_client.get("/api/examples").json()
    assert counts["claims"] >= 28
    page = seeded_client.get("/claims").text
    assert "Clear the example data" in page
    cleared = seeded_client.post("/examples/clear", headers={"HX-Request": "true"})
    assert cleared.headers["HX-Redirect"] == "/claims"
    assert seeded_client.get("/api/examples").json() == {
        "claims": 0,
        "relations": 0,
        "annotations": 0,
    }
    assert "Clear the example data" not in seeded_client.get("/claims").text
    assert seeded_client.delete("/api/examples").json()["claims"] == 0

"""No GET route shows a coder what they may not see while they code a document independently.

The modules of each family of routes check the routes that show or count tags, both ways
(hidden from the coder, shown to the others, counts right): their `CHECKED_ROUTES`. This module
makes sure no route escapes: every GET route of the access rules is either in one of those sets
or is asked here, signed in as the coder Bob, and must not name Alice's tag, her note or the
example tags of the document he codes. A new route is therefore checked the day it is added.
"""

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.access import RULES
from app.models import Relation, Topic
from tests.accounts import sign_in_as
from tests.coding import ALICE_NOTE, coding_scene
from tests.routes import test_blinding_analysis, test_blinding_exports, test_blinding_reads

CHECKED_ELSEWHERE = (
    test_blinding_reads.CHECKED_ROUTES
    | test_blinding_analysis.CHECKED_ROUTES
    | test_blinding_exports.CHECKED_ROUTES
)
GET_ROUTES = sorted(path for method, path in RULES if method == "GET")
SWEPT = [path for path in GET_ROUTES if path not in CHECKED_ELSEWHERE]


def test_every_get_route_is_checked_somewhere() -> None:
    assert set(SWEPT) | CHECKED_ELSEWHERE == set(GET_ROUTES)
    # The routes that show tags are the other modules' (they check counts and both sides).
    for path in ("/documents/{document_id}", "/matrix", "/api/export", "/api/annotations"):
        assert path in CHECKED_ELSEWHERE


def _fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(?::[^}]*)?\}", lambda m: values[m.group(1)], path)


@pytest.mark.parametrize("path", SWEPT)
def test_a_coder_gets_nothing_hidden_from_any_other_route(
    path: str, seeded_client: TestClient, seeded_session: Session
) -> None:
    scene = coding_scene(seeded_session)
    topic = seeded_session.exec(select(Topic.key).order_by(col(Topic.key))).first()
    relation = seeded_session.exec(select(Relation.id)).first()
    values = {
        "document_id": scene.document_id,
        "passage_id": scene.passage_id,
        "actor_key": "russia",
        "position_key": "russia",
        "topic_key": topic or "none",
        "relation_id": relation or "none",
        "family": "position",
        "key": "russia",
        "item_type": "annotation",
        "item_id": scene.alice_tag,
        "annotation_id": scene.alice_tag,
        "claim_id": "none",
        "assignment_id": "none",
    }
    url = _fill(path, values)
    client = sign_in_as(seeded_client, "bob")
    answer = client.get(url, follow_redirects=False)
    assert answer.status_code < 500, (url, answer.status_code, answer.text[:300])
    hidden = [scene.alice_tag, ALICE_NOTE, *scene.example_tags]
    leaked = [marker for marker in hidden if marker in answer.text]
    assert leaked == [], f"{url} shows Bob what he may not see: {leaked}"

"""Every export leaves out what its reader may not see while they code a document on their own.

Bob and Alice code one document independently (tests/coding.py). Signed in as Bob, each file
the Export page offers carries his tag but nothing of Alice's tag there (its id, its note) nor
of the example tags in that document; the admin, who codes nothing, gets all of it. The
command line is the operator's, and is not blinded.
"""

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.models import Annotation, Assignment, Claim, Passage, utcnow
from tests.accounts import sign_in_as
from tests.coding import ALICE_NOTE, BOB_NOTE, CodingScene, coding_scene
from tests.factories import make_annotation
from tests.routes.test_access import app_routes
from tests.test_cli import argmap

CHECKED_ROUTES: frozenset[str] = frozenset(
    {
        "/export",
        "/api/export",
        "/api/export/csv",
        "/api/export/w3c",
        "/api/export/aif",
        "/api/export/history",
        "/api/networks/file",
    }
)
"""The GET routes (path templates, as in app/access.py RULES) that write out tags."""

# The files carrying tags with their ids and notes, and how each is asked for.
TAG_FILES: dict[str, dict[str, str]] = {
    "/api/export": {},
    "/api/export/csv": {},
    "/api/export/w3c": {},
    "/api/export/aif": {},
    "/api/export/history": {},
}
# Routes that serve the format's description, not the map.
SCHEMA_ROUTES = frozenset(
    {
        "/api/export/schema",
        "/api/export/schema/v1",
        "/api/export/schema/v2",
        "/api/export/schema/v3",
    }
)


@pytest.fixture
def scene(seeded_client: TestClient, seeded_session: Session) -> Iterator[CodingScene]:
    """The coding scene, Alice's and Bob's tags made evidence for a claim (so that AIF, which
    writes evidence tags only, carries them)."""
    made = coding_scene(seeded_session)
    claim = seeded_session.exec(select(Claim).order_by(col(Claim.id))).first()
    assert claim is not None
    for tag_id in (made.alice_tag, made.bob_tag):
        tag = seeded_session.get(Annotation, tag_id)
        assert tag is not None
        tag.claim_id = claim.id
        seeded_session.add(tag)
    seeded_session.commit()
    yield made


def leaked(text: str, scene: CodingScene) -> list[str]:
    """What of Alice's and the example tags in the scene's document `text` carries."""
    secrets = [ALICE_NOTE, scene.alice_tag, *scene.example_tags]
    return [secret for secret in secrets if secret in text]


def test_every_export_route_is_checked(seeded_client: TestClient) -> None:
    exports = {
        path
        for method, path in app_routes(seeded_client.app)  # type: ignore[arg-type]
        if method == "GET"
        and (path.startswith(("/api/export", "/api/networks/file")) or path == "/export")
    }
    assert exports - SCHEMA_ROUTES == CHECKED_ROUTES
    assert set(TAG_FILES) | {"/export", "/api/networks/file"} == CHECKED_ROUTES


@pytest.mark.parametrize("path", sorted(TAG_FILES))
def test_a_coder_exports_his_own_tag_and_nothing_hidden_from_him(
    seeded_client: TestClient, scene: CodingScene, path: str
) -> None:
    as_bob = sign_in_as(seeded_client, "bob").get(path, params=TAG_FILES[path])
    assert as_bob.status_code == 200, as_bob.text
    assert BOB_NOTE in as_bob.text and scene.bob_tag in as_bob.text
    assert leaked(as_bob.text, scene) == []


@pytest.mark.parametrize("path", sorted(TAG_FILES))
def test_the_admin_exports_every_tag(
    seeded_client: TestClient, scene: CodingScene, path: str
) -> None:
    as_admin = sign_in_as(seeded_client, "tester").get(path, params=TAG_FILES[path])
    assert as_admin.status_code == 200, as_admin.text
    assert BOB_NOTE in as_admin.text
    secrets = [ALICE_NOTE, scene.alice_tag, *scene.example_tags]
    assert leaked(as_admin.text, scene) == secrets


def test_a_filtered_native_export_is_blinded_too(
    seeded_client: TestClient, scene: CodingScene
) -> None:
    params = {"document": scene.document_id}
    exported = sign_in_as(seeded_client, "bob").get("/api/export", params=params).json()
    assert [tag["id"] for tag in exported["annotations"]] == [scene.bob_tag]
    # The claims are the catalog's: the one Bob's tag is evidence for is there.
    assert {claim["id"] for claim in exported["claims"]} >= {exported["annotations"][0]["claim_id"]}


def test_once_he_is_done_and_the_team_lets_him_a_coder_exports_the_others_tags(
    seeded_client: TestClient, seeded_session: Session, scene: CodingScene
) -> None:
    bob = sign_in_as(seeded_client, "bob")
    assert ALICE_NOTE not in bob.get("/api/export/csv").text
    # Done, with the team's default (show the others' tags once done): nothing is hidden.
    assignment = seeded_session.exec(
        select(Assignment).where(
            Assignment.document_id == scene.document_id, Assignment.analyst == "bob"
        )
    ).one()
    assignment.done_at = utcnow()
    seeded_session.add(assignment)
    seeded_session.commit()
    assert ALICE_NOTE in bob.get("/api/export/csv").text


def test_the_network_file_of_a_coder_counts_only_his_tags_in_the_document(
    seeded_client: TestClient, scene: CodingScene
) -> None:
    # A network carries no tag ids or notes: what Bob may not see must not count in it. In
    # his document, his network is the one made of his tags alone.
    asked = {"document": scene.document_id, "format": "edges.csv", "kind": "two-mode"}
    as_bob = sign_in_as(seeded_client, "bob").get("/api/networks/file", params=asked)
    admin = sign_in_as(seeded_client, "tester")
    everyone = admin.get("/api/networks/file", params=asked)
    only_bob = admin.get("/api/networks/file", params={**asked, "analyst": "bob"})
    assert as_bob.status_code == everyone.status_code == only_bob.status_code == 200
    assert as_bob.text == only_bob.text != everyone.text


def test_the_export_page_shows_no_hidden_tag_and_offers_the_layer(
    seeded_client: TestClient, scene: CodingScene
) -> None:
    page = sign_in_as(seeded_client, "bob").get("/export")
    assert page.status_code == 200
    assert leaked(page.text, scene) == []
    assert page.text.count('<select name="layer">') == 3
    assert '<option value="adjudicated">adjudicated layer</option>' in page.text


# --- the layer -----------------------------------------------------------------------------


def test_the_adjudicated_layer_holds_only_adjudicated_tags(
    seeded_client: TestClient, seeded_session: Session, scene: CodingScene
) -> None:
    adopted = seeded_session.get(Annotation, scene.alice_tag)
    passage = seeded_session.get(Passage, scene.passage_id)
    assert adopted is not None and passage is not None
    adjudicated = make_annotation(
        seeded_session, passage, adopted.position_key, note="curator-decision", analyst="tester"
    )
    adjudicated.claim_id, adjudicated.adjudicated = adopted.claim_id, True
    adjudicated.adopted_from = adopted.id
    seeded_session.add(adjudicated)
    seeded_session.commit()
    admin = sign_in_as(seeded_client, "tester")
    layer = {"layer": "adjudicated"}

    native = admin.get("/api/export", params=layer).json()
    assert native["filters"]["layer"] == "adjudicated"
    assert [(t["id"], t["adjudicated"], t["adopted_from"]) for t in native["annotations"]] == [
        (adjudicated.id, True, adopted.id)
    ]
    csv_rows = admin.get("/api/export/csv", params=layer).text.strip().splitlines()
    assert len(csv_rows) == 2 and adjudicated.id in csv_rows[1]
    w3c = admin.get("/api/export/w3c", params=layer).json()
    assert w3c["total"] == 1 and adjudicated.id in json.dumps(w3c)
    aif = admin.get("/api/export/aif", params=layer).text
    assert adjudicated.id in aif and scene.bob_tag not in aif
    # The coder may not see the adjudicated layer of the document he codes.
    as_bob = sign_in_as(seeded_client, "bob").get("/api/export", params=layer).json()
    assert as_bob["annotations"] == []
    # Every tag: the adjudicated one among the others.
    every = sign_in_as(seeded_client, "tester").get("/api/export").json()["annotations"]
    assert {adjudicated.id, adopted.id, scene.bob_tag} <= {tag["id"] for tag in every}


def test_an_unknown_layer_is_refused(seeded_client: TestClient) -> None:
    for path in ("/api/export", "/api/export/csv", "/api/export/w3c", "/api/export/aif"):
        answer = seeded_client.get(path, params={"layer": "mine"})
        assert answer.status_code == 422, path


def test_the_command_line_is_the_operators_and_takes_the_layer(
    seeded_client: TestClient, seeded_db_url: str, scene: CodingScene
) -> None:
    admin = sign_in_as(seeded_client, "tester")
    for fmt, path in (("argmap", "/api/export"), ("csv", "/api/export/csv")):
        for layer in ("all", "adjudicated"):
            api = admin.get(path, params={"layer": layer}).content
            result = argmap(seeded_db_url, "export", "--format", fmt, "--layer", layer)
            assert result.exit_code == 0, result.stderr
            assert result.stdout_bytes == api, (fmt, layer)
    # Every tag, Alice's among them, whoever runs it.
    everything = argmap(seeded_db_url, "export").stdout
    assert ALICE_NOTE in everything and BOB_NOTE in everything

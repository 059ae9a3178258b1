"""While a coder codes a document independently, nothing of the other analysts' tags there (nor
the example tags) reaches them through the documents, tags, search, history, home and example
pages and their JSON twins: not the tags' ids, not their notes, not in the counts. Their own
tags show as always, an admin who codes nothing sees every tag, and once a coder marked the
document done they see the others' tags if the team's setting lets them."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlmodel import Session, col, func, select

from app.models import Annotation, Assignment, Passage, TeamSetting, utcnow
from app.services.blinding import SHOW_OTHERS_WHEN_DONE
from tests.accounts import ADMIN, sign_in_as
from tests.coding import ALICE_NOTE, BOB_NOTE, CodingScene, coding_scene
from tests.factories import make_annotation

# Every GET route (as app/access.py's RULES write it) whose answer these tests check.
CHECKED_ROUTES: frozenset[str] = frozenset(
    {
        "/",
        "/api/home",
        "/documents",
        "/api/documents",
        "/documents/{document_id}",
        "/api/documents/{document_id}",
        "/documents/{document_id}/passages",
        "/api/documents/{document_id}/passages",
        "/documents/{document_id}/stats",
        "/documents/{document_id}/details",
        "/documents/{document_id}/details/edit",
        "/documents/{document_id}/orphans",
        "/api/documents/{document_id}/orphans",
        "/api/orphans",
        "/passages/{passage_id}",
        "/api/passages/{passage_id}",
        "/passages/{passage_id}/tag-form",
        "/annotations/{annotation_id}/edit",
        "/api/annotations",
        "/api/annotations/{annotation_id}",
        "/search",
        "/api/search",
        "/history",
        "/api/history",
        "/history/{item_type:item_type}/{item_id}",
        "/api/history/{item_type:item_type}/{item_id}",
        "/api/examples",
    }
)


@dataclass(frozen=True)
class Coding:
    client: TestClient
    session: Session
    scene: CodingScene

    def get(self, username: str, url: str) -> Response:
        response = sign_in_as(self.client, username).get(url)
        assert response.status_code == 200, f"{url} as {username}: {response.text[:300]}"
        return response

    @property
    def hidden_from_bob(self) -> list[str]:
        """What nothing bob reads may hold: Alice's tag, her note, the example tags."""
        return [self.scene.alice_tag, ALICE_NOTE, *self.scene.example_tags]


@pytest.fixture
def coding(seeded_client: TestClient, seeded_session: Session) -> Coding:
    return Coding(seeded_client, seeded_session, coding_scene(seeded_session))


def leaked(text: str, coding: Coding) -> list[str]:
    return [marker for marker in coding.hidden_from_bob if marker in text]


# Pages and answers that show the tags of the scene's passage: (route, its URL in the scene).
TAG_SHOWING: list[tuple[str, Callable[[CodingScene], str]]] = [
    ("/documents/{document_id}", lambda s: f"/documents/{s.document_id}?all=true"),
    ("/documents/{document_id}/passages", lambda s: f"/documents/{s.document_id}/passages"),
    ("/documents/{document_id}/details", lambda s: f"/documents/{s.document_id}/details"),
    ("/passages/{passage_id}", lambda s: f"/passages/{s.passage_id}"),
    ("/passages/{passage_id}/tag-form", lambda s: f"/passages/{s.passage_id}/tag-form?position=us"),
    ("/annotations/{annotation_id}/edit", lambda s: f"/annotations/{s.bob_tag}/edit"),
    ("/api/annotations", lambda s: f"/api/annotations?document={s.document_id}"),
    ("/api/annotations", lambda s: "/api/annotations?limit=200"),
    ("/history", lambda s: "/history?item_type=annotation&limit=200"),
    ("/api/history", lambda s: "/api/history?item_type=annotation&limit=200"),
]


@pytest.mark.parametrize(("route", "url_of"), TAG_SHOWING, ids=[r for r, _ in TAG_SHOWING])
def test_a_coder_sees_only_their_own_tags_where_tags_are_shown(
    coding: Coding, route: str, url_of: Callable[[CodingScene], str]
) -> None:
    url = url_of(coding.scene)
    everything = coding.get(ADMIN, url).text
    assert coding.scene.alice_tag in everything and coding.scene.bob_tag in everything
    bobs = coding.get("bob", url).text
    assert leaked(bobs, coding) == []
    assert coding.scene.bob_tag in bobs


@pytest.mark.parametrize(
    "url_of",
    [
        lambda s: f"/documents/{s.document_id}?all=true",
        lambda s: f"/passages/{s.passage_id}",
        lambda s: f"/api/annotations?document={s.document_id}",
        lambda s: "/api/history?item_type=annotation&limit=200",
    ],
)
def test_the_notes_shown_are_the_coders_own(
    coding: Coding, url_of: Callable[[CodingScene], str]
) -> None:
    url = url_of(coding.scene)
    everything = coding.get(ADMIN, url).text
    assert ALICE_NOTE in everything and BOB_NOTE in everything
    bobs = coding.get("bob", url).text
    assert BOB_NOTE in bobs and ALICE_NOTE not in bobs


def test_the_admin_sees_the_example_tags_the_coder_does_not(coding: Coding) -> None:
    url = f"/documents/{coding.scene.document_id}?all=true"
    assert coding.scene.example_tags, "the scene's document holds no example tag"
    everything = coding.get(ADMIN, url).text
    assert all(example in everything for example in coding.scene.example_tags)
    listed = coding.get("bob", f"/api/annotations?document={coding.scene.document_id}")
    assert [tag["id"] for tag in listed.json()] == [coding.scene.bob_tag]
    assert listed.headers["X-Total-Count"] == "1"
    alices = f"/api/annotations?document={coding.scene.document_id}&analyst=alice"
    assert [tag["id"] for tag in coding.get(ADMIN, alices).json()] == [coding.scene.alice_tag]
    assert coding.get("bob", alices).json() == []


def test_an_admin_who_codes_the_document_sees_only_their_own_tags_there(coding: Coding) -> None:
    url = f"/documents/{coding.scene.document_id}/details/edit"
    before = coding.get(ADMIN, url).text
    assert coding.scene.alice_tag in before and coding.scene.bob_tag in before
    coding.session.add(
        Assignment(document_id=coding.scene.document_id, analyst=ADMIN, assigned_by=ADMIN)
    )
    coding.session.commit()
    after = coding.get(ADMIN, url).text
    assert leaked(after, coding) == [] and coding.scene.bob_tag not in after
    assert 'name="title"' in after  # the form, on the document's page


# --- the counts ---------------------------------------------------------------------------------


def placed_tags(session: Session, document_id: str) -> int:
    """The live tags in place in the document, whoever made them."""
    return session.exec(
        select(func.count()).where(
            Annotation.document_id == document_id,
            col(Annotation.deleted_at).is_(None),
            col(Annotation.passage_id).is_not(None),
        )
    ).one()


def test_document_counts_are_of_the_tags_the_coder_may_see(coding: Coding) -> None:
    scene = coding.scene
    everyone = {d["id"]: d for d in coding.get(ADMIN, "/api/documents?limit=100").json()}
    bobs = {d["id"]: d for d in coding.get("bob", "/api/documents?limit=100").json()}
    assert everyone[scene.document_id]["annotation_count"] == placed_tags(
        coding.session, scene.document_id
    )
    assert everyone[scene.document_id]["annotation_count"] >= 2 + len(scene.example_tags)
    # Bob's own tag there, and every tag of the documents he does not code.
    assert bobs[scene.document_id]["annotation_count"] == 1
    assert bobs[scene.document_id]["tagged_passage_count"] == 1
    others = {key: d for key, d in everyone.items() if key != scene.document_id}
    assert {key: d for key, d in bobs.items() if key != scene.document_id} == others

    one = coding.get("bob", f"/api/documents/{scene.document_id}").json()
    assert (one["annotation_count"], one["tagged_passage_count"]) == (1, 1)
    page = coding.get("bob", "/documents?limit=100").text
    assert f'<a href="/documents/{scene.document_id}"' in page
    row = page.split(f'<a href="/documents/{scene.document_id}"')[1].split("</tr>")[0]
    assert '<td class="num" data-tagged="1">1</td>\n  <td class="num">1</td>' in row
    stats = coding.get("bob", f"/documents/{scene.document_id}/stats").text
    assert "1 tag<" in stats and "data-tagged-count>1<" in stats
    admin_stats = coding.get(ADMIN, f"/documents/{scene.document_id}/stats").text
    assert f"{everyone[scene.document_id]['annotation_count']} tags<" in admin_stats


def test_the_passages_without_tags_read_the_same_for_everyone(coding: Coding) -> None:
    scene = coding.scene
    for url in (
        f"/api/documents/{scene.document_id}/passages",
        f"/api/passages/{scene.passage_id}",
    ):
        assert coding.get("bob", url).json() == coding.get(ADMIN, url).json()


def test_the_home_counts_and_latest_changes_leave_the_hidden_tags_out(coding: Coding) -> None:
    scene = coding.scene
    everyone = coding.get(ADMIN, "/api/home").json()
    bobs = coding.get("bob", "/api/home").json()
    by_analyst = {a["analyst"]: a["tags"] for a in everyone["progress"]["analysts"]}
    bob_by_analyst = {a["analyst"]: a["tags"] for a in bobs["progress"]["analysts"]}
    assert by_analyst["alice"] == 1 and by_analyst["bob"] == 1
    assert "alice" not in bob_by_analyst and bob_by_analyst["bob"] == 1
    assert bobs["progress"]["tags"] == everyone["progress"]["tags"] - 1
    hidden_examples = len(scene.example_tags)
    assert (
        bobs["progress"]["example_tags"] == everyone["progress"]["example_tags"] - hidden_examples
    )
    assert leaked(str(bobs), coding) == []
    assert scene.alice_tag in str(everyone["recent"])
    assert scene.bob_tag in str(bobs["recent"])
    shown = {d["id"]: d["tags"] for d in bobs["corpus"]["shown"]}
    if scene.document_id in shown:
        assert shown[scene.document_id] == 1
    page = coding.get("bob", "/").text
    assert leaked(page, coding) == [] and scene.bob_tag in page
    assert scene.alice_tag in coding.get(ADMIN, "/").text


def test_the_example_counts_leave_out_the_examples_a_coder_may_not_see(coding: Coding) -> None:
    everyone = coding.get(ADMIN, "/api/examples").json()
    bobs = coding.get("bob", "/api/examples").json()
    assert everyone["annotations"] > len(coding.scene.example_tags) > 0
    assert bobs == {
        **everyone,
        "annotations": everyone["annotations"] - len(coding.scene.example_tags),
    }


# --- search --------------------------------------------------------------------------------------


def search_total(coding: Coding, username: str, query: str) -> int:
    return int(coding.get(username, f"/api/search?{query}").json()["total"])


def test_search_finds_no_note_of_a_hidden_tag(coding: Coding) -> None:
    # The notes' last words are theirs alone: "7f3a" is Alice's, "91c4" Bob's.
    assert search_total(coding, ADMIN, "q=7f3a") == 1
    assert search_total(coding, "bob", "q=7f3a") == 0
    assert search_total(coding, "bob", "q=91c4") == 1
    found = coding.get("bob", "/api/search?q=private+reading&type=note").json()["results"]
    assert [hit["id"] for hit in found] == [coding.scene.bob_tag]
    page = coding.get("bob", "/search?q=7f3a").text
    assert "Nothing has all of these words" in page
    assert "1–1 of 1 result" in coding.get(ADMIN, "/search?q=7f3a").text


def test_searching_by_a_hidden_analyst_finds_nothing_of_their_tags(coding: Coding) -> None:
    passage = coding.session.get(Passage, coding.scene.passage_id)
    assert passage is not None
    word = max(passage.text.split(), key=len).strip(".,;:!?\"'()“”‘’")
    query = f"q={word}&analyst=alice&type=passage"
    everyone = coding.get(ADMIN, f"/api/search?{query}").json()["results"]
    assert coding.scene.passage_id in [hit["id"] for hit in everyone]
    bobs = coding.get("bob", f"/api/search?{query}").json()["results"]
    assert coding.scene.passage_id not in [hit["id"] for hit in bobs]
    assert search_total(coding, "bob", "q=private&analyst=alice") == 0
    assert search_total(coding, "bob", f"q={word}&analyst=bob&type=passage") >= 1


# --- history -------------------------------------------------------------------------------------


def history_ids(coding: Coding, username: str, query: str) -> list[str]:
    answer = coding.get(username, f"/api/history?{query}").json()
    return [entry["item_id"] for entry in answer["entries"]]


def test_the_history_pages_are_of_the_visible_entries(coding: Coding) -> None:
    # Alice tags again: the newest tag entry is now one Bob may not see.
    passage = coding.session.get(Passage, coding.scene.passage_id)
    assert passage is not None
    later = make_annotation(coding.session, passage, "us", note=ALICE_NOTE, analyst="alice")
    assert history_ids(coding, ADMIN, "item_type=annotation&limit=1") == [later.id]
    assert history_ids(coding, "bob", "item_type=annotation&limit=1") == [coding.scene.bob_tag]
    # An item id filter that matches only a hidden tag gives nothing.
    assert history_ids(coding, "bob", f"q={coding.scene.alice_tag}") == []
    assert history_ids(coding, ADMIN, f"q={coding.scene.alice_tag}") == [coding.scene.alice_tag]


def test_a_hidden_tags_own_history_is_not_found(coding: Coding) -> None:
    scene = coding.scene
    for prefix in ("/history", "/api/history"):
        hidden = f"{prefix}/annotation/{scene.alice_tag}"
        assert sign_in_as(coding.client, "bob").get(hidden).status_code == 404
        assert ALICE_NOTE in coding.get(ADMIN, hidden).text
        own = coding.get("bob", f"{prefix}/annotation/{scene.bob_tag}").text
        assert BOB_NOTE in own and leaked(own, coding) == []


# --- tags that lost their place -------------------------------------------------------------------


def orphan(session: Session, *annotation_ids: str) -> None:
    for annotation_id in annotation_ids:
        annotation = session.get(Annotation, annotation_id)
        assert annotation is not None
        annotation.passage_id = None
        annotation.start = annotation.end = None
        annotation.orphaned_at = utcnow()
        session.add(annotation)
    session.commit()


def test_a_coder_sees_only_their_own_orphans(coding: Coding) -> None:
    scene = coding.scene
    orphan(coding.session, scene.alice_tag, scene.bob_tag)
    page = coding.get("bob", f"/documents/{scene.document_id}/orphans").text
    assert BOB_NOTE in page and leaked(page, coding) == []
    assert ALICE_NOTE in coding.get(ADMIN, f"/documents/{scene.document_id}/orphans").text
    for url in (f"/api/documents/{scene.document_id}/orphans", "/api/orphans"):
        everyone = [tag["id"] for tag in coding.get(ADMIN, url).json()]
        assert {scene.alice_tag, scene.bob_tag} <= set(everyone)
        assert [tag["id"] for tag in coding.get("bob", url).json()] == [scene.bob_tag]
    document = coding.get("bob", f"/documents/{scene.document_id}").text
    assert f"/documents/{scene.document_id}/orphans" in document  # one orphan: Bob's


# --- a hidden tag by its id ---------------------------------------------------------------------


def test_a_hidden_tag_is_not_found_to_read_change_or_remove(coding: Coding) -> None:
    scene = coding.scene
    client = sign_in_as(coding.client, "bob")
    nothing = client.get("/api/annotations/no-such-tag")
    assert nothing.status_code == 404
    for hidden in (scene.alice_tag, scene.example_tags[0]):
        answer = client.get(f"/api/annotations/{hidden}")
        assert answer.status_code == 404
        assert answer.json() == {
            key: value.replace("no-such-tag", hidden) if isinstance(value, str) else value
            for key, value in nothing.json().items()
        }
        changed = client.patch(f"/api/annotations/{hidden}", json={"note": "x", "version": 1})
        assert changed.status_code == 404
        assert client.delete(f"/api/annotations/{hidden}").status_code == 404
        assert client.get(f"/annotations/{hidden}/edit").status_code == 404
        form = {"position_key": "russia", "kind": "states", "note": "x"}
        assert client.put(f"/annotations/{hidden}", data=form).status_code == 404
        assert client.delete(f"/annotations/{hidden}").status_code == 404
        assert client.post(f"/api/annotations/{hidden}/restore").status_code == 404
    alices = coding.get(ADMIN, f"/api/annotations/{scene.alice_tag}").json()
    assert (alices["note"], alices["version"]) == (ALICE_NOTE, 1)
    assert (
        sign_in_as(coding.client, "bob").get(f"/api/annotations/{scene.bob_tag}").json()["note"]
        == BOB_NOTE
    )


# --- after marking the document done --------------------------------------------------------------


@pytest.fixture
def done(seeded_client: TestClient, seeded_session: Session) -> Coding:
    return Coding(seeded_client, seeded_session, coding_scene(seeded_session, alice_done=True))


def alice_reads(coding: Coding) -> dict[str, Any]:
    scene = coding.scene
    client = sign_in_as(coding.client, "alice")
    return {
        "page": client.get(f"/documents/{scene.document_id}?all=true").text,
        "tag": client.get(f"/api/annotations/{scene.bob_tag}").status_code,
        "count": client.get(f"/api/documents/{scene.document_id}").json()["annotation_count"],
    }


def test_once_done_a_coder_sees_the_others_tags(done: Coding) -> None:
    seen = alice_reads(done)
    assert BOB_NOTE in seen["page"] and ALICE_NOTE in seen["page"]
    assert seen["tag"] == 200
    assert seen["count"] == placed_tags(done.session, done.scene.document_id)
    # Bob has not marked it done: he still sees his own tags only.
    bobs = done.get("bob", f"/documents/{done.scene.document_id}?all=true").text
    assert leaked(bobs, done) == [] and BOB_NOTE in bobs


def test_with_the_team_setting_off_a_coder_sees_only_their_own_even_when_done(
    done: Coding,
) -> None:
    done.session.add(TeamSetting(name=SHOW_OTHERS_WHEN_DONE, value="false"))
    done.session.commit()
    seen = alice_reads(done)
    assert ALICE_NOTE in seen["page"] and BOB_NOTE not in seen["page"]
    assert done.scene.bob_tag not in seen["page"]
    assert seen["tag"] == 404
    assert seen["count"] == 1

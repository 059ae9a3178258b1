"""A long document's view: the first passages come with the page, the next ones a window at a
time as the reader scrolls, and a link to a late passage loads up to it."""

from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.presenters.documents import PASSAGES_PER_LOAD
from tests.accounts import sign_in_as

HX = {"HX-Request": "true"}
LENGTH = 2 * PASSAGES_PER_LOAD + 15  # three windows, the last one short


def soup(response: Any) -> BeautifulSoup:
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "html.parser")


@pytest.fixture
def long_document(seeded_client: TestClient) -> dict[str, Any]:
    """A document of LENGTH paragraphs; paragraph 1 and paragraph LENGTH - 5 are tagged."""
    text = "\n\n".join(f"Paragraph {n} of the long report says something." for n in range(LENGTH))
    created = seeded_client.post("/api/documents", json={"title": "Long report", "text": text})
    assert created.status_code == 201, created.text
    document = created.json()
    passages = seeded_client.get(f"/api/documents/{document['id']}/passages").json()
    assert len(passages) == LENGTH
    for passage in (passages[1], passages[LENGTH - 5]):
        body = {"passage_id": passage["id"], "position_key": "russia", "kind": "supports"}
        assert seeded_client.post("/api/annotations", json=body).status_code == 201
    return {**document, "passages": passages}


def ids_of(page: BeautifulSoup) -> list[str]:
    return [str(section["data-passage-id"]) for section in page.select("section.passage")]


def next_window(page: BeautifulSoup) -> str | None:
    more = page.select_one("[data-more-passages]")
    return str(more["hx-get"]) if more is not None else None


def test_the_page_brings_the_first_window_and_the_rest_follows_in_order(
    seeded_client: TestClient, long_document: dict[str, Any]
) -> None:
    expected = [p["id"] for p in long_document["passages"]]
    page = soup(seeded_client.get(f"/documents/{long_document['id']}"))
    shown = ids_of(page)
    assert shown == expected[:PASSAGES_PER_LOAD]
    url = next_window(page)
    assert url == f"/documents/{long_document['id']}/passages?start={PASSAGES_PER_LOAD}"
    more = page.select_one("[data-more-passages]")
    assert more is not None and more["hx-trigger"] == "revealed"
    # Without scripts, the reader can still ask for every passage.
    assert more.select_one(f'a[href="/documents/{long_document["id"]}?all=1"]') is not None
    windows = 0
    while url is not None:
        fragment = soup(seeded_client.get(url, headers=HX))
        assert fragment.find("html") is None
        shown += ids_of(fragment)
        url = next_window(fragment)
        windows += 1
    assert shown == expected
    assert windows == 2


def test_tags_show_in_whichever_window_holds_their_passage(
    seeded_client: TestClient, long_document: dict[str, Any]
) -> None:
    late = long_document["passages"][LENGTH - 5]
    page = soup(seeded_client.get(f"/documents/{long_document['id']}"))
    assert len(page.select(".chip")) == 1
    start = 2 * PASSAGES_PER_LOAD
    last = soup(seeded_client.get(f"/documents/{long_document['id']}/passages?start={start}"))
    section = last.select_one(f'section[data-passage-id="{late["id"]}"]')
    assert section is not None
    chips = section.select(".chip")
    assert len(chips) == 1 and chips[0]["data-annotation-id"]
    assert "supports" in chips[0].get_text()


def test_every_passage_gets_position_buttons_for_itself(
    seeded_client: TestClient, long_document: dict[str, Any]
) -> None:
    # The buttons are rendered once per page and each passage's id is put into them.
    for url in (
        f"/documents/{long_document['id']}",
        f"/documents/{long_document['id']}/passages?start={PASSAGES_PER_LOAD}",
    ):
        page = soup(seeded_client.get(url))
        for section in page.select("section.passage"):
            buttons = section.select(".tagbar .pos-btn")
            assert buttons, "an analyst can tag every paragraph"
            wanted = f"/passages/{section['data-passage-id']}/tag-form"
            assert {button["hx-get"] for button in buttons} == {wanted}
        assert "passage-" not in page.get_text()


def test_a_viewer_gets_the_windows_without_position_buttons(
    seeded_client: TestClient, long_document: dict[str, Any]
) -> None:
    sign_in_as(seeded_client, "victor")
    page = soup(seeded_client.get(f"/documents/{long_document['id']}"))
    assert len(ids_of(page)) == PASSAGES_PER_LOAD
    assert page.select(".pos-btn") == []
    url = next_window(page)
    assert url is not None
    assert len(ids_of(soup(seeded_client.get(url)))) == PASSAGES_PER_LOAD
    sign_in_as(seeded_client, None)
    assert seeded_client.get(url).status_code == 401


def test_all_and_through_load_more_at_once(
    seeded_client: TestClient, long_document: dict[str, Any]
) -> None:
    expected = [p["id"] for p in long_document["passages"]]
    everything = soup(seeded_client.get(f"/documents/{long_document['id']}?all=1"))
    assert ids_of(everything) == expected
    assert next_window(everything) is None
    target = expected[PASSAGES_PER_LOAD + 10]
    through = soup(seeded_client.get(f"/documents/{long_document['id']}?through={target}"))
    assert ids_of(through) == expected[: PASSAGES_PER_LOAD + 11]
    assert next_window(through) == (
        f"/documents/{long_document['id']}/passages?start={PASSAGES_PER_LOAD + 11}"
    )
    # From a window on, as the page's script asks when a link names a passage not loaded yet.
    url = f"/documents/{long_document['id']}/passages?start={PASSAGES_PER_LOAD}&through={target}"
    assert (
        ids_of(soup(seeded_client.get(url))) == expected[PASSAGES_PER_LOAD : 2 * PASSAGES_PER_LOAD]
    )
    # An id that is not one of this document's passages changes nothing.
    other = soup(seeded_client.get(f"/documents/{long_document['id']}?through=nope"))
    assert ids_of(other) == expected[:PASSAGES_PER_LOAD]


def test_bad_window_requests_get_clear_errors(
    seeded_client: TestClient, long_document: dict[str, Any]
) -> None:
    negative = seeded_client.get(f"/documents/{long_document['id']}/passages?start=-1")
    assert negative.status_code == 422
    missing = seeded_client.get("/documents/no-such-document/passages?start=0")
    assert missing.status_code == 404
    assert "no-such-document" in missing.text
    beyond = soup(seeded_client.get(f"/documents/{long_document['id']}/passages?start=5000"))
    assert ids_of(beyond) == [] and next_window(beyond) is None

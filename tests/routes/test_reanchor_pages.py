"""Replacing a document's text from its page, the page of tags that lost their place, and the
review marks in the claim page and the map views (HTML; the JSON API is tested apart)."""

from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from tests.corrections import Tagged, tag_and_correct
from tests.markup import one

HX = {"HX-Request": "true"}


def soup(response: Any) -> BeautifulSoup:
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "html.parser")


@pytest.fixture
def tagged(seeded_client: TestClient) -> Tagged:
    return tag_and_correct(seeded_client)


def replace_from_the_page(client: TestClient, tagged: Tagged) -> Any:
    return client.post(
        f"/documents/{tagged.document['id']}/text", data={"text": tagged.corrected}, headers=HX
    )


def test_the_document_page_offers_to_replace_its_exact_text(
    seeded_client: TestClient, tagged: Tagged
) -> None:
    page = soup(seeded_client.get(f"/documents/{tagged.document['id']}"))

    form = page.select_one("details.replace-text form")
    assert form is not None
    assert form["hx-post"] == form["action"] == f"/documents/{tagged.document['id']}/text"
    # The page writes a newline before the text, for browsers drop the first newline after
    # <textarea> (html.parser keeps it): a text that begins with a line break keeps it.
    assert one(form, "textarea[name=text]").get_text() == "\n" + tagged.text
    assert page.select_one("[data-orphans]") is None


def test_replacing_from_the_page_redirects_to_the_document_with_what_happened(
    seeded_client: TestClient, tagged: Tagged
) -> None:
    response = replace_from_the_page(seeded_client, tagged)

    assert response.status_code == 200
    url = f"/documents/{tagged.document['id']}"
    assert response.headers["HX-Redirect"] == url
    page = soup(seeded_client.get(url))
    flash = page.select_one("[data-flash]")
    assert flash is not None
    assert flash.get_text() == "Text replaced: 1 tag kept in place, 0 moved, 1 lost its place."
    notice = page.select_one("[data-orphans]")
    assert notice is not None and "1 tag lost its place" in notice.get_text()
    assert one(notice, "a")["href"] == f"{url}/orphans"
    assert page.select(".passage")[0].get_text(strip=True).startswith("A corrected copy adds")
    # The message is shown once.
    assert soup(seeded_client.get(url)).select_one("[data-flash]") is None


def test_a_plain_form_post_is_redirected_and_browser_line_breaks_are_undone(
    seeded_client: TestClient, tagged: Tagged
) -> None:
    before = seeded_client.get("/api/export").content
    # Browsers send a textarea's line breaks as CRLF; the stored text has LF only.
    response = seeded_client.post(
        f"/documents/{tagged.document['id']}/text",
        data={"text": tagged.text.replace("\n", "\r\n")},
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/documents/{tagged.document['id']}"
    assert seeded_client.get("/api/export").content == before
    page = soup(seeded_client.get(response.headers["location"]))
    assert one(page, "[data-flash]").get_text() == (
        "The text is the same as before: nothing changed."
    )


def test_an_empty_text_from_the_page_is_refused_with_a_message(
    seeded_client: TestClient, tagged: Tagged
) -> None:
    response = seeded_client.post(
        f"/documents/{tagged.document['id']}/text", data={"text": "  \r\n "}, headers=HX
    )
    assert response.status_code == 422
    assert "no content" in response.json()["detail"]


def test_the_orphans_page_lists_each_lost_tag_with_its_quote_and_claim(
    seeded_client: TestClient, tagged: Tagged
) -> None:
    replace_from_the_page(seeded_client, tagged)

    page = soup(seeded_client.get(f"/documents/{tagged.document['id']}/orphans"))

    (item,) = page.select("#orphans .orphan")
    assert item["data-annotation-id"] == tagged.lost["id"]
    assert one(item, ".orphan-quote").get_text().startswith("Britain and France")
    assert "European" in item.get_text() and "states" in item.get_text()
    assert item.select_one(f'a[href="/claims/{tagged.claim["id"]}"]') is not None
    assert one(item, "button")["hx-delete"] == f"/annotations/{tagged.lost['id']}"


def test_removing_an_orphan_answers_with_the_orphans_list_and_an_undo(
    seeded_client: TestClient, tagged: Tagged
) -> None:
    replace_from_the_page(seeded_client, tagged)

    removed = seeded_client.delete(f"/annotations/{tagged.lost['id']}", headers=HX)

    fragment = soup(removed)
    assert fragment.find("html") is None
    assert removed.headers["HX-Trigger"] == "tags-changed"
    assert fragment.select(".orphan") == []
    undo = one(fragment, ".undo button")
    assert undo["hx-post"] == f"/annotations/{tagged.lost['id']}/restore"
    restored = soup(seeded_client.post(undo["hx-post"], headers=HX))
    assert [li["data-annotation-id"] for li in restored.select(".orphan")] == [tagged.lost["id"]]


def test_an_orphan_cannot_be_edited_in_a_passage_it_no_longer_has(
    seeded_client: TestClient, tagged: Tagged
) -> None:
    replace_from_the_page(seeded_client, tagged)

    response = seeded_client.get(f"/annotations/{tagged.lost['id']}/edit", headers=HX)

    assert response.status_code == 409
    assert "lost its place" in response.json()["detail"]


def test_the_claim_page_says_it_needs_review_and_quotes_the_lost_evidence(
    seeded_client: TestClient, tagged: Tagged
) -> None:
    url = f"/claims/{tagged.claim['id']}"
    assert soup(seeded_client.get(url)).select_one("[data-needs-review]") is None

    replace_from_the_page(seeded_client, tagged)

    page = soup(seeded_client.get(url))
    notice = page.select_one("section[data-needs-review]")
    assert notice is not None and "Needs review" in notice.get_text()
    assert one(notice, ".orphan-quote").get_text().startswith("Britain and France")
    # Its relation is marked too, in the relations list.
    assert page.select_one("#claim-relations [data-needs-review]") is not None
    summary = soup(seeded_client.get(f"{url}/summary"))
    assert summary.select_one("[data-needs-review]") is not None


def test_the_matrix_and_the_graph_legend_mark_claims_needing_review(
    seeded_client: TestClient, tagged: Tagged
) -> None:
    replace_from_the_page(seeded_client, tagged)

    matrix = soup(seeded_client.get("/matrix"))
    marked = matrix.select("td.cell li:has([data-needs-review]) a")
    assert [a["href"] for a in marked] == [f"/claims/{tagged.claim['id']}"]
    legend = one(soup(seeded_client.get("/graph")), ".legend").get_text()
    assert "needs review" in legend

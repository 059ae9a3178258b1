"""A long document in a real browser: passages load as the reader scrolls, a link to a late
passage loads up to it and lands there, and late passages can be tagged like the first."""

import re

import pytest
from playwright.sync_api import Page, expect

from app.access import CSRF_HEADER
from app.presenters.documents import PASSAGES_PER_LOAD
from tests.accounts import ADMIN, SESSIONS

pytestmark = pytest.mark.browser

LENGTH = 2 * PASSAGES_PER_LOAD + 7


def add_long_document(page: Page) -> tuple[str, list[str]]:
    text = "\n\n".join(f"Paragraph {n} of the long report says something." for n in range(LENGTH))
    body = {"title": "Long report", "text": text}
    headers = {CSRF_HEADER: SESSIONS[ADMIN][1]}  # the page fixture is signed in as ADMIN
    created = page.request.post("/api/documents", data=body, headers=headers)
    assert created.status == 201, created.text()
    document_id = created.json()["id"]
    passages = page.request.get(f"/api/documents/{document_id}/passages").json()
    assert len(passages) == LENGTH
    return document_id, [p["id"] for p in passages]


def test_passages_load_as_the_reader_scrolls_down(page: Page) -> None:
    document_id, passage_ids = add_long_document(page)
    page.goto(f"/documents/{document_id}")
    sections = page.locator("section.passage")
    expect(sections).to_have_count(PASSAGES_PER_LOAD)
    for expected in (2 * PASSAGES_PER_LOAD, LENGTH):
        page.locator("[data-more-passages]").scroll_into_view_if_needed()
        expect(sections).to_have_count(expected)
    expect(page.locator("[data-more-passages]")).to_have_count(0)
    assert sections.evaluate_all("all => all.map(s => s.dataset.passageId)") == passage_ids

    # A passage that came with a later window is tagged like any other.
    last = page.locator(f"#p-{passage_ids[-1]}")
    last.hover()
    last.get_by_role("button", name="1 Russian", exact=True).click()
    last.get_by_role("button", name="Save tag").click()
    expect(last.locator(".chip")).to_have_count(1)


def test_a_link_to_a_late_passage_loads_up_to_it_and_lands_there(page: Page) -> None:
    document_id, passage_ids = add_long_document(page)
    target = passage_ids[PASSAGES_PER_LOAD + 20]
    page.goto(f"/documents/{document_id}#p-{target}")
    arrived = page.locator(f"#p-{target}")
    expect(arrived).to_have_class(re.compile(r"\barrived\b"))
    expect(arrived).to_be_focused()
    expect(arrived).to_be_in_viewport()
    loaded = page.locator("section.passage").evaluate_all(
        "all => all.map(s => s.dataset.passageId)"
    )
    assert loaded[: PASSAGES_PER_LOAD + 21] == passage_ids[: PASSAGES_PER_LOAD + 21]

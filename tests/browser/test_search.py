"""Search as you type in a real browser: results arrive while typing, the URL follows, and the
page runs under the Content-Security-Policy."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_results_arrive_as_you_type_and_the_url_follows(page: Page) -> None:
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    page.goto("/documents")
    page.get_by_role("link", name="Search").click()
    box = page.locator('input[name="q"]')
    expect(box).to_be_visible()
    box.press_sequentially("security guaran", delay=30)
    expect(page.locator("#search-results mark").first).to_be_visible()
    expect(page.locator("#search-results mark").first).to_have_text(
        re.compile("security|guarantee", re.IGNORECASE)
    )
    expect(page).to_have_url(re.compile(r"/search\?.*q=security(\+|%20)guaran"))
    page.locator('input[name="type"][value="claim"]').check()
    expect(page.locator("#search-results")).to_contain_text("Nothing has all of these words")
    page.locator('input[name="type"][value="claim"]').uncheck()
    page.locator('input[name="type"][value="passage"]').check()
    # The list is refreshed (and its URL pushed) before a result is followed: a click on the
    # old list would race the refresh.
    expect(page).to_have_url(re.compile(r"type=passage"))
    first = page.locator("#search-results li.search-hit a").first
    first.click()
    expect(page).to_have_url(re.compile(r"/documents/[^#]+#p-"))
    assert refused == []

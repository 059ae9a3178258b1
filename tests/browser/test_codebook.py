"""The codebook in a browser: an admin defines a code in place, the printed page is the
codebook alone, and the tag form says what the chosen topic means."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.access import CSRF_HEADER
from tests.accounts import ADMIN, SESSIONS
from tests.browser.test_tagging import SCREENSHOT_DIR

pytestmark = pytest.mark.browser


def test_a_code_defined_in_place_prints_without_the_site_around_it(
    page: Page, tmp_path: Path
) -> None:
    page.goto("/codebook")
    entry = page.locator("#code-topic-nato")
    entry.get_by_role("button", name="Edit the definition").click()
    entry.locator("textarea[name=definition]").fill("Whether Ukraine may join NATO.")
    entry.get_by_role("button", name="Save").click()
    expect(page.locator("#code-topic-nato .definition")).to_have_text(
        "Whether Ukraine may join NATO."
    )
    entry.scroll_into_view_if_needed()
    target = SCREENSHOT_DIR if os.environ.get("ARGMAP_SCREENSHOTS") else tmp_path
    page.screenshot(path=str(target / "codebook.png"))
    page.emulate_media(media="print")
    expect(page.locator("header.site")).to_be_hidden()
    expect(page.locator("#code-topic-nato button")).to_be_hidden()
    expect(page.locator("#code-topic-nato .definition")).to_be_visible()
    assert entry.evaluate("e => getComputedStyle(e).breakInside") == "avoid"


def test_the_tag_form_says_what_the_chosen_topic_means(page: Page) -> None:
    headers = {CSRF_HEADER: SESSIONS[ADMIN][1]}
    answer = page.request.put(
        "/api/codebook/topic/nato", data={"definition": "Membership of NATO"}, headers=headers
    )
    assert answer.ok, answer.text()
    document = page.request.get("/api/documents").json()[0]
    page.goto(f"/documents/{document['id']}")
    first = page.locator("#passages .passage.kind-paragraph").nth(0)
    first.hover()
    first.get_by_role("button", name="1 Russian", exact=True).click()
    form = page.locator(".tag-form")
    expect(form).to_be_visible()
    form.locator("select[name=topic_key]").select_option("nato")
    expect(form.locator("[data-definition-shown]")).to_contain_text("Membership of NATO")

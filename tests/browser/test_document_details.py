"""An admin fixes the time axis in a real browser: opens an undated document, sets its date by
keyboard alone, and finds it in the list; a date someone set meanwhile is not overwritten."""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.accounts import ADMIN
from tests.browser.conftest import signed_in_context
from tests.browser.test_conflict_page import csrf_header, ok

pytestmark = pytest.mark.browser


def test_set_a_documents_date_by_keyboard_and_see_it_in_the_list(
    page: Page, tmp_path: Path
) -> None:
    page.goto("/documents")
    notice = page.locator("[data-undated]")
    expect(notice).to_contain_text("4 of 5 documents have no date")
    undated = page.locator("#document-rows tr", has=page.locator(".no-date")).first
    name = undated.locator("td").first.inner_text()
    undated.get_by_role("link").click()
    details = page.locator("#document-details")
    expect(details.locator(".no-date")).to_have_text("no date")

    # e opens the form in place, its first field focused.
    page.keyboard.press("e")
    form = details.locator("form.details-form")
    expect(form).to_be_visible()
    expect(form.locator("input[name=title]")).to_be_focused()
    # Escape closes it again, and the keyboard goes back to the control that opened it.
    page.keyboard.press("Escape")
    expect(form).to_have_count(0)
    edit = details.locator("[data-edit-details]")
    expect(edit).to_be_focused()

    # A date written another way is refused in words, in the form, and nothing is saved.
    page.keyboard.press("e")
    expect(form.locator("input[name=title]")).to_be_focused()
    for _ in range(3):
        page.keyboard.press("Tab")
    published = form.locator("input[name=published]")
    expect(published).to_be_focused()
    page.keyboard.type("16.08.2025")
    page.keyboard.press("Enter")
    expect(form.locator("#details-published-error")).to_contain_text("write it as YYYY-MM-DD")
    expect(published).to_be_focused()
    expect(published).to_have_value("16.08.2025")
    expect(page.locator("#toast")).to_be_hidden()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(tmp_path / "details-refused.png"))

    # Corrected, Enter saves it: the details show the date and keep the keyboard.
    page.keyboard.press("Control+A")
    page.keyboard.type("2025-08-16")
    page.keyboard.press("Enter")
    expect(form).to_have_count(0)
    expect(details.locator("dl.meta")).to_contain_text("2025-08-16")
    expect(details.locator("[role=status]")).to_contain_text("Saved: version 2")
    expect(details.locator(".no-date")).to_have_count(0)
    expect(edit).to_be_focused()
    page.screenshot(path=str(tmp_path / "details-saved.png"))

    page.locator(".crumbs").get_by_role("link", name="Documents").click()
    row = page.locator("#document-rows tr", has_text=name)
    expect(row).to_contain_text("2025-08-16")
    expect(row.locator(".no-date")).to_have_count(0)
    expect(notice).to_contain_text("3 of 5 documents have no date")
    page.screenshot(path=str(tmp_path / "documents-list.png"), full_page=True)
    assert (tmp_path / "documents-list.png").stat().st_size > 10_000


def test_a_date_set_meanwhile_by_someone_else_is_shown_before_anything_is_overwritten(
    page: Page, browser: Browser, live_server: str
) -> None:
    document = ok(page.request.get("/api/documents?undated=true"))[0]
    page.goto(f"/documents/{document['id']}")
    page.keyboard.press("e")
    form = page.locator("#document-details form.details-form")
    expect(form.locator("input[name=title]")).to_be_focused()

    other = signed_in_context(browser, live_server, ADMIN)
    try:
        url = f"/api/documents/{document['id']}"
        theirs = {"published": "2025-08-14", "version": 1}
        assert ok(other.request.patch(url, data=theirs, headers=csrf_header(ADMIN)))["version"] == 2
    finally:
        other.close()

    form.locator("input[name=published]").fill("2025-08-16")
    form.locator("input[name=published]").press("Enter")
    panel = page.locator("#conflict")
    expect(panel.locator(".conflict-mine")).to_contain_text("2025-08-16")
    expect(panel.locator(".conflict-theirs")).to_contain_text("2025-08-14")
    expect(page.locator("[data-keep-theirs]")).to_be_focused()
    expect(page.locator("#toast")).to_be_hidden()

    # Enter keeps theirs (the safe default): the details show them and the panel goes.
    page.keyboard.press("Enter")
    expect(panel).to_be_empty()
    expect(form).to_have_count(0)
    expect(page.locator("#document-details dl.meta")).to_contain_text("2025-08-14")
    assert ok(page.request.get(url))["published"] == "2025-08-14"

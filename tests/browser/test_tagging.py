"""An analyst in a real browser: tag by mouse, by keyboard and by span; reload; export."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from app.config import PROJECT_ROOT
from tests.accounts import PASSWORD, USERS

pytestmark = pytest.mark.browser

# Set ARGMAP_SCREENSHOTS=1 (make screenshots) to refresh the README's picture.
SCREENSHOT_DIR = PROJECT_ROOT / "static" / "screenshots"


def select_text(page: Page, passage: Locator, start: int, end: int) -> None:
    """Drag the mouse over characters start..end of the passage text, as a person would."""
    text = passage.locator("[data-passage-text]")
    text.scroll_into_view_if_needed()
    x1, y1, x2, y2 = text.evaluate(
        """(el, [a, b]) => {
            const node = el.firstChild;
            const range = document.createRange();
            range.setStart(node, a); range.setEnd(node, a + 1);
            const first = range.getBoundingClientRect();
            range.setStart(node, b - 1); range.setEnd(node, b);
            const last = range.getBoundingClientRect();
            return [first.left + 1, first.top + first.height / 2,
                    last.right - 1, last.top + last.height / 2];
        }""",
        [start, end],
    )
    page.mouse.move(x1, y1)
    page.mouse.down()
    page.mouse.move((x1 + x2) / 2, (y1 + y2) / 2, steps=4)
    page.mouse.move(x2, y2, steps=4)
    page.mouse.up()


def sign_in(page: Page, username: str) -> None:
    """Sign in through the sign-in page, as a person would (any earlier session is dropped)."""
    page.context.clear_cookies()
    page.goto("/documents")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fdocuments$"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/documents$"))
    expect(page.locator(".user-menu strong")).to_have_text(USERS[username][0])


def test_tag_by_mouse_keyboard_and_span_then_reload_and_export(page: Page, tmp_path: Path) -> None:
    sign_in(page, "alice")
    page.get_by_role("link", name="The summit between United States President").click()
    expect(page.locator("h1")).to_contain_text("The summit between United States President")
    paragraphs = page.locator("#passages .passage.kind-paragraph")

    # By mouse: a position button, then the kind, a topic and Save.
    first = paragraphs.nth(0)
    first.hover()
    first.get_by_role("button", name="1 Russian", exact=True).click()
    form = page.locator(".tag-form")
    form.get_by_label("supports the Russian position").check()
    form.locator("select[name=topic_key]").select_option("ceasefire")
    form.get_by_role("button", name="Save tag").click()
    expect(first.locator(".chip")).to_have_count(1)
    expect(first.locator(".chip-pos")).to_have_text("Russian")
    expect(page.locator("[data-tagged-count]")).to_have_text("1")

    # By keyboard: j j moves two passages down, 2 picks the second position, o = opposes.
    page.keyboard.press("j")
    page.keyboard.press("j")
    third = paragraphs.nth(2)
    expect(third).to_be_focused()
    page.keyboard.press("2")
    expect(page.locator(".tag-form")).to_be_visible()
    page.keyboard.press("o")
    page.keyboard.press("Enter")
    expect(third.locator(".chip")).to_have_count(1)
    expect(third.locator(".chip")).to_contain_text("Ukrainian")
    expect(third.locator(".chip-kind")).to_have_text("opposes")
    expect(page.locator(".tag-form")).to_have_count(0)

    # A span: select words inside a passage, then a position.
    kremlin = paragraphs.filter(has_text="According to the Kremlin, any peace agreement")
    full_text = kremlin.locator("[data-passage-text]").inner_text()
    phrase = "any peace agreement between Russia and Ukraine should also be"
    start = full_text.index(phrase)
    select_text(page, kremlin, start, start + len(phrase))
    expect(kremlin.locator("[data-span-quote]")).to_have_text(phrase)
    kremlin.get_by_role("button", name="3 US", exact=True).click()
    expect(page.locator(".tag-form .form-target q")).to_have_text(phrase)
    page.locator(".tag-form").get_by_role("button", name="Save tag").click()
    expect(kremlin.locator("mark.span")).to_have_text(phrase)

    # A second span, near the top, for the README's picture.
    second = paragraphs.nth(1)
    claim = "the long-term prospects of the negotiations have not really changed"
    claim_start = second.locator("[data-passage-text]").inner_text().index(claim)
    select_text(page, second, claim_start, claim_start + len(claim))
    page.keyboard.press("4")
    page.keyboard.press("u")
    page.keyboard.press("Enter")
    expect(second.locator("mark.span")).to_have_text(claim)

    # Reload: everything is still there.
    page.reload()
    expect(page.locator("#passages .chip")).to_have_count(4)
    expect(paragraphs.nth(0).locator(".chip-pos")).to_have_text("Russian")
    expect(paragraphs.nth(2).locator(".chip-pos")).to_have_text("Ukrainian")
    expect(kremlin.locator("mark.span")).to_have_text(phrase)

    # The export carries the three tags.
    exported = page.request.get("/api/export").json()
    tags = {a["position_key"]: a for a in exported["annotations"]}
    assert set(tags) == {"russia", "ukraine", "us", "europe"}
    assert (tags["europe"]["kind"], tags["europe"]["quote"]) == ("supports", claim)
    assert (tags["russia"]["kind"], tags["russia"]["topic_key"]) == ("supports", "ceasefire")
    assert tags["russia"]["quote"] is None
    assert tags["ukraine"]["kind"] == "opposes"
    assert tags["us"]["quote"] == phrase
    assert (tags["us"]["start"], tags["us"]["end"]) == (start, start + len(phrase))
    assert {a["analyst"] for a in exported["annotations"]} == {"alice"}

    page.set_viewport_size({"width": 1280, "height": 1000})
    page.evaluate("window.scrollTo(0, 0)")
    second.focus()
    target = SCREENSHOT_DIR if os.environ.get("ARGMAP_SCREENSHOTS") else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / "document-view.png"))
    assert (target / "document-view.png").stat().st_size > 10_000


def test_edit_remove_and_undo_a_tag(page: Page) -> None:
    sign_in(page, "alice")
    page.get_by_role("link", name="Trump-Putin in Alaska").click()
    expect(page.locator("h1")).to_contain_text("Trump-Putin in Alaska")
    passage = page.locator("#passages .passage.kind-paragraph").nth(1)
    passage.hover()
    passage.get_by_role("button", name="4 European", exact=True).click()
    page.locator(".tag-form").get_by_role("button", name="Save tag").click()
    expect(passage.locator(".chip-kind")).to_have_text("states")

    passage.locator(".chip-label").click()
    page.locator(".tag-form").get_by_label("supports the European position").check()
    page.locator(".tag-form input[name=note]").fill("the author's own view")
    page.locator(".tag-form").get_by_role("button", name="Save changes").click()
    expect(passage.locator(".chip-kind")).to_have_text("supports")

    passage.get_by_role("button", name="Remove this tag").click()
    expect(passage.locator(".chip")).to_have_count(0)
    passage.get_by_role("button", name="Undo").click()
    expect(passage.locator(".chip-kind")).to_have_text("supports")
    expect(page.locator("[data-tagged-count]")).to_have_text("1")


def test_keys_do_not_fire_while_typing_and_help_opens_with_question_mark(page: Page) -> None:
    sign_in(page, "alice")
    page.get_by_role("link", name="Trump-Putin in Alaska").click()
    expect(page.locator("h1")).to_contain_text("Trump-Putin in Alaska")
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#help")).to_be_hidden()

    page.keyboard.press("j")
    page.keyboard.press("1")
    note = page.locator(".tag-form input[name=note]")
    note.click()
    note.type("j k 2 o ?")  # typed into the field, not taken as shortcuts
    expect(note).to_have_value("j k 2 o ?")
    expect(page.locator(".tag-form input[name=kind][value=states]")).to_be_checked()
    expect(page.locator("#help")).to_be_hidden()
    page.keyboard.press("Escape")
    expect(page.locator(".tag-form")).to_have_count(0)

"""A phone (390×844, a touch screen) and the tag form at 1280×800: tagging by touch, no page
wider than the screen, and a tag form that fits with its Save button in view."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from app.access import SESSION_COOKIE
from tests.accounts import ADMIN, SESSIONS
from tests.browser.conftest import Problems, signed_in_context
from tests.browser.test_tagging import SCREENSHOT_DIR, select_text

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}


def phone_context(browser: Browser, live_server: str, username: str) -> BrowserContext:
    """A phone's browser (touch, no hover) holding `username`'s session cookie."""
    context = browser.new_context(
        base_url=live_server,
        viewport=PHONE,
        has_touch=True,
        is_mobile=True,
        device_scale_factor=2,
    )
    token, _csrf = SESSIONS[username]
    context.add_cookies(
        [{"name": SESSION_COOKIE, "value": token, "url": live_server, "httpOnly": True}]
    )
    return context


@pytest.fixture
def phone(browser: Browser, live_server: str) -> Iterator[Page]:
    """A phone signed in as the analyst alice; scripts failing on it fail the test."""
    context = phone_context(browser, live_server, "alice")
    page = context.new_page()
    problems = Problems()
    problems.watch(page)
    yield page
    context.close()
    problems.check()


def first_document(page: Page) -> str:
    document_id: str = page.request.get("/api/documents").json()[0]["id"]
    return document_id


def document_with(page: Page, text: str) -> str:
    """The id of the document one of whose passages holds `text`."""
    for document in page.request.get("/api/documents").json():
        passages = page.request.get(f"/api/documents/{document['id']}/passages").json()
        if any(text in passage["text"] for passage in passages):
            document_id: str = document["id"]
            return document_id
    raise AssertionError(f"no document says {text!r}")


def overflow(page: Page) -> int:
    """How many pixels the page is wider than the screen (0: it is not)."""
    width: int = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return width


def test_tagging_by_touch_on_a_phone(phone: Page, tmp_path: Path) -> None:
    phone.goto(f"/documents/{first_document(phone)}")
    paragraphs = phone.locator("#passages .passage.kind-paragraph")
    first, second = paragraphs.nth(0), paragraphs.nth(1)
    expect(first).to_be_visible()

    # No passage keeps room for buttons it does not show.
    reserved = phone.evaluate(
        "Array.from(document.querySelectorAll('.passage .tagbar'))"
        ".map((bar) => bar.getBoundingClientRect().height).filter((h) => h > 0).length"
    )
    assert reserved == 0

    # A tap on the passage shows its position buttons.
    first.locator("[data-passage-text]").tap()
    expect(first.locator(".tagbar")).to_be_visible()
    expect(second.locator(".tagbar")).to_be_hidden()
    first.get_by_role("button", name="1 Russian", exact=True).tap()

    form = first.locator(".tag-form")
    expect(form).to_be_visible()
    box = form.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert overflow(phone) == 0
    form.get_by_text("supports the Russian position").tap()
    save = form.get_by_role("button", name="Save tag")
    save.scroll_into_view_if_needed()
    save_box = save.bounding_box()
    assert save_box is not None and save_box["x"] + save_box["width"] <= PHONE["width"]
    save.tap()

    expect(first.locator(".tag-form")).to_have_count(0)
    expect(first.locator(".chip-pos")).to_have_text("Russian")
    expect(first.locator(".chip-kind")).to_have_text("supports")

    # A span, chosen as a phone chooses one (its selection handles move the selection, no
    # mouse button goes up), is taken once the selection rests.
    third = paragraphs.nth(2)
    words = third.locator("[data-passage-text]").inner_text().split()[:3]
    third.locator("[data-passage-text]").evaluate(
        """(el, length) => {
            const node = el.firstChild;
            window.getSelection().setBaseAndExtent(node, 0, node, length);
        }""",
        len(" ".join(words)),
    )
    expect(third.locator("[data-span-quote]")).to_have_text(" ".join(words))
    expect(third.locator(".tagbar")).to_be_visible()
    phone.evaluate("window.getSelection().removeAllRanges()")

    # The next passage, its form open, for the manual's picture of a phone.
    second.locator("[data-passage-text]").tap()
    second.get_by_role("button", name="2 Ukrainian", exact=True).tap()
    expect(second.locator(".tag-form")).to_be_visible()
    assert overflow(phone) == 0
    # The first passage's new chip just above, the second passage and its form below.
    second.evaluate("el => window.scrollTo(0, el.getBoundingClientRect().top + scrollY - 64)")
    target = SCREENSHOT_DIR if os.environ.get("ARGMAP_SCREENSHOTS") else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(target / "phone-document.png"))
    assert (target / "phone-document.png").stat().st_size > 10_000


def test_no_page_is_wider_than_a_phone(browser: Browser, live_server: str) -> None:
    context = phone_context(browser, live_server, ADMIN)
    page = context.new_page()
    problems = Problems()
    problems.watch(page)
    document_id = first_document(page)
    claim = page.request.post(
        "/api/claims",
        data={"text": "A ceasefire must come before a peace agreement"},
        headers={"X-CSRF-Token": SESSIONS[ADMIN][1]},
    ).json()
    pages = [
        "/",
        "/documents",
        f"/documents/{document_id}",
        "/positions",
        "/positions/russia",
        "/actors",
        "/claims",
        f"/claims/{claim['id']}",
        "/graph",
        "/matrix",
        "/networks",
        "/agreement",
        "/search?q=ceasefire",
        "/history",
        "/export",
        "/account",
        "/users",
    ]
    try:
        too_wide = {}
        for url in pages:
            page.goto(url)
            if (extra := overflow(page)) > 0:
                too_wide[url] = extra
        assert too_wide == {}, f"pages wider than the phone (by pixels): {too_wide}"
        # The graph's and the network's canvases take the screen's width.
        for url, canvas in (("/graph", "#graph"), ("/networks", "#network")):
            page.goto(url)
            box = page.locator(canvas).bounding_box()
            assert box is not None and box["width"] >= PHONE["width"] - 40, url
    finally:
        context.close()
    problems.check()


def test_the_tag_form_fits_with_its_claim_part_and_save_in_view(
    browser: Browser, live_server: str
) -> None:
    context = signed_in_context(browser, live_server, "alice")
    page = context.new_page()
    problems = Problems()
    problems.watch(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    try:
        kremlin_says = "According to the Kremlin, any peace agreement"
        page.goto(f"/documents/{document_with(page, kremlin_says)}")
        kremlin = page.locator("#passages .passage.kind-paragraph").filter(has_text=kremlin_says)
        text = kremlin.locator("[data-passage-text]").inner_text()
        phrase = "any peace agreement between Russia and Ukraine"
        start = text.index(phrase)
        select_text(page, kremlin, start, start + len(phrase))
        kremlin.get_by_role("button", name="3 US", exact=True).click()

        form = kremlin.locator(".tag-form")
        expect(form).to_be_visible()
        # The kinds name the position, and follow it when another is chosen.
        expect(form.get_by_label("states the US position")).to_be_checked()
        form.locator("select[name=position_key]").select_option("europe")
        expect(form.get_by_label("opposes the European position")).to_be_visible()
        # The claim part has the form's width, its legend one line, and Save is in view.
        claim_part = form.locator("fieldset.claim-choice")
        claim_box = claim_part.bounding_box()
        form_box = form.bounding_box()
        assert claim_box is not None and form_box is not None
        assert claim_box["width"] >= form_box["width"] * 0.9
        legend_box = claim_part.locator("legend").bounding_box()
        assert legend_box is not None and legend_box["height"] < 30
        save = form.get_by_role("button", name="Save tag")
        expect(save).to_be_in_viewport()
        # The chosen span stays marked while the form is open.
        marked = page.evaluate(
            "Array.from(CSS.highlights.get('chosen-span') || []).map((r) => r.toString())"
        )
        assert marked == [phrase]

        # Made with a claim the position rejects, the tag's chip says so.
        form.get_by_label("make a claim of it").check()
        form.locator("textarea[name=claim_text]").fill("Guarantor countries must sign")
        form.get_by_label("rejects").check()
        save.click()
        expect(kremlin.locator(".tag-form")).to_have_count(0)
        expect(kremlin.locator(".chip-claim .chip-stance")).to_have_text("▼ rejects")
        assert page.evaluate("CSS.highlights.get('chosen-span').size") == 0
    finally:
        context.close()
    problems.check()

"""Building a small argument map by hand in the browser, mostly from the keyboard: claims from
passages of two documents, a support and an attack, a merge; then the graph and the matrix."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_tagging import SCREENSHOT_DIR, sign_in

pytestmark = pytest.mark.browser


def claim_from_passage(page: Page, document: str, passage_text: str, key: str, claim: str) -> None:
    """Open a document, focus a passage, tag it with position `key` and make a claim of it."""
    page.goto("/documents")
    page.get_by_role("link", name=document).click()
    expect(page.locator("h1")).to_contain_text(document)
    passage = page.locator("#passages .passage", has_text=passage_text)
    passage.focus()
    page.keyboard.press(key)
    form = page.locator(".tag-form")
    expect(form).to_be_visible()
    page.keyboard.press("c")
    text = form.locator("textarea[name=claim_text]")
    expect(text).to_be_focused()
    text.fill(claim)
    page.keyboard.press("Control+Enter")
    expect(passage.locator(".chip-claim")).to_contain_text(claim)


def open_claim(page: Page, text: str) -> None:
    page.goto("/claims")
    page.get_by_role("link", name=text, exact=True).click()
    expect(page.locator("#claim-head h1")).to_have_text(text)


def relate(page: Page, search: str, kind: str) -> None:
    """From a claim's page, by keyboard: r, type, ↓ to the first result, Enter."""
    page.locator(f".relate-form input[name=kind][value={kind}]").check()
    page.keyboard.press("Escape")
    page.locator("body").focus()
    page.keyboard.press("r")
    page.keyboard.type(search)
    expect(page.locator(".relate-form .claim-option").first).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")


def test_build_a_map_and_see_it_in_the_graph_and_the_matrix(page: Page, tmp_path: Path) -> None:
    sign_in(page, "tester")
    doc_a = "The summit between United States President"
    doc_b = "Trump-Putin in Alaska"
    claim_from_passage(
        page,
        doc_a,
        "firm belief that Russia, as a nuclear",
        "3",
        "Russia cannot be defeated militarily",
    )
    claim_from_passage(
        page,
        doc_a,
        "Trump pushed the idea",
        "3",
        "A full peace agreement must come before a ceasefire",
    )
    claim_from_passage(
        page,
        doc_b,
        "Even on the limited issue of a ceasefire",
        "1",
        "Ukraine cannot win on the battlefield",
    )
    claim_from_passage(
        page,
        doc_b,
        "In a proxy war, only the major powers",
        "1",
        "A nuclear power like Russia cannot be beaten",
    )

    open_claim(page, "Russia cannot be defeated militarily")
    relate(page, "cannot win", "supports")
    expect(page.locator("#claim-relations .relation.kind-supports")).to_contain_text(
        "Ukraine cannot win on the battlefield"
    )
    open_claim(page, "A full peace agreement must come before a ceasefire")
    relate(page, "battlefield", "attacks")
    expect(page.locator("#claim-relations .relation.kind-attacks")).to_contain_text(
        "Ukraine cannot win on the battlefield"
    )

    # Merge the duplicate from the other article into the first claim, by keyboard.
    open_claim(page, "Russia cannot be defeated militarily")
    page.keyboard.press("m")
    page.keyboard.type("nuclear power")
    expect(page.locator(".claim-results .claim-option").last).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator("h2", has_text="Evidence")).to_contain_text("2 passages from 2 documents")
    page.goto("/claims")
    expect(page.locator("#claim-rows tr")).to_have_count(3)

    page.goto("/graph")
    expect(page.locator("#graph[data-ready]")).to_be_attached()
    counts = page.evaluate(
        "() => { const cy = document.getElementById('graph').cy;"
        " return [cy.nodes().length, cy.edges('[kind = \"supports\"]').length,"
        " cy.edges('[kind = \"attacks\"]').length]; }"
    )
    assert counts == [3, 1, 1]
    page.evaluate(
        "() => { document.getElementById('graph').cy.nodes()"
        ".filter(n => n.data('label').startsWith('Russia')).emit('tap'); }"
    )
    expect(page.locator("#claim-panel .summary-title")).to_have_text(
        "Russia cannot be defeated militarily"
    )
    target = SCREENSHOT_DIR if os.environ.get("ARGMAP_SCREENSHOTS") else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(tmp_path / "graph.png"))  # the manual's is test_graph.py's

    page.goto("/matrix")
    # Both US tags are evidence for claims without a topic: one cell, its two tags by kind.
    us = page.locator('td[data-position="us"]', has_text="Russia cannot be defeated")
    expect(us).to_have_count(1)
    expect(us.locator(".cell-counts")).to_have_text("2 states")
    expect(us.locator(".cell-meta")).to_have_text("2 tags, 2 for a claim")
    # From the keyboard, a cell opens its passages below the table and brings them into view.
    page.set_viewport_size({"width": 1280, "height": 420})
    panel = page.locator("#cell-evidence")
    assert page.evaluate(
        "() => document.getElementById('cell-evidence').getBoundingClientRect().top"
        " > window.innerHeight"
    )
    us.locator("a.cell-open").focus()
    page.keyboard.press("Enter")
    expect(panel.locator("h2")).to_contain_text("US on No topic")
    expect(panel.locator(".cell-passage")).to_have_count(2)
    expect(panel.locator("h2")).to_be_in_viewport()
    expect(panel.locator(".cell-passage .chip-claim").first).to_be_visible()
    assert page.url.endswith("/matrix")  # the panel is not a navigation
    page.set_viewport_size({"width": 1440, "height": 900})
    page.evaluate("document.querySelector('.matrix-wrap').scrollLeft = 0")
    page.screenshot(path=str(target / "matrix-view.png"), full_page=True)

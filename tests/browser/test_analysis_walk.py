"""An analyst's walk from tagging to analysis in a real browser: date a document in its page,
tag two passages with actors (one typed, one accepted from the names the passage mentions), find
the tag counted in the matrix and its passages brought into view, step the network view's time
slider, click a tie to read both passages, and download a CSV and a GraphML from the Export page.
"""

import csv
import io
from pathlib import Path

import networkx
import pytest
from playwright.sync_api import Page, expect

from tests.accounts import ADMIN
from tests.browser.test_conflict_page import csrf_header, ok

pytestmark = pytest.mark.browser

CLAIM = "The summit decides Ukraine's future without Ukraine"
PUTIN_PASSAGE = "Today, 15 August 2025, Donald Trump and Vladimir Putin will meet"
ZELENSKY_PASSAGE = "Zelensky’s best chance at salvaging a diplomatic win"
UNDATED_DOCUMENT = "unherd.com"  # untitled: named by its outlet


def _add_actors(page: Page) -> None:
    headers = csrf_header(ADMIN)
    for actor in (
        {"key": "putin", "name": "Vladimir Putin", "kind": "person", "aliases": ["Putin"]},
        {
            "key": "zelensky",
            "name": "Volodymyr Zelensky",
            "kind": "person",
            "aliases": ["Zelensky"],
        },
    ):
        ok(page.request.post("/api/actors", data=actor, headers=headers))


def _date_in_page(page: Page, document: str, published: str) -> None:
    """Open the document and set its publication date by keyboard, as an admin does."""
    page.goto("/documents")
    page.get_by_role("link", name=document).click()
    details = page.locator("#document-details")
    expect(details.locator(".no-date")).to_have_text("no date")
    page.keyboard.press("e")
    form = details.locator("form.details-form")
    expect(form.locator("input[name=title]")).to_be_focused()
    form.locator("input[name=published]").fill(published)
    page.keyboard.press("Enter")
    expect(details.locator("dl.meta")).to_contain_text(published)


def test_from_a_dated_tag_to_the_matrix_the_network_and_the_exports(
    page: Page, tmp_path: Path
) -> None:
    _add_actors(page)

    # The Russian side, in the dated article: the actor typed into "Who says it" (w).
    page.goto("/documents")
    page.get_by_role("link", name="Trump-Putin in Alaska").click()
    passage = page.locator("#passages .passage", has_text=PUTIN_PASSAGE)
    passage.focus()
    page.keyboard.press("1")
    form = page.locator(".tag-form")
    expect(form).to_be_visible()
    form.locator("select[name=topic_key]").select_option("format")
    page.keyboard.press("w")
    expect(form.locator("input[name=actor]")).to_be_focused()
    page.keyboard.type("Vladimir Putin")
    form.locator("input[name=claim_mode][value=new]").check()
    form.locator("textarea[name=claim_text]").fill(CLAIM)
    page.keyboard.press("Control+Enter")
    expect(passage.locator(".chip-claim")).to_contain_text(CLAIM)
    expect(passage.locator(".chip")).to_contain_text("Vladimir Putin")

    # The Ukrainian side, in an undated article: date it first, in its page.
    _date_in_page(page, UNDATED_DOCUMENT, "2025-08-22")
    passage = page.locator("#passages .passage", has_text=ZELENSKY_PASSAGE)
    passage.focus()
    page.keyboard.press("2")
    expect(form).to_be_visible()
    form.locator("select[name=topic_key]").select_option("format")
    # The passage names Zelensky: the form offers him, and one click fills the field.
    suggestion = form.locator(".actor-suggestion", has_text="Volodymyr Zelensky")
    expect(suggestion).to_be_visible()
    suggestion.click()
    expect(form.locator("input[name=actor]")).to_have_value("Volodymyr Zelensky")
    form.locator("input[name=claim_mode][value=existing]").check()
    form.locator("input[name=q]").fill("decides Ukraine")
    option = form.locator(".claim-results .claim-option", has_text=CLAIM)
    expect(option).to_be_visible()
    option.click()
    form.locator("input[name=stance][value=rejects]").check()
    form.get_by_role("button", name="Save tag").click()
    expect(passage.locator(".chip")).to_contain_text("Volodymyr Zelensky")

    # The matrix counts the Russian tag in its cell; opening the cell brings its passage into view.
    page.goto("/matrix")
    cell = page.locator("td.cell[data-position=russia][data-topic=format]")
    expect(cell.locator(".cell-counts")).to_have_text("1 states")
    cell.locator(".cell-open").click()
    evidence = page.locator("#cell-evidence")
    expect(evidence.locator(".cell-passage")).to_contain_text("Vladimir Putin will meet")
    expect(evidence).to_be_in_viewport()

    # The conflict network over two windows: Zelensky speaks only in the second.
    page.goto("/networks?kind=conflict&since=2025-08-10&until=2025-08-25&window=11&step=5")
    network = page.locator("#network[data-ready=true]")
    expect(network).to_be_attached()
    summary = page.locator("#network-summary")
    expect(summary).to_contain_text("window 1 of 2, 2025-08-10 to 2025-08-20")
    expect(summary).to_contain_text("1 node, 0 ties")
    # Scrolled to the network first: the drawing learns where it now sits on the screen
    # (Cytoscape rereads its position shortly after a scroll) while the window steps.
    network.evaluate("(element) => element.scrollIntoView({ block: 'start' })")
    page.get_by_role("button", name="Next window").click()
    expect(summary).to_contain_text("window 2 of 2, 2025-08-15 to 2025-08-25")
    expect(summary).to_contain_text("2 nodes, 1 tie")
    panel = page.locator("#tie-panel")
    # A real click on the tie's middle. Cytoscape rereads where it sits on the screen a moment
    # after the page scrolls, so a click that comes too soon is tried again.
    for _ in range(5):
        x, y = page.evaluate(
            """() => { const box = document.getElementById('network').getBoundingClientRect();
                       const cy = document.getElementById('network').cy;
                       const tie = cy.edges().filter((e) => !e.hasClass('off'))[0];
                       const at = tie.renderedMidpoint();
                       return [box.left + at.x, box.top + at.y]; }"""
        )
        page.mouse.click(x, y)
        try:
            expect(panel.locator(".tie-title")).to_be_visible(timeout=3_000)
            break
        except AssertionError:
            continue
    expect(panel.locator(".tie-title")).to_contain_text("Vladimir Putin")
    expect(panel).to_contain_text("0 agreeing and 1 disagreeing pair")
    expect(panel.locator(".tie-statement")).to_have_count(2)
    expect(panel).to_contain_text("Vladimir Putin will meet")
    expect(panel).to_contain_text("best chance at salvaging a diplomatic win")
    page.screenshot(path=str(tmp_path / "network-tie.png"))

    # The Export page: the tags as CSV, the network as GraphML.
    page.goto("/export")
    with page.expect_download() as download:
        page.locator("#export-csv").get_by_role("button", name="Download the tags (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8"))))
    assert len(rows) == 2
    assert {row["actor_name"] for row in rows} == {"Vladimir Putin", "Volodymyr Zelensky"}
    network_form = page.locator("#export-network")
    network_form.locator("select[name=kind]").select_option("conflict")
    with page.expect_download() as download:
        network_form.get_by_role("button", name="Download the network").click()
    assert download.value.suggested_filename.endswith(".graphml")
    graph = networkx.read_graphml(download.value.path())
    labels = {graph.nodes[node]["label"] for node in graph.nodes}
    assert labels == {"Vladimir Putin", "Volodymyr Zelensky"}
    [(_, _, tie)] = graph.edges(data=True)
    assert tie["weight"] == 1

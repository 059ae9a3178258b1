"""Control characters and bidi overrides in a claim's text cannot hide or reverse part of its
label in the graph, which Cytoscape draws on a canvas rather than as HTML."""

import pytest
from playwright.sync_api import Page, expect

from tests.accounts import ADMIN
from tests.browser.test_conflict_page import csrf_header, ok

pytestmark = pytest.mark.browser


def test_the_graph_shows_control_characters_in_a_label_as_symbols(page: Page) -> None:
    claim = {"text": "Talks \x1b[31mwill\u202e fail", "stances": [{"position_key": "russia"}]}
    made = ok(page.request.post("/api/claims", data=claim, headers=csrf_header(ADMIN)))
    page.goto("/graph")
    expect(page.locator("#graph[data-ready]")).to_be_attached()
    label = page.evaluate(
        "(id) => document.getElementById('graph').cy.getElementById(id).data('label')", made["id"]
    )
    # The claim's text, then who holds it.
    assert label == "Talks \u241b[31mwill\ufffd fail\n\u25b2 Russian"

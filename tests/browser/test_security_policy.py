"""Every page works under the strict Content-Security-Policy: nothing the browser refuses."""

import pytest
from playwright.sync_api import Page, expect

from app.security import SECURITY_HEADERS
from tests.accounts import ADMIN
from tests.browser.conftest import Problems
from tests.browser.test_conflict_page import csrf_header, ok

pytestmark = pytest.mark.browser


def test_pages_run_without_a_single_policy_violation(page: Page, page_problems: Problems) -> None:
    # A claim, so that the graph page draws a graph: Cytoscape only starts when there is one.
    claim = {"text": "The talks will fail", "stances": [{"position_key": "russia"}]}
    ok(page.request.post("/api/claims", data=claim, headers=csrf_header(ADMIN)))
    response = page.goto("/documents")
    assert response is not None
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name.lower()] == value
    page.get_by_role("link", name="Trump-Putin in Alaska").click()
    expect(page.locator("h1")).to_contain_text("Trump-Putin in Alaska")
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    for path, ready in (
        ("/positions", ".positions"),
        ("/claims", "#claim-rows"),
        ("/graph", "#graph[data-ready]"),
        ("/matrix", "table.matrix"),
        ("/agreement", "main h1"),
        ("/docs", ".api-operation"),
    ):
        page.goto(path)
        expect(page.locator(ready).first).to_be_visible()
    page.goto("/positions")
    page.fill(".add-position input[name=key]", "china")
    page.fill(".add-position input[name=name]", "Chinese")
    page.click(".add-position button[type=submit]")
    expect(page.locator(".positions")).to_contain_text("Chinese")
    expect(page.locator(".add-position input[name=key]")).to_have_value("")
    page_problems.check()

"""Every page works under the strict Content-Security-Policy: nothing the browser refuses."""

import pytest
from playwright.sync_api import Page, expect

from app.security import SECURITY_HEADERS

pytestmark = pytest.mark.browser


def test_pages_run_without_a_single_policy_violation(page: Page) -> None:
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
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
        ("/graph", "#graph"),
        ("/matrix", "table.matrix"),
        ("/agreement", "main h1"),
        ("/docs", ".swagger-ui .info"),
    ):
        page.goto(path)
        expect(page.locator(ready).first).to_be_visible()
    page.goto("/positions")
    page.fill(".add-position input[name=key]", "china")
    page.fill(".add-position input[name=name]", "Chinese")
    page.click(".add-position button[type=submit]")
    expect(page.locator(".positions")).to_contain_text("Chinese")
    expect(page.locator(".add-position input[name=key]")).to_have_value("")
    assert refused == []

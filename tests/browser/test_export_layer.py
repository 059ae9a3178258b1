"""The Export page's layer choice: the API request and the command beside each form follow it."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_choosing_the_adjudicated_layer_updates_the_api_request_and_the_command(
    page: Page,
) -> None:
    page.goto("/export")
    for section, cli in (
        ("#export-csv", "python -m app.cli export --format csv"),
        ("#export-network", "python -m app.cli network"),
        ("#export-map", "python -m app.cli export --format argmap"),
    ):
        form = page.locator(section)
        api = form.locator("[data-api]").first
        command = form.locator("[data-cli]").first
        expect(api).not_to_contain_text("layer")

        form.locator("select[name=layer]").select_option("adjudicated")

        expect(api).to_have_text(re.compile(r"[?&]layer=adjudicated&examples=false$"))
        expect(command).to_have_text(re.compile(f"^{re.escape(cli)} .*--layer adjudicated"))

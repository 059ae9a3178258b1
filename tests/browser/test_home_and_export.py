"""A newcomer's first stops in a real browser: the home page, its hint and its three starting
points; then the Export page, whose files leave the starter map's examples out by default and
are named for what they hold."""

import csv
import io
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, ViewportSize, expect
from sqlmodel import Session

from app.config import PROJECT_ROOT
from app.db import make_engine
from app.services import examples
from tests.browser.test_tagging import SCREENSHOT_DIR

pytestmark = pytest.mark.browser

SEEDS = PROJECT_ROOT / "seeds"
SCREEN: ViewportSize = {"width": 1280, "height": 800}


@pytest.fixture
def starter_map(seeded_db_url: str) -> None:
    """The seed corpus with the starter map's example data, as `make run` loads it."""
    engine = make_engine(seeded_db_url)
    with Session(engine) as session:
        examples.load_starter_map(session, SEEDS)
    engine.dispose()


def screenshot_dir(tmp_path: Path) -> Path:
    return SCREENSHOT_DIR if os.environ.get("ARGMAP_SCREENSHOTS") else tmp_path


def test_the_home_explains_and_leads_to_each_starting_point(
    page: Page, starter_map: None, tmp_path: Path
) -> None:
    page.set_viewport_size(SCREEN)
    page.goto("/")
    hint = page.locator("[data-first-visit-hint]")
    expect(hint).to_be_visible()
    expect(page.locator("#home-corpus")).to_contain_text("5 documents")
    expect(page.locator("#home-map table.thumbnail .held").first).to_be_visible()
    page.screenshot(path=str(screenshot_dir(tmp_path) / "home.png"))

    # The hint points at the help, and goes away for good once dismissed.
    hint.get_by_role("button", name="Show the shortcuts").click()
    expect(page.locator("#help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#help")).to_be_hidden()
    hint.get_by_role("button", name="Got it").click()
    expect(hint).to_be_hidden()
    page.reload()
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("[data-first-visit-hint]")).to_be_hidden()

    starts = page.locator(".starting-points")
    for name, path, heading in [
        ("Read and tag a document", "/documents", "Documents"),
        ("See who stands where", "/matrix", "Who stands where"),
        ("Export the map", "/export", "Export"),
    ]:
        starts.get_by_role("link", name=re.compile(name)).click()
        expect(page).to_have_url(re.compile(re.escape(path) + "$"))
        expect(page.locator("h1")).to_contain_text(heading)
        page.go_back()
        expect(page.locator(".starting-points")).to_be_visible()

    # Untitled documents are named by their outlet where the text states it.
    page.locator(".starting-points a[data-start=read]").click()
    expect(page.locator("#document-rows a", has_text="24brussels")).to_be_visible()


def test_the_export_page_names_its_files_and_leaves_the_examples_out(
    page: Page, starter_map: None, tmp_path: Path
) -> None:
    page.set_viewport_size(SCREEN)
    page.goto("/export")
    today = datetime.now(UTC).date().isoformat()
    section = page.locator("#export-csv")
    api = section.locator("[data-api]")
    cli = section.locator("[data-cli]")
    expect(api).to_have_text(
        re.compile(r"^GET http://127\.0\.0\.1:\d+/api/export/csv\?examples=false$")
    )
    expect(cli).to_have_text("python -m app.cli export --format csv --no-examples")

    section.locator("select[name=position]").select_option("russia")
    expect(api).to_have_text(re.compile(r"/api/export/csv\?position=russia&examples=false$"))
    expect(cli).to_have_text(
        "python -m app.cli export --format csv --position russia --no-examples"
    )
    page.screenshot(path=str(screenshot_dir(tmp_path) / "export-page.png"))

    with page.expect_download() as csv_download:
        section.get_by_role("button", name="Download the tags (CSV)").click()
    download = csv_download.value
    assert download.suggested_filename == (
        f"argument-map-tags-position-russia-no-examples-{today}.csv"
    )
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert {row["position_key"] for row in rows} <= {"russia"}
    assert all(row["example"] == "false" for row in rows)

    # Ticked, the examples come too, and the commands say so.
    section.locator("[data-include-examples]").check()
    expect(api).to_have_text(re.compile(r"\?position=russia&examples=true$"))
    with page.expect_download() as with_examples:
        section.get_by_role("button", name="Download the tags (CSV)").click()
    rows = list(
        csv.DictReader(io.StringIO(Path(with_examples.value.path()).read_text(encoding="utf-8")))
    )
    assert rows and any(row["example"] == "true" for row in rows)

    # The whole map, natively: named for its day, without the examples.
    whole = page.locator("#export-map")
    expect(whole.locator("[data-cli]").first).to_have_text(
        "python -m app.cli export --format argmap --no-examples"
    )
    with page.expect_download() as map_download:
        whole.get_by_role("button", name="Native JSON").click()
    assert map_download.value.suggested_filename == f"argument-map-no-examples-{today}.json"
    exported = json.loads(Path(map_download.value.path()).read_text(encoding="utf-8"))
    assert len(exported["documents"]) == 5
    assert not any(item["example"] for item in exported["annotations"] + exported["claims"])

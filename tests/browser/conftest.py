"""A real server on a free port and a real headless Chromium driven by Playwright."""

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    expect,
    sync_playwright,
)

from app.access import SESSION_COOKIE
from app.config import Settings
from app.main import create_app
from tests.accounts import ADMIN, SESSIONS
from tests.servers import free_port

CHROMIUM = os.environ.get("ARGMAP_CHROMIUM", "/usr/bin/chromium")
# Flags for a headless run on a machine without a network or a sandbox.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# The suite runs on two workers beside a server and a browser each: on two busy cores a page can
# take longer than Playwright's 5 s default to settle, which is slowness, not a failure.
expect.set_options(timeout=15_000)


@pytest.fixture
def live_server(seeded_db_url: str) -> Iterator[str]:
    """The app on the seed corpus, served by uvicorn in a thread; yields its base URL."""
    with serving(seeded_db_url) as base_url:
        yield base_url


@contextmanager
def serving(db_url: str) -> Iterator[str]:
    """The app on `db_url`, served by uvicorn in a thread until the block ends; gives its
    base URL."""
    port = free_port()
    app = create_app(Settings(database_url=db_url))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is needed at {CHROMIUM} for the browser tests (make test installs it)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def signed_in_context(browser: Browser, live_server: str, username: str) -> BrowserContext:
    """A browser context holding `username`'s session cookie (as if they had signed in)."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    token, _csrf = SESSIONS[username]
    context.add_cookies(
        [{"name": SESSION_COOKIE, "value": token, "url": live_server, "httpOnly": True}]
    )
    return context


# Installed before any script of each document the page loads, so that it hears violations
# that happen while the page is still loading.
REPORT_POLICY_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportPolicyViolation(event.violatedDirective + " refused " +
    (event.blockedURI || "inline") + " at " + event.sourceFile + ":" + event.lineNumber);
}, true);
"""


class Problems:
    """What went wrong in a page's documents: JavaScript errors, and what the
    Content-Security-Policy refused. A refusal is heard twice: as the event the document sees
    (listened to before its first script runs) and as the console message the browser logs,
    which also covers any refusal no listener was there to hear."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.refused: list[str] = []

    def watch(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", self._console)
        page.expose_function("reportPolicyViolation", self._violation)
        page.add_init_script(REPORT_POLICY_VIOLATIONS)

    def _violation(self, description: str) -> None:
        self.refused.append(f"event: {description}")

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.refused.append(f"console: {message.text}")

    def check(self) -> None:
        assert self.errors == [], f"JavaScript errors on the page: {self.errors}"
        assert self.refused == [], f"The Content-Security-Policy refused: {self.refused}"


@pytest.fixture
def page_problems() -> Problems:
    """What went wrong on `page` so far (checked again when the test ends)."""
    return Problems()


@pytest.fixture
def page(browser: Browser, live_server: str, page_problems: Problems) -> Iterator[Page]:
    """A page signed in as the admin `tester`; the test fails if a script on it fails or if
    the Content-Security-Policy refuses anything on it."""
    context = signed_in_context(browser, live_server, ADMIN)
    page = context.new_page()
    page_problems.watch(page)
    yield page
    context.close()
    page_problems.check()

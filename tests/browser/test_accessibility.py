"""No barrier: axe-core finds no serious or critical violation on any page an analyst can
reach, on a desktop and on a phone; the keyboard help is a modal dialog that takes and gives
back focus; a skip link is the first stop of the Tab key and leads to the content.

axe-core is vendored next to this module (`vendor/`, see its README) and injected into each
page through the browser's debugging protocol, which the Content-Security-Policy does not
govern, so the pages are checked exactly as they are served.
"""

import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.db import make_engine
from app.models import (
    Actor,
    Annotation,
    Assignment,
    Claim,
    Document,
    Passage,
    PassageKind,
    utcnow,
)
from app.services import reanchor
from app.services.examples import load_starter_map
from tests.accounts import ADMIN
from tests.browser.conftest import Problems, serving, signed_in_context
from tests.browser.test_conflict_page import csrf_header, ok, open_edit_form_of_new_tag
from tests.browser.test_reanchoring import build_map
from tests.conftest import ON_POSTGRES, SEEDS_DIR, _postgres_copy, sqlite_url
from tests.factories import make_annotation

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
VIEWPORTS: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}
# What blocks or seriously hinders someone; axe's "moderate" and "minor" are left to review.
BLOCKING = ("serious", "critical")

# The experimental rules run too: one of them checks that a control's accessible name contains
# the text it shows (a position button showing its number key), which speech users say aloud.
RUN_AXE = """async (blocking) => {
  const rules = {};
  for (const rule of axe.getRules(["experimental"])) rules[rule.ruleId] = { enabled: true };
  const results = await axe.run(document, { resultTypes: ["violations"], rules });
  return results.violations
    .filter((violation) => blocking.includes(violation.impact))
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.map((node) => ({
        target: node.target.join(" "),
        summary: node.failureSummary,
      })),
    }));
}"""


@dataclass(frozen=True)
class Mapped:
    """The server on the seed corpus with the starter map, a tag that lost its place, and the
    ids the pages' addresses need."""

    base_url: str
    ids: dict[str, str]


def _map_the_corpus(url: str) -> dict[str, str]:
    """Load the starter map, make a tag lose its place (for the orphans page) and pick an item
    of each kind to open."""
    _original, corrected = build_map(url)
    engine = make_engine(url)
    with Session(engine) as session:
        session.info["actor"] = ADMIN
        session.info["may_edit_any"] = True
        load_starter_map(session, SEEDS_DIR)
        cut = session.exec(
            select(Document).where(col(Document.source_name).startswith("001_"))
        ).one()
        reanchor.replace_document_text(session, cut.id, corrected)
        # The starter map's tags name no actor; naming the states behind three positions gives
        # the networks page statements to draw.
        session.execute(
            update(Annotation)
            .where(
                col(Annotation.claim_id).is_not(None),
                col(Annotation.position_key).in_(["russia", "ukraine", "us"]),
            )
            .values(actor_key=Annotation.position_key)
        )
        session.commit()
        claim = session.exec(select(Claim).where(Claim.example).order_by(Claim.text)).first()
        actor = session.exec(select(Actor).order_by(Actor.key)).first()
        passage = session.exec(
            select(Passage)
            .where(Passage.document_id == cut.id, Passage.kind == PassageKind.paragraph)
            .order_by(col(Passage.start))
        ).first()
        assert claim is not None and actor is not None and passage is not None
        _code_independently(session, cut.id)
        ids = {
            "document": cut.id,
            "passage": passage.id,
            "claim": claim.id,
            "actor": actor.key,
        }
    engine.dispose()
    return ids


def _code_independently(session: Session, document_id: str) -> None:
    """Alice and Bob coded the document and marked it done, disagreeing on one passage (for
    the adjudication and agreement pages); the analyst `editor` still codes it (the banner)."""
    passages = session.exec(
        select(Passage)
        .where(Passage.document_id == document_id, Passage.kind == PassageKind.paragraph)
        .order_by(col(Passage.start))
        .limit(3)
    ).all()
    for analyst, kinds in (("alice", "states supports opposes"), ("bob", "states opposes opposes")):
        session.add(Assignment(document_id=document_id, analyst=analyst, done_at=utcnow()))
        for passage, kind in zip(passages, kinds.split(), strict=True):
            make_annotation(session, passage, "russia", kind, analyst=analyst)
    session.add(Assignment(document_id=document_id, analyst="editor"))
    session.commit()


@pytest.fixture(scope="module")
def mapped(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Mapped]:
    """One server for the whole module: every check here only reads."""
    with ExitStack() as stack:
        if ON_POSTGRES:
            templates = request.getfixturevalue("postgres_templates")
            databases = request.getfixturevalue("postgres_databases")
            url = stack.enter_context(
                contextmanager(_postgres_copy)(databases, templates["seeded"])
            )
        else:
            path = tmp_path_factory.mktemp("accessibility") / "seeded.db"
            shutil.copy(request.getfixturevalue("seeded_template"), path)
            url = sqlite_url(path)
        ids = _map_the_corpus(url)
        yield Mapped(stack.enter_context(serving(url)), ids)


@dataclass(frozen=True)
class Stop:
    """A page to check: its address (with {document}, {claim}… filled from the map), what shows
    it is drawn, and who opens it (nobody: signed out)."""

    name: str
    path: str
    ready: str = "main h1"
    user: str | None = ADMIN
    # What to do once it is drawn (click an element, then press keys), and what shows it done:
    # states of a page that only exist after a click or a key, like an open form.
    click: str | None = None
    keys: tuple[str, ...] = ()
    done: str | None = None
    # Then, once `done` shows, more keys, and text typed once its box (a selector) has focus:
    # a key that opens a part of a form must not race the next one.
    then_keys: tuple[str, ...] = ()
    typed: tuple[str, str] | None = None
    finished: str | None = None


PAGES = [
    Stop("home", "/", "main"),
    Stop("documents", "/documents"),
    Stop("document", "/documents/{document}", ".passage"),
    Stop("document-tagging", "/documents/{document}", ".passage", keys=("j",)),
    Stop("tag-form", "/documents/{document}", ".passage", keys=("j", "1"), done=".tag-form"),
    Stop(
        "tag-form-attach",
        "/documents/{document}",
        ".passage",
        keys=("j", "1"),
        done=".tag-form",
        then_keys=("a",),
        typed=(".tag-form input[name=q]", "nato"),
        finished=".tag-form .claim-results input[type=radio]",
    ),
    Stop(
        "tag-form-new-claim",
        "/documents/{document}",
        ".passage",
        keys=("j", "1", "c"),
        done=".tag-form [name=claim_text]:focus",
    ),
    Stop("help", "/documents/{document}", ".passage", keys=("?",), done="#help:visible"),
    Stop(
        "document-details-edit",
        "/documents/{document}",
        ".passage",
        keys=("e",),
        done=".details-form",
    ),
    Stop("document-orphans", "/documents/{document}/orphans", ".orphan"),
    Stop("document-new", "/documents/new"),
    Stop("passage", "/passages/{passage}", "main article"),
    Stop("positions", "/positions"),
    Stop("position", "/positions/russia"),
    Stop("claims", "/claims", "#claim-rows"),
    Stop("claim", "/claims/{claim}"),
    Stop(
        "claim-relate",
        "/claims/{claim}",
        keys=("r",),
        typed=("input[data-key=r]", "nato"),
        finished=".claim-results input[type=radio]",
    ),
    Stop("claim-edit", "/claims/{claim}", keys=("e",), done=".edit-claim textarea"),
    Stop("actors", "/actors"),
    Stop("actor", "/actors/{actor}"),
    Stop("matrix", "/matrix", "table.matrix"),
    Stop("matrix-cell", "/matrix/cell?position=russia&topic=nato", "main li"),
    Stop("graph", "/graph", "#graph[data-ready]"),
    Stop("networks", "/networks", "#network[data-ready]"),
    Stop("search", "/search?q=ceasefire", "#search-results li"),
    Stop("history", "/history"),
    Stop("history-item", "/history/claim/{claim}"),
    Stop("agreement", "/agreement", ".agreement-position"),
    Stop("assignments", "/assignments", "tr[data-assignment]"),
    Stop("adjudication", "/documents/{document}/adjudicate", "tr.adj-row.differs"),
    Stop("document-coding", "/documents/{document}", "#coding-banner", user="editor"),
    Stop("codebook", "/codebook", "main h1"),
    Stop("export", "/export"),
    Stop("account", "/account"),
    Stop("users", "/users"),
    Stop("login", "/login", "main h1", user=None),
    Stop("api-reference", "/docs", ".api-operation", user=None),
    Stop("not-found", "/no/such/page"),
]


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)


def blocking_violations(page: Page) -> list[dict[str, Any]]:
    """The serious and critical violations axe-core finds on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    violations: list[dict[str, Any]] = page.evaluate(RUN_AXE, list(BLOCKING))
    return violations


def open_page(browser: Browser, mapped: Mapped, user: str | None, viewport: str) -> Page:
    if user is None:
        context = browser.new_context(base_url=mapped.base_url)
    else:
        context = signed_in_context(browser, mapped.base_url, user)
    page = context.new_page()
    page.set_viewport_size(VIEWPORTS[viewport])
    return page


@pytest.fixture
def problems() -> Problems:
    return Problems()


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("stop", PAGES, ids=[stop.name for stop in PAGES])
def test_no_serious_or_critical_violation(
    browser: Browser, mapped: Mapped, problems: Problems, stop: Stop, viewport: str
) -> None:
    page = open_page(browser, mapped, stop.user, viewport)
    problems.watch(page)
    try:
        page.goto(stop.path.format(**mapped.ids))
        expect(page.locator(stop.ready).first).to_be_attached()
        if stop.click:
            page.locator(stop.click).click()
        for key in stop.keys:
            page.keyboard.press(key)
        if stop.done:
            expect(page.locator(stop.done).first).to_be_visible()
        for key in stop.then_keys:
            page.keyboard.press(key)
        if stop.typed:
            box, text = stop.typed
            expect(page.locator(box)).to_be_focused()
            page.keyboard.type(text)
        if stop.finished:
            expect(page.locator(stop.finished).first).to_be_visible()
        violations = blocking_violations(page)
        assert violations == [], f"axe-core on {stop.path}:\n{_describe(violations)}"
        problems.check()
    finally:
        page.context.close()


def test_the_check_finds_a_barrier_when_there_is_one(page: Page) -> None:
    page.goto("/documents")
    page.evaluate("document.querySelector('main').append(document.createElement('button'))")
    assert "button-name" in [violation["id"] for violation in blocking_violations(page)]


def test_the_panel_of_a_version_conflict_has_no_barrier(page: Page) -> None:
    annotation, section = open_edit_form_of_new_tag(page, position_key="europe", kind="supports")
    changed = {"note": "theirs", "version": 1}
    headers = csrf_header(ADMIN)
    ok(page.request.patch(f"/api/annotations/{annotation['id']}", data=changed, headers=headers))
    section.get_by_role("button", name="Save changes").click()
    expect(page.locator("#conflict .conflict-panel")).to_be_visible()
    for size in VIEWPORTS.values():
        page.set_viewport_size(size)
        violations = blocking_violations(page)
        assert violations == [], _describe(violations)


def test_the_help_is_a_modal_dialog_that_takes_and_gives_back_focus(page: Page) -> None:
    page.goto("/documents")
    page.get_by_role("link", name="Trump-Putin in Alaska").click()
    expect(page.locator("h1")).to_contain_text("Trump-Putin in Alaska")
    page.keyboard.press("j")
    passage = page.locator(".passage").first
    expect(passage).to_be_focused()

    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("aria-modal", "true")
    assert dialog.evaluate("(box) => box.matches(':modal')")
    assert dialog.evaluate("(box) => box.contains(document.activeElement)")
    for key in ("Tab", "Tab", "Shift+Tab", "Shift+Tab", "Shift+Tab"):
        page.keyboard.press(key)
        assert dialog.evaluate("(box) => box.contains(document.activeElement)"), key
    # The page's shortcuts wait while it is open: j does not move to the next passage.
    page.keyboard.press("j")
    assert dialog.evaluate("(box) => box.contains(document.activeElement)")

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(passage).to_be_focused()

    # Its button closes it too, and focus goes back to where it was.
    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    expect(passage).to_be_focused()


def test_the_skip_link_is_the_first_tab_stop_and_leads_to_the_first_passage(page: Page) -> None:
    page.goto("/documents")
    page.get_by_role("link", name="Trump-Putin in Alaska").click()
    expect(page.locator("h1")).to_contain_text("Trump-Putin in Alaska")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator(".passage").first).to_be_focused()
    # From there the keys tag: the position buttons of that passage show.
    expect(page.locator(".passage").first.locator(".pos-btn").first).to_be_visible()


def test_the_skip_link_leads_to_the_content_of_a_page_without_passages(page: Page) -> None:
    page.goto("/claims")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to the content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")


def test_slash_on_the_search_page_does_not_type_into_the_box_it_leads_to(page: Page) -> None:
    page.goto("/search?q=ceasefire")
    box = page.get_by_role("searchbox", name="Search")
    expect(box).to_be_focused()
    page.keyboard.press("/")
    expect(box).to_have_value("ceasefire")
    # It selected the words: what is typed next replaces them, and a "/" typed then is text.
    page.keyboard.type("and/or")
    expect(box).to_have_value("and/or")
    # Elsewhere on the page `/` still goes to the box without typing.
    page.locator("main h1").click()
    page.keyboard.press("/")
    expect(box).to_be_focused()
    expect(box).to_have_value("and/or")

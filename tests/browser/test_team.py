"""Two analysts at once, each in their own browser: they sign in, tag the same document, one
edits a tag the other has just changed and is shown both versions, and the agreement page
gives their kappa."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from sqlmodel import Session, col, select

from app.db import make_engine
from app.models import Assignment, Passage, utcnow
from tests.browser.conftest import Problems
from tests.browser.test_tagging import sign_in

pytestmark = pytest.mark.browser

ARTICLE = "The summit between United States President"


@pytest.fixture
def two_analysts(browser: Browser, live_server: str) -> Iterator[tuple[Page, Page]]:
    contexts = [
        browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
        for _ in range(2)
    ]
    pages = [context.new_page() for context in contexts]
    problems = Problems()
    for page in pages:
        problems.watch(page)
    yield pages[0], pages[1]
    for context in contexts:
        context.close()
    problems.check()


def tag(passage: Locator, position: str, kind: str) -> None:
    """Tag a passage by mouse: the position's button, the kind, Save."""
    passage.hover()
    # A position's button is named by its number key and its name ("1 Russian").
    passage.get_by_role("button", name=re.compile(rf"^\d {re.escape(position)}$")).click()
    form = passage.locator(".tag-form")
    form.get_by_label(f"{kind} the {position} position").check()
    form.get_by_role("button", name="Save tag").click()
    expect(passage.locator(".tag-form")).to_have_count(0)


def open_article(page: Page) -> Locator:
    page.goto("/documents")
    page.get_by_role("link", name=ARTICLE).click()
    expect(page.locator("h1")).to_contain_text(ARTICLE)
    return page.locator("#passages .passage.kind-paragraph")


def finish_coding(db_url: str, *analysts: str) -> None:
    """Give the article to `analysts` and mark it done: agreement measures finished coding."""
    engine = make_engine(db_url)
    with Session(engine) as session:
        document_id = session.exec(
            select(Passage.document_id).where(
                Passage.ordinal == 0, col(Passage.text).startswith(ARTICLE)
            )
        ).one()
        for analyst in analysts:
            session.add(Assignment(document_id=document_id, analyst=analyst, done_at=utcnow()))
        session.commit()
    engine.dispose()


def cohen_kappa(first: list[str], second: list[str]) -> float:
    """Cohen (1960): (p_o - p_e) / (1 - p_e), with p_e from each coder's own label shares."""
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    labels = set(first) | set(second)
    expected = sum((first.count(label) / n) * (second.count(label) / n) for label in labels)
    return (observed - expected) / (1 - expected)


def test_two_analysts_tag_conflict_and_see_their_agreement(
    two_analysts: tuple[Page, Page], seeded_db_url: str
) -> None:
    alice, eda = two_analysts
    sign_in(alice, "alice")
    sign_in(eda, "editor")  # an analyst allowed to edit other analysts' tags
    alice_passages = open_article(alice)
    eda_passages = open_article(eda)

    # Both tag the same three passages for the Russian position; they differ on the second.
    for passage, kind in zip((0, 1, 2), ("states", "supports", "opposes"), strict=True):
        tag(alice_passages.nth(passage), "Russian", kind)
    for passage, kind in zip((0, 1, 2), ("states", "opposes", "opposes"), strict=True):
        tag(eda_passages.nth(passage), "Russian", kind)

    # Eda opens Alice's tag on the first passage (she sees it once she reloads)…
    eda.reload()
    first = eda.locator("#passages .passage.kind-paragraph").nth(0)
    first.locator(".chip-label[title*='by alice']").click()
    eda_form = first.locator(".tag-form")
    expect(eda_form).to_be_visible()

    # …Alice changes that tag meanwhile…
    alice_first = alice_passages.nth(0)
    alice_first.locator(".chip-label").click()
    alice_form = alice_first.locator(".tag-form")
    alice_form.locator("input[name=note]").fill("the Kremlin's own words")
    alice_form.get_by_role("button", name="Save changes").click()
    expect(alice_first.locator(".chip-note")).to_have_attribute("title", "the Kremlin's own words")

    # …and Eda's save is not applied: she sees both versions and chooses.
    eda_form.locator("input[name=note]").fill("a paraphrase, not a quote")
    eda_form.get_by_role("button", name="Save changes").click()
    panel = eda.locator("#conflict")
    expect(panel.locator(".conflict-panel")).to_be_visible()
    expect(panel.locator(".conflict-mine")).to_contain_text("a paraphrase, not a quote")
    expect(panel.locator(".conflict-theirs")).to_contain_text("the Kremlin's own words")
    expect(panel.locator(".conflict-theirs")).to_contain_text("alice")
    panel.get_by_role("button", name="Keep theirs").click()
    expect(panel).to_be_hidden()
    expect(first.locator(".chip-label[title*='by alice'] .chip-note")).to_have_attribute(
        "title", "the Kremlin's own words"
    )

    # Once both have finished coding the article, the agreement page shows their kappa for
    # the Russian position.
    finish_coding(seeded_db_url, "alice", "editor")
    eda.goto("/agreement")
    row = eda.locator("[data-position=russia] tr[data-pair='alice / editor']")
    expect(row).to_be_visible()
    units = int(row.locator("td").nth(3).inner_text())
    alice_labels = ["states", "supports", "opposes"] + ["none"] * (units - 3)
    eda_labels = ["states", "opposes", "opposes"] + ["none"] * (units - 3)
    expected = cohen_kappa(alice_labels, eda_labels)
    expect(row.locator("td.kappa")).to_have_text(f"{expected:.3f}")
    assert 0 < expected < 1

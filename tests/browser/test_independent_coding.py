"""Independent coding from start to finish, in three browsers at once.

An admin, who is also the curator, gives the article to Alice and Bob. Each codes it without
seeing the other's tags or the starter map's (checked on the page, in the API, in search and in
the export), both mark it done, the agreement page gives the kappa of exactly their tags, the
curator accepts Bob's reading where they differ, and the matrix switched to the adjudicated
layer shows that choice and nothing else.
"""

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Locator, Page, expect
from sqlmodel import Session

from app.db import make_engine
from app.services.examples import load_starter_map
from tests.browser.conftest import Problems, serving
from tests.browser.test_tagging import SCREENSHOT_DIR, sign_in
from tests.browser.test_team import cohen_kappa, open_article
from tests.conftest import SEEDS_DIR

pytestmark = pytest.mark.browser

ALICE_KINDS = ("states", "supports", "opposes")
BOB_KINDS = ("states", "opposes", "opposes")
# A word only Alice's note holds: search must not find it for Bob while he codes.
ALICE_WORD = "kremlinframing"


@pytest.fixture
def with_examples(seeded_db_url: str) -> Iterator[str]:
    """The app on the seed corpus and its starter map of example tags."""
    engine = make_engine(seeded_db_url)
    with Session(engine) as session:
        load_starter_map(session, SEEDS_DIR)
    engine.dispose()
    with serving(seeded_db_url) as base_url:
        yield base_url


@pytest.fixture
def three_people(browser: Browser, with_examples: str) -> Iterator[tuple[Page, Page, Page]]:
    contexts = [
        browser.new_context(base_url=with_examples, viewport={"width": 1280, "height": 900})
        for _ in range(3)
    ]
    pages = [context.new_page() for context in contexts]
    problems = Problems()
    for page in pages:
        problems.watch(page)
        # "Mark done?" and the like are asked in a confirm dialog: the person says yes.
        page.on("dialog", lambda dialog: _accept(dialog))
    yield pages[0], pages[1], pages[2]
    for context in contexts:
        context.close()
    problems.check()


def _accept(dialog: Dialog) -> None:
    dialog.accept()


def screenshot(page: Page, tmp_path: Path, name: str) -> None:
    target = SCREENSHOT_DIR if os.environ.get("ARGMAP_SCREENSHOTS") else tmp_path
    page.screenshot(path=str(target / name))


def tag(passage: Locator, position: str, kind: str, note: str = "") -> None:
    """Tag a passage by mouse: the position's button, the kind, perhaps a note, Save."""
    passage.hover()
    passage.get_by_role("button", name=re.compile(rf"^\d {re.escape(position)}$")).click()
    form = passage.locator(".tag-form")
    form.get_by_label(f"{kind} the {position} position").check()
    if note:
        form.locator("input[name=note]").fill(note)
    form.get_by_role("button", name="Save tag").click()
    expect(passage.locator(".tag-form")).to_have_count(0)


def test_two_coders_code_apart_and_a_curator_adjudicates(
    three_people: tuple[Page, Page, Page], tmp_path: Path
) -> None:
    curator, alice, bob = three_people

    # The curator (an admin) sees the starter map's example tags on the article.
    sign_in(curator, "tester")
    open_article(curator)
    document_id = curator.url.rstrip("/").split("/")[-1].split("?")[0]
    expect(curator.locator("#passages .chip-label").first).to_be_visible()
    examples_seen_by_admin = curator.locator("#passages .chip-label").count()
    assert examples_seen_by_admin > 0

    # The curator gives the article to Alice and Bob.
    curator.goto("/assignments")
    curator.locator("select[name=document_id]").select_option(document_id)
    for name in ("alice", "bob"):
        curator.locator(f"input[name=analysts][value={name}]").check()
    curator.get_by_role("button", name="Assign", exact=True).click()
    for name in ("alice", "bob"):
        expect(curator.locator("tr[data-assignment]").filter(has_text=name)).to_contain_text(
            "assigned"
        )
    screenshot(curator, tmp_path, "assignments.png")

    # Each codes the article on their own: no example tag, nobody else's tag on the page.
    for page, name, kinds in ((alice, "alice", ALICE_KINDS), (bob, "bob", BOB_KINDS)):
        sign_in(page, name)
        passages = open_article(page)
        expect(page.locator("#coding-banner")).to_contain_text("you see only your own tags")
        expect(page.locator("#passages .chip-label")).to_have_count(0)
        for index, kind in enumerate(kinds):
            note = f"the {ALICE_WORD} reading" if name == "alice" and index == 0 else ""
            tag(passages.nth(index), "Russian", kind, note)
    for page, name in ((alice, "alice"), (bob, "bob")):
        page.reload()
        chips = page.locator("#passages .chip-label")
        expect(chips).to_have_count(3)
        for index in range(3):
            expect(chips.nth(index)).to_have_attribute("title", re.compile(rf"by {name},"))
    bob.evaluate("window.scrollTo(0, 0)")
    screenshot(bob, tmp_path, "coding-document.png")

    # Nor does Bob get Alice's tags or the examples through the API, search or the export.
    listed = bob.request.get(f"/api/annotations?document={document_id}&limit=500").json()
    assert {tag["analyst"] for tag in listed} == {"bob"}
    assert len(listed) == 3
    assert bob.request.get(f"/api/search?q={ALICE_WORD}").json()["total"] == 0
    assert curator.request.get(f"/api/search?q={ALICE_WORD}").json()["total"] >= 1
    exported = bob.request.get("/api/export").json()["annotations"]
    in_article = [tag for tag in exported if tag["document_id"] == document_id]
    assert {tag["analyst"] for tag in in_article} == {"bob"}
    assert ALICE_WORD not in bob.request.get("/api/export").text()

    # Both mark it done from the document's banner.
    for page in (alice, bob):
        page.locator("#coding-banner").get_by_role("button", name="Mark done").click()
        expect(page.locator("#coding-banner")).to_contain_text("You marked this done")

    # The agreement page measures exactly their tags: kappa for the Russian position.
    curator.goto("/agreement")
    expect(curator.locator(".agreement-summary")).to_contain_text("1 document qualifies")
    row = curator.locator("[data-position=russia] tr[data-pair='alice / bob']")
    expect(row).to_be_visible()
    units = int(row.locator("td").nth(3).inner_text())
    expected = cohen_kappa(
        list(ALICE_KINDS) + ["none"] * (units - 3), list(BOB_KINDS) + ["none"] * (units - 3)
    )
    expect(row.locator("td.kappa")).to_have_text(f"{expected:.3f}")
    assert 0 < expected < 1
    screenshot(curator, tmp_path, "agreement-page.png")

    # The curator adjudicates: the one passage where they differ is marked; Bob's reading wins.
    curator.goto(f"/documents/{document_id}/adjudicate")
    differing = curator.locator("tr.adj-row.differs")
    expect(differing).to_have_count(1)
    expect(curator.locator("tr.adj-row")).to_have_count(3)
    disputed = differing.first
    expect(disputed.locator("td[data-coder=alice]")).to_contain_text("supports")
    expect(disputed.locator("td[data-coder=bob]")).to_contain_text("opposes")
    disputed.locator("td[data-coder=bob]").get_by_role(
        "button", name=re.compile(r"^Accept bob's tag")
    ).click()
    layer = curator.locator("tr.adj-row.differs td.adj-layer")
    expect(layer.locator(".adj-chip")).to_have_count(1)
    expect(layer.locator(".adj-chip")).to_contain_text("opposes")
    screenshot(curator, tmp_path, "adjudication.png")

    # The matrix switched to the adjudicated layer shows the curator's choice alone.
    curator.goto("/matrix")
    curator.locator("select[name=layer]").select_option("adjudicated")
    expect(curator.locator("#matrix .shown-tags")).to_have_attribute("data-layer", "adjudicated")
    counts = curator.locator("#matrix td.cell .cell-counts")
    expect(curator.locator("#matrix td.cell[data-position=russia] .count-opposes")).to_have_text(
        "1 opposes"
    )
    expect(curator.locator("#matrix .count-states, #matrix .count-supports")).to_have_count(0)
    expect(counts.filter(has_text=re.compile(r"\d"))).to_have_count(1)
    screenshot(curator, tmp_path, "matrix-adjudicated.png")

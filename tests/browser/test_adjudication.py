"""A curator adjudicates in a real browser: accepts a coder's tag, merges two by ticking
them, and adds a tag of their own; each action replaces the passage's row in place."""

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from app.db import make_engine
from tests.adjudication import both_done, passages_of
from tests.coding import CodingScene
from tests.factories import make_annotation

pytestmark = pytest.mark.browser


def scene_with_a_merge(database: str) -> tuple[CodingScene, str]:
    """Both coders done; on the second passage both tagged `us supports` on spans."""
    engine = make_engine(database)
    try:
        with Session(engine) as session:
            scene = both_done(session)
            second = passages_of(session, scene.document_id)[1]
            make_annotation(session, second, "us", "supports", start=0, end=4, analyst="alice")
            make_annotation(session, second, "us", "supports", start=2, end=9, analyst="bob")
            return scene, second.id
    finally:
        engine.dispose()


def test_a_curator_accepts_merges_and_adds_tags(
    page: Page, live_server: str, seeded_db_url: str
) -> None:
    scene, second = scene_with_a_merge(seeded_db_url)
    page.goto(f"{live_server}/documents/{scene.document_id}")
    page.get_by_role("link", name="Adjudicate").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Adjudicate")
    disputed = page.locator(f"#adj-{scene.passage_id}")
    expect(disputed.locator(".adj-passage .differs-marker")).to_have_text("differs")

    disputed.get_by_role("button", name="Accept alice's tag Russian states").click()
    layer = page.locator(f"#adj-{scene.passage_id} .adj-layer")
    expect(layer.locator(".adj-chip")).to_have_count(1)
    expect(layer).to_contain_text("Russian")
    expect(
        page.locator(f'#adj-{scene.passage_id} [data-annotation-id="{scene.alice_tag}"]')
    ).to_contain_text("accepted")

    agreed = page.locator(f"#adj-{second}")
    for box in agreed.locator(".adj-coder input[type=checkbox]").all():
        box.check()
    agreed.get_by_role("button", name="Merge selected").click()
    merged = page.locator(f"#adj-{second} .adj-layer .adj-chip")
    expect(merged).to_have_count(1)
    expect(merged).to_contain_text("supports")

    agreed = page.locator(f"#adj-{second}")
    agreed.locator("summary", has_text="Add a tag").click()
    agreed.get_by_label("Position").select_option("europe")
    agreed.get_by_label("Kind").select_option("opposes")
    agreed.get_by_label("Note").fill("the curator's own reading")
    agreed.get_by_role("button", name="Add to the adjudicated layer").click()
    expect(page.locator(f"#adj-{second} .adj-layer .adj-chip")).to_have_count(2)

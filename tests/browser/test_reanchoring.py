"""Replacing a document's text with a corrected version in a real browser: the form, the
message, the tags that lost their place, and the graph marking the claim to review."""

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, col, select

from app.db import make_engine
from app.models import (
    AnnotationCreate,
    ClaimCreate,
    Document,
    Passage,
    RelationCreate,
    RelationKind,
    StanceFields,
)
from app.services import claims, tagging
from tests.browser.test_tagging import sign_in

pytestmark = pytest.mark.browser

TITLE = "The summit between United States President"
CUT = "This outcome suits the Kremlin"


def build_map(url: str) -> tuple[str, str]:
    """A tag on the paragraph the correction cuts, as evidence for a related claim; returns the
    document's original text and its corrected version."""
    engine = make_engine(url)
    with Session(engine) as session:
        document = session.exec(
            select(Document).where(col(Document.source_name).startswith("001_"))
        ).one()
        passage = session.exec(
            select(Passage).where(
                Passage.document_id == document.id, col(Passage.text).startswith(CUT)
            )
        ).one()
        tag = tagging.tag_passage(
            session, AnnotationCreate(passage_id=passage.id, position_key="russia"), "Ana"
        )
        lost = claims.create_claim(
            session,
            ClaimCreate(
                text="Moscow got what it wanted",
                stances=[StanceFields(position_key="russia")],
                annotation_ids=[tag.id],
            ),
            "Ana",
        )
        other = claims.create_claim(session, ClaimCreate(text="Trump stepped back"), "Ana")
        claims.create_relation(
            session,
            RelationCreate(source_id=other.id, target_id=lost.id, kind=RelationKind.supports),
            "Ana",
        )
        original = document.original_text
        corrected = original.replace(original[passage.start : passage.end] + "\n\n", "")
    engine.dispose()
    assert corrected != original
    return original, corrected


def stored_text(url: str) -> str:
    engine = make_engine(url)
    with Session(engine) as session:
        document = session.exec(
            select(Document).where(col(Document.source_name).startswith("001_"))
        ).one()
        text = document.original_text
    engine.dispose()
    return text


def test_replace_a_text_then_review_what_lost_its_place(page: Page, seeded_db_url: str) -> None:
    original, corrected = build_map(seeded_db_url)
    sign_in(page, "tester")
    page.get_by_role("link", name=TITLE).click()
    expect(page.locator("h1")).to_contain_text(TITLE)

    page.get_by_text("Replace the text with a corrected version").click()
    textarea = page.locator(".replace-text textarea[name=text]")
    # Exactly the stored text, its leading space and line breaks included.
    assert textarea.input_value() == original
    textarea.fill(corrected)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Replace the text").click()

    expect(page.locator("[data-flash]")).to_have_text(
        "Text replaced: 0 tags kept in place, 0 moved, 1 lost its place."
    )
    # The browser sent CRLF line breaks; the text is stored as it was typed.
    assert stored_text(seeded_db_url) == corrected
    expect(page.locator("#passages .passage", has_text=CUT)).to_have_count(0)
    page.locator("[data-orphans] a").click()
    orphan = page.locator("#orphans .orphan")
    expect(orphan).to_have_count(1)
    expect(orphan.locator(".orphan-quote")).to_contain_text(CUT)
    expect(orphan).to_contain_text("Moscow got what it wanted")

    page.goto("/graph")
    expect(page.locator("#graph[data-ready]")).to_be_attached()
    marks = page.evaluate(
        "() => { const cy = document.getElementById('graph').cy;"
        " const node = cy.nodes('[?review]'); const edge = cy.edges('[?review]');"
        " return [node.length, node.data('label'), node.style('border-style'),"
        " edge.length, edge.style('line-style')]; }"
    )
    assert marks == [1, "⚠ Moscow got what it wanted\n▲ Russian", "double", 1, "dotted"]

    page.go_back()
    page.locator("#orphans .orphan button", has_text="Remove").click()
    expect(page.locator("#orphans .orphan")).to_have_count(0)
    page.locator("#orphans .undo button").click()
    expect(page.locator("#orphans .orphan")).to_have_count(1)

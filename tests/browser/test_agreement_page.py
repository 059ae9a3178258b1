"""The agreement page with finished independent coding to measure, in a real browser: every
figure's table fits a phone's screen (scrolling within itself), and axe-core finds no serious
barrier."""

from playwright.sync_api import Browser, expect
from sqlmodel import Session, col, select

from app.db import make_engine
from app.models import Assignment, Document, Passage, PassageKind, utcnow
from tests.accounts import ADMIN
from tests.browser.conftest import signed_in_context
from tests.browser.test_accessibility import VIEWPORTS, _describe, blocking_violations
from tests.browser.test_phone import overflow
from tests.factories import make_annotation


def code_two_documents(db_url: str) -> None:
    """Ana and Ben code two documents independently, done, agreeing in part."""
    engine = make_engine(db_url)
    with Session(engine) as session:
        ids = list(session.exec(select(Document.id).order_by(col(Document.created_at))))[2:4]
        for document_id in ids:
            for analyst in ("Ana", "Ben"):
                session.add(Assignment(document_id=document_id, analyst=analyst, done_at=utcnow()))
            session.commit()
            units = list(
                session.exec(
                    select(Passage)
                    .where(
                        Passage.document_id == document_id, Passage.kind != PassageKind.boilerplate
                    )
                    .order_by(col(Passage.ordinal))
                )
            )
            make_annotation(session, units[0], "russia", "states", "nato", analyst="Ana")
            make_annotation(session, units[0], "russia", "states", "nato", 0, 12, analyst="Ben")
            make_annotation(session, units[1], "ukraine", "opposes", "territory", analyst="Ana")
    engine.dispose()


def test_the_agreement_figures_fit_a_phone_and_have_no_barrier(
    browser: Browser, seeded_db_url: str, live_server: str
) -> None:
    code_two_documents(seeded_db_url)
    context = signed_in_context(browser, live_server, ADMIN)
    page = context.new_page()
    try:
        for name, size in VIEWPORTS.items():
            page.set_viewport_size(size)
            page.goto("/agreement")
            expect(page.locator('.agreement-spans tr[data-span="position:russia"]')).to_be_visible()
            expect(page.locator(".agreement-progress tbody tr")).to_have_count(1)
            assert overflow(page) == 0, name
            violations = blocking_violations(page)
            assert violations == [], f"axe-core on /agreement ({name}):\n{_describe(violations)}"
    finally:
        context.close()

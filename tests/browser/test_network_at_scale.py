"""The network view at the size a real study reaches: 200 actors, 60 claims and 1,200 tags over
five dated documents. It must draw, stay readable (nodes apart, labels that do not pile up
until one zooms in), step its time slider, and open the passages behind a tie."""

import os
import random
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, create_engine, select

from app.models import (
    ActorCreate,
    ActorKind,
    Annotation,
    AnnotationKind,
    Claim,
    ClaimStance,
    Document,
    Passage,
    PassageKind,
    Stance,
)
from app.services import actors
from tests.browser.test_tagging import SCREENSHOT_DIR

pytestmark = pytest.mark.browser

ACTORS = 200
CLAIMS = 60
TAGS = 1_200
FIRST = ["Anna", "Boris", "Clara", "Dmitri", "Elena", "Farid", "Greta", "Hanna", "Igor", "Jonas"]
LAST = [
    "Adler",
    "Berg",
    "Costa",
    "Dahl",
    "Engel",
    "Fischer",
    "Graf",
    "Horn",
    "Iversen",
    "Jansen",
    "Keller",
    "Lind",
    "Moreau",
    "Novak",
    "Olsen",
    "Petrov",
    "Quist",
    "Roth",
    "Sauer",
    "Toth",
]


@pytest.fixture
def large_map(seeded_db_url: str) -> str:
    """The seed corpus dated a week apart, with 200 actors in four camps, each camp holding
    its own claims and rejecting a rival camp's, and 1,200 tags that name them."""
    rng = random.Random(7)
    engine = create_engine(seeded_db_url)
    with Session(engine) as session:
        documents = list(session.exec(select(Document).order_by(Document.id)))
        for index, document in enumerate(documents):
            document.published = date(2025, 8, 1 + 7 * index)
            session.add(document)
        session.commit()
        names = [f"{first} {last}" for last in LAST for first in FIRST][:ACTORS]
        camps = ["russia", "ukraine", "us", "europe"]
        actors.create_actors(
            session,
            [
                ActorCreate(key=f"a{i:03d}", name=name, kind=ActorKind.person)
                for i, name in enumerate(names)
            ],
            "tester",
        )
        claims: list[Claim] = []
        for number in range(CLAIMS):
            claim = Claim(text=f"Claim {number}: a proposition of the talks", analyst="tester")
            session.add(claim)
            session.flush()
            camp = camps[number % 4]
            session.add(ClaimStance(claim_id=claim.id, position_key=camp, stance=Stance.holds))
            rival = camps[(number + 1) % 4]
            session.add(ClaimStance(claim_id=claim.id, position_key=rival, stance=Stance.rejects))
            claims.append(claim)
        passages = list(session.exec(select(Passage).where(Passage.kind == PassageKind.paragraph)))
        for number in range(TAGS):
            # Every actor speaks at least once; then at random.
            actor = number if number < ACTORS else rng.randrange(ACTORS)
            camp = camps[actor % 4]
            # Each camp speaks mostly on its own claims and its rival's.
            claim = claims[
                rng.choice(
                    [c for c in range(CLAIMS) if camps[c % 4] == camp or camps[(c + 1) % 4] == camp]
                )
            ]
            passage = rng.choice(passages)
            session.add(
                Annotation(
                    document_id=passage.document_id,
                    passage_id=passage.id,
                    position_key=camp,
                    kind=AnnotationKind.states,
                    actor_key=f"a{actor:03d}",
                    claim_id=claim.id,
                    analyst="tester",
                )
            )
        session.commit()
    engine.dispose()
    return seeded_db_url


@pytest.fixture
def live_server(large_map: str, live_server: str) -> str:
    """The server, started once the large map is written."""
    return live_server


def test_two_hundred_actors_draw_readably_and_step_through_time(
    page: Page, large_map: str, tmp_path: Path
) -> None:
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto("/networks?kind=subtract&normalization=average&window=15&step=7")
    network = page.locator("#network[data-ready=true]")
    expect(network).to_be_attached()
    summary = page.locator("#network-summary")
    expect(summary).to_contain_text(f"{TAGS} statements")
    every = page.evaluate("() => document.getElementById('network').cy.nodes().length")
    assert every == ACTORS

    # Readable: the nodes shown do not sit on one another, and at the size that fits them all
    # only the best-connected few are named; zoomed in, every node is.
    overlap, shown, named = page.evaluate(
        """() => { const cy = document.getElementById('network').cy;
          const nodes = cy.nodes().filter((n) => !n.hasClass('off'));
          const boxes = nodes.map((n) => n.boundingBox({ includeLabels: false }));
          let overlapping = 0;
          boxes.forEach((a, i) => { if (boxes.some((b, j) => j !== i && a.x1 < b.x2 &&
            b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2)) overlapping += 1; });
          const named = nodes.filter((n) => n.style('label') !== '').length;
          return [overlapping, boxes.length, named]; }"""
    )
    assert shown > 100
    assert overlap <= shown // 20, f"{overlap} of {shown} nodes overlap another"
    assert 0 < named <= 15
    named_close = page.evaluate(
        """() => { const cy = document.getElementById('network').cy; cy.zoom(2);
          return cy.nodes().filter((n) => !n.hasClass('off') && n.style('label') !== '')
            .length; }"""
    )
    assert named_close == shown
    page.evaluate("() => document.getElementById('network').cy.fit(undefined, 20)")

    # Stepping the slider changes the window and the network shown.
    first = summary.inner_text()
    page.get_by_role("button", name="Next window").click()
    expect(summary).not_to_have_text(first)
    expect(summary).to_contain_text("window 2 of")

    # A node picked shows its ties and names its neighbours; a tie opens its statements with
    # both actors' passages.
    network.scroll_into_view_if_needed()
    page.evaluate(
        """() => { const cy = document.getElementById('network').cy;
          const hub = cy.nodes('.hub').filter((n) => !n.hasClass('off'))[0];
          hub.emit('tap');
          const tie = hub.connectedEdges().filter((e) => !e.hasClass('off'))[0];
          tie.select(); tie.emit('tap'); }"""
    )
    panel = page.locator("#tie-panel")
    expect(panel.locator(".tie-title")).to_be_visible()
    expect(panel.locator(".tie-statement").first).to_be_visible()
    page.evaluate(
        "() => window.scrollTo(0, document.getElementById('network-summary').offsetTop - 10)"
    )
    target = SCREENSHOT_DIR if os.environ.get("ARGMAP_SCREENSHOTS") else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / "network-view.png"))
    assert (target / "network-view.png").stat().st_size > 10_000

"""The claim graph as a new analyst first sees it: readable labels, edges that keep clear of
the claims they do not join, who holds and who rejects each claim, evidence naming its
position, a sensible view of a lone claim, the keyboard, and a phone."""

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, create_engine

from app.models import Relation, RelationKind
from tests.browser.test_tagging import SCREENSHOT_DIR
from tests.maps import build_small_map

pytestmark = pytest.mark.browser

NO_NATO = "Ukraine will not join NATO"
CEASEFIRE = "A ceasefire must come first"
LOOSE = "Talks are worth having"


@pytest.fixture
def small_map(seeded_db_url: str) -> str:
    """The small map of the map-view tests (a support and an attack in a chain), plus an attack
    that skips a layer: drawn straight, it would run through the claim between its ends."""
    engine = create_engine(seeded_db_url)
    with Session(engine) as session:
        claims = build_small_map(session)
        session.add(
            Relation(
                source_id=claims["loose"].id,
                target_id=claims["no_nato"].id,
                kind=RelationKind.attacks,
                analyst="Ana",
            )
        )
        session.commit()
    engine.dispose()
    return seeded_db_url


@pytest.fixture
def live_server(small_map: str, live_server: str) -> str:
    return live_server


def open_graph(page: Page, query: str = "") -> None:
    page.goto("/graph" + query)
    expect(page.locator("#graph[data-ready]")).to_be_attached()


def graph(page: Page, script: str) -> Any:
    """Evaluate `script`, a function of Cytoscape's instance, in the page."""
    return page.evaluate(f"() => ({script})(document.getElementById('graph').cy)")


# Every edge as the polyline Cytoscape draws (its bends, or its curve sampled), and every node
# it passes through other than its own two ends.
EDGES_THROUGH_NODES = """(cy) => {
  function path(e) {
    const s = e.sourceEndpoint(), t = e.targetEndpoint();
    const bends = e.segmentPoints();
    if (bends) return [s, ...bends, t];
    const controls = e.controlPoints();
    if (!controls) return [s, t];
    const points = [s];
    let start = s;
    controls.forEach((c, i) => {
      const end = i + 1 < controls.length
        ? {x: (c.x + controls[i + 1].x) / 2, y: (c.y + controls[i + 1].y) / 2} : t;
      for (let k = 1; k <= 20; k++) {
        const u = k / 20, v = 1 - u;
        points.push({x: v * v * start.x + 2 * v * u * c.x + u * u * end.x,
                     y: v * v * start.y + 2 * v * u * c.y + u * u * end.y});
      }
      start = end;
    });
    return points;
  }
  function meets(a, b, r) {
    let t0 = 0, t1 = 1;
    const dx = b.x - a.x, dy = b.y - a.y;
    const p = [-dx, dx, -dy, dy], q = [a.x - r.x1, r.x2 - a.x, a.y - r.y1, r.y2 - a.y];
    for (let i = 0; i < 4; i++) {
      if (p[i] === 0) { if (q[i] < 0) return false; continue; }
      const t = q[i] / p[i];
      if (p[i] < 0) { if (t > t1) return false; t0 = Math.max(t0, t); }
      else { if (t < t0) return false; t1 = Math.min(t1, t); }
    }
    return true;
  }
  const found = [];
  cy.edges().forEach((e) => {
    const points = path(e);
    if (points.some((p) => !Number.isFinite(p.x) || !Number.isFinite(p.y))) {
      found.push(e.id() + ' cannot be drawn');
      return;
    }
    cy.nodes().forEach((n) => {
      if (n.same(e.source()) || n.same(e.target())) return;
      const box = n.boundingBox({includeLabels: false, includeOverlays: false});
      for (let i = 0; i + 1 < points.length; i++) {
        if (meets(points[i], points[i + 1], box)) {
          found.push(e.data('kind') + ' ' + e.source().data('text') + ' -> '
                     + e.target().data('text') + ' through ' + n.data('text'));
          return;
        }
      }
    });
  });
  return found;
}"""


def test_labels_are_readable_and_no_edge_runs_through_a_claim(page: Page) -> None:
    open_graph(page)
    sizes = graph(
        page,
        "(cy) => cy.nodes().map((n) => parseFloat(n.style('font-size')) * cy.zoom())",
    )
    assert len(sizes) == 3
    assert min(sizes) >= 12, f"labels are {min(sizes):.1f} px on screen"
    # The attack that skips a layer is drawn round the claim between its ends.
    assert graph(page, "(cy) => cy.edges('.routed').length") >= 1
    assert graph(page, EDGES_THROUGH_NODES) == []


def test_a_node_shows_who_holds_and_who_rejects_it_and_the_legend_says_which(
    page: Page,
) -> None:
    open_graph(page)
    node = graph(
        page,
        f"""(cy) => {{
          const n = cy.nodes().filter((n) => n.data('text') === {NO_NATO!r})[0];
          return {{segments: n.data('segments').map((s) => [s.name, s.stance]),
                   label: n.data('label'), band: n.style('background-image')}};
        }}""",
    )
    assert node["segments"] == [["Russian", "holds"], ["Ukrainian", "rejects"]]
    assert node["label"].endswith("▲ Russian  ▼ Ukrainian")
    assert "data:image/png" in node["band"]
    legend = page.locator("#graph-legend")
    for name in ("Russian", "Ukrainian", "US", "European"):
        expect(legend).to_contain_text(name)
    expect(legend.locator(".segment-sample.holds")).to_be_visible()
    expect(legend).to_contain_text("solid segment: the position holds the claim")
    expect(legend.locator(".segment-sample.rejects")).to_be_visible()
    expect(legend).to_contain_text("hatched segment: the position rejects it")


def test_the_graph_is_used_by_keyboard_and_the_evidence_follows(page: Page, tmp_path: Path) -> None:
    open_graph(page)
    container = page.locator("#graph")
    expect(container).to_have_attribute("role", "application")
    expect(container).to_have_accessible_name(
        "Claim graph: claims as nodes, support and attack as edges"
    )
    expect(container).to_have_accessible_description(page.locator("#graph-keys").inner_text())

    page.locator(".map-filters button[type=submit]").focus()
    page.keyboard.press("Tab")
    expect(container).to_be_focused()
    assert container.evaluate("(el) => getComputedStyle(el).outlineStyle") == "solid"
    status = page.locator("#graph-status")
    # Reading order starts at the top: the claim the others argue about.
    expect(status).to_contain_text(f"{NO_NATO}. Held by Russian. Rejected by Ukrainian.")
    expect(status).to_contain_text("Claim 1 of 3.")

    # Down goes to the nearest claim below, not the one farther down in line.
    page.keyboard.press("ArrowDown")
    expect(status).to_contain_text(f"{CEASEFIRE}. Held by European. Attacks 1, supported by 1.")
    assert graph(page, "(cy) => cy.nodes('.keyboard').map((n) => n.data('text'))") == [CEASEFIRE]
    page.keyboard.press("Enter")
    panel = page.locator("#claim-panel")
    expect(panel.locator(".summary-title")).to_have_text(CEASEFIRE)
    expect(panel.locator(".tagged-meta")).to_contain_text("European ▲ holds the claim · states")
    expect(container).to_be_focused()

    # Once open, the panel follows the keyboard, and each line names its position's stance.
    page.keyboard.press("Home")
    expect(panel.locator(".summary-title")).to_have_text(NO_NATO)
    meta = panel.locator(".tagged-meta")
    expect(meta).to_have_count(3)
    expect(meta.filter(has_text="Russian")).to_have_count(2)
    expect(meta.filter(has_text="Russian").first).to_contain_text("▲ holds the claim")
    expect(meta.filter(has_text="Ukrainian")).to_contain_text("▼ rejects the claim")
    target = SCREENSHOT_DIR if os.environ.get("ARGMAP_SCREENSHOTS") else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / "graph-view.png"))


def test_a_lone_claim_is_shown_at_its_size_in_the_middle(page: Page) -> None:
    open_graph(page, "?topic=ceasefire")
    view = graph(
        page,
        """(cy) => { const box = cy.nodes()[0].renderedBoundingBox({includeLabels: false});
          return {count: cy.nodes().length, zoom: cy.zoom(), width: cy.width(),
                  height: cy.height(), box: box}; }""",
    )
    assert view["count"] == 1
    assert view["zoom"] <= 1.25
    box = view["box"]
    assert box["w"] < view["width"] / 2
    assert abs((box["x1"] + box["x2"]) / 2 - view["width"] / 2) < 2
    assert abs((box["y1"] + box["y2"]) / 2 - view["height"] / 2) < 2


def test_on_a_phone_the_graph_fills_the_width_and_a_tap_shows_the_evidence(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    open_graph(page)
    width = page.locator("#graph").evaluate("(el) => el.getBoundingClientRect().width")
    assert width >= 330, f"the graph is {width} px wide"
    sizes = graph(
        page,
        "(cy) => cy.nodes().map((n) => parseFloat(n.style('font-size')) * cy.zoom())",
    )
    assert min(sizes) >= 12
    # A tap on a claim shows its evidence below the graph, scrolled into view. The filters
    # above it fill the phone's first screen: the graph is scrolled to first.
    page.locator("#graph").scroll_into_view_if_needed()
    x, y = graph(
        page,
        f"""(cy) => {{
          const n = cy.nodes().filter((n) => n.data('text') === {NO_NATO!r})[0];
          const p = n.renderedPosition(), box = cy.container().getBoundingClientRect();
          return [box.left + p.x, box.top + p.y];
        }}""",
    )
    title = page.locator("#claim-panel .summary-title")
    expect(page.locator("#claim-panel")).not_to_be_in_viewport()
    page.mouse.click(x, y)
    expect(title).to_have_text(NO_NATO)
    expect(title).to_be_in_viewport()

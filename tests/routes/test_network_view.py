"""The network view and the statements behind a tie, through the ASGI client: the page, the
panel htmx swaps in beside the network, and its JSON twin."""

from typing import Any

from fastapi.testclient import TestClient

from tests.routes.test_networks import small_map

__all__ = ["small_map"]  # the fixture, shared with the networks' API tests

LAVROV, ZELENSKY = "actor:Sergey Lavrov", "actor:Volodymyr Zelensky"


def _tie(client: TestClient, **params: Any) -> Any:
    return client.get("/api/networks/tie", params=params)


def test_a_conflict_tie_lists_both_actors_statements_with_their_passages(
    small_map: TestClient,
) -> None:
    answer = _tie(small_map, kind="conflict", source=LAVROV, target=ZELENSKY)
    assert answer.status_code == 200, answer.text
    tie = answer.json()
    assert tie["shared_total"] == 1
    [claim] = tie["shared"]
    # Lavrov holds the claim once, Zelensky rejects it twice: 2 disagreeing pairs.
    assert (claim["agreeing_pairs"], claim["disagreeing_pairs"]) == (0, 2)
    assert [s["agreement"] for s in claim["source_statements"]] == ["holds"]
    assert [s["agreement"] for s in claim["target_statements"]] == ["rejects", "rejects"]
    for statement in claim["source_statements"] + claim["target_statements"]:
        assert statement["quote"] and statement["passage"] and statement["document_label"]
    # The same tie in the congruence network has nothing behind it.
    assert _tie(small_map, source=LAVROV, target=ZELENSKY).json()["shared"] == []


def test_a_window_narrows_the_statements_behind_a_tie(small_map: TestClient) -> None:
    early = _tie(
        small_map,
        kind="conflict",
        source=LAVROV,
        target=ZELENSKY,
        window_start="2025-08-01",
        window_end="2025-08-15",
    ).json()
    assert [len(s["target_statements"]) for s in early["shared"]] == [1]


def test_the_panel_shows_both_passages_and_escapes_them(small_map: TestClient) -> None:
    panel = small_map.get(
        "/networks/tie",
        params={"kind": "conflict", "source": LAVROV, "target": ZELENSKY},
        headers={"HX-Request": "true"},
    )
    assert panel.status_code == 200, panel.text
    html = panel.text
    assert "<html" not in html and 'class="tie-title"' in html
    assert "Sergey Lavrov" in html and "Volodymyr Zelensky" in html
    assert html.count('class="tie-statement agreement-') == 3
    assert "0 agreeing and 2 disagreeing pairs" in html


def test_the_page_offers_every_choice_and_fetches_the_same_network(
    small_map: TestClient,
) -> None:
    page = small_map.get("/networks", params={"kind": "subtract", "window": "10", "step": "5"})
    assert page.status_code == 200, page.text
    assert 'data-src="/api/networks?kind=subtract&amp;window=10&amp;step=5"' in page.text
    assert '<option value="subtract" selected>' in page.text
    assert 'id="window-slider"' in page.text and "/static/network.js" in page.text


def test_a_tie_that_cannot_be_is_refused_with_a_reason(small_map: TestClient) -> None:
    refused = _tie(small_map, source="Lavrov", target=ZELENSKY)
    assert refused.status_code == 422
    assert "is not a node of a network" in refused.text
    page = small_map.get("/networks", params={"kind": "nonsense"}, headers={"Accept": "text/html"})
    assert page.status_code == 422 and "<html" in page.text

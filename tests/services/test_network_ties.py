"""The statements behind a tie, read for its actors alone, are those read from every statement."""

from itertools import permutations

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.services.network_ties import tie_evidence
from app.services.networks import network_spec
from app.services.networks.ties import SharedNode, tie_statements
from app.services.statements import StatementFilters, read_statements
from tests.routes.test_claims_api import paragraphs
from tests.routes.test_networks import small_map

__all__ = ["small_map"]

ACTORS = ("Sergey Lavrov", "Volodymyr Zelensky", "Dmitry Peskov")


def _shared(nodes: list[SharedNode]) -> list[tuple[str, list[str], list[str]]]:
    return [(node.label, [s.id for s in node.first], [s.id for s in node.second]) for node in nodes]


def test_a_tie_read_for_its_actors_has_the_statements_of_the_whole_network(
    small_map: TestClient,
) -> None:
    # An arguing tag that names nobody speaks for its document's author: Peskov here.
    document = small_map.get("/api/documents").json()[1]
    changed = small_map.patch(
        f"/api/documents/{document['id']}",
        json={"version": document["version"], "author": "Dmitry Peskov"},
    )
    assert changed.status_code == 200, changed.text
    claim = small_map.get("/api/claims").json()[0]
    made = small_map.post(
        "/api/annotations",
        json={
            "passage_id": paragraphs(small_map, 1)[3]["id"],
            "position_key": "russia",
            "kind": "supports",
            "claim_id": claim["id"],
        },
    )
    assert made.status_code == 201, made.text
    filters = StatementFilters()
    checked = 0
    with Session(small_map.app.state.engine) as session:  # type: ignore[attr-defined]
        everything = read_statements(session, filters).statements
        assert "Dmitry Peskov" in {s.actor for s in everything if s.id == made.json()["id"]}
        for kind in ("congruence", "conflict", "subtract"):
            spec = network_spec(kind)
            for first, second in permutations(ACTORS, 2):
                source, target = f"actor:{first}", f"actor:{second}"
                expected = tie_statements(everything, spec, source, target)
                found = tie_evidence(session, spec, filters, source, target).shared
                assert _shared(found) == _shared(expected)
                checked += bool(expected)
        two_mode = network_spec("two-mode")
        for actor in ACTORS:
            source, target = f"actor:{actor}", f"concept:{claim['text']}"
            expected = tie_statements(everything, two_mode, source, target)
            found = tie_evidence(session, two_mode, filters, source, target).shared
            assert _shared(found) == _shared(expected)
            checked += bool(expected and expected[0].first)
    assert checked >= 5  # ties with statements behind them were compared, not only empty ones

"""The graph and the position × topic matrix computed from a small hand-made map."""

from datetime import date

import pytest
from sqlmodel import Session, select

from app.models import Annotation, Claim, Document
from app.services import mapviews
from app.services.errors import NotFound
from app.services.mapviews import NO_TOPIC, MapFilters, MatrixFilters
from tests.maps import build_small_map, paragraphs


@pytest.fixture
def small_map(seeded_session: Session) -> dict[str, Claim]:
    return build_small_map(seeded_session)


def test_graph_has_every_claim_and_relation(
    seeded_session: Session, small_map: dict[str, Claim]
) -> None:
    graph = mapviews.claim_graph(seeded_session, MapFilters())
    nodes = {node["id"]: node for node in graph["nodes"]}
    assert set(nodes) == {c.id for c in small_map.values()}
    no_nato = nodes[small_map["no_nato"].id]
    assert no_nato["colours"] == ["#CC2222"]
    assert no_nato["rejected_by"] == ["Ukrainian"]
    assert no_nato["evidence"] == 3
    assert nodes[small_map["loose"].id]["colours"] == [mapviews.NEUTRAL_COLOUR]
    kinds = {(e["source"], e["target"]): e["kind"] for e in graph["edges"]}
    assert kinds == {
        (small_map["ceasefire"].id, small_map["no_nato"].id): "attacks",
        (small_map["loose"].id, small_map["ceasefire"].id): "supports",
    }


def test_graph_filters_keep_only_edges_between_shown_claims(
    seeded_session: Session, small_map: dict[str, Claim]
) -> None:
    by_topic = mapviews.claim_graph(seeded_session, MapFilters(topic="nato"))
    assert [n["id"] for n in by_topic["nodes"]] == [small_map["no_nato"].id]
    assert by_topic["edges"] == []
    by_position = mapviews.claim_graph(seeded_session, MapFilters(position="europe"))
    assert [n["id"] for n in by_position["nodes"]] == [small_map["ceasefire"].id]
    untopical = mapviews.claim_graph(seeded_session, MapFilters(topic=NO_TOPIC))
    assert [n["id"] for n in untopical["nodes"]] == [small_map["loose"].id]
    with pytest.raises(NotFound):
        mapviews.claim_graph(seeded_session, MapFilters(topic="weather"))


def test_matrix_cells_separate_reported_from_argued(
    seeded_session: Session, small_map: dict[str, Claim]
) -> None:
    matrix = mapviews.position_topic_matrix(seeded_session, MatrixFilters())
    russia_nato = matrix.cell("russia", "nato")
    assert [c.text for c in russia_nato.held] == ["Ukraine will not join NATO"]
    assert (russia_nato.states, russia_nato.argued, russia_nato.documents) == (1, 1, 2)
    ukraine_nato = matrix.cell("ukraine", "nato")
    assert [c.text for c in ukraine_nato.rejected] == ["Ukraine will not join NATO"]
    assert (ukraine_nato.states, ukraine_nato.argued) == (0, 1)
    assert matrix.cell("us", "nato").claims == []
    assert matrix.topics[-1] == (NO_TOPIC, "No topic")


def test_matrix_over_time_counts_only_evidence_from_the_period(
    seeded_session: Session, small_map: dict[str, Claim]
) -> None:
    first, second, *_ = paragraphs(seeded_session)
    for passage, published in ((first, date(2025, 8, 10)), (second, date(2025, 8, 20))):
        document = seeded_session.get_one(Document, passage.document_id)
        document.published = published
        seeded_session.add(document)
    seeded_session.commit()
    before = mapviews.position_topic_matrix(
        seeded_session, MatrixFilters(until=date(2025, 8, 15), include_undated=False)
    )
    assert (before.cell("russia", "nato").states, before.cell("russia", "nato").argued) == (1, 0)
    assert before.cell("ukraine", "nato").claims == []
    after = mapviews.position_topic_matrix(
        seeded_session, MatrixFilters(since=date(2025, 8, 15), include_undated=False)
    )
    assert (after.cell("russia", "nato").states, after.cell("russia", "nato").argued) == (0, 1)
    assert [c.text for c in after.cell("ukraine", "nato").rejected] == [
        "Ukraine will not join NATO"
    ]


def test_cell_evidence_lists_the_passages_of_that_position(
    seeded_session: Session, small_map: dict[str, Claim]
) -> None:
    items = mapviews.cell_evidence(seeded_session, "russia", "nato", MatrixFilters())
    assert len(items) == 2
    assert {i.annotation.kind for i in items} == {"states", "supports"}
    assert all(i.claim.id == small_map["no_nato"].id for i in items)
    assert mapviews.cell_evidence(seeded_session, "us", "nato", MatrixFilters()) == []
    with pytest.raises(NotFound):
        mapviews.cell_evidence(seeded_session, "martians", "nato", MatrixFilters())


def test_removed_evidence_does_not_count(
    seeded_session: Session, small_map: dict[str, Claim]
) -> None:
    from app.services.tagging import remove_annotation

    for annotation in seeded_session.exec(
        select(Annotation).where(Annotation.claim_id == small_map["ceasefire"].id)
    ).all():
        remove_annotation(seeded_session, annotation.id)
    graph = mapviews.claim_graph(seeded_session, MapFilters())
    assert {n["id"]: n["evidence"] for n in graph["nodes"]}[small_map["ceasefire"].id] == 0
    matrix = mapviews.position_topic_matrix(seeded_session, MatrixFilters())
    assert matrix.cell("europe", "ceasefire").states == 0

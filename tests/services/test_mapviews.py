"""The graph and the position × topic matrix computed from a small hand-made map."""

from datetime import date

import pytest
from sqlmodel import Session, select

from app.models import Annotation, Claim, Document, Stance, utcnow
from app.services import mapviews
from app.services.errors import NotFound
from app.services.mapviews import NO_TOPIC, MapFilters
from app.services.tag_filters import TagFilters
from tests.factories import make_annotation
from tests.maps import build_small_map, claim, paragraphs
from tests.queries import counting_queries


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


@pytest.fixture
def tagged_map(seeded_session: Session, small_map: dict[str, Claim]) -> dict[str, Claim]:
    """The small map plus plain tags (no claim): on top of its evidence, in the two documents,
    by two analysts, and one removed tag that counts nowhere.

    By hand, Russian on NATO: evidence states (A, Ana) and supports (B, Ana); plain states
    (A, Ana) and opposes (B, Ben); so 2 states, 1 supports, 1 opposes, 2 of 4 for a claim.
    US with no topic: one plain states (A, Ben). Ukrainian on NATO: evidence opposes (B).
    Ukrainian on ceasefire: a plain supports whose claim is on NATO but which names its own
    topic (B, Ana), so it counts under ceasefire.
    """
    first, second, *_ = paragraphs(seeded_session)
    make_annotation(seeded_session, first, "russia", kind="states", topic_key="nato")
    make_annotation(
        seeded_session, second, "russia", kind="opposes", topic_key="nato", analyst="Ben"
    )
    make_annotation(seeded_session, first, "us", kind="states", analyst="Ben")
    make_annotation(
        seeded_session, first, "us", kind="supports", topic_key="nato", deleted_at=utcnow()
    )
    own_topic = make_annotation(seeded_session, second, "ukraine", "supports", "ceasefire")
    own_topic.claim_id = small_map["no_nato"].id
    seeded_session.add(own_topic)
    seeded_session.commit()
    return small_map


def counts(cell: mapviews.Cell) -> tuple[int, int, int, int]:
    return (cell.states, cell.supports, cell.opposes, cell.with_claim)


def test_matrix_cells_count_every_tag_by_kind(
    seeded_session: Session, tagged_map: dict[str, Claim]
) -> None:
    matrix = mapviews.position_topic_matrix(seeded_session, TagFilters())
    russia_nato = matrix.cell("russia", "nato")
    assert counts(russia_nato) == (2, 1, 1, 2) and russia_nato.tags == 4
    # The claims stay on top, with their evidence for this position only.
    (held,) = russia_nato.held
    assert (held.text, held.states, held.supports, held.opposes) == (
        "Ukraine will not join NATO",
        1,
        1,
        0,
    )
    assert held.documents == 2
    us_untopical = matrix.cell("us", NO_TOPIC)
    assert counts(us_untopical) == (1, 0, 0, 0) and us_untopical.claims == []
    assert counts(matrix.cell("us", "nato")) == (0, 0, 0, 0)  # its only tag was removed
    assert counts(matrix.cell("ukraine", "nato")) == (0, 0, 1, 1)
    assert counts(matrix.cell("ukraine", "ceasefire")) == (0, 1, 0, 1)
    assert counts(matrix.cell("europe", "ceasefire")) == (1, 0, 0, 1)
    assert matrix.topics[-1] == (NO_TOPIC, "No topic")


def test_matrix_filters_by_document_outlet_and_analyst(
    seeded_session: Session, tagged_map: dict[str, Claim]
) -> None:
    first, second, *_ = paragraphs(seeded_session)
    second_document = seeded_session.get_one(Document, second.document_id)
    second_document.outlet = "The Ledger"
    seeded_session.add(second_document)
    seeded_session.commit()

    def matrix(**chosen: str) -> mapviews.Matrix:
        return mapviews.position_topic_matrix(seeded_session, TagFilters(**chosen))  # type: ignore[arg-type]

    in_b = matrix(document=second.document_id)
    assert counts(in_b.cell("russia", "nato")) == (0, 1, 1, 1)
    (held,) = in_b.cell("russia", "nato").held
    assert (held.states, held.supports, held.documents) == (0, 1, 1)
    assert counts(in_b.cell("us", NO_TOPIC)) == (0, 0, 0, 0)
    # A claim with no evidence left under the filters leaves the cell.
    assert in_b.cell("europe", "ceasefire").claims == []
    by_outlet = matrix(outlet="the ledger")  # any case
    assert counts(by_outlet.cell("russia", "nato")) == (0, 1, 1, 1)
    by_ben = matrix(analyst="Ben")
    assert counts(by_ben.cell("russia", "nato")) == (0, 0, 1, 0)
    assert by_ben.cell("russia", "nato").claims == []
    assert counts(by_ben.cell("us", NO_TOPIC)) == (1, 0, 0, 0)
    both = matrix(document=first.document_id, analyst="Ana")
    assert counts(both.cell("russia", "nato")) == (2, 0, 0, 1)
    with pytest.raises(NotFound, match="no document with the id 'nowhere'"):
        matrix(document="nowhere")


def test_matrix_takes_the_same_queries_whatever_the_size(
    seeded_session: Session, tagged_map: dict[str, Claim]
) -> None:
    filters = TagFilters(since=date(2000, 1, 1), outlet="x", analyst="Ana")
    with counting_queries(seeded_session.get_bind()) as small:
        mapviews.position_topic_matrix(seeded_session, filters)
    first, second, *_ = paragraphs(seeded_session)
    for passage in (first, second) * 10:
        for kind in ("states", "supports", "opposes"):
            make_annotation(seeded_session, passage, "europe", kind=kind, topic_key="sanctions")
    claim(seeded_session, "Sanctions work", "sanctions", europe=Stance.holds)
    with counting_queries(seeded_session.get_bind()) as large:
        mapviews.position_topic_matrix(seeded_session, filters)
    assert len(small) == len(large) <= 9  # eight queries and BEGIN


def test_matrix_cells_separate_reported_from_argued(
    seeded_session: Session, small_map: dict[str, Claim]
) -> None:
    matrix = mapviews.position_topic_matrix(seeded_session, TagFilters())
    russia_nato = matrix.cell("russia", "nato")
    assert [c.text for c in russia_nato.held] == ["Ukraine will not join NATO"]
    assert counts(russia_nato) == (1, 1, 0, 2)
    ukraine_nato = matrix.cell("ukraine", "nato")
    assert [c.text for c in ukraine_nato.rejected] == ["Ukraine will not join NATO"]
    assert counts(ukraine_nato) == (0, 0, 1, 1)
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
        seeded_session, TagFilters(until=date(2025, 8, 15), include_undated=False)
    )
    assert counts(before.cell("russia", "nato")) == (1, 0, 0, 1)
    assert before.cell("ukraine", "nato").claims == []
    after = mapviews.position_topic_matrix(
        seeded_session, TagFilters(since=date(2025, 8, 15), include_undated=False)
    )
    assert counts(after.cell("russia", "nato")) == (0, 1, 0, 1)
    assert [c.text for c in after.cell("ukraine", "nato").rejected] == [
        "Ukraine will not join NATO"
    ]


def test_a_cell_lists_every_tag_it_counts(
    seeded_session: Session, tagged_map: dict[str, Claim]
) -> None:
    found = mapviews.cell_passages(seeded_session, "russia", "nato", TagFilters())
    assert found.total == 4 and len(found.items) == 4 and found.topic_name == "NATO membership"
    assert sorted(i.annotation.kind for i in found.items) == [
        "opposes",
        "states",
        "states",
        "supports",
    ]
    assert sorted(i.claim.text if i.claim else "" for i in found.items) == [
        "",
        "",
        "Ukraine will not join NATO",
        "Ukraine will not join NATO",
    ]
    assert {i.annotation.analyst for i in found.items} == {"Ana", "Ben"}
    first = mapviews.cell_passages(seeded_session, "russia", "nato", TagFilters(), limit=2)
    assert (len(first.items), first.total, first.more) == (2, 4, 2)
    by_ben = mapviews.cell_passages(seeded_session, "russia", "nato", TagFilters(analyst="Ben"))
    assert [i.annotation.kind for i in by_ben.items] == ["opposes"]
    untopical = mapviews.cell_passages(seeded_session, "us", NO_TOPIC, TagFilters())
    assert [(i.annotation.kind, i.claim) for i in untopical.items] == [("states", None)]
    # The claim's own topic places a tag without one; a tag's own topic wins over its claim's.
    ceasefire = mapviews.cell_passages(seeded_session, "ukraine", "ceasefire", TagFilters())
    assert [i.annotation.kind for i in ceasefire.items] == ["supports"]
    assert mapviews.cell_passages(seeded_session, "us", "nato", TagFilters()).items == []
    with pytest.raises(NotFound):
        mapviews.cell_passages(seeded_session, "martians", "nato", TagFilters())
    with pytest.raises(NotFound):
        mapviews.cell_passages(seeded_session, "russia", "weather", TagFilters())


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
    matrix = mapviews.position_topic_matrix(seeded_session, TagFilters())
    assert matrix.cell("europe", "ceasefire").states == 0

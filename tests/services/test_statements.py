"""The tag filters as a service: what they check, how they read in SQL, and the statements they
choose (the map of tests/maps.py `build_filter_map`)."""

from datetime import date

import pytest
from sqlmodel import Session, col, select

from app.models import Annotation, Claim, Document
from app.services.errors import InvalidInput, NotFound
from app.services.statements import ConceptLevel, StatementFilters, read_statements
from app.services.tag_filters import TagFilters, check_tag_filters, tag_condition
from tests.maps import FilterMap, build_filter_map


@pytest.fixture
def built(seeded_session: Session) -> FilterMap:
    return build_filter_map(seeded_session)


def statement_ids(session: Session, tags: TagFilters) -> set[str]:
    found = read_statements(session, StatementFilters(ConceptLevel.claims, tags))
    return {statement.id for statement in found.statements}


@pytest.mark.parametrize(
    ("since", "until"),
    [
        (date(2025, 8, 15), None),
        (None, date(2025, 8, 15)),
        (date(2025, 8, 10), date(2025, 8, 10)),
        (date(2025, 8, 20), date(2025, 8, 20)),
        (date(2025, 8, 11), date(2025, 8, 19)),
        (date(2025, 8, 10), date(2025, 8, 20)),
    ],
)
def test_dates_read_in_sql_keep_the_statements_a_reading_of_every_date_would(
    seeded_session: Session, built: FilterMap, since: date | None, until: date | None
) -> None:
    everything = read_statements(seeded_session, StatementFilters()).statements
    # Undated documents count whatever the dates (the filters' default).
    expected = {
        s.id
        for s in everything
        if s.date is None
        or ((since is None or s.date >= since) and (until is None or s.date <= until))
    }

    assert statement_ids(seeded_session, TagFilters(since=since, until=until)) == expected


def test_undated_documents_make_undated_statements_unless_left_aside(
    seeded_session: Session, built: FilterMap
) -> None:
    ranged = TagFilters(since=date(2025, 8, 15))
    counted = read_statements(seeded_session, StatementFilters(tags=ranged))
    assert counted.left_out == {"no actor": 1}
    dated_only = TagFilters(since=date(2025, 8, 15), include_undated=False)
    aside = read_statements(seeded_session, StatementFilters(tags=dated_only))
    assert aside.left_out == {"no actor": 1}
    undated = [s for s in counted.statements if s.date is None]
    assert [s.id for s in undated] == [built.tags["t5"]]
    assert {s.id for s in aside.statements} == {s.id for s in counted.statements} - {
        built.tags["t5"]
    }


def test_an_actor_filter_keeps_that_actors_statements_and_leaves_none_out_for_want_of_one(
    seeded_session: Session, built: FilterMap
) -> None:
    found = read_statements(seeded_session, StatementFilters(tags=TagFilters(actor="zelensky")))
    assert {s.id for s in found.statements} == {built.tags["t2"], built.tags["t4"]}
    assert {s.actor for s in found.statements} == {"Volodymyr Zelensky"}
    assert found.left_out == {}


def test_the_condition_chooses_the_same_tags_whatever_the_query_joins(
    seeded_session: Session, built: FilterMap
) -> None:
    filters = TagFilters(topic="nato", outlet="The Ledger", until=date(2025, 8, 15))
    alone = seeded_session.exec(select(Annotation.id).where(tag_condition(filters))).all()
    joined = seeded_session.exec(
        select(Annotation.id)
        .join(Document, col(Document.id) == col(Annotation.document_id))
        .join(Claim, col(Claim.id) == col(Annotation.claim_id))
        .where(tag_condition(filters))
    ).all()

    assert set(alone) == set(joined) == {built.tags[t] for t in ("t1", "t2", "t5")}


def test_unknown_keys_are_not_found_and_free_text_matches_nothing(
    seeded_session: Session, built: FilterMap
) -> None:
    with pytest.raises(NotFound, match="There is no actor with the key 'putin'."):
        check_tag_filters(seeded_session, TagFilters(actor="putin"))
    with pytest.raises(NotFound, match="There is no topic with the key 'weather'."):
        check_tag_filters(seeded_session, TagFilters(topic="weather"))
    # An analyst or an outlet is text on the tags and documents, not a key: nothing matches.
    nobody = TagFilters(analyst="Zed", outlet="Nowhere Times")
    check_tag_filters(seeded_session, nobody)
    assert statement_ids(seeded_session, nobody) == set()


def test_a_range_ending_before_it_starts_is_refused(seeded_session: Session) -> None:
    backwards = TagFilters(since=date(2025, 8, 20), until=date(2025, 8, 1))
    with pytest.raises(InvalidInput, match=r"ends \(2025-08-01\) before it starts"):
        check_tag_filters(seeded_session, backwards)
    with pytest.raises(InvalidInput):
        read_statements(seeded_session, StatementFilters(tags=backwards))


def test_the_filters_given_read_as_their_query_parameters() -> None:
    assert TagFilters().chosen() == {} and not TagFilters().narrowed
    filters = TagFilters(
        topic="nato", actor="lavrov", since=date(2025, 8, 1), include_undated=False
    )
    assert filters.chosen() == {
        "actor": "lavrov",
        "topic": "nato",
        "since": "2025-08-01",
        "undated": "false",
    }
    assert filters.narrowed and TagFilters(include_undated=False).narrowed

"""Adjudication: what a curator sees of a document's coders, and the adjudicated layer they
write from it (app/services/adjudication.py)."""

import pytest
from sqlmodel import Session, col, func, select

from app.models import (
    Annotation,
    AnnotationCreate,
    AnnotationKind,
    Assignment,
    HistoryAction,
    HistoryEntry,
    ItemType,
    Role,
)
from app.services import adjudication
from app.services.errors import Conflict, Forbidden, InvalidInput
from tests.adjudication import both_done, passages_of, user
from tests.coding import ALICE_NOTE, BOB_NOTE, coding_scene
from tests.factories import make_annotation
from tests.queries import counting_queries


def adjudicated_count(session: Session) -> int:
    return session.exec(
        select(func.count()).select_from(Annotation).where(col(Annotation.adjudicated))
    ).one()


def test_the_view_shows_each_done_coders_tags_and_where_they_differ(
    seeded_session: Session,
) -> None:
    scene = both_done(seeded_session)
    view = adjudication.adjudication_view(
        seeded_session, scene.document_id, user(seeded_session, "tester")
    )
    assert view.done == ["alice", "bob"]
    (row,) = view.rows  # only the passage the coders tagged; the example tags are no coder's
    assert row.passage.id == scene.passage_id
    assert [(t.id, t.note) for t in row.coders["alice"]] == [(scene.alice_tag, ALICE_NOTE)]
    assert [(t.id, t.note) for t in row.coders["bob"]] == [(scene.bob_tag, BOB_NOTE)]
    assert row.adjudicated == []
    # Alice says russia, Bob ukraine: both differ on both positions.
    assert row.differs == {"russia": ["alice", "bob"], "ukraine": ["alice", "bob"]}


def test_coders_who_agree_do_not_differ(seeded_session: Session) -> None:
    scene = both_done(seeded_session)
    second = passages_of(seeded_session, scene.document_id)[1]
    make_annotation(seeded_session, second, "us", "supports", analyst="alice")
    make_annotation(seeded_session, second, "us", "supports", start=0, end=5, analyst="bob")
    view = adjudication.adjudication_view(
        seeded_session, scene.document_id, user(seeded_session, "tester")
    )
    agreed = next(row for row in view.rows if row.passage.id == second.id)
    assert agreed.differs == {} and not agreed.disputed
    assert [row.passage.ordinal for row in view.rows] == sorted(
        row.passage.ordinal for row in view.rows
    )


def test_only_coders_who_marked_it_done_are_compared(seeded_session: Session) -> None:
    scene = coding_scene(seeded_session, alice_done=True)  # Bob still codes it
    view = adjudication.adjudication_view(
        seeded_session, scene.document_id, user(seeded_session, "tester")
    )
    assert view.done == ["alice"] and view.still_coding == ["bob"]
    (row,) = view.rows
    assert list(row.coders) == ["alice"]
    assert BOB_NOTE not in {t.note for r in view.rows for t in r.adjudicated}
    assert row.differs == {}  # no one to differ from


def test_a_document_nobody_marked_done_is_refused(seeded_session: Session) -> None:
    scene = coding_scene(seeded_session)
    tester = user(seeded_session, "tester")
    with pytest.raises(Conflict, match="Nobody has marked this document done yet"):
        adjudication.adjudication_view(seeded_session, scene.document_id, tester)
    with pytest.raises(Conflict, match="nothing to adjudicate"):
        adjudication.accept(seeded_session, scene.document_id, [scene.alice_tag], tester)
    assert adjudicated_count(seeded_session) == 0


def test_only_curators_may_adjudicate(seeded_session: Session) -> None:
    scene = both_done(seeded_session)
    editor = user(seeded_session, "editor")  # an analyst who may edit others' work, not adjudicate
    with pytest.raises(Forbidden, match="curators"):
        adjudication.adjudication_view(seeded_session, scene.document_id, editor)
    editor.may_adjudicate = True
    assert adjudication.may_adjudicate(editor)
    assert adjudication.adjudication_view(seeded_session, scene.document_id, editor).rows
    victor = user(seeded_session, "victor")
    victor.may_adjudicate = True  # a viewer is no curator, whatever the flag
    assert victor.role == Role.viewer and not adjudication.may_adjudicate(victor)


def test_a_curator_still_coding_the_document_is_refused(seeded_session: Session) -> None:
    scene = both_done(seeded_session)
    seeded_session.add(Assignment(document_id=scene.document_id, analyst="tester"))
    seeded_session.commit()
    tester = user(seeded_session, "tester")
    with pytest.raises(Forbidden, match="mark it done first"):
        adjudication.adjudication_view(seeded_session, scene.document_id, tester)
    assert not adjudication.offers_adjudication(seeded_session, tester, scene.document_id)


def test_accepting_copies_the_tag_into_the_layer_and_records_it(seeded_session: Session) -> None:
    scene = both_done(seeded_session)
    tester = user(seeded_session, "tester")
    (made,) = adjudication.accept(seeded_session, scene.document_id, [scene.alice_tag], tester)
    assert made.adjudicated and made.adopted_from == scene.alice_tag
    assert (made.analyst, made.position_key, made.kind, made.note) == (
        "tester",
        "russia",
        "states",
        ALICE_NOTE,
    )
    entry = seeded_session.exec(
        select(HistoryEntry).where(
            HistoryEntry.item_type == ItemType.annotation, HistoryEntry.item_id == made.id
        )
    ).one()
    assert entry.action == HistoryAction.create
    assert entry.after is not None and entry.after["adopted_from"] == scene.alice_tag
    view = adjudication.adjudication_view(seeded_session, scene.document_id, tester)
    assert view.adopted == {scene.alice_tag}
    assert [t.id for t in view.rows[0].adjudicated] == [made.id]


def test_accepting_a_tag_twice_is_refused_and_writes_nothing(seeded_session: Session) -> None:
    scene = both_done(seeded_session)
    tester = user(seeded_session, "tester")
    adjudication.accept(seeded_session, scene.document_id, [scene.alice_tag], tester)
    with pytest.raises(Conflict, match="in the adjudicated layer already"):
        adjudication.accept(
            seeded_session, scene.document_id, [scene.bob_tag, scene.alice_tag], tester
        )
    assert adjudicated_count(seeded_session) == 1  # Bob's was not taken either


def test_only_done_coders_tags_of_the_document_may_be_accepted(seeded_session: Session) -> None:
    scene = both_done(seeded_session)
    tester = user(seeded_session, "tester")
    passages = passages_of(seeded_session, scene.document_id)
    seeded_session.add(Assignment(document_id=scene.document_id, analyst="carol"))
    seeded_session.commit()
    carols = make_annotation(seeded_session, passages[1], "us", analyst="carol")
    with pytest.raises(InvalidInput, match="not the tag of a coder who marked"):
        adjudication.accept(seeded_session, scene.document_id, [carols.id], tester)
    with pytest.raises(InvalidInput, match="not the tag of a coder who marked"):
        adjudication.accept(seeded_session, scene.document_id, [scene.example_tags[0]], tester)
    other_document = seeded_session.exec(
        select(Annotation).where(Annotation.document_id != scene.document_id)
    ).first()
    assert other_document is not None
    with pytest.raises(InvalidInput, match="on another document"):
        adjudication.accept(seeded_session, scene.document_id, [other_document.id], tester)
    with pytest.raises(InvalidInput, match="no tag with the id"):
        adjudication.accept(seeded_session, scene.document_id, ["no-such-tag"], tester)
    assert adjudicated_count(seeded_session) == 0


def test_merging_spans_makes_one_tag_covering_them_all(seeded_session: Session) -> None:
    scene = both_done(seeded_session)
    tester = user(seeded_session, "tester")
    second = passages_of(seeded_session, scene.document_id)[1]
    alices = make_annotation(
        seeded_session, second, "us", "opposes", start=2, end=10, note="hedged", analyst="alice"
    )
    bobs = make_annotation(
        seeded_session, second, "us", "opposes", start=5, end=20, note="plain", analyst="bob"
    )
    merged = adjudication.merge(seeded_session, scene.document_id, [bobs.id, alices.id], tester)
    assert merged.adjudicated and merged.adopted_from == bobs.id
    assert (merged.start, merged.end, merged.quote) == (2, 20, second.text[2:20])
    assert (merged.position_key, merged.kind) == ("us", "opposes")
    assert merged.note == "plain\n\nhedged"


def test_merging_with_a_whole_passage_tag_covers_the_passage(seeded_session: Session) -> None:
    scene = both_done(seeded_session)
    tester = user(seeded_session, "tester")
    first = passages_of(seeded_session, scene.document_id)[0]
    bobs = make_annotation(seeded_session, first, "russia", start=0, end=4, analyst="bob")
    merged = adjudication.merge(
        seeded_session, scene.document_id, [scene.alice_tag, bobs.id], tester
    )
    assert (merged.start, merged.end, merged.quote) == (None, None, None)
    assert merged.adopted_from == scene.alice_tag


def test_merging_different_positions_or_kinds_is_refused(seeded_session: Session) -> None:
    scene = both_done(seeded_session)
    tester = user(seeded_session, "tester")
    with pytest.raises(InvalidInput, match="same position and kind.*russia states, ukraine"):
        adjudication.merge(
            seeded_session, scene.document_id, [scene.alice_tag, scene.bob_tag], tester
        )
    with pytest.raises(InvalidInput, match="two tags or more"):
        adjudication.merge(seeded_session, scene.document_id, [scene.alice_tag], tester)
    assert adjudicated_count(seeded_session) == 0


def test_a_curator_writes_and_removes_a_tag_of_their_own(seeded_session: Session) -> None:
    scene = both_done(seeded_session)
    tester = user(seeded_session, "tester")
    second = passages_of(seeded_session, scene.document_id)[1]
    data = AnnotationCreate(
        passage_id=second.id,
        position_key="europe",
        kind=AnnotationKind.supports,
        note="mine",
        start=0,
        end=3,
    )
    made = adjudication.add_tag(seeded_session, scene.document_id, data, tester)
    assert made.adjudicated and made.adopted_from is None and made.quote == second.text[:3]
    elsewhere = seeded_session.exec(
        select(Annotation.passage_id).where(
            Annotation.document_id != scene.document_id, col(Annotation.passage_id).is_not(None)
        )
    ).first()
    assert elsewhere is not None
    with pytest.raises(InvalidInput, match="in another document"):
        adjudication.add_tag(
            seeded_session,
            scene.document_id,
            data.model_copy(update={"passage_id": elsewhere}),
            tester,
        )
    with pytest.raises(InvalidInput, match="not in this document's adjudicated layer"):
        adjudication.remove_tag(seeded_session, scene.document_id, scene.alice_tag, tester)
    removed = adjudication.remove_tag(seeded_session, scene.document_id, made.id, tester)
    assert removed.deleted_at is not None


def test_the_view_takes_the_same_queries_for_many_passages(seeded_session: Session) -> None:
    scene = both_done(seeded_session)

    def count() -> int:
        tester = user(seeded_session, "tester")  # loaded afresh after the commits
        with counting_queries(seeded_session.get_bind()) as statements:
            adjudication.adjudication_view(seeded_session, scene.document_id, tester)
        return len(statements)

    few = count()
    for passage in passages_of(seeded_session, scene.document_id)[1:]:
        make_annotation(seeded_session, passage, "us", analyst="alice")
        make_annotation(seeded_session, passage, "europe", analyst="bob")
    assert count() == few <= 6

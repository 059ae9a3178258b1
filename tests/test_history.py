"""The history is recorded as the map changes: one entry per change of a tracked item, with
who made it and the item before and after, in the same transaction; and analysts may change
only their own work."""

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, func, select

from app.config import PROJECT_ROOT
from app.models import (
    Annotation,
    AnnotationCreate,
    AnnotationKind,
    AnnotationUpdate,
    Claim,
    ClaimCreate,
    ClaimUpdate,
    DocumentUpdate,
    HistoryEntry,
    Passage,
    PositionCreate,
    PositionUpdate,
    Relation,
    RelationCreate,
    RelationKind,
    RelationUpdate,
    Stance,
    StanceFields,
    TopicCreate,
    utcnow,
)
from app.services import catalog, claims, documents, examples, tagging
from app.services.errors import Forbidden
from app.services.interchange.importer import import_map
from app.services.interchange.native import export_map
from tests.factories import (
    make_annotation,
    make_claim,
    make_document,
    make_position,
    make_relation,
    make_topic,
)

SEEDS = PROJECT_ROOT / "seeds"


def entries(
    session: Session, item_type: str | None = None, item_id: str | None = None
) -> list[HistoryEntry]:
    query = select(HistoryEntry).order_by(col(HistoryEntry.id))
    if item_type is not None:
        query = query.where(HistoryEntry.item_type == item_type)
    if item_id is not None:
        query = query.where(HistoryEntry.item_id == item_id)
    return list(session.exec(query))


def count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(HistoryEntry)).one()


def last(session: Session, item_type: str, item_id: str) -> HistoryEntry:
    return entries(session, item_type, item_id)[-1]


def as_user(session: Session, actor: str | None, may_edit_any: bool = False) -> Session:
    session.info["actor"] = actor
    session.info["may_edit_any"] = may_edit_any
    return session


@pytest.fixture
def map_session(session: Session) -> Session:
    """Two positions, a topic and a document with three passages (a heading, two paragraphs)."""
    make_position(session, "russia")
    make_position(session, "ukraine", ordinal=1)
    make_topic(session, "nato")
    make_document(session)
    return session


def paragraph(session: Session, index: int = 0) -> Passage:
    passages = session.exec(select(Passage).order_by(col(Passage.ordinal))).all()
    return [p for p in passages if p.kind == "paragraph"][index]


def stances(snapshot: dict[str, Any] | None) -> list[dict[str, str]]:
    assert snapshot is not None
    found: list[dict[str, str]] = snapshot["stances"]
    return found


# --- what is recorded ----------------------------------------------------------------------


def test_a_new_tag_is_recorded_with_who_made_it_and_what_it_is(map_session: Session) -> None:
    as_user(map_session, "alice")
    passage = paragraph(map_session)
    annotation = tagging.tag_passage(
        map_session,
        AnnotationCreate(passage_id=passage.id, position_key="russia", start=4, end=11),
        "alice",
    )
    entry = last(map_session, "annotation", annotation.id)
    assert (entry.action, entry.actor, entry.version, entry.before) == ("create", "alice", 1, None)
    assert entry.after is not None
    assert entry.after["quote"] == passage.text[4:11]
    assert entry.after["position_key"] == "russia"
    assert entry.after["kind"] == "states"  # an enum, stored as its value
    created_at = entry.after["created_at"]  # a time, as ISO 8601 in UTC
    assert isinstance(created_at, str) and created_at.endswith("Z")


def test_an_edit_is_recorded_with_the_item_before_and_after(map_session: Session) -> None:
    annotation = make_annotation(map_session, paragraph(map_session), "russia", note="first")
    as_user(map_session, "Ana")
    tagging.update_annotation(
        map_session, annotation.id, AnnotationUpdate(note="second", kind=AnnotationKind.supports)
    )
    entry = last(map_session, "annotation", annotation.id)
    assert (entry.action, entry.actor, entry.version) == ("update", "Ana", 2)
    assert entry.before is not None and entry.after is not None
    assert (entry.before["note"], entry.after["note"]) == ("first", "second")
    assert (entry.before["kind"], entry.after["kind"]) == ("states", "supports")
    assert entry.before["version"] == 1


def test_removing_a_tag_is_a_delete_and_undoing_it_a_restore(map_session: Session) -> None:
    annotation = make_annotation(map_session, paragraph(map_session), "russia")
    tagging.remove_annotation(map_session, annotation.id)
    tagging.restore_annotation(map_session, annotation.id)
    created, deleted, restored = entries(map_session, "annotation", annotation.id)
    assert [e.action for e in (created, deleted, restored)] == ["create", "delete", "restore"]
    assert deleted.before is not None and deleted.after is not None
    assert deleted.before["deleted_at"] is None and deleted.after["deleted_at"] is not None
    assert restored.after is not None and restored.after["deleted_at"] is None
    assert (deleted.version, restored.version) == (2, 3)
    assert restored.actor is None  # no user: a change from the command line


def test_a_claim_made_with_stances_and_evidence_is_one_create(map_session: Session) -> None:
    annotation = make_annotation(map_session, paragraph(map_session), "russia")
    as_user(map_session, "Ana")
    claim = claims.create_claim(
        map_session,
        ClaimCreate(
            text="NATO will not grow",
            stances=[StanceFields(position_key="russia")],
            annotation_ids=[annotation.id],
        ),
        "Ana",
    )
    (entry,) = entries(map_session, "claim", claim.id)
    assert (entry.action, entry.version, claim.version) == ("create", 1, 1)
    assert stances(entry.after) == [{"position_key": "russia", "stance": "holds"}]
    # The tag became evidence: a change of the tag, recorded as such.
    assert last(map_session, "annotation", annotation.id).action == "update"


def test_changing_only_a_stance_is_an_update_of_its_claim(map_session: Session) -> None:
    claim = make_claim(map_session, stances={"russia": "holds"})
    before = count(map_session)
    claims.set_stance(map_session, claim.id, "ukraine", Stance.rejects)
    assert count(map_session) == before + 1
    entry = last(map_session, "claim", claim.id)
    assert (entry.action, entry.version) == ("update", 2)
    assert stances(entry.before) == [{"position_key": "russia", "stance": "holds"}]
    assert stances(entry.after) == [
        {"position_key": "russia", "stance": "holds"},
        {"position_key": "ukraine", "stance": "rejects"},
    ]


def test_a_stance_changed_straight_on_its_row_bumps_the_claims_version(
    map_session: Session,
) -> None:
    from app.models import ClaimStance

    claim = make_claim(map_session, stances={"russia": "holds"})
    row = map_session.exec(select(ClaimStance).where(ClaimStance.claim_id == claim.id)).one()
    row.stance = Stance.rejects
    map_session.add(row)
    map_session.commit()
    map_session.refresh(claim)
    assert claim.version == 2
    entry = last(map_session, "claim", claim.id)
    assert entry.action == "update"
    assert stances(entry.after) == [{"position_key": "russia", "stance": "rejects"}]


def test_deleting_a_claim_records_its_relations_and_lists_its_evidence(
    map_session: Session,
) -> None:
    annotation = make_annotation(map_session, paragraph(map_session), "russia")
    claim = make_claim(map_session, "Doomed", stances={"russia": "holds"}, evidence=[annotation])
    other = make_claim(map_session, "Other")
    outgoing = make_relation(map_session, claim, other)
    incoming = make_relation(map_session, other, claim, kind="attacks", analyst="Bo")
    relation_ids = [outgoing.id, incoming.id]
    claims.delete_claim(map_session, claim.id)
    entry = last(map_session, "claim", claim.id)
    assert (entry.action, entry.after, entry.version) == ("delete", None, 1)
    assert entry.before is not None
    assert entry.before["text"] == "Doomed"
    assert entry.before["evidence"] == [annotation.id]
    assert stances(entry.before) == [{"position_key": "russia", "stance": "holds"}]
    for relation_id in relation_ids:
        gone = last(map_session, "relation", relation_id)
        assert (gone.action, gone.version) == ("delete", 1)
        assert gone.before is not None and gone.before["id"] == relation_id
    assert last(map_session, "claim", other.id).action == "create"  # the other end stays


def test_deleting_a_document_records_its_live_tags(map_session: Session) -> None:
    document_id = paragraph(map_session).document_id
    live = make_annotation(map_session, paragraph(map_session), "russia")
    removed = make_annotation(map_session, paragraph(map_session, 1), "ukraine")
    tagging.remove_annotation(map_session, removed.id)
    live_id, removed_id = live.id, removed.id
    documents.delete_document(map_session, document_id)
    gone = last(map_session, "document", document_id)
    assert gone.action == "delete"
    assert gone.before is not None and gone.before["original_text"]
    assert last(map_session, "annotation", live_id).action == "delete"
    # The removed tag's deletion was recorded when it was removed.
    assert [e.action for e in entries(map_session, "annotation", removed_id)] == [
        "create",
        "delete",
    ]


def test_positions_topics_and_documents_are_recorded(map_session: Session) -> None:
    as_user(map_session, "tester")
    catalog.create_position(
        map_session, PositionCreate(key="us", name="United States", colour="#2255cc")
    )
    catalog.update_position(map_session, "us", PositionUpdate(name="USA"))
    catalog.delete_position(map_session, "us")
    assert [(e.action, e.version) for e in entries(map_session, "position", "us")] == [
        ("create", 1),
        ("update", 2),
        ("delete", 2),
    ]
    catalog.create_topic(map_session, TopicCreate(key="gas", name="Gas"))
    assert last(map_session, "topic", "gas").action == "create"
    document_id = paragraph(map_session).document_id
    documents.update_document(map_session, document_id, DocumentUpdate(title="Better"))
    entry = last(map_session, "document", document_id)
    assert entry.before is not None and entry.after is not None
    assert (entry.before["title"], entry.after["title"]) == ("A test article", "Better")
    # The text did not change, so the entry does not carry it twice.
    assert "original_text" not in entry.before and "original_text" not in entry.after


def test_saving_an_unchanged_item_records_nothing(map_session: Session) -> None:
    annotation = make_annotation(map_session, paragraph(map_session), "russia")
    before = count(map_session)
    annotation.note = annotation.note
    map_session.add(annotation)
    map_session.commit()
    assert count(map_session) == before


def test_a_change_rolled_back_leaves_no_history(map_session: Session) -> None:
    claim = make_claim(map_session)
    before = count(map_session)
    claim.text = "Changed, then thought better of"
    map_session.add(claim)
    map_session.flush()
    assert count(map_session) == before + 1  # written in the change's own transaction
    map_session.rollback()
    assert count(map_session) == before


def test_the_relation_kind_change_records_an_update(map_session: Session) -> None:
    relation = make_relation(
        map_session, make_claim(map_session, "A"), make_claim(map_session, "B")
    )
    claims.update_relation(map_session, relation.id, RelationUpdate(kind=RelationKind.attacks))
    entry = last(map_session, "relation", relation.id)
    assert entry.before is not None and entry.after is not None
    assert (entry.action, entry.before["kind"], entry.after["kind"]) == (
        "update",
        "supports",
        "attacks",
    )


# --- writes that bypass the ORM ------------------------------------------------------------


def test_an_import_records_every_item_it_creates(seeded_session: Session) -> None:
    report = examples.load_starter_map(as_user(seeded_session, "tester"), SEEDS)
    assert report is not None
    for table, item_type in (
        ("claims", "claim"),
        ("relations", "relation"),
        ("annotations", "annotation"),
    ):
        created = [e for e in entries(seeded_session, item_type) if e.action == "create"]
        assert len(created) == report.imported.created[table]
        assert all(e.actor == "tester" and e.version == 1 for e in created)
    # The starter actors come through the actor service, one entry each, by the same user.
    created = [e for e in entries(seeded_session, "actor") if e.action == "create"]
    assert len(created) == report.actors > 0
    assert all(e.actor == "tester" and e.version == 1 for e in created)
    assert all(e.after is not None and e.after["example"] is True for e in created)
    claim = seeded_session.exec(select(Claim).limit(1)).one()
    entry = last(seeded_session, "claim", claim.id)
    assert entry.after is not None and entry.after["text"] == claim.text
    assert stances(entry.after)  # every starter claim has stances
    created_at = entry.after["created_at"]
    assert isinstance(created_at, str) and created_at.endswith("Z")


def test_an_import_that_updates_a_claim_records_its_old_and_new_stances(
    engine: Any, map_session: Session
) -> None:
    claim = make_claim(map_session, "Old words", stances={"russia": "holds"})
    exported = export_map(engine)
    (record,) = exported["claims"]
    record["text"] = "New words"
    record["stances"] = [{"position_key": "ukraine", "stance": "rejects"}]
    record["updated_at"] = (utcnow() + timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    import_map(map_session, json.dumps(exported))
    entry = last(map_session, "claim", claim.id)
    assert entry.action == "update"
    assert entry.before is not None and entry.after is not None
    assert (entry.before["text"], entry.after["text"]) == ("Old words", "New words")
    assert stances(entry.before) == [{"position_key": "russia", "stance": "holds"}]
    assert stances(entry.after) == [{"position_key": "ukraine", "stance": "rejects"}]


def test_an_import_refused_records_nothing(map_session: Session) -> None:
    before = count(map_session)
    with pytest.raises(Exception, match="not an argmap export"):
        import_map(map_session, "{}")
    assert count(map_session) == before


def test_clearing_the_examples_records_every_deletion_and_every_claim_kept(
    seeded_session: Session,
) -> None:
    examples.load_starter_map(seeded_session, SEEDS)
    claim_ids = set(seeded_session.exec(select(Claim.id)))
    annotation_ids = set(seeded_session.exec(select(Annotation.id)))
    # An analyst's own relation between two example claims keeps both of them.
    first, second = seeded_session.exec(select(Claim).limit(2)).all()
    for relation in seeded_session.exec(
        select(Relation).where(
            col(Relation.source_id).in_([first.id, second.id]),
            col(Relation.target_id).in_([first.id, second.id]),
        )
    ):
        seeded_session.delete(relation)
    seeded_session.commit()
    relation_ids = set(seeded_session.exec(select(Relation.id)))
    own = make_relation(seeded_session, first, second, analyst="Ana").id
    kept = {first.id, second.id}
    examples.clear_examples(as_user(seeded_session, "tester", may_edit_any=True))
    deleted = {
        (e.item_type, e.item_id)
        for e in entries(seeded_session)
        if e.action == "delete" and e.before is not None
    }
    assert {("claim", i) for i in claim_ids - kept} <= deleted
    assert {("relation", i) for i in relation_ids} <= deleted
    assert {("annotation", i) for i in annotation_ids} <= deleted
    assert ("relation", own) not in deleted
    assert not {("claim", i) for i in kept} & deleted
    gone = next(iter(claim_ids - kept))
    claim_entry = last(seeded_session, "claim", gone)
    assert claim_entry.before is not None
    assert stances(claim_entry.before) and "evidence" in claim_entry.before
    for claim_id in kept:
        entry = last(seeded_session, "claim", claim_id)
        assert (entry.action, entry.actor) == ("update", "tester")
        assert entry.before is not None and entry.after is not None
        assert (entry.before["example"], entry.after["example"]) == (True, False)
        assert stances(entry.after) == stances(entry.before)


# --- ownership -----------------------------------------------------------------------------


@pytest.fixture
def alices_work(map_session: Session) -> dict[str, Any]:
    annotation = make_annotation(map_session, paragraph(map_session), "russia", analyst="alice")
    claim = make_claim(map_session, "Alice's claim", analyst="alice")
    other = make_claim(map_session, "Another", analyst="alice")
    relation = make_relation(map_session, claim, other, analyst="alice")
    return {"annotation": annotation, "claim": claim, "relation": relation}


@pytest.mark.parametrize(
    "change",
    [
        lambda s, w: tagging.update_annotation(s, w["annotation"].id, AnnotationUpdate(note="x")),
        lambda s, w: tagging.remove_annotation(s, w["annotation"].id),
        lambda s, w: claims.update_claim(s, w["claim"].id, ClaimUpdate(text="Bob's words")),
        lambda s, w: claims.delete_claim(s, w["claim"].id),
        lambda s, w: claims.update_relation(s, w["relation"].id, RelationUpdate(note="x")),
        lambda s, w: claims.delete_relation(s, w["relation"].id),
    ],
    ids=[
        "edit tag",
        "remove tag",
        "edit claim",
        "delete claim",
        "edit relation",
        "delete relation",
    ],
)
def test_an_analyst_may_not_change_anothers_work(
    map_session: Session, alices_work: dict[str, Any], change: Any
) -> None:
    before = count(map_session)
    as_user(map_session, "bob")
    with pytest.raises(Forbidden, match="alice's work"):
        change(map_session, alices_work)
    map_session.rollback()
    assert count(map_session) == before


def test_an_editor_of_everyones_work_may(map_session: Session, alices_work: dict[str, Any]) -> None:
    as_user(map_session, "editor", may_edit_any=True)
    claims.update_claim(map_session, alices_work["claim"].id, ClaimUpdate(text="Edited"))
    claims.delete_relation(map_session, alices_work["relation"].id)
    assert last(map_session, "claim", alices_work["claim"].id).actor == "editor"


def test_the_owner_and_the_command_line_may(
    map_session: Session, alices_work: dict[str, Any]
) -> None:
    as_user(map_session, "alice")
    tagging.update_annotation(map_session, alices_work["annotation"].id, AnnotationUpdate(note="a"))
    as_user(map_session, None)
    tagging.update_annotation(map_session, alices_work["annotation"].id, AnnotationUpdate(note="b"))


def test_the_shared_structure_is_anyones_to_change(
    map_session: Session, alices_work: dict[str, Any]
) -> None:
    as_user(map_session, "bob")
    claim, annotation = alices_work["claim"], alices_work["annotation"]
    claims.attach_evidence(map_session, claim.id, annotation.id)  # the tag's claim: a link
    claims.set_stance(map_session, claim.id, "ukraine", Stance.holds)  # a stance
    bobs = claims.create_claim(map_session, ClaimCreate(text="Bob's own"), "bob")
    claims.create_relation(
        map_session,
        RelationCreate(source_id=bobs.id, target_id=claim.id, kind=RelationKind.attacks),
        "bob",
    )
    assert last(map_session, "claim", claim.id).actor == "bob"

"""Reading the history back (filters, pages, changes shown) and undoing deletions."""

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from app.models import (
    Annotation,
    AnnotationKind,
    AnnotationUpdate,
    Claim,
    ClaimStance,
    ClaimUpdate,
    Document,
    HistoryAction,
    HistoryEntry,
    ItemType,
    Passage,
    Position,
    PositionCreate,
    Relation,
    Stance,
    utcnow,
)
from app.services import catalog, claims, documents, history, history_export, tagging
from app.services.errors import Conflict, InvalidInput, NotFound
from app.services.history import HistoryFilters
from tests.factories import make_annotation, make_claim, make_document, make_position, make_relation


@pytest.fixture
def map_session(session: Session) -> Session:
    make_position(session, "russia")
    make_position(session, "ukraine", ordinal=1)
    make_document(session)
    return session


def paragraph(session: Session, index: int = 0) -> Passage:
    passages = session.exec(select(Passage).order_by(col(Passage.ordinal))).all()
    return [p for p in passages if p.kind == "paragraph"][index]


def delete_entry(session: Session, item_type: ItemType, item_id: str) -> int:
    entry = history.latest_entry(session, item_type, item_id)
    assert entry.action == HistoryAction.delete and entry.id is not None
    return entry.id


# --- reading -------------------------------------------------------------------------------


def test_pages_go_from_the_newest_back_and_forth(map_session: Session) -> None:
    for number in range(7):
        make_claim(map_session, f"Claim {number}")
    only_claims = HistoryFilters(item_type=ItemType.claim)
    first = history.list_history(map_session, only_claims, limit=3)
    assert [item.label for item in first.items] == ["Claim 6", "Claim 5", "Claim 4"]
    assert first.newer is None and first.older is not None
    second = history.list_history(map_session, only_claims, before=first.older, limit=3)
    assert [item.label for item in second.items] == ["Claim 3", "Claim 2", "Claim 1"]
    last = history.list_history(map_session, only_claims, before=second.older, limit=3)
    assert [item.label for item in last.items] == ["Claim 0"]
    assert last.older is None
    back = history.list_history(map_session, only_claims, after=second.newer, limit=3)
    assert [item.label for item in back.items] == ["Claim 6", "Claim 5", "Claim 4"]
    assert back.newer is None


def test_a_page_holds_at_most_200_entries(map_session: Session) -> None:
    page = history.list_history(map_session, limit=10_000)
    assert len(page.items) <= history.MAX_PAGE_SIZE


def test_filters_combine(map_session: Session) -> None:
    map_session.info["actor"] = "alice"
    claim = make_claim(map_session, "By Alice")
    map_session.info.update(actor="bob", may_edit_any=True)
    claims.delete_claim(map_session, claim.id)

    def labels(**given: Any) -> list[str]:
        filters = HistoryFilters(**given)
        return [
            f"{i.entry.action} {i.label}" for i in history.list_history(map_session, filters).items
        ]

    assert labels(actor="alice") == ["create By Alice"]
    assert labels(action=HistoryAction.delete) == ["delete By Alice"]
    assert labels(item_type=ItemType.position) == ["create Ukraine", "create Russia"]
    assert labels(id_contains=claim.id[3:12]) == ["delete By Alice", "create By Alice"]
    assert labels(since=utcnow() + timedelta(minutes=1)) == []
    assert labels(until=utcnow() - timedelta(days=1)) == []
    assert history.list_actors(map_session) == ["alice", "bob"]


def test_an_items_history_shows_what_each_change_did(map_session: Session) -> None:
    annotation = make_annotation(map_session, paragraph(map_session), "russia", start=4, end=11)
    tagging.update_annotation(
        map_session, annotation.id, AnnotationUpdate(note="Look here", kind=AnnotationKind.supports)
    )
    updated, created = history.item_history(map_session, ItemType.annotation, annotation.id)
    assert updated.label == created.label == f"“{paragraph(map_session).text[4:11]}”"
    assert {(c.name, c.before, c.after) for c in updated.changes} == {
        ("note", None, "Look here"),
        ("kind", "states", "supports"),
    }
    assert ("position_key", None, "russia") in {
        (c.name, c.before, c.after) for c in created.changes
    }


def test_an_item_without_history_is_not_found(map_session: Session) -> None:
    with pytest.raises(NotFound):
        history.item_history(map_session, ItemType.claim, "nope")


def test_a_relation_is_labelled_by_its_claims(map_session: Session) -> None:
    relation = make_relation(
        map_session, make_claim(map_session, "Sanctions work"), make_claim(map_session, "Peace")
    )
    (item,) = history.item_history(map_session, ItemType.relation, relation.id)
    assert item.label == "“Sanctions work” supports “Peace”"


# --- restoring -----------------------------------------------------------------------------


def test_a_removed_tag_comes_back(map_session: Session) -> None:
    annotation = make_annotation(map_session, paragraph(map_session), "russia")
    tagging.remove_annotation(map_session, annotation.id)
    entry = history.restore(
        map_session, delete_entry(map_session, ItemType.annotation, annotation.id)
    )
    assert (entry.action, entry.version) == (HistoryAction.restore, 3)
    assert map_session.get_one(Annotation, annotation.id).deleted_at is None


def test_a_deleted_claim_comes_back_with_its_stances_and_free_evidence(
    map_session: Session,
) -> None:
    free = make_annotation(map_session, paragraph(map_session), "russia")
    taken = make_annotation(map_session, paragraph(map_session, 1), "ukraine")
    claim = make_claim(map_session, "Back", stances={"russia": "holds"}, evidence=[free, taken])
    claim_id, free_id, taken_id = claim.id, free.id, taken.id
    claims.update_claim(map_session, claim_id, ClaimUpdate(text="Back again"))
    claims.delete_claim(map_session, claim_id)
    other = make_claim(
        map_session, "Took one", evidence=[map_session.get_one(Annotation, taken_id)]
    )
    entry = history.restore(map_session, delete_entry(map_session, ItemType.claim, claim_id))
    assert (entry.action, entry.version) == (HistoryAction.restore, 3)
    assert entry.after is not None and entry.after["stances"] == [
        {"position_key": "russia", "stance": "holds"}
    ]
    restored = map_session.get(Claim, claim_id)
    assert restored is not None and (restored.text, restored.version) == ("Back again", 3)
    stances = map_session.exec(select(ClaimStance).where(ClaimStance.claim_id == claim_id)).all()
    assert [(s.position_key, s.stance) for s in stances] == [("russia", Stance.holds)]
    assert map_session.get_one(Annotation, free_id).claim_id == claim_id
    assert map_session.get_one(Annotation, taken_id).claim_id == other.id
    # Restored items can be edited as usual: the version continues.
    claims.update_claim(map_session, claim_id, ClaimUpdate(note="ok"))
    assert history.latest_entry(map_session, ItemType.claim, claim_id).version == 4


def test_restoring_twice_is_a_conflict(map_session: Session) -> None:
    claim_id = make_claim(map_session).id
    claims.delete_claim(map_session, claim_id)
    entry_id = delete_entry(map_session, ItemType.claim, claim_id)
    history.restore(map_session, entry_id)
    with pytest.raises(Conflict, match="already restored"):
        history.restore(map_session, entry_id)


def test_only_a_deletion_can_be_undone(map_session: Session) -> None:
    claim_id = make_claim(map_session).id
    entry = history.latest_entry(map_session, ItemType.claim, claim_id)
    assert entry.id is not None
    with pytest.raises(Conflict, match="Only a deletion"):
        history.restore(map_session, entry.id)
    with pytest.raises(NotFound):
        history.restore(map_session, 10_000)


def test_a_relation_comes_back_only_between_two_claims_that_exist(map_session: Session) -> None:
    source, target = make_claim(map_session, "A"), make_claim(map_session, "B")
    source_id, target_id = source.id, target.id
    relation_id = make_relation(map_session, source, target).id
    claims.delete_relation(map_session, relation_id)
    entry_id = delete_entry(map_session, ItemType.relation, relation_id)
    blocking = make_relation(map_session, target, source, kind="attacks")
    with pytest.raises(Conflict, match="another relation"):
        history.restore(map_session, entry_id)
    claims.delete_relation(map_session, blocking.id)
    claims.delete_claim(map_session, target_id)
    with pytest.raises(InvalidInput, match="restore that claim first"):
        history.restore(map_session, entry_id)
    history.restore(map_session, delete_entry(map_session, ItemType.claim, target_id))
    history.restore(map_session, entry_id)
    relation = map_session.get(Relation, relation_id)
    assert relation is not None and (relation.source_id, relation.target_id) == (
        source_id,
        target_id,
    )


def test_a_document_comes_back_and_then_its_tags(map_session: Session) -> None:
    passage = paragraph(map_session)
    annotation_id = make_annotation(map_session, passage, "russia", start=0, end=5).id
    document_id, passage_id, quote = passage.document_id, passage.id, passage.text[0:5]
    documents.delete_document(map_session, document_id)
    tag_entry = delete_entry(map_session, ItemType.annotation, annotation_id)
    with pytest.raises(InvalidInput, match="restore the document first"):
        history.restore(map_session, tag_entry)
    history.restore(map_session, delete_entry(map_session, ItemType.document, document_id))
    restored = map_session.get(Document, document_id)
    assert restored is not None and restored.title == "A test article"
    assert map_session.get(Passage, passage_id) is not None  # the same ids again
    history.restore(map_session, tag_entry)
    annotation = map_session.get(Annotation, annotation_id)
    assert annotation is not None and annotation.quote == quote


def test_a_position_comes_back(map_session: Session) -> None:
    catalog.create_position(map_session, PositionCreate(key="us", name="USA", colour="#123456"))
    catalog.delete_position(map_session, "us")
    entry = history.restore(map_session, delete_entry(map_session, ItemType.position, "us"))
    assert entry.action == HistoryAction.restore
    position = map_session.get(Position, "us")
    assert position is not None and (position.name, position.version) == ("USA", 2)


def test_the_export_holds_every_entry_as_json(map_session: Session) -> None:
    import json

    make_claim(map_session, 'Quotes " and \n newlines')
    exported = json.loads("".join(history_export.iter_history_export(map_session)))
    assert exported["format"] == "argmap-history"
    total = len(list(map_session.exec(select(HistoryEntry))))
    assert len(exported["entries"]) == total > 0
    assert [e["id"] for e in exported["entries"]] == sorted(e["id"] for e in exported["entries"])

"""No lost updates: every change of an editable item names the version it was based on; a stale
one is refused with the item as it is now, a current one is saved and bumps the version."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from app.models import (
    Annotation,
    AnnotationKind,
    AnnotationPublic,
    AnnotationUpdate,
    Claim,
    ClaimPublic,
    ClaimUpdate,
    DocumentPublic,
    DocumentUpdate,
    Passage,
    PositionPublic,
    PositionUpdate,
    RelationKind,
    RelationPublic,
    RelationUpdate,
    Stance,
    TopicPublic,
    TopicUpdate,
)
from app.services import catalog, claims, documents, reanchor, tagging
from app.services.errors import Conflict, VersionConflict
from tests.factories import (
    DEFAULT_TEXT,
    make_annotation,
    make_claim,
    make_document,
    make_position,
    make_relation,
    make_topic,
)


@dataclass
class Items:
    passage: Passage
    annotation: Annotation
    claim: Claim
    other_claim: Claim


@pytest.fixture
def items(session: Session) -> Items:
    make_position(session, "russia")
    make_position(session, "ukraine")
    make_topic(session, "nato")
    document = make_document(session)
    passage = documents.list_passages(session, document.id)[1]
    annotation = make_annotation(session, passage, "russia", analyst="Ana")
    claim = make_claim(session, "Kyiv keeps its land", stances={"ukraine": "holds"}, analyst="Ben")
    other = make_claim(session, "Talks will fail", analyst="Ben")
    return Items(passage, annotation, claim, other)


def refused(change: Callable[[], Any]) -> VersionConflict:
    with pytest.raises(VersionConflict) as caught:
        change()
    return caught.value


# --- tags ------------------------------------------------------------------------------------


def test_a_tag_edit_based_on_the_current_version_is_saved_and_bumps_it(
    session: Session, items: Items
) -> None:
    assert items.annotation.version == 1
    edited = tagging.update_annotation(
        session, items.annotation.id, AnnotationUpdate(note="checked", version=1)
    )
    assert (edited.note, edited.version) == ("checked", 2)


def test_a_stale_tag_edit_is_refused_with_the_tag_as_it_is_now(
    session: Session, items: Items
) -> None:
    tagging.update_annotation(
        session, items.annotation.id, AnnotationUpdate(note="theirs", version=1)
    )
    conflict = refused(
        lambda: tagging.update_annotation(
            session,
            items.annotation.id,
            AnnotationUpdate(note="mine", kind=AnnotationKind.opposes, version=1),
        )
    )
    assert isinstance(conflict, Conflict)
    assert (conflict.item_type, conflict.item_id) == ("annotation", items.annotation.id)
    assert (conflict.your_version, conflict.current_version) == (1, 2)
    assert isinstance(conflict.current, AnnotationPublic)
    assert (conflict.current.note, conflict.current.version) == ("theirs", 2)
    assert conflict.message == (
        "This tag was changed by Ana since you opened it (you edited version 1, it is now at "
        "version 2). Nothing was saved."
    )
    session.refresh(items.annotation)
    assert (items.annotation.note, items.annotation.kind, items.annotation.version) == (
        "theirs",
        "states",
        2,
    )


def test_an_edit_without_a_version_is_not_checked(session: Session, items: Items) -> None:
    """The command line and the services' own follow-up changes do not track versions."""
    tagging.update_annotation(session, items.annotation.id, AnnotationUpdate(note="a"))
    edited = tagging.update_annotation(session, items.annotation.id, AnnotationUpdate(note="b"))
    assert (edited.note, edited.version) == ("b", 3)


def test_removing_a_tag_checks_its_version(session: Session, items: Items) -> None:
    tagging.update_annotation(session, items.annotation.id, AnnotationUpdate(note="x"))
    refused(lambda: tagging.remove_annotation(session, items.annotation.id, version=1))
    session.refresh(items.annotation)
    assert items.annotation.deleted_at is None
    removed = tagging.remove_annotation(session, items.annotation.id, version=2)
    assert removed.deleted_at is not None and removed.version == 3


def test_detaching_evidence_checks_the_tag_version(session: Session, items: Items) -> None:
    claims.attach_evidence(session, items.claim.id, items.annotation.id)  # version 2
    refused(
        lambda: claims.detach_evidence(
            session, items.annotation.id, claim_id=items.claim.id, version=1
        )
    )
    detached = claims.detach_evidence(
        session, items.annotation.id, claim_id=items.claim.id, version=2
    )
    assert (detached.claim_id, detached.version) == (None, 3)


# --- claims and relations --------------------------------------------------------------------


def test_claim_edits_check_the_version(session: Session, items: Items) -> None:
    claim_id = items.claim.id
    edited = claims.update_claim(session, claim_id, ClaimUpdate(text="Kyiv keeps it", version=1))
    assert edited.version == 2
    conflict = refused(
        lambda: claims.update_claim(session, claim_id, ClaimUpdate(note="mine", version=1))
    )
    assert isinstance(conflict.current, ClaimPublic)
    assert conflict.current.text == "Kyiv keeps it"
    assert [(s.position_key, s.stance) for s in conflict.current.stances] == [
        ("ukraine", Stance.holds)
    ]
    assert "This claim was changed by Ben" in conflict.message
    assert claims.get_claim(session, claim_id).note == ""


def test_a_stance_change_checks_and_bumps_the_claim_version(session: Session, items: Items) -> None:
    claim_id = items.claim.id
    changed = claims.set_stance(session, claim_id, "russia", Stance.rejects, version=1)
    assert changed.version == 2
    refused(lambda: claims.set_stance(session, claim_id, "russia", None, version=1))
    public = claims.claim_public(session, claims.get_claim(session, claim_id))
    assert {s.position_key for s in public.stances} == {"russia", "ukraine"}
    assert claims.set_stance(session, claim_id, "russia", None, version=2).version == 3


def test_deleting_a_claim_checks_its_version(session: Session, items: Items) -> None:
    claims.update_claim(session, items.claim.id, ClaimUpdate(note="x"))
    refused(lambda: claims.delete_claim(session, items.claim.id, version=1))
    assert claims.get_claim(session, items.claim.id)
    claims.delete_claim(session, items.claim.id, version=2)
    assert session.get(Claim, items.claim.id) is None


def test_relation_edits_and_deletes_check_the_version(session: Session, items: Items) -> None:
    relation = make_relation(session, items.claim, items.other_claim, analyst="Cy")
    edited = claims.update_relation(
        session, relation.id, RelationUpdate(kind=RelationKind.attacks, version=1)
    )
    assert (edited.kind, edited.version) == ("attacks", 2)
    conflict = refused(
        lambda: claims.update_relation(session, relation.id, RelationUpdate(note="n", version=1))
    )
    assert isinstance(conflict.current, RelationPublic)
    assert conflict.current.kind == "attacks"
    assert "This relation was changed by Cy" in conflict.message
    refused(lambda: claims.delete_relation(session, relation.id, version=1))
    claims.delete_relation(session, relation.id, version=2)
    assert claims.list_relations(session) == []


# --- positions, topics and documents ---------------------------------------------------------


def test_position_edits_and_deletes_check_the_version(session: Session, items: Items) -> None:
    make_position(session, "us")
    edited = catalog.update_position(session, "us", PositionUpdate(name="USA", version=1))
    assert (edited.name, edited.version) == ("USA", 2)
    conflict = refused(
        lambda: catalog.update_position(session, "us", PositionUpdate(colour="#000000", version=1))
    )
    assert isinstance(conflict.current, PositionPublic)
    assert (conflict.item_type, conflict.item_id, conflict.current.name) == (
        "position",
        "us",
        "USA",
    )
    refused(lambda: catalog.delete_position(session, "us", version=1))
    catalog.delete_position(session, "us", version=2)
    assert [p.key for p in catalog.list_positions(session)] == ["russia", "ukraine"]


def test_topic_edits_and_deletes_check_the_version(session: Session, items: Items) -> None:
    edited = catalog.update_topic(
        session, "nato", TopicUpdate(description="the alliance", version=1)
    )
    assert edited.version == 2
    conflict = refused(
        lambda: catalog.update_topic(session, "nato", TopicUpdate(name="NATO", version=1))
    )
    assert isinstance(conflict.current, TopicPublic)
    assert conflict.current.description == "the alliance"
    assert catalog.get_topic(session, "nato").name == "Nato"
    refused(lambda: catalog.delete_topic(session, "nato", version=1))
    catalog.delete_topic(session, "nato", version=2)


def test_document_edits_deletes_and_text_replacements_check_the_version(
    session: Session, items: Items
) -> None:
    document_id = items.passage.document_id
    edited = documents.update_document(
        session, document_id, DocumentUpdate(outlet="The Daily", version=1)
    )
    assert (edited.outlet, edited.version) == ("The Daily", 2)
    conflict = refused(
        lambda: documents.update_document(
            session, document_id, DocumentUpdate(title="Mine", version=1)
        )
    )
    assert isinstance(conflict.current, DocumentPublic)
    assert (conflict.current.outlet, conflict.current.annotation_count) == ("The Daily", 1)
    new_text = DEFAULT_TEXT.replace("Talks in Alaska", "Talks in Anchorage")
    refused(lambda: reanchor.replace_document_text(session, document_id, new_text, version=1))
    assert documents.get_document(session, document_id).original_text == DEFAULT_TEXT
    report = reanchor.replace_document_text(session, document_id, new_text, version=2)
    assert report.changed
    version = documents.get_document(session, document_id).version
    assert version > 2
    refused(lambda: documents.delete_document(session, document_id, version=2))
    documents.delete_document(session, document_id, version=version)
    assert documents.list_documents(session) == []


# --- the race between the check and the write ------------------------------------------------


def test_a_change_made_between_the_check_and_the_write_fails_instead_of_overwriting(
    engine: Engine, items: Items
) -> None:
    """Two editors load version 1; the check passes for both, but the database takes only the
    first write: the second one's UPDATE … WHERE version = 1 matches no row."""
    with Session(engine, expire_on_commit=False) as slow, Session(engine) as quick:
        loaded = slow.get(Annotation, items.annotation.id)
        assert loaded is not None and loaded.version == 1
        slow.commit()  # ends the read; the loaded copy stays in the session as it was
        tagging.update_annotation(quick, loaded.id, AnnotationUpdate(note="quick", version=1))
        with pytest.raises(StaleDataError):
            tagging.update_annotation(slow, loaded.id, AnnotationUpdate(note="slow", version=1))
        slow.rollback()
    with Session(engine) as fresh:
        stored = fresh.get(Annotation, items.annotation.id)
        assert stored is not None and (stored.note, stored.version) == ("quick", 2)

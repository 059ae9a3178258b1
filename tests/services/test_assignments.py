"""Independent coding's service: giving documents out all or nothing, marking them done, the
progress in a fixed number of queries, and the team's setting as the blinding reads it."""

import pytest
from sqlmodel import Session, col, select

from app.audit.entries import ACTOR
from app.models import Assignment, Document, HistoryEntry, Passage, PassageKind, utcnow
from app.services import assignments
from app.services.assignments import CodingStatus
from app.services.blinding import blinding_for
from app.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests.factories import make_annotation
from tests.queries import counting_queries


def documents(session: Session, count: int) -> list[str]:
    ids = session.exec(
        select(Document.id).order_by(col(Document.created_at), col(Document.id)).limit(count)
    ).all()
    assert len(ids) == count
    return list(ids)


def first_passage(session: Session, document_id: str) -> Passage:
    passage = session.exec(
        select(Passage)
        .where(Passage.document_id == document_id, Passage.kind != PassageKind.boilerplate)
        .order_by(col(Passage.ordinal))
    ).first()
    assert passage is not None
    return passage


def stored(session: Session) -> list[tuple[str, str]]:
    rows = session.exec(select(Assignment.document_id, Assignment.analyst)).all()
    return sorted((d, a) for d, a in rows)


def entries(session: Session) -> list[HistoryEntry]:
    return list(session.exec(select(HistoryEntry).where(HistoryEntry.item_type == "assignment")))


def test_several_analysts_get_a_document_at_once_or_none_of_them_does(
    seeded_session: Session,
) -> None:
    [document_id] = documents(seeded_session, 1)
    with pytest.raises(InvalidInput, match="victor is a viewer"):
        assignments.assign(seeded_session, document_id, ["alice", "victor"], by="tester")
    assert stored(seeded_session) == []
    made = assignments.assign(seeded_session, document_id, ["alice", "bob", "alice"], by="tester")
    assert [a.analyst for a in made] == ["alice", "bob"]
    with pytest.raises(Conflict, match="bob already codes"):
        assignments.assign(seeded_session, document_id, ["editor", "bob"], by="tester")
    assert stored(seeded_session) == [(document_id, "alice"), (document_id, "bob")]
    assert len(entries(seeded_session)) == 2
    with pytest.raises(InvalidInput, match="at least one analyst"):
        assignments.assign(seeded_session, document_id, [" "], by="tester")
    with pytest.raises(NotFound, match="no document"):
        assignments.assign(seeded_session, "nope", ["alice"], by="tester")


def test_only_the_coder_marks_done_and_the_command_line_acts_for_them(
    seeded_session: Session,
) -> None:
    [document_id] = documents(seeded_session, 1)
    [made] = assignments.assign(seeded_session, document_id, ["alice"], by=None)
    with pytest.raises(Forbidden, match="Only alice"):
        assignments.mark_done(seeded_session, made.id, coder="bob")
    assert assignments.mark_done(seeded_session, made.id, coder=None).done_at is not None
    assert assignments.reopen(seeded_session, made.id).done_at is None
    found = assignments.assignment_of(seeded_session, document_id, "alice")
    assert found is not None and found.id == made.id
    assert assignments.assignment_of(seeded_session, document_id, "bob") is None
    assert assignments.assignment_of(seeded_session, document_id, None) is None


def test_progress_reads_statuses_in_the_same_few_queries_however_many_assignments(
    seeded_session: Session,
) -> None:
    first, second, third = documents(seeded_session, 3)
    assignments.assign(seeded_session, first, ["alice", "bob"], by="tester")
    assignments.assign(seeded_session, second, ["alice"], by="tester")
    with counting_queries(seeded_session.get_bind()) as few:
        assignments.progress(seeded_session)
    assignments.assign(seeded_session, third, ["alice", "bob", "editor"], by="tester")
    make_annotation(seeded_session, first_passage(seeded_session, first), "us", analyst="alice")
    make_annotation(  # a removed tag does not start anything
        seeded_session,
        first_passage(seeded_session, second),
        "us",
        analyst="alice",
        deleted_at=utcnow(),
    )
    done = assignments.assignment_of(seeded_session, third, "bob")
    assert done is not None
    assignments.mark_done(seeded_session, done.id, coder="bob")
    seeded_session.expire_all()
    with counting_queries(seeded_session.get_bind()) as more:
        progress = assignments.progress(seeded_session)
    # The assignments with their statuses; for untitled documents their labels (two more).
    assert len(more) == len(few)
    assert len([q for q in more if q.startswith("SELECT")]) <= 3
    counts = {a.analyst: a.counts for a in progress.analysts}
    assert counts["alice"] == {
        CodingStatus.assigned: 2,
        CodingStatus.started: 1,
        CodingStatus.done: 0,
    }
    assert counts["bob"][CodingStatus.done] == 1
    third_row = next(d for d in progress.documents if d.document_id == third)
    assert [r.assignment.analyst for r in third_row.rows] == ["alice", "bob", "editor"]


def test_the_team_setting_decides_what_a_coder_sees_once_done(seeded_session: Session) -> None:
    [document_id] = documents(seeded_session, 1)
    [made] = assignments.assign(seeded_session, document_id, ["alice"], by="tester")
    assert blinding_for(seeded_session, "alice").documents == {document_id}
    assignments.mark_done(seeded_session, made.id, coder="alice")
    assert not blinding_for(seeded_session, "alice").active
    seeded_session.info[ACTOR] = "tester"
    assignments.set_show_others_when_done(seeded_session, False, by="tester")
    assert blinding_for(seeded_session, "alice").documents == {document_id}
    assignments.set_show_others_when_done(seeded_session, False, by="tester")  # no change
    settings = seeded_session.exec(
        select(HistoryEntry).where(HistoryEntry.item_type == "setting")
    ).all()
    assert [(e.action, e.actor) for e in settings] == [("create", "tester")]

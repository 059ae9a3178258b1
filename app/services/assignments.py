"""Independent coding: giving documents to analysts to code on their own, marking them done,
the coders' progress, and the team's setting for what a coder sees once done.

An assignment gives one document to one analyst (app/models/coding.py); while it is open the
coder sees only their own tags there (app/services/blinding.py). Only an enabled analyst or
admin may be given a document; only the coder marks their own assignment done; reopening it
(clearing `done_at`) is an admin's. Who may call what is in app/access.py: these functions
check what the data says (who exists, who codes which document).

Every change is written to the history in the transaction that makes it: an assignment's
entries have its id as item id, the setting's its name.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, exists
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.audit.entries import Change, write_changes
from app.audit.snapshots import current_values
from app.models import (
    Annotation,
    Assignment,
    Document,
    HistoryAction,
    ItemType,
    Role,
    TeamSetting,
    User,
    utcnow,
)
from app.services.accounts import user_by_name
from app.services.blinding import SHOW_OTHERS_WHEN_DONE, show_others_when_done
from app.services.documents import document_labels
from app.services.errors import Conflict, Forbidden, InvalidInput, NotFound

CODER_ROLES = (Role.analyst, Role.admin)
# How many analysts one request may give a document to at once.
MAX_CODERS_AT_ONCE = 50


class CodingStatus(StrEnum):
    assigned = "assigned"  # no live tag of the coder's in the document yet
    started = "started"  # at least one live tag of theirs there, not marked done
    done = "done"  # marked done


@dataclass(frozen=True)
class CoderRow:
    """One assignment with its document's label and how far its coder got."""

    assignment: Assignment
    document_label: str
    status: CodingStatus


@dataclass(frozen=True)
class AnalystProgress:
    analyst: str
    rows: list[CoderRow]
    counts: dict[CodingStatus, int]


@dataclass(frozen=True)
class DocumentProgress:
    document_id: str
    document_label: str
    rows: list[CoderRow]


@dataclass(frozen=True)
class Progress:
    analysts: list[AnalystProgress] = field(default_factory=list)
    documents: list[DocumentProgress] = field(default_factory=list)


@dataclass(frozen=True)
class TeamSettings:
    show_others_when_done: bool


# --- reading -------------------------------------------------------------------------------


def get_assignment(session: Session, assignment_id: str) -> Assignment:
    found = session.get(Assignment, assignment_id)
    if found is None:
        raise NotFound(f"There is no assignment '{assignment_id}'.")
    return found


def assignment_of(session: Session, document_id: str, username: str | None) -> Assignment | None:
    """`username`'s assignment to code `document_id` (None: they do not code it)."""
    if username is None:
        return None
    return session.exec(
        select(Assignment).where(
            Assignment.document_id == document_id, Assignment.analyst == username
        )
    ).first()


def coder_rows(
    session: Session, analyst: str | None = None, document_id: str | None = None
) -> list[CoderRow]:
    """The assignments (of `analyst`, of `document_id`, when given), each with its status, by
    analyst then document: one query, and one more for documents without a title."""
    own_tag = exists().where(
        and_(
            col(Annotation.document_id) == col(Assignment.document_id),
            col(Annotation.analyst) == col(Assignment.analyst),
            col(Annotation.deleted_at).is_(None),
        )
    )
    query = (
        select(Assignment, Document.title, own_tag.label("started"))
        .join(Document, col(Document.id) == col(Assignment.document_id))
        .order_by(col(Assignment.analyst), col(Document.created_at), col(Document.id))
    )
    if analyst is not None:
        query = query.where(Assignment.analyst == analyst)
    if document_id is not None:
        query = query.where(Assignment.document_id == document_id)
    found = session.exec(query).all()
    untitled = document_labels(session, {a.document_id for a, title, _ in found if not title})
    return [
        CoderRow(
            assignment,
            title or untitled.get(assignment.document_id, assignment.document_id),
            _status(assignment, bool(started)),
        )
        for assignment, title, started in found
    ]


def _status(assignment: Assignment, started: bool) -> CodingStatus:
    if assignment.done_at is not None:
        return CodingStatus.done
    return CodingStatus.started if started else CodingStatus.assigned


def progress(session: Session) -> Progress:
    """Per analyst their documents and how many are assigned, started and done; per document
    its coders. Statuses and counts only, never tags (viewers read this too)."""
    rows = coder_rows(session)
    by_analyst: dict[str, list[CoderRow]] = {}
    by_document: dict[str, list[CoderRow]] = {}
    for row in rows:
        by_analyst.setdefault(row.assignment.analyst, []).append(row)
        by_document.setdefault(row.assignment.document_id, []).append(row)
    analysts = [
        AnalystProgress(
            name,
            mine,
            {status: sum(1 for r in mine if r.status is status) for status in CodingStatus},
        )
        for name, mine in by_analyst.items()
    ]
    documents = [
        DocumentProgress(document_id, theirs[0].document_label, theirs)
        for document_id, theirs in sorted(
            by_document.items(), key=lambda item: item[1][0].document_label.casefold()
        )
    ]
    return Progress(analysts, documents)


def possible_coders(session: Session) -> list[User]:
    """The users a document may be given to: enabled analysts and admins, by username."""
    return list(
        session.exec(
            select(User)
            .where(col(User.role).in_([r.value for r in CODER_ROLES]))
            .where(col(User.disabled_at).is_(None))
            .order_by(col(User.username))
        )
    )


# --- changing ------------------------------------------------------------------------------


def _record(
    session: Session,
    action: HistoryAction,
    item_type: ItemType,
    item_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Write the history entry of a change (assignments and settings have no version)."""
    session.flush()
    write_changes(session, [Change(item_type, item_id, action, before, after)])


def _check_coder(session: Session, username: str) -> None:
    user = user_by_name(session, username)
    if user is None:
        raise NotFound(f"There is no user '{username}'.")
    if user.disabled_at is not None:
        raise InvalidInput(f"{username} is disabled: a disabled user cannot code a document.")
    if user.role not in CODER_ROLES:
        raise InvalidInput(
            f"{username} is a {user.role}: only analysts and admins can code a document."
        )


def assign(
    session: Session, document_id: str, analysts: Sequence[str], by: str | None
) -> list[Assignment]:
    """Give `document_id` to each of `analysts` to code independently, all or none: refused
    for an unknown document, a user who cannot code, or one who already codes it."""
    names = list(dict.fromkeys(name.strip() for name in analysts if name.strip()))
    if not names:
        raise InvalidInput("Choose at least one analyst to give the document to.")
    if len(names) > MAX_CODERS_AT_ONCE:
        raise InvalidInput(f"Give a document to at most {MAX_CODERS_AT_ONCE} analysts at once.")
    if session.exec(select(Document.id).where(Document.id == document_id)).first() is None:
        raise NotFound(f"There is no document '{document_id}'.")
    for name in names:
        _check_coder(session, name)
    already = session.exec(
        select(Assignment.analyst).where(
            Assignment.document_id == document_id, col(Assignment.analyst).in_(names)
        )
    ).all()
    if already:
        raise Conflict(f"{' and '.join(sorted(already))} already {_code(already)} this document.")
    made = [Assignment(document_id=document_id, analyst=name, assigned_by=by) for name in names]
    session.add_all(made)
    try:
        session.flush()
    except IntegrityError:  # given to them by someone else at the same moment
        session.rollback()
        raise Conflict("Someone gave this document to one of them just now: reload.") from None
    write_changes(
        session,
        [
            Change(ItemType.assignment, a.id, HistoryAction.create, None, current_values(a))
            for a in made
        ],
    )
    session.commit()
    return made


def _code(names: Sequence[str]) -> str:
    return "codes" if len(names) == 1 else "code"


def unassign(session: Session, assignment_id: str) -> None:
    """Take a document back from its coder (their tags stay theirs)."""
    assignment = get_assignment(session, assignment_id)
    before = current_values(assignment)
    session.delete(assignment)
    _record(session, HistoryAction.delete, ItemType.assignment, assignment_id, before, None)
    session.commit()


def mark_done(session: Session, assignment_id: str, coder: str | None) -> Assignment:
    """The coder says they finished the document. `coder` is who asks: only the assignment's
    analyst may (None: the command line, acting for them)."""
    assignment = get_assignment(session, assignment_id)
    if coder is not None and coder != assignment.analyst:
        raise Forbidden(f"Only {assignment.analyst}, who codes this document, may mark it done.")
    if assignment.done_at is not None:
        return assignment
    return _set_done(session, assignment, utcnow())


def mark_own_done(session: Session, document_id: str, coder: str | None) -> Assignment:
    """`coder` marks their own assignment on `document_id` done (NotFound: they do not code it)."""
    assignment = assignment_of(session, document_id, coder)
    if assignment is None:
        raise NotFound("You do not code this document: there is nothing to mark done.")
    return mark_done(session, assignment.id, coder=coder)


def reopen(session: Session, assignment_id: str) -> Assignment:
    """Open a done assignment again: its coder is blind to the others' tags again."""
    assignment = get_assignment(session, assignment_id)
    if assignment.done_at is None:
        return assignment
    return _set_done(session, assignment, None)


def _set_done(session: Session, assignment: Assignment, done_at: Any) -> Assignment:
    before = current_values(assignment)
    assignment.done_at = done_at
    session.add(assignment)
    _record(
        session,
        HistoryAction.update,
        ItemType.assignment,
        assignment.id,
        before,
        current_values(assignment),
    )
    session.commit()
    return assignment


# --- the team's setting --------------------------------------------------------------------


def team_settings(session: Session) -> TeamSettings:
    return TeamSettings(show_others_when_done=show_others_when_done(session))


def set_show_others_when_done(session: Session, value: bool, by: str | None) -> TeamSettings:
    """Whether a coder sees the others' tags once they marked a document done."""
    stored = session.get(TeamSetting, SHOW_OTHERS_WHEN_DONE)
    text = "true" if value else "false"
    if stored is not None and stored.value == text:
        return TeamSettings(value)
    before = None if stored is None else current_values(stored)
    if stored is None:
        stored = TeamSetting(name=SHOW_OTHERS_WHEN_DONE, value=text, updated_by=by)
    else:
        stored.value, stored.updated_by, stored.updated_at = text, by, utcnow()
    session.add(stored)
    action = HistoryAction.create if before is None else HistoryAction.update
    _record(
        session, action, ItemType.setting, SHOW_OTHERS_WHEN_DONE, before, current_values(stored)
    )
    session.commit()
    return TeamSettings(value)

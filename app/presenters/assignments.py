"""What the assignments page, the document page's coding banner and their JSON twins show,
built from app/services/assignments.py."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from app.models import Assignment, Role, User
from app.services import assignments
from app.services.assignments import CoderRow, CodingStatus, Progress
from app.services.mapviews import document_choices

# --- what the API takes and answers --------------------------------------------------------


class AssignmentCreate(BaseModel):
    """A document to give to an analyst to code independently."""

    model_config = ConfigDict(extra="forbid")

    document_id: str = Field(min_length=1, max_length=64)
    analyst: str = Field(min_length=1, max_length=40, description="The coder's username.")


class AssignmentPublic(BaseModel):
    id: str
    document_id: str
    document_label: str
    analyst: str
    assigned_by: str | None
    assigned_at: datetime
    done_at: datetime | None
    status: CodingStatus = Field(
        description="assigned: no tag of theirs there yet; started: they tagged it; "
        "done: they marked it done."
    )


class CoderProgress(BaseModel):
    assignment_id: str
    analyst: str
    status: CodingStatus
    done_at: datetime | None


class DocumentCoding(BaseModel):
    assignment_id: str
    document_id: str
    document_label: str
    status: CodingStatus
    done_at: datetime | None


class AnalystProgressPublic(BaseModel):
    analyst: str
    assigned: int
    started: int
    done: int
    documents: list[DocumentCoding]


class DocumentProgressPublic(BaseModel):
    document_id: str
    document_label: str
    coders: list[CoderProgress]


class ProgressPublic(BaseModel):
    """How far each coder got: statuses and counts, never tags."""

    analysts: list[AnalystProgressPublic]
    documents: list[DocumentProgressPublic]


class TeamSettingsPublic(BaseModel):
    model_config = ConfigDict(extra="forbid")

    show_others_when_done: bool = Field(
        description="Whether a coder sees the others' tags on a document once they marked it done."
    )


def assignment_public(row: CoderRow) -> AssignmentPublic:
    a = row.assignment
    return AssignmentPublic(
        id=a.id,
        document_id=a.document_id,
        document_label=row.document_label,
        analyst=a.analyst,
        assigned_by=a.assigned_by,
        assigned_at=a.assigned_at,
        done_at=a.done_at,
        status=row.status,
    )


def assignment_answer(session: Session, assignment: Assignment) -> AssignmentPublic:
    """One assignment as the API shows it, with its status as stored now."""
    rows = assignments.coder_rows(session, assignment.analyst, assignment.document_id)
    return assignment_public(rows[0])


def progress_public(progress: Progress) -> ProgressPublic:
    return ProgressPublic(
        analysts=[
            AnalystProgressPublic(
                analyst=a.analyst,
                assigned=a.counts[CodingStatus.assigned],
                started=a.counts[CodingStatus.started],
                done=a.counts[CodingStatus.done],
                documents=[
                    DocumentCoding(
                        assignment_id=r.assignment.id,
                        document_id=r.assignment.document_id,
                        document_label=r.document_label,
                        status=r.status,
                        done_at=r.assignment.done_at,
                    )
                    for r in a.rows
                ],
            )
            for a in progress.analysts
        ],
        documents=[
            DocumentProgressPublic(
                document_id=d.document_id,
                document_label=d.document_label,
                coders=[
                    CoderProgress(
                        assignment_id=r.assignment.id,
                        analyst=r.assignment.analyst,
                        status=r.status,
                        done_at=r.assignment.done_at,
                    )
                    for r in d.rows
                ],
            )
            for d in progress.documents
        ],
    )


# --- the pages -----------------------------------------------------------------------------


def assignments_context(session: Session, user: User | None, **extra: Any) -> dict[str, Any]:
    """The assignments page: the reader's own documents to code, everyone's progress, and for
    an admin the form, the table of assignments and the team's setting."""
    progress = assignments.progress(session)
    username = user.username if user else None
    admin = user is not None and user.role == Role.admin
    mine = next((a.rows for a in progress.analysts if a.analyst == username), [])
    context: dict[str, Any] = {
        "progress": progress,
        "mine": mine,
        "statuses": list(CodingStatus),
        "settings": assignments.team_settings(session),
        "is_admin": admin,
        "form_error": None,
        **extra,
    }
    if admin:
        context["documents"] = document_choices(session)
        context["coders"] = assignments.possible_coders(session)
    return context


def coding_banner(
    session: Session, document_id: str, username: str | None
) -> dict[str, Any] | None:
    """What the document page tells its reader who codes it: their assignment, and once done
    whether the team lets them see the others' tags now (None: they do not code it)."""
    assignment = assignments.assignment_of(session, document_id, username)
    if assignment is None:
        return None
    reveals = (
        assignment.done_at is not None and assignments.team_settings(session).show_others_when_done
    )
    return {"assignment": assignment, "reveals": reveals}

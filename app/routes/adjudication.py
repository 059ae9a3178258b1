"""Adjudication: a curator's page of a document's coders' tags side by side, its JSON twin, and
the actions that write the adjudicated layer (accept, merge, a new tag, remove). Each page
action answers htmx with the passage's row, and a plain form with the page again."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field, StringConstraints
from sqlmodel import Session

from app.db import end_transaction, reads_only_from_here
from app.deps import SessionDep, get_current_user
from app.models import (
    MAX_INTEGER,
    Annotation,
    AnnotationCreate,
    AnnotationKind,
    AnnotationPublic,
    User,
)
from app.presenters.adjudication import adjudication_as_json, adjudication_context
from app.routes.responses import INVALID, NOT_FOUND, no_content
from app.services import adjudication
from app.services.adjudication import MAX_TAGS
from app.templating import is_fragment_request, render

router = APIRouter()

CuratorDep = Annotated[User | None, Depends(get_current_user)]
TagId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
TagIdsForm = Annotated[list[TagId], Form(min_length=1, max_length=MAX_TAGS)]
REFUSED: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    **INVALID,
    403: {"description": "Not a curator, or still coding this document oneself."},
    409: {"description": "Nobody has marked the document done, or the tag was accepted already."},
}


class TagChoice(BaseModel):
    """Coders' tags, by id: the first is the one a merged tag is adopted from."""

    annotation_ids: list[TagId] = Field(min_length=1, max_length=MAX_TAGS)


# --- JSON ----------------------------------------------------------------------------------


@router.get("/api/documents/{document_id}/adjudication", tags=["adjudication"], responses=REFUSED)
def adjudication_data(session: SessionDep, curator: CuratorDep, document_id: str) -> dict[str, Any]:
    """A document's coders' tags side by side, for curators: per passage (in order, where a
    coder who marked it done or the adjudicated layer has a tag), each done coder's tags, the
    adjudicated layer's, and per position the coders whose readings differ."""
    view = adjudication.adjudication_view(session, document_id, curator)
    return adjudication_as_json(view)


@router.post(
    "/api/documents/{document_id}/adjudication/accept",
    status_code=status.HTTP_201_CREATED,
    tags=["adjudication"],
    responses=REFUSED,
)
def accept_tags(
    session: SessionDep, curator: CuratorDep, document_id: str, choice: TagChoice
) -> list[AnnotationPublic]:
    """Copy coders' tags into the adjudicated layer (each records the tag it was accepted
    from). A tag whose copy is in the layer already is refused (409), and nothing is written."""
    made = adjudication.accept(session, document_id, choice.annotation_ids, curator)
    return [AnnotationPublic.model_validate(tag) for tag in made]


@router.post(
    "/api/documents/{document_id}/adjudication/merge",
    status_code=status.HTTP_201_CREATED,
    tags=["adjudication"],
    responses=REFUSED,
)
def merge_tags(
    session: SessionDep, curator: CuratorDep, document_id: str, choice: TagChoice
) -> AnnotationPublic:
    """Make two or more coders' tags of one position and kind on one passage one adjudicated
    tag whose span covers them all and whose note joins theirs."""
    made = adjudication.merge(session, document_id, choice.annotation_ids, curator)
    return AnnotationPublic.model_validate(made)


@router.post(
    "/api/documents/{document_id}/adjudication/tags",
    status_code=status.HTTP_201_CREATED,
    tags=["adjudication"],
    responses=REFUSED,
)
def add_tag(
    session: SessionDep, curator: CuratorDep, document_id: str, data: AnnotationCreate
) -> AnnotationPublic:
    """Write a curator's own tag into the document's adjudicated layer."""
    made = adjudication.add_tag(session, document_id, data, curator)
    return AnnotationPublic.model_validate(made)


@router.delete(
    "/api/documents/{document_id}/adjudication/tags/{annotation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["adjudication"],
    responses=REFUSED,
)
def remove_tag(
    session: SessionDep, curator: CuratorDep, document_id: str, annotation_id: str
) -> Response:
    """Take a tag out of the adjudicated layer (any curator's; it can be restored)."""
    adjudication.remove_tag(session, document_id, annotation_id, curator)
    return no_content()


# --- pages ---------------------------------------------------------------------------------


@router.get(
    "/documents/{document_id}/adjudicate", response_class=HTMLResponse, include_in_schema=False
)
def adjudication_page(
    request: Request, session: SessionDep, curator: CuratorDep, document_id: str
) -> HTMLResponse:
    view = adjudication.adjudication_view(session, document_id, curator)
    return render(request, "adjudicate.html", adjudication_context(session, view))


def _changed(
    request: Request,
    session: Session,
    curator: User | None,
    document_id: str,
    passage_id: str | None,
) -> Response:
    """The changed passage's row for htmx; the page again for a plain form."""
    if not is_fragment_request(request) or passage_id is None:
        return RedirectResponse(f"/documents/{document_id}/adjudicate", status_code=303)
    reads_only_from_here(session)
    view = adjudication.adjudication_view(session, document_id, curator, passage_id=passage_id)
    context = adjudication_context(session, view)
    end_transaction(session)
    if not view.rows:  # the passage became boilerplate: it leaves the table
        return HTMLResponse("")
    (context["row"],) = view.rows
    return render(request, "_adjudication_row.html", context)


def _passage_of(tags: list[Annotation]) -> str | None:
    return tags[0].passage_id if tags else None


@router.post("/documents/{document_id}/adjudicate/accept", include_in_schema=False)
def accept_from_page(
    request: Request,
    session: SessionDep,
    curator: CuratorDep,
    document_id: str,
    annotation_id: TagIdsForm,
) -> Response:
    made = adjudication.accept(session, document_id, annotation_id, curator)
    return _changed(request, session, curator, document_id, _passage_of(made))


@router.post("/documents/{document_id}/adjudicate/merge", include_in_schema=False)
def merge_from_page(
    request: Request,
    session: SessionDep,
    curator: CuratorDep,
    document_id: str,
    annotation_id: TagIdsForm,
) -> Response:
    made = adjudication.merge(session, document_id, annotation_id, curator)
    return _changed(request, session, curator, document_id, made.passage_id)


def _blank_to_none(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


@router.post("/documents/{document_id}/adjudicate/tags", include_in_schema=False)
def add_from_page(
    request: Request,
    session: SessionDep,
    curator: CuratorDep,
    document_id: str,
    passage_id: Annotated[str, Form(max_length=64)],
    position_key: Annotated[str, Form(max_length=32)],
    kind: Annotated[AnnotationKind, Form()] = AnnotationKind.states,
    topic_key: Annotated[str | None, Form(max_length=32)] = None,
    note: Annotated[str, Form(max_length=5000)] = "",
    start: Annotated[int | None, Form(ge=0, le=MAX_INTEGER)] = None,
    end: Annotated[int | None, Form(ge=0, le=MAX_INTEGER)] = None,
) -> Response:
    data = AnnotationCreate(
        passage_id=passage_id,
        position_key=position_key,
        kind=kind,
        topic_key=_blank_to_none(topic_key),
        note=note,
        start=start,
        end=end,
    )
    made = adjudication.add_tag(session, document_id, data, curator)
    return _changed(request, session, curator, document_id, made.passage_id)


@router.post(
    "/documents/{document_id}/adjudicate/tags/{annotation_id}/remove", include_in_schema=False
)
def remove_from_page(
    request: Request,
    session: SessionDep,
    curator: CuratorDep,
    document_id: str,
    annotation_id: str,
) -> Response:
    removed = adjudication.remove_tag(session, document_id, annotation_id, curator)
    return _changed(request, session, curator, document_id, removed.passage_id)

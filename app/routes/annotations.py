"""Tagging from the document view: each endpoint answers with the re-rendered passage (for a
tag that lost its place in a replaced text, with its document's list of such orphans); and the
JSON twin, the tags themselves."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response, status
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from app.access import identity_of
from app.db import end_transaction, reads_only_from_here
from app.deps import AnalystDep, BlindingDep, SessionDep
from app.errors import version_conflict_response
from app.models import (
    MAX_INTEGER,
    Annotation,
    AnnotationCreate,
    AnnotationKind,
    AnnotationPublic,
    AnnotationUpdate,
    Passage,
    Stance,
)
from app.presenters.annotations import (
    actor_choices,
    orphans_context,
    passage_context,
    removal_conflict_context,
    tag_conflict_context,
)
from app.routes.paging import ApiPageDep, add_page_headers
from app.routes.params import VersionForm, VersionQuery, VersionRequired
from app.routes.responses import DELETES, INVALID, NOT_FOUND, STALE, model_answer, no_content
from app.services import actors, catalog, claims, evidence, tagging
from app.services.blinding import Blinding
from app.services.errors import Conflict, Forbidden, VersionConflict
from app.services.evidence import ClaimChoice, ClaimMode
from app.services.tagging import AnnotationFilters
from app.templating import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api")

# Who says it: an actor's name, alias or key as typed in the tag form (blank: nobody named).
ActorForm = Annotated[str, Form(max_length=100)]

# Tells the rest of the page (counts, lists) that tags changed, so it can refresh itself.
TAGS_CHANGED = {"HX-Trigger": "tags-changed"}


def passage_response(
    request: Request,
    session: Session,
    passage: Passage,
    analyst: str | None,
    blinding: Blinding,
    *,
    changed: bool = False,
    **extra: Any,
) -> HTMLResponse:
    """The passage with the tags the reader's `blinding` lets them see."""
    # The change, if any, is committed: what follows only reads, without SQLite's write lock,
    # and the read transaction ends before the HTML is made.
    reads_only_from_here(session)
    context = passage_context(session, passage, analyst, blinding, **extra)
    end_transaction(session)
    headers = TAGS_CHANGED if changed else None
    return render(request, "passage.html", context, fragment="_passage.html", headers=headers)


def changed_response(
    request: Request,
    session: Session,
    annotation: Annotation,
    analyst: str | None,
    blinding: Blinding,
    **extra: Any,
) -> HTMLResponse:
    """The annotation's passage, re-rendered after a change to its tags; for an orphan (a tag
    that lost its place when its document's text was replaced), its document's orphans."""
    # The change is committed: reading the passage again must not queue for the write lock.
    reads_only_from_here(session)
    if annotation.passage_id is None:
        context = orphans_context(session, annotation.document_id, analyst, blinding, **extra)
        return render(
            request, "orphans.html", context, fragment="_orphans.html", headers=TAGS_CHANGED
        )
    passage = tagging.get_passage(session, annotation.passage_id)
    return passage_response(request, session, passage, analyst, blinding, changed=True, **extra)


async def claim_choice(
    claim_mode: Annotated[ClaimMode, Form()] = ClaimMode.none,
    claim_text: Annotated[str, Form(max_length=2000)] = "",
    claim_id: Annotated[str | None, Form(max_length=64)] = None,
    stance: Annotated[Stance, Form()] = Stance.holds,
) -> ClaimChoice:
    """The claim part of the tag form."""
    return ClaimChoice(claim_mode, claim_text, blank_to_none(claim_id), stance)


def blank_to_none(value: str | None) -> str | None:
    return value if value else None


@router.get("/passages/{passage_id}", response_class=HTMLResponse)
def passage_page(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    blinding: BlindingDep,
    passage_id: str,
) -> HTMLResponse:
    passage = tagging.get_passage(session, passage_id)
    return passage_response(request, session, passage, analyst, blinding)


@router.get("/passages/{passage_id}/tag-form", response_class=HTMLResponse)
def tag_form(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    blinding: BlindingDep,
    passage_id: str,
    position: Annotated[str, Query(max_length=32)],
    start: Annotated[int | None, Query(ge=0, le=MAX_INTEGER)] = None,
    end: Annotated[int | None, Query(ge=0, le=MAX_INTEGER)] = None,
) -> HTMLResponse:
    """The passage with its tagging form open, the position (and any span) chosen."""
    passage = tagging.get_passage(session, passage_id)
    catalog.get_position(session, position)
    quote = passage.text[start:end] if start is not None and end is not None else None
    form = {"mode": "create", "position_key": position, "start": start, "end": end, "quote": quote}
    form |= actor_choices(session, passage, None)
    return passage_response(request, session, passage, analyst, blinding, form=form)


@router.post("/passages/{passage_id}/annotations", response_class=HTMLResponse)
def create_tag(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    blinding: BlindingDep,
    passage_id: str,
    position_key: Annotated[str, Form(max_length=32)],
    kind: Annotated[AnnotationKind, Form()] = AnnotationKind.states,
    topic_key: Annotated[str | None, Form(max_length=32)] = None,
    note: Annotated[str, Form(max_length=5000)] = "",
    start: Annotated[int | None, Form(ge=0, le=MAX_INTEGER)] = None,
    end: Annotated[int | None, Form(ge=0, le=MAX_INTEGER)] = None,
    actor: ActorForm = "",
    claim: ClaimChoice = Depends(claim_choice),
) -> HTMLResponse:
    data = AnnotationCreate(
        passage_id=passage_id,
        position_key=position_key,
        kind=kind,
        topic_key=blank_to_none(topic_key),
        actor_key=actors.actor_key_for(session, actor),
        note=note,
        start=start,
        end=end,
    )
    annotation = evidence.tag_with_claim(session, data, analyst, claim)
    return changed_response(request, session, annotation, analyst, blinding)


@router.get("/annotations/{annotation_id}/edit", response_class=HTMLResponse)
def edit_form(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    blinding: BlindingDep,
    annotation_id: str,
) -> HTMLResponse:
    annotation = tagging.get_annotation(session, annotation_id, blinding=blinding)
    if not identity_of(request).may_change_work_of(annotation.analyst):
        raise Forbidden(
            f"This tag is {annotation.analyst}'s work: only they, or someone allowed to edit "
            "everyone's work, may change it."
        )
    if annotation.passage_id is None:
        raise Conflict(
            "This tag lost its place when its document's text was replaced: it has no passage "
            "to edit it in. Remove it, or tag the text again where it is now."
        )
    passage = tagging.get_passage(session, annotation.passage_id)
    form = {
        "mode": "edit",
        "annotation": annotation,
        "position_key": annotation.position_key,
        "start": annotation.start,
        "end": annotation.end,
        "quote": annotation.quote,
        "claim": claims.get_claim(session, annotation.claim_id) if annotation.claim_id else None,
    }
    form |= actor_choices(session, passage, annotation.actor_key)
    return passage_response(request, session, passage, analyst, blinding, form=form)


@router.put("/annotations/{annotation_id}", response_class=HTMLResponse)
def update_tag(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    blinding: BlindingDep,
    annotation_id: str,
    position_key: Annotated[str, Form(max_length=32)],
    kind: Annotated[AnnotationKind, Form()],
    topic_key: Annotated[str | None, Form(max_length=32)] = None,
    note: Annotated[str, Form(max_length=5000)] = "",
    version: VersionForm = None,
    actor: ActorForm = "",
    claim: ClaimChoice = Depends(claim_choice),
) -> HTMLResponse:
    """Save the edit form; if the tag changed since the form was opened (its `version`), answer
    409 with both versions side by side instead. A tag the reader may not see is not found."""
    tagging.get_annotation(session, annotation_id, blinding=blinding)
    data = AnnotationUpdate(
        position_key=position_key,
        kind=kind,
        topic_key=blank_to_none(topic_key),
        actor_key=actors.actor_key_for(session, actor),
        note=note,
        version=version,
    )
    try:
        annotation = evidence.retag_with_claim(session, annotation_id, data, analyst, claim)
    except VersionConflict as conflict:
        context = tag_conflict_context(session, conflict, data, claim)
        return version_conflict_response(request, context)
    return changed_response(request, session, annotation, analyst, blinding)


@router.delete("/annotations/{annotation_id}", response_class=HTMLResponse)
def remove_tag(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    blinding: BlindingDep,
    annotation_id: str,
    version: VersionQuery = None,
) -> HTMLResponse:
    try:
        annotation = tagging.remove_annotation(session, annotation_id, version, blinding)
    except VersionConflict as conflict:
        return version_conflict_response(request, removal_conflict_context(session, conflict))
    return changed_response(request, session, annotation, analyst, blinding, undo=annotation)


@router.post("/annotations/{annotation_id}/restore", response_class=HTMLResponse)
def restore_tag(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    blinding: BlindingDep,
    annotation_id: str,
) -> HTMLResponse:
    annotation = tagging.restore_annotation(session, annotation_id, blinding)
    return changed_response(request, session, annotation, analyst, blinding)


# --- the JSON twin: tags -------------------------------------------------------------------------


class AnnotationEdit(VersionRequired, AnnotationUpdate):
    pass


@api_router.get("/annotations", tags=["annotations"])
def list_annotations(
    request: Request,
    response: Response,
    session: SessionDep,
    blinding: BlindingDep,
    page: ApiPageDep,
    document: Annotated[str | None, Query(max_length=64)] = None,
    passage: Annotated[str | None, Query(max_length=64)] = None,
    position: Annotated[str | None, Query(max_length=32)] = None,
    topic: Annotated[str | None, Query(max_length=32)] = None,
    analyst: Annotated[str | None, Query(max_length=80)] = None,
) -> list[AnnotationPublic]:
    """Live tags, oldest first, filtered by any of document, passage, position, topic, analyst,
    a page at a time (`limit`, `offset`; the total is in `X-Total-Count`, the next and previous
    pages in `Link`). A coder's list leaves out the tags they may not see while they code."""
    filters = AnnotationFilters(document, passage, position, topic, analyst, blinding)
    found = tagging.page_annotations(session, filters, page)
    add_page_headers(request, response, found)
    return found.items


@api_router.post(
    "/annotations",
    status_code=status.HTTP_201_CREATED,
    tags=["annotations"],
    responses=NOT_FOUND | INVALID,
    response_model=AnnotationPublic,
)
def create_annotation(session: SessionDep, analyst: AnalystDep, data: AnnotationCreate) -> Response:
    """Tag a passage, or the span `start`–`end` of its text, with a position.

    The tag is recorded as the signed-in user's; a body never names its author.
    """
    annotation = tagging.tag_passage(session, data, analyst)
    return model_answer(tagging.present_annotation(annotation), status.HTTP_201_CREATED)


@api_router.get("/annotations/{annotation_id}", tags=["annotations"], responses=NOT_FOUND)
def get_annotation(
    session: SessionDep, blinding: BlindingDep, annotation_id: str
) -> AnnotationPublic:
    """A tag; one a coder may not see while they code is not found."""
    annotation = tagging.get_annotation(session, annotation_id, blinding=blinding)
    return tagging.present_annotation(annotation)


@api_router.patch(
    "/annotations/{annotation_id}", tags=["annotations"], responses=NOT_FOUND | INVALID | STALE
)
def update_annotation(
    session: SessionDep, blinding: BlindingDep, annotation_id: str, data: AnnotationEdit
) -> AnnotationPublic:
    annotation = tagging.update_annotation(session, annotation_id, data, blinding)
    return tagging.present_annotation(annotation)


@api_router.delete("/annotations/{annotation_id}", tags=["annotations"], **DELETES)
def delete_annotation(
    session: SessionDep, blinding: BlindingDep, annotation_id: str, version: VersionQuery = None
) -> Response:
    """Remove a tag (undo with POST …/restore)."""
    tagging.remove_annotation(session, annotation_id, version, blinding)
    return no_content()


@api_router.post("/annotations/{annotation_id}/restore", tags=["annotations"], responses=NOT_FOUND)
def restore_annotation(
    session: SessionDep, blinding: BlindingDep, annotation_id: str
) -> AnnotationPublic:
    """Undo the removal of a tag."""
    annotation = tagging.restore_annotation(session, annotation_id, blinding)
    return tagging.present_annotation(annotation)

"""The document list, the document view (read and tag), replacing a document's text and the
tags that lost their place in it (orphans); and their JSON twins: documents, their passages
and orphans."""

import re
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, ValidationError, field_validator

from app.access import identity_of
from app.deps import AnalystDep, BlindingDep, SessionDep
from app.errors import version_conflict_response
from app.models import (
    MAX_INTEGER,
    VERSION_HELP,
    AnnotationPublic,
    DocumentCreate,
    DocumentPublic,
    DocumentUpdate,
    PassagePublic,
    PassageUpdate,
)
from app.presenters.annotations import orphans_context
from app.presenters.assignments import coding_banner
from app.presenters.documents import (
    DETAIL_LABELS,
    document_conflict_context,
    document_context,
    document_details_context,
    document_list_context,
    passage_window,
)
from app.routes.claims import FLASH_COOKIE, flash_message, redirect_with_message
from app.routes.paging import ApiPageDep, HtmlPageDep, add_page_headers, page_url, pager
from app.routes.params import VersionQuery, VersionRequired
from app.routes.responses import CONFLICT, DELETES, INVALID, NOT_FOUND, STALE, no_content
from app.services import corpus, documents, reanchor, tagging
from app.services.adjudication import offers_adjudication
from app.services.errors import VersionConflict
from app.templating import is_fragment_request, render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api")


Undated = Annotated[
    bool, Query(description="Only the documents with no publication date (`published` null).")
]


@router.get("/documents", response_class=HTMLResponse)
def document_list(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    blinding: BlindingDep,
    page: HtmlPageDep,
    undated: Undated = False,
) -> HTMLResponse:
    context = document_list_context(session, page, undated, blinding)
    found = context["found"]
    context |= {
        "pager": pager(request, found),
        "rows_url": page_url(request, found, found.offset),
        "analyst": analyst,
    }
    return render(request, "documents.html", context, fragment="_document_rows.html")


ShowHidden = Annotated[bool, Query(description="Show boilerplate passages too.")]
Through = Annotated[
    str | None, Query(max_length=64, description="Load at least up to this passage (an id).")
]


@router.get("/documents/{document_id}", response_class=HTMLResponse)
def document_page(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    blinding: BlindingDep,
    document_id: str,
    hidden: ShowHidden = False,
    through: Through = None,
    all: Annotated[bool, Query(description="Every passage at once.")] = False,
) -> HTMLResponse:
    flash = flash_message(request)
    context = document_context(session, document_id, analyst, hidden, through, all, blinding)
    context["flash"] = flash
    context["coding"] = coding_banner(session, document_id, analyst)
    context["adjudicable"] = offers_adjudication(session, identity_of(request).user, document_id)
    response = render(request, "document.html", context, fragment="_passages.html")
    if flash and not is_fragment_request(request):
        response.delete_cookie(FLASH_COOKIE, path=f"/documents/{document_id}")
    return response


@router.get("/documents/{document_id}/passages", response_class=HTMLResponse)
def more_passages(
    request: Request,
    session: SessionDep,
    blinding: BlindingDep,
    document_id: str,
    start: Annotated[
        int, Query(ge=0, le=MAX_INTEGER, description="The ordinal of the first passage.")
    ] = 0,
    hidden: ShowHidden = False,
    through: Through = None,
) -> HTMLResponse:
    """The next passages of the document view (loaded as the reader scrolls to them)."""
    context = passage_window(session, document_id, hidden, start, through, blinding=blinding)
    return render(request, "_passage_window.html", context)


@router.post("/documents/{document_id}/text")
def replace_text(
    request: Request,
    session: SessionDep,
    document_id: str,
    text: Annotated[str, Form(max_length=reanchor.MAX_TEXT_LENGTH)],
) -> Response:
    """Replace the text by a corrected version, then show the document with what happened."""
    # Browsers send a textarea's line breaks as CRLF; a text received with LF keeps LF.
    if "\r" not in documents.get_document(session, document_id).original_text:
        text = text.replace("\r\n", "\n")
    report = reanchor.replace_document_text(session, document_id, text)
    return redirect_with_message(request, f"/documents/{document_id}", report.summary())


@router.get("/documents/{document_id}/orphans", response_class=HTMLResponse)
def orphans_page(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    blinding: BlindingDep,
    document_id: str,
) -> HTMLResponse:
    """The document's tags that lost their place when its text was replaced."""
    context = orphans_context(session, document_id, analyst, blinding)
    return render(request, "orphans.html", context, fragment="_orphans.html")


# --- the document's details: its title, outlet, author, date and address ----------------------

# Far above each detail's own bound (at most 2,000 characters): a longer value is refused at
# once; one past its detail's bound comes back in the form with a sentence beside it.
DETAIL_FORM_LIMIT = 10_000
# A refused form comes back to be shown in place of the one sent (app.js lets htmx swap it).
FORM_REFUSED = {"X-Form-Errors": "true"}
NOT_A_WEB_ADDRESS = (
    "Only a web address can be kept: one that starts with http:// or https://, "
    "e.g. https://example.org/article."
)


class DetailsForm(BaseModel):
    """The details form as typed; `details_update` checks it as the API's edit is checked."""

    title: str = Field(default="", max_length=DETAIL_FORM_LIMIT)
    outlet: str = Field(default="", max_length=DETAIL_FORM_LIMIT)
    author: str = Field(default="", max_length=DETAIL_FORM_LIMIT)
    published: str = Field(default="", max_length=DETAIL_FORM_LIMIT)
    url: str = Field(default="", max_length=DETAIL_FORM_LIMIT)
    version: int = Field(ge=1, le=MAX_INTEGER, description=VERSION_HELP)

    def typed(self) -> dict[str, str]:
        """The fields as typed, to fill the form again."""
        return {name: str(getattr(self, name)) for name in (*DETAIL_LABELS, "version")}


class DetailsEdit(DocumentUpdate):
    """The API's edit of the details, from the form, where a date is written as YYYY-MM-DD
    and nothing else (pydantic would also read "0" as 1970-01-01)."""

    @field_validator("published", mode="before")
    @classmethod
    def _written_as_iso_date(cls, value: object) -> object:
        if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError("not a date written as YYYY-MM-DD")
        return value


def details_update(form: DetailsForm) -> DetailsEdit:
    """The form as the API's edit: a blank field is a detail the text does not state (None).
    NUL is dropped, as from all text users type. Raises ValidationError for a refused value."""
    typed = form.typed()
    values = {name: typed[name].replace("\x00", "").strip() or None for name in DETAIL_LABELS}
    return DetailsEdit.model_validate({**values, "version": form.version})


def details_problems(refused: ValidationError) -> dict[str, str]:
    """A sentence for each refused detail, to show beside its field."""
    problems: dict[str, str] = {}
    for error in refused.errors():
        name = str(error["loc"][0]) if error["loc"] else "title"
        typed = str(error.get("input", ""))
        if error["type"] == "string_too_long":
            most = error.get("ctx", {}).get("max_length", 0)
            message = f"This is {len(typed):,} characters long; it can be {most:,} at most."
        elif name == "published":
            message = f"“{typed[:40]}” is not a date: write it as YYYY-MM-DD, e.g. 2025-08-15."
        elif name == "url":
            message = NOT_A_WEB_ADDRESS
        else:
            message = str(error["msg"])
        problems.setdefault(name, message)
    return problems


@router.get("/documents/{document_id}/details", response_class=HTMLResponse)
def document_details(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    blinding: BlindingDep,
    document_id: str,
) -> HTMLResponse:
    """The document's title and details as its page shows them (after an edit is cancelled)."""
    whole_page = not is_fragment_request(request)
    context = document_details_context(session, document_id, analyst, whole_page, blinding=blinding)
    return render(request, "document.html", context, fragment="_document_details.html")


@router.get("/documents/{document_id}/details/edit", response_class=HTMLResponse)
def edit_document_details(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    blinding: BlindingDep,
    document_id: str,
) -> HTMLResponse:
    """The form that changes the document's details, in place of them."""
    whole_page = not is_fragment_request(request)
    context = document_details_context(
        session, document_id, analyst, whole_page, editing=True, blinding=blinding
    )
    return render(request, "document.html", context, fragment="_document_details.html")


@router.post("/documents/{document_id}/details", response_class=HTMLResponse)
def save_document_details(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    blinding: BlindingDep,
    document_id: str,
    form: Annotated[DetailsForm, Form()],
) -> Response:
    """Save the details form by the API's own edit (recorded in the history, checked against
    the version the form was filled from): a refused value comes back in the form with a
    sentence (422); a change someone made meanwhile, as both versions side by side (409)."""
    whole_page = not is_fragment_request(request)
    try:
        data = details_update(form)
    except ValidationError as refused:
        context = document_details_context(
            session,
            document_id,
            analyst,
            whole_page,
            editing=True,
            form=form.typed(),
            errors=details_problems(refused),
            blinding=blinding,
        )
        return render(
            request,
            "document.html",
            context,
            fragment="_document_details.html",
            status_code=422,
            headers=FORM_REFUSED,
        )
    try:
        documents.update_document(session, document_id, data)
    except VersionConflict as conflict:
        return version_conflict_response(request, document_conflict_context(conflict, data))
    if whole_page:
        return redirect_with_message(request, f"/documents/{document_id}", "The details are saved.")
    context = document_details_context(
        session, document_id, analyst, False, saved=True, blinding=blinding
    )
    return render(request, "_document_details.html", context)


@router.get("/documents/{document_id}/stats", response_class=HTMLResponse)
def document_stats(
    request: Request, session: SessionDep, blinding: BlindingDep, document_id: str
) -> HTMLResponse:
    """The tag counts in the document header, refreshed after every change of tags."""
    summary = documents.get_document_summary(session, document_id, blinding)
    context = {"document": summary.document}
    return render(request, "_document_stats.html", context)


# --- the JSON twins: documents -------------------------------------------------------------------


class DocumentEdit(VersionRequired, DocumentUpdate):
    pass


class DocumentDetail(DocumentPublic):
    passages: list[PassagePublic]


class DocumentText(BaseModel):
    text: str = Field(min_length=1, max_length=reanchor.MAX_TEXT_LENGTH)


@api_router.get("/documents", tags=["documents"])
def list_documents(
    request: Request,
    response: Response,
    session: SessionDep,
    blinding: BlindingDep,
    page: ApiPageDep,
    undated: Undated = False,
) -> list[DocumentPublic]:
    """Documents, oldest first, a page at a time (`limit`, `offset`; the total is in
    `X-Total-Count`, the next and previous pages in `Link`); with `undated=true`, only those
    with no publication date, whose `published` is still to be set."""
    found = documents.page_documents(session, page, undated, blinding)
    add_page_headers(request, response, found)
    return [summary.document for summary in found.items]


@api_router.post(
    "/documents", status_code=status.HTTP_201_CREATED, tags=["documents"], responses=CONFLICT
)
def create_document(
    session: SessionDep, blinding: BlindingDep, data: DocumentCreate
) -> DocumentPublic:
    """Add a text to the corpus; it is split into passages at once."""
    document = corpus.add_document(session, data)
    return documents.get_document_summary(session, document.id, blinding).document


@api_router.get("/documents/{document_id}", tags=["documents"], responses=NOT_FOUND)
def get_document(session: SessionDep, blinding: BlindingDep, document_id: str) -> DocumentDetail:
    summary = documents.get_document_summary(session, document_id, blinding)
    return DocumentDetail.model_validate(
        summary.document, update={"passages": list_passages(session, document_id)}
    )


@api_router.patch(
    "/documents/{document_id}", tags=["documents"], responses=NOT_FOUND | INVALID | STALE
)
def update_document(
    session: SessionDep, blinding: BlindingDep, document_id: str, data: DocumentEdit
) -> DocumentPublic:
    documents.update_document(session, document_id, data)
    return documents.get_document_summary(session, document_id, blinding).document


@api_router.delete("/documents/{document_id}", tags=["documents"], **DELETES)
def delete_document(
    session: SessionDep, document_id: str, version: VersionQuery = None
) -> Response:
    """Delete a document with its passages and their tags."""
    documents.delete_document(session, document_id, version)
    return no_content()


@api_router.put(
    "/documents/{document_id}/text",
    tags=["documents"],
    responses=NOT_FOUND | INVALID | STALE,
)
def replace_document_text(
    session: SessionDep, document_id: str, data: DocumentText, version: VersionQuery = None
) -> reanchor.ReanchorReport:
    """Replace the text with a corrected version; its tags follow their words.

    Each tag is placed again by the text it quotes and the words around it, not by its old
    offsets. A tag whose words are gone becomes an orphan (listed at …/orphans, never deleted);
    the claims it is evidence for, and their relations, then need review. The same text as now
    changes nothing; a text another document has is refused.
    """
    return reanchor.replace_document_text(session, document_id, data.text, version)


@api_router.get("/documents/{document_id}/orphans", tags=["documents"], responses=NOT_FOUND)
def list_document_orphans(
    session: SessionDep, blinding: BlindingDep, document_id: str
) -> list[AnnotationPublic]:
    """The document's live tags that lost their place when its text was replaced."""
    orphans = reanchor.list_orphans(session, document_id, blinding)
    return [tagging.present_annotation(a) for a in orphans]


@api_router.get("/orphans", tags=["annotations"])
def list_orphans(session: SessionDep, blinding: BlindingDep) -> list[AnnotationPublic]:
    """Every live tag that lost its place when its document's text was replaced.

    An orphan has no passage and no offsets; `quote` is the text it covered and `orphaned_at`
    when it lost its place.
    """
    return [tagging.present_annotation(a) for a in reanchor.list_orphans(session, None, blinding)]


# --- the JSON twins: passages --------------------------------------------------------------------


@api_router.get("/documents/{document_id}/passages", tags=["passages"], responses=NOT_FOUND)
def list_passages(session: SessionDep, document_id: str) -> list[PassagePublic]:
    return [PassagePublic.model_validate(p) for p in documents.list_passages(session, document_id)]


@api_router.get("/passages/{passage_id}", tags=["passages"], responses=NOT_FOUND)
def get_passage(session: SessionDep, passage_id: str) -> PassagePublic:
    return PassagePublic.model_validate(tagging.get_passage(session, passage_id))


@api_router.patch("/passages/{passage_id}", tags=["passages"], responses=NOT_FOUND | INVALID)
def update_passage(session: SessionDep, passage_id: str, data: PassageUpdate) -> PassagePublic:
    """Correct a passage's kind; its text and offsets follow the document and cannot change."""
    return PassagePublic.model_validate(documents.update_passage(session, passage_id, data))

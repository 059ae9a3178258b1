"""The document list, the document view (read and tag) and replacing a document's text."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from app.deps import AnalystDep, SessionDep
from app.models import MAX_INTEGER
from app.presenters.annotations import catalog_context
from app.routes.claims import FLASH_COOKIE, flash_message, redirect_with_message
from app.routes.paging import HtmlPageDep, page_url, pager
from app.services import documents, reanchor
from app.templating import is_fragment_request, render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/documents", status_code=303)


@router.get("/documents", response_class=HTMLResponse)
def document_list(
    request: Request, session: SessionDep, analyst: AnalystDep, page: HtmlPageDep
) -> HTMLResponse:
    found = documents.page_documents(session, page)
    context = {
        "summaries": found.items,
        "pager": pager(request, found),
        "rows_url": page_url(request, found, found.offset),
        "analyst": analyst,
    }
    return render(request, "documents.html", context, fragment="_document_rows.html")


# The document view shows this many passages at first and loads the next ones when the reader
# scrolls down to them: a 200-passage document with 1,000 tags took over 100 ms to render whole.
PASSAGES_PER_LOAD = 40

ShowHidden = Annotated[bool, Query(description="Show boilerplate passages too.")]
Through = Annotated[
    str | None, Query(max_length=64, description="Load at least up to this passage (an id).")
]


def passage_window(
    session: SessionDep,
    document_id: str,
    show_hidden: bool,
    start: int = 0,
    through: str | None = None,
    everything: bool = False,
) -> dict[str, Any]:
    """The passages from `start` on (PASSAGES_PER_LOAD of them, or more to reach `through`;
    all of them with `everything`), with what rendering them needs and where the next begin."""
    counts = documents.passage_counts(session, document_id)
    stop: int | None = None if everything else start + PASSAGES_PER_LOAD
    target = documents.ordinal_of(session, document_id, through) if through else None
    if stop is not None and target is not None:
        stop = max(stop, target + 1)
    views = documents.document_passage_views(session, document_id, start, stop)
    more = stop is not None and stop < counts.total
    return {
        "document_id": document_id,
        "views": views,
        "claim_texts": documents.claim_texts(session, views),
        "show_hidden": show_hidden,
        "next_start": stop if more else None,
        "passage_total": counts.total,
        "hidden_count": counts.hidden,
        **catalog_context(session),
    }


@router.get("/documents/{document_id}", response_class=HTMLResponse)
def document_page(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    document_id: str,
    hidden: ShowHidden = False,
    through: Through = None,
    all: Annotated[bool, Query(description="Every passage at once.")] = False,
) -> HTMLResponse:
    summary = documents.get_document_summary(session, document_id)
    flash = flash_message(request)
    context = {
        "summary": summary,
        "document": summary.document,
        "orphan_count": len(reanchor.list_orphans(session, document_id)),
        "analyst": analyst,
        "flash": flash,
        "original_text": documents.get_document(session, document_id).original_text,
        "showing_all": all,  # kept by the link that hides or shows boilerplate
        **passage_window(session, document_id, hidden, through=through, everything=all),
    }
    response = render(request, "document.html", context, fragment="_passages.html")
    if flash and not is_fragment_request(request):
        response.delete_cookie(FLASH_COOKIE, path=f"/documents/{document_id}")
    return response


@router.get("/documents/{document_id}/passages", response_class=HTMLResponse)
def more_passages(
    request: Request,
    session: SessionDep,
    document_id: str,
    start: Annotated[
        int, Query(ge=0, le=MAX_INTEGER, description="The ordinal of the first passage.")
    ] = 0,
    hidden: ShowHidden = False,
    through: Through = None,
) -> HTMLResponse:
    """The next passages of the document view (loaded as the reader scrolls to them)."""
    context = passage_window(session, document_id, hidden, start, through)
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


@router.get("/documents/{document_id}/stats", response_class=HTMLResponse)
def document_stats(request: Request, session: SessionDep, document_id: str) -> HTMLResponse:
    """The tag counts in the document header, refreshed after every change of tags."""
    context = {"document": documents.get_document_summary(session, document_id).document}
    return render(request, "_document_stats.html", context)

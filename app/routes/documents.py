"""The document list, the document view (read and tag) and replacing a document's text."""

from typing import Annotated, Any
from urllib.parse import quote, unquote

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from app.deps import AnalystDep, SessionDep
from app.routes.annotations import catalog_context
from app.routes.claims import redirect
from app.routes.paging import HtmlPageDep, page_url, pager
from app.services import documents, reanchor
from app.templating import is_fragment_request, render

router = APIRouter(include_in_schema=False)

# A message for the next page, set before a redirect.
FLASH_COOKIE = "flash"


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


def document_context(
    session: SessionDep, document_id: str, analyst: str | None, show_hidden: bool
) -> dict[str, Any]:
    summary = documents.get_document_summary(session, document_id)
    views = documents.document_passage_views(session, document_id)
    return {
        "summary": summary,
        "document": summary.document,
        "original_text": documents.get_document(session, document_id).original_text,
        "orphan_count": len(reanchor.list_orphans(session, document_id)),
        "views": views,
        "claim_texts": documents.claim_texts(session, views),
        "hidden_count": sum(1 for v in views if v.hidden),
        "show_hidden": show_hidden,
        **catalog_context(session),
        "analyst": analyst,
    }


@router.get("/documents/{document_id}", response_class=HTMLResponse)
def document_page(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    document_id: str,
    hidden: Annotated[bool, Query(description="Show boilerplate passages too.")] = False,
) -> HTMLResponse:
    context = document_context(session, document_id, analyst, hidden)
    flash = request.cookies.get(FLASH_COOKIE)
    context["flash"] = unquote(flash) if flash else None
    response = render(request, "document.html", context, fragment="_passages.html")
    if flash and not is_fragment_request(request):
        response.delete_cookie(FLASH_COOKIE, path=f"/documents/{document_id}")
    return response


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
    url = f"/documents/{document_id}"
    response = redirect(request, url)
    # Shown once by the page the browser is sent to (a cookie: the URL stays clean).
    response.set_cookie(
        FLASH_COOKIE, quote(report.summary()), max_age=60, path=url, httponly=True, samesite="lax"
    )
    return response


@router.get("/documents/{document_id}/stats", response_class=HTMLResponse)
def document_stats(request: Request, session: SessionDep, document_id: str) -> HTMLResponse:
    """The tag counts in the document header, refreshed after every change of tags."""
    context = {"document": documents.get_document_summary(session, document_id).document}
    return render(request, "_document_stats.html", context)

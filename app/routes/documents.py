"""The document list and the document view (read and tag)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.deps import AnalystDep, SessionDep
from app.routes.annotations import catalog_context
from app.services import documents
from app.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/documents", status_code=303)


@router.get("/documents", response_class=HTMLResponse)
def document_list(request: Request, session: SessionDep, analyst: AnalystDep) -> HTMLResponse:
    context = {"summaries": documents.list_documents(session), "analyst": analyst}
    return render(request, "documents.html", context, fragment="_document_rows.html")


def document_context(
    session: SessionDep, document_id: str, analyst: str | None, show_hidden: bool
) -> dict[str, Any]:
    summary = documents.get_document_summary(session, document_id)
    views = documents.document_passage_views(session, document_id)
    return {
        "summary": summary,
        "document": summary.document,
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
    return render(request, "document.html", context, fragment="_passages.html")


@router.get("/documents/{document_id}/stats", response_class=HTMLResponse)
def document_stats(request: Request, session: SessionDep, document_id: str) -> HTMLResponse:
    """The tag counts in the document header, refreshed after every change of tags."""
    context = {"document": documents.get_document_summary(session, document_id).document}
    return render(request, "_document_stats.html", context)

"""Full-text search: the search page (results as you type) and its JSON twin."""

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from app.deps import AnalystDep, BlindingDep, SessionDep
from app.models import MAX_INTEGER, AnnotationKind
from app.presenters.annotations import catalog_context
from app.presenters.search import hit_as_json, snippet_html
from app.routes.paging import add_page_headers, pager
from app.routes.params import DATE_OR_BLANK
from app.services import documents, search
from app.services.errors import NotFound
from app.services.filter_values import parse_date
from app.services.paging import PageRequest
from app.services.search import MAX_PAGE_SIZE, ResultType, SearchFilters
from app.templating import render

router = APIRouter()

PAGE_SIZE = 20
KINDS = "|".join(k.value for k in AnnotationKind)
TYPES = "|".join(t.value for t in ResultType)


@dataclass(frozen=True)
class SearchRequest:
    q: str
    filters: SearchFilters
    page: PageRequest


def _blank(value: str) -> str | None:
    return value.strip() or None


async def search_request(
    blinding: BlindingDep,
    q: Annotated[str, Query(max_length=500, description='Words, or "a phrase".')] = "",
    document: Annotated[str, Query(max_length=64, description="A document id.")] = "",
    outlet: Annotated[str, Query(max_length=200, description="The outlet (any case).")] = "",
    published_from: Annotated[
        str, Query(max_length=10, description="YYYY-MM-DD.", json_schema_extra=DATE_OR_BLANK)
    ] = "",
    published_to: Annotated[
        str, Query(max_length=10, description="YYYY-MM-DD.", json_schema_extra=DATE_OR_BLANK)
    ] = "",
    position: Annotated[str, Query(max_length=32, description="A position key.")] = "",
    topic: Annotated[str, Query(max_length=32, description="A topic key.")] = "",
    kind: Annotated[
        str, Query(pattern=f"^({KINDS})?$", description="Tagged as stating, supporting, …")
    ] = "",
    analyst: Annotated[str, Query(max_length=80, description="Whose tags or claims.")] = "",
    untagged: Annotated[bool, Query(description="Only passages with no tag.")] = False,
    type: Annotated[
        list[ResultType | Literal[""]] | None,
        Query(description="passage, claim or note; repeat for several (none: all)."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE,
    offset: Annotated[int, Query(ge=0, le=MAX_INTEGER)] = 0,
    page: Annotated[
        int | None,
        Query(ge=1, le=MAX_INTEGER // MAX_PAGE_SIZE, description="A page number, not offset."),
    ] = None,
) -> SearchRequest:
    chosen = [ResultType(t) for t in type or [] if t]
    filters = SearchFilters(
        document=_blank(document),
        outlet=_blank(outlet),
        published_from=parse_date(published_from, "published_from"),
        published_to=parse_date(published_to, "published_to"),
        position=_blank(position),
        topic=_blank(topic),
        kind=AnnotationKind(kind) if kind else None,
        analyst=_blank(analyst),
        untagged=untagged,
        types=frozenset(chosen),
        blinding=blinding,
    )
    start = (page - 1) * limit if page is not None else offset
    return SearchRequest(q, filters, PageRequest(limit, start))


SearchRequestDep = Annotated[SearchRequest, Depends(search_request)]


def _document_label(session: Session, document_id: str | None) -> str | None:
    if document_id is None:
        return None
    try:
        return documents.get_document_summary(session, document_id).label
    except NotFound:
        return document_id


@router.get("/api/search", tags=["search"])
def search_data(
    request: Request, response: Response, session: SessionDep, asked: SearchRequestDep
) -> dict[str, Any]:
    """Passages, claims and tag notes containing every word of `q` (the last word also as the
    start of a word; "quoted words" as a phrase), best first, with the words marked.

    `snippet_html` is escaped HTML whose only markup is `<mark>`. The total is also in
    `X-Total-Count`, the next and previous pages in `Link`.
    """
    found = search.search(session, asked.q, asked.filters, asked.page)
    add_page_headers(request, response, found.page)
    return {
        "query": asked.q,
        "total": found.page.total,
        "limit": found.page.limit,
        "offset": found.page.offset,
        "results": [hit_as_json(hit) for hit in found.hits],
    }


@router.get("/search", response_class=HTMLResponse, include_in_schema=False)
def search_page(
    request: Request, session: SessionDep, analyst: AnalystDep, asked: SearchRequestDep
) -> HTMLResponse:
    """The search page; as you type, htmx gets the results fragment alone."""
    found = search.search(session, asked.q, asked.filters, asked.page)
    context = {
        "q": asked.q,
        "filters": asked.filters,
        "found": found,
        "pager": pager(request, found.page),
        "snippet_html": snippet_html,
        "document_label": _document_label(session, asked.filters.document),
        "result_types": list(ResultType),
        "annotation_kinds": list(AnnotationKind),
        "analyst": analyst,
        **catalog_context(session),
    }
    return render(request, "search.html", context, fragment="_search_results.html")

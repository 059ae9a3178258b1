"""Paging parameters and links shared by the lists: `limit` and `offset` in, and out the total
(`X-Total-Count`), `Link` headers (rel next/prev) for the API and page links for the pages."""

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response

from app.models import MAX_INTEGER
from app.services.paging import MAX_LIMIT, Page, PageRequest

API_LIMIT = 100
PAGE_LIMIT = 50


def _page_request(default: int, most: int) -> Callable[..., Coroutine[Any, Any, PageRequest]]:
    async def page_request(
        limit: Annotated[
            int, Query(ge=1, le=most, description=f"How many to return (at most {most}).")
        ] = default,
        offset: Annotated[
            int, Query(ge=0, le=MAX_INTEGER, description="How many to skip first.")
        ] = 0,
    ) -> PageRequest:
        return PageRequest(limit, offset)

    return page_request


ApiPageDep = Annotated[PageRequest, Depends(_page_request(API_LIMIT, MAX_LIMIT))]
HtmlPageDep = Annotated[PageRequest, Depends(_page_request(PAGE_LIMIT, MAX_LIMIT))]


def page_url(request: Request, page: Page[Any], offset: int) -> str:
    """This request's path and query with another `offset` (and the same `limit`)."""
    url = request.url.include_query_params(offset=offset, limit=page.limit)
    return f"{url.path}?{url.query}"


@dataclass(frozen=True)
class Pager:
    """What a page shows to move through a list."""

    page: Page[Any]
    previous_url: str | None
    next_url: str | None


def pager(request: Request, page: Page[Any]) -> Pager:
    previous, following = page.previous_offset, page.next_offset
    return Pager(
        page,
        page_url(request, page, previous) if previous is not None else None,
        page_url(request, page, following) if following is not None else None,
    )


def add_page_headers(request: Request, response: Response, page: Page[Any]) -> None:
    """`X-Total-Count`, and `Link` to the next and previous pages (RFC 8288), so that a client
    reading the list as before still gets a plain JSON list."""
    response.headers["X-Total-Count"] = str(page.total)
    links = []
    if page.next_offset is not None:
        links.append(f'<{page_url(request, page, page.next_offset)}>; rel="next"')
    if page.previous_offset is not None:
        links.append(f'<{page_url(request, page, page.previous_offset)}>; rel="prev"')
    if links:
        response.headers["Link"] = ", ".join(links)

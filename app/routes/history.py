"""The history: the activity feed, one item's history with its changes, undoing a deletion,
their JSON twins, and the whole history as a JSON file."""

from enum import StrEnum
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlmodel import Session
from starlette.convertors import Convertor, register_url_convertor

from app.deps import BlindingDep, SessionDep
from app.models import MAX_ROW_NUMBER, HistoryAction, HistoryPublic, ItemType
from app.presenters.file_names import download_headers
from app.presenters.history import (
    HistoryQuery,
    entry_as_json,
    feed_context,
    item_context,
    item_history_url,
    page_url,
)
from app.routes.params import MOMENT_OR_BLANK, parse_moment
from app.services import history, history_export
from app.services.history import HistoryFilters, HistoryPage
from app.templating import is_fragment_request, render


class ItemTypeConvertor(Convertor[str]):
    """Only an item type matches `{item_type:item_type}`, so `/history/5/restore` is the
    restore route's path (answering 405 to a GET), not an item of the type "5"."""

    regex = "|".join(kind.value for kind in ItemType)

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return str(value)


register_url_convertor("item_type", ItemTypeConvertor())

router = APIRouter()

MAX_ID = 64
MAX_NAME = 80
EntryId = Annotated[int, Path(ge=1, le=MAX_ROW_NUMBER, description="The history entry's number.")]
ITEM_ID = Annotated[str, Path(max_length=MAX_ID, description="The item's id (or key).")]

Choice = TypeVar("Choice", bound=StrEnum)


def _choice(kind: type[Choice], name: str, value: str) -> Choice | None:
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise HTTPException(422, f"{name}: must be one of {allowed} (or blank).") from None


async def history_query(
    blinding: BlindingDep,
    item_type: Annotated[
        str,
        Query(
            max_length=16,
            description="Only items of this type (blank: all).",
            json_schema_extra={"enum": ["", *(kind.value for kind in ItemType)]},
        ),
    ] = "",
    actor: Annotated[
        str, Query(max_length=MAX_NAME, description="Only changes by this user.")
    ] = "",
    action: Annotated[
        str,
        Query(
            max_length=16,
            description="create, update, delete or restore.",
            json_schema_extra={"enum": ["", *(action.value for action in HistoryAction)]},
        ),
    ] = "",
    since: Annotated[
        str,
        Query(
            max_length=40,
            description="From this date (YYYY-MM-DD) or date-time on.",
            json_schema_extra=MOMENT_OR_BLANK,
        ),
    ] = "",
    until: Annotated[
        str,
        Query(
            max_length=40,
            description="Up to the end of this date, or up to (not including) this date-time.",
            json_schema_extra=MOMENT_OR_BLANK,
        ),
    ] = "",
    q: Annotated[str, Query(max_length=MAX_ID, description="Text in the item's id.")] = "",
    before: Annotated[
        int | None,
        Query(ge=1, le=MAX_ROW_NUMBER, description="The page of entries older than this entry."),
    ] = None,
    after: Annotated[
        int | None,
        Query(ge=1, le=MAX_ROW_NUMBER, description="The page of entries newer than this entry."),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=history.MAX_PAGE_SIZE, description="Entries per page.")
    ] = history.PAGE_SIZE,
) -> HistoryQuery:
    # Blank values come from the page's form (an empty select or date): no filter.
    given = {
        "item_type": item_type.strip(),
        "actor": actor.strip(),
        "action": action.strip(),
        "since": since.strip(),
        "until": until.strip(),
        "q": q.strip(),
    }
    filters = HistoryFilters(
        item_type=_choice(ItemType, "item_type", given["item_type"]),
        actor=given["actor"] or None,
        action=_choice(HistoryAction, "action", given["action"]),
        since=parse_moment("since", given["since"], end_of_day=False),
        until=parse_moment("until", given["until"], end_of_day=True),
        id_contains=given["q"] or None,
        blinding=blinding,
    )
    params = {name: value for name, value in given.items() if value}
    if limit != history.PAGE_SIZE:
        params["limit"] = str(limit)
    return HistoryQuery(filters, before, after, limit, params)


HistoryQueryDep = Annotated[HistoryQuery, Depends(history_query)]


def _page(session: Session, query: HistoryQuery) -> HistoryPage:
    return history.list_history(
        session, query.filters, before=query.before, after=query.after, limit=query.limit
    )


@router.get("/history", response_class=HTMLResponse, include_in_schema=False)
def history_page(request: Request, session: SessionDep, query: HistoryQueryDep) -> HTMLResponse:
    page = _page(session, query)
    context = feed_context(session, query, page)
    return render(request, "history.html", context, fragment="_history_rows.html")


@router.get("/api/history", tags=["history"])
def history_data(session: SessionDep, query: HistoryQueryDep) -> dict[str, Any]:
    """Every change to the map, newest first, a page at a time: who changed which item, when,
    and the item before and after. `newer` and `older` are the URLs of the next pages."""
    page = _page(session, query)
    params = query.params
    return {
        "entries": [entry_as_json(item) for item in page.items],
        "newer": page_url("/api/history", params, after=page.newer) if page.newer else None,
        "older": page_url("/api/history", params, before=page.older) if page.older else None,
    }


@router.get(
    "/history/{item_type:item_type}/{item_id}", response_class=HTMLResponse, include_in_schema=False
)
def item_history_page(
    request: Request,
    session: SessionDep,
    blinding: BlindingDep,
    item_type: ItemType,
    item_id: ITEM_ID,
) -> HTMLResponse:
    context = item_context(session, item_type, item_id, blinding)
    return render(request, "history_item.html", context, fragment="_item_history.html")


@router.get("/api/history/{item_type:item_type}/{item_id}", tags=["history"])
def item_history_data(
    session: SessionDep, blinding: BlindingDep, item_type: ItemType, item_id: ITEM_ID
) -> dict[str, Any]:
    """One item's history, newest first, and whether the item is in the map now."""
    context = item_context(session, item_type, item_id, blinding)
    return {
        "item_type": item_type,
        "item_id": item_id,
        "label": context["label"],
        "exists": context["exists"],
        "restorable_entry": context["restorable"],
        "entries": [entry_as_json(item) for item in context["items"]],
    }


@router.post("/history/{entry_id}/restore", include_in_schema=False)
def restore_from_page(
    request: Request, session: SessionDep, blinding: BlindingDep, entry_id: EntryId
) -> Response:
    """Undo a deletion; htmx gets the item's refreshed history, a form the item's page."""
    entry = history.restore(session, entry_id, blinding)
    item_type = ItemType(entry.item_type)
    if is_fragment_request(request):
        context = item_context(session, item_type, entry.item_id, blinding)
        return render(request, "history_item.html", context, fragment="_item_history.html")
    return RedirectResponse(item_history_url(item_type, entry.item_id), status_code=303)


@router.post(
    "/api/history/{entry_id}/restore",
    tags=["history"],
    responses={
        404: {"description": "No such entry."},
        409: {"description": "The entry is not a deletion, or the item exists again."},
        422: {"description": "What the item needs is gone."},
    },
)
def restore_entry(session: SessionDep, blinding: BlindingDep, entry_id: EntryId) -> HistoryPublic:
    """Bring back the item a deletion entry records; returns the entry of its restoration."""
    return HistoryPublic.model_validate(history.restore(session, entry_id, blinding))


@router.get("/api/export/history", tags=["export"], response_class=StreamingResponse)
def export_history(
    request: Request,
    blinding: BlindingDep,
    download: Annotated[bool, Query(description="Ask the browser to save it as a file.")] = False,
) -> StreamingResponse:
    """The whole history as JSON, oldest entry first, streamed; without the entries about the
    tags the reader may not see while they code a document independently."""
    chunks = history_export.stream_history_export(request.app.state.engine, blinding)
    headers = download_headers("argument-map-history", {}, "json") if download else None
    return StreamingResponse(chunks, media_type="application/json", headers=headers)

"""What the history pages and their JSON twins show, built from the services' results."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from sqlmodel import Session

from app.models import HistoryAction, ItemType
from app.services import history
from app.services.blinding import SEES_ALL, Blinding
from app.services.history import HistoryFilters, HistoryItem, HistoryPage


@dataclass(frozen=True)
class HistoryQuery:
    """The feed's filters and page, and the parameters as given (for the form and links)."""

    filters: HistoryFilters
    before: int | None
    after: int | None
    limit: int
    params: dict[str, str]


def page_url(path: str, params: dict[str, str], **paging: int | None) -> str:
    query = urlencode({**params, **{k: v for k, v in paging.items() if v is not None}})
    return f"{path}?{query}" if query else path


def item_history_url(item_type: ItemType | str, item_id: str) -> str:
    return f"/history/{item_type}/{quote(item_id, safe='')}"


def item_url(item_type: ItemType, snapshot: dict[str, Any] | None) -> str | None:
    """Where the item lives in the app, from its latest snapshot."""
    if not snapshot:
        return None
    if item_type is ItemType.annotation:
        anchor = f"#p-{snapshot['passage_id']}" if snapshot.get("passage_id") else ""
        return f"/documents/{quote(str(snapshot['document_id']), safe='')}{anchor}"
    if item_type is ItemType.claim:
        return f"/claims/{quote(str(snapshot['id']), safe='')}"
    if item_type is ItemType.relation:
        return f"/claims/{quote(str(snapshot['source_id']), safe='')}"
    if item_type is ItemType.position:
        return f"/positions/{quote(str(snapshot['key']), safe='')}"
    if item_type is ItemType.document:
        return f"/documents/{quote(str(snapshot['id']), safe='')}"
    return None  # topics have no page of their own


def entry_as_json(item: HistoryItem) -> dict[str, Any]:
    return {
        **history.entry_record(item.entry),
        "label": item.label,
        "url": item_history_url(item.entry.item_type, item.entry.item_id),
    }


def feed_context(session: Session, query: HistoryQuery, page: HistoryPage) -> dict[str, Any]:
    return {
        "page": page,
        "params": query.params,
        "item_types": list(ItemType),
        "actions": list(HistoryAction),
        "actors": history.list_actors(session),
        "newer_url": page_url("/history", query.params, after=page.newer) if page.newer else None,
        "older_url": page_url("/history", query.params, before=page.older) if page.older else None,
        "item_history_url": item_history_url,
    }


def item_context(
    session: Session, item_type: ItemType, item_id: str, blinding: Blinding = SEES_ALL
) -> dict[str, Any]:
    """One item's history (NotFound for a tag the reader's `blinding` hides)."""
    items = history.item_history(session, item_type, item_id, blinding)
    exists = history.item_exists(session, item_type, item_id)
    latest = items[0].entry
    return {
        "item_type": item_type,
        "item_id": item_id,
        "label": items[0].label,
        "noun": history.NOUNS[item_type],
        "items": items,
        "exists": exists,
        "restorable": history.restorable_entry(items, exists),
        "item_url": item_url(item_type, latest.after or latest.before) if exists else None,
    }

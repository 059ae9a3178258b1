"""Which history entries a reader may see: none about a tag their blinding hides while they
code a document independently (app/services/blinding.py). Entries about claims, relations and
everything else are everyone's."""

from typing import Any

from sqlalchemy import ColumnElement, or_
from sqlmodel import col, select

from app.models import Annotation, HistoryEntry, ItemType
from app.services.blinding import Blinding


def visible_entries(blinding: Blinding) -> ColumnElement[bool] | None:
    """The entries the reader may see, as a condition on HistoryEntry (None: all of them):
    none about a tag their `blinding` hides. The hidden tags are those of the few documents
    they code, found through the tags' index by document, so the condition stays small."""
    visible = blinding.visible_condition()
    if visible is None:
        return None
    hidden_tags = select(Annotation.id).where(~visible)
    return or_(
        col(HistoryEntry.item_type) != ItemType.annotation.value,
        col(HistoryEntry.item_id).not_in(hidden_tags),
    )


def entry_hidden(entry: HistoryEntry, blinding: Blinding) -> bool:
    """Whether the entry is about a tag the reader's `blinding` hides (from its snapshot)."""
    if not blinding.active or entry.item_type != ItemType.annotation:
        return False
    snapshot: dict[str, Any] = entry.after or entry.before or {}
    document_id, analyst = snapshot.get("document_id"), snapshot.get("analyst")
    return blinding.hides(str(document_id), str(analyst) if analyst is not None else None)

"""Which history entries a reader may see: none about a tag their blinding hides while they
code a document independently (app/services/blinding.py). Entries about claims, relations and
everything else are everyone's."""

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
    """Whether the entry is about a tag the reader's `blinding` hides, by the document and
    analyst its snapshots record (before or after the change)."""
    if not blinding.active or entry.item_type != ItemType.annotation:
        return False
    return any(
        blinding.hides(_text(snapshot.get("document_id")), _text(snapshot.get("analyst")))
        for snapshot in (entry.before, entry.after)
        if snapshot is not None
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None

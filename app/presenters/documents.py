"""What the document pages and their JSON twins show, built from the services' results."""

from typing import Any

from sqlmodel import Session

from app.presenters.annotations import catalog_context
from app.services import documents, reanchor

# The document view shows this many passages at first and loads the next ones when the reader
# scrolls down to them: a 200-passage document with 1,000 tags took over 100 ms to render whole.
PASSAGES_PER_LOAD = 40


def passage_window(
    session: Session,
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


def document_context(
    session: Session,
    document_id: str,
    analyst: str | None,
    show_hidden: bool,
    through: str | None,
    everything: bool,
) -> dict[str, Any]:
    """The document view: the document's header and its first window of passages (or all)."""
    summary = documents.get_document_summary(session, document_id)
    return {
        "summary": summary,
        "document": summary.document,
        "orphan_count": len(reanchor.list_orphans(session, document_id)),
        "analyst": analyst,
        "original_text": documents.get_document(session, document_id).original_text,
        "showing_all": everything,  # kept by the link that hides or shows boilerplate
        **passage_window(session, document_id, show_hidden, through=through, everything=everything),
    }

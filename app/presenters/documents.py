"""What the document pages and their JSON twins show, built from the services' results."""

from datetime import date
from typing import Any

from annotated_types import MaxLen
from sqlmodel import Session

from app.models import DocumentPublic, DocumentUpdate
from app.presenters.annotations import catalog_context
from app.services import actors, documents, reanchor
from app.services.blinding import SEES_ALL, Blinding
from app.services.errors import VersionConflict
from app.services.paging import PageRequest

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
    blinding: Blinding = SEES_ALL,
) -> dict[str, Any]:
    """The passages from `start` on (PASSAGES_PER_LOAD of them, or more to reach `through`;
    all of them with `everything`), with the tags the reader's `blinding` lets them see, what
    rendering them needs and where the next begin."""
    counts = documents.passage_counts(session, document_id)
    stop: int | None = None if everything else start + PASSAGES_PER_LOAD
    target = documents.ordinal_of(session, document_id, through) if through else None
    if stop is not None and target is not None:
        stop = max(stop, target + 1)
    views = documents.document_passage_views(session, document_id, start, stop, blinding)
    more = stop is not None and stop < counts.total
    return {
        "document_id": document_id,
        "views": views,
        "claim_texts": documents.claim_texts(session, views),
        "claim_stances": documents.claim_stances_of(
            session, [a for view in views for a in view.annotations]
        ),
        "actor_names": actors.actor_names(session, [a for view in views for a in view.annotations]),
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
    blinding: Blinding = SEES_ALL,
) -> dict[str, Any]:
    """The document view: the document's header and its first window of passages (or all),
    with the tags the reader's `blinding` lets them see."""
    summary = documents.get_document_summary(session, document_id, blinding)
    return {
        "summary": summary,
        "document": summary.document,
        "orphan_count": len(reanchor.list_orphans(session, document_id, blinding)),
        "analyst": analyst,
        "original_text": documents.get_document(session, document_id).original_text,
        "showing_all": everything,  # kept by the link that hides or shows boilerplate
        **passage_window(
            session,
            document_id,
            show_hidden,
            through=through,
            everything=everything,
            blinding=blinding,
        ),
    }


def document_list_context(
    session: Session, page: PageRequest, undated: bool = False, blinding: Blinding = SEES_ALL
) -> dict[str, Any]:
    """The document list (with `undated`, only the documents without a date), and how many
    documents of all have no date, so that a team sees what keeps them off the time axis."""
    found = documents.page_documents(session, page, undated, blinding)
    return {
        "found": found,
        "summaries": found.items,
        "undated": undated,
        "undated_count": found.total if undated else documents.count_documents(session, True),
        "document_total": documents.count_documents(session) if undated else found.total,
    }


# The details a document's page shows in its header and lets editors change, in this order.
DETAIL_LABELS = {
    "title": "Title",
    "outlet": "Outlet",
    "author": "Author",
    "published": "Published",
    "url": "URL",
}


def _max_length(name: str) -> int | None:
    """The longest value the API takes for a detail (the form's fields say so too)."""
    field = DocumentUpdate.model_fields[name]
    return next((bound.max_length for bound in field.metadata if isinstance(bound, MaxLen)), None)


DETAIL_MAX_LENGTHS = {name: _max_length(name) for name in DETAIL_LABELS}


def _as_typed(value: str | date | None) -> str:
    """A detail as its form field holds it: a date as YYYY-MM-DD, nothing as blank."""
    return value.isoformat() if isinstance(value, date) else value or ""


def details_form_values(document: DocumentPublic) -> dict[str, str]:
    """The edit form filled with the document's details and the version they are at."""
    values = {name: _as_typed(getattr(document, name)) for name in DETAIL_LABELS}
    return {**values, "version": str(document.version)}


def document_details_context(
    session: Session,
    document_id: str,
    analyst: str | None,
    whole_page: bool,
    *,
    editing: bool = False,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    saved: bool = False,
    blinding: Blinding = SEES_ALL,
) -> dict[str, Any]:
    """The document's title and details (`_document_details.html`), shown or in their edit
    form (`form`: the values typed, `errors`: a sentence for each refused one); with
    `whole_page`, inside the document view, for a request that is not htmx's (counting the
    tags the reader's `blinding` lets them see)."""
    summary = documents.get_document_summary(session, document_id, blinding)
    details = {
        "summary": summary,
        "document": summary.document,
        "detail_labels": DETAIL_LABELS,
        "detail_max_lengths": DETAIL_MAX_LENGTHS,
        "editing": editing,
        "form": form or details_form_values(summary.document),
        "form_errors": errors or {},
        "saved": saved,
        # Swapped in alone, the details keep the keyboard (see the template).
        "swapped": not whole_page,
    }
    if not whole_page:
        return details
    page = document_context(session, document_id, analyst, False, None, False, blinding)
    return {**page, **details}


def document_conflict_context(conflict: VersionConflict, mine: DocumentUpdate) -> dict[str, Any]:
    """The refused edit of a document's details beside the details as they are now, and the way
    to either (see `_conflict.html`)."""
    theirs: DocumentPublic = conflict.current
    rows = [
        (label, _as_typed(getattr(mine, name)), _as_typed(getattr(theirs, name)))
        for name, label in DETAIL_LABELS.items()
    ]
    fields: dict[str, str | int] = {name: _as_typed(getattr(mine, name)) for name in DETAIL_LABELS}
    url = f"/documents/{theirs.id}/details"
    return {
        "conflict": conflict,
        "rows": rows,
        "changed_at": theirs.updated_at,
        "save_url": url,
        "save_method": "post",
        "fields": {**fields, "version": conflict.current_version},
        "target": "#document-details",
        "reload_url": url,
        "page_url": f"/documents/{theirs.id}",
    }

"""The whole history as one JSON file (GET /api/export/history), streamed entry by entry."""

from collections.abc import Iterator

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.models import HistoryEntry
from app.services.blinding import SEES_ALL, Blinding
from app.services.history import entry_record
from app.services.history_visibility import entry_hidden, visible_entries
from app.services.interchange.writing import chunked, dump_json

EXPORT_FORMAT = "argmap-history"
EXPORT_VERSION = 1
EXPORT_BATCH = 500


def iter_history_export(session: Session, blinding: Blinding = SEES_ALL) -> Iterator[str]:
    """The whole history as one JSON document, oldest entry first, in chunks of text:
    `{"format": "argmap-history", "version": 1, "entries": [...]}` with one entry a line.
    The entries about tags the reader may not see (`blinding`) are left out: those of stored
    tags in SQL, those of tags gone with their document by what their snapshots record.

    One query, read in batches, so memory stays flat however long the history is.
    """
    return chunked(_history_lines(session, blinding))


def _history_lines(session: Session, blinding: Blinding) -> Iterator[str]:
    header = {"format": EXPORT_FORMAT, "version": EXPORT_VERSION}
    yield dump_json(header)[:-1] + ',\n"entries":['
    query = select(HistoryEntry).order_by(col(HistoryEntry.id))
    visible = visible_entries(blinding)
    if visible is not None:
        query = query.where(visible)
    first = True
    for entry in session.exec(query.execution_options(yield_per=EXPORT_BATCH)):
        if entry_hidden(entry, blinding):
            continue
        yield ("\n" if first else ",\n") + dump_json(entry_record(entry))
        first = False
    yield "\n]}\n"


def stream_history_export(engine: Engine, blinding: Blinding = SEES_ALL) -> Iterator[str]:
    """`iter_history_export` in a session of its own (a request's session is closed before a
    streaming response is sent), closed when the iterator is exhausted or closed."""
    with Session(engine) as session:
        yield from iter_history_export(session, blinding)

"""Where the annotations of a file sit: in a passage (the passage exists, in the annotation's
document, and the span lies in it, quotes it and sits where the file says in the document), or,
for an orphan, nowhere but in its document. Reads nothing: the plan hands in what it found."""

from typing import NamedTuple

from app.models import Passage
from app.services.errors import InvalidInput
from app.services.interchange.importer.report import Record
from app.services.segmentation import span_to_document_offsets
from app.services.uploads import quoted


class Place(NamedTuple):
    """A passage as the checks of the annotations need it (lighter than a Passage)."""

    id: str
    document_id: str
    start: int
    end: int
    text: str

    @classmethod
    def of(cls, passage: Passage) -> "Place":
        return cls(passage.id, passage.document_id, passage.start, passage.end, passage.text)


def check_place(
    where: str,
    record: Record,
    passages: dict[str, Place],
    document_texts: dict[str, str],
    verbatim: set[str],
) -> None:
    """An annotation with a passage: the passage must exist, in its document, and the span too."""
    passage = passages.get(record["passage_id"])
    if passage is None:
        raise InvalidInput(
            f"{where}.passage_id: there is no passage '{record['passage_id']}' in the file "
            "or in this database"
        )
    if record["document_id"] != passage.document_id:
        raise InvalidInput(
            f"{where}.document_id: '{record['document_id']}' is not the document of passage "
            f"'{passage.id}' ('{passage.document_id}')"
        )
    if record.get("orphaned_at") is not None:
        raise InvalidInput(
            f"{where}.orphaned_at: must be null for an annotation with a passage (an orphan "
            "has passage_id null)"
        )
    _check_span(where, record, passage, document_texts[passage.document_id], passage.id in verbatim)


def check_orphan(where: str, record: Record, document_ids: set[str]) -> None:
    """An annotation without a passage is an orphan: it says when it lost its place, has no
    offsets, and its document exists."""
    if record.get("orphaned_at") is None:
        raise InvalidInput(
            f"{where}.orphaned_at: an annotation without a passage is an orphan and must say "
            "when it lost its place"
        )
    for name in ("start", "end", "document_start", "document_end"):
        if record[name] is not None:
            raise InvalidInput(f"{where}.{name}: must be null for an orphan (it has no place)")
    if record["document_id"] not in document_ids:
        raise InvalidInput(
            f"{where}.document_id: there is no document '{record['document_id']}' in the file "
            "or in this database"
        )


def _check_span(
    where: str, record: Record, passage: Place, document_text: str, verbatim: bool
) -> None:
    """The span must lie in the passage, quote it exactly, and sit where the file says."""
    start, end, quote = record["start"], record["end"], record["quote"]
    if start is None and end is None:
        if quote is not None:
            raise InvalidInput(
                f"{where}.quote: must be null for a whole-passage annotation (start and end "
                "are null)"
            )
        expected = (passage.start, passage.end)
    else:
        if start is None or end is None:
            raise InvalidInput(
                f"{where}: start and end must both be numbers (a span) or both null (the "
                "whole passage)"
            )
        if not 0 <= start < end <= len(passage.text):
            raise InvalidInput(
                f"{where}: the span {start}–{end} lies outside its passage's text "
                f"({len(passage.text)} characters) or is empty"
            )
        if quote != passage.text[start:end]:
            raise InvalidInput(
                f"{where}.quote: {quoted(quote)} is not the passage text at {start}–{end} "
                f"({quoted(passage.text[start:end])})"
            )
        expected = _document_offsets(where, passage, start, end, document_text, verbatim)
    actual = (record["document_start"], record["document_end"])
    if actual != tuple(expected):
        raise InvalidInput(
            f"{where}: document_start–document_end is {actual[0]}–{actual[1]}, but the span "
            f"lies at {expected[0]}–{expected[1]} in its document"
        )


def verbatim_passages(passages: dict[str, Place], document_texts: dict[str, str]) -> set[str]:
    """The passages whose text is their document's text at their place, unchanged: without a
    line break, which is all that joining lines changes."""
    return {
        passage.id
        for passage in passages.values()
        if "\n" not in passage.text
        and document_texts[passage.document_id][passage.start : passage.end] == passage.text
    }


def _document_offsets(
    where: str, passage: Place, start: int, end: int, document_text: str, verbatim: bool
) -> tuple[int, int]:
    """Where the span lies in the document, as span_to_document_offsets says; in a verbatim
    passage, simply shifted by the passage's start."""
    if verbatim:
        return passage.start + start, passage.start + end
    try:
        return span_to_document_offsets(
            Passage(**passage._asdict()), start, end, original_text=document_text
        )
    except InvalidInput as error:  # a stored passage that no longer fits its document
        raise InvalidInput(f"{where}: {error.message}") from error

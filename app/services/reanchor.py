"""Replacing a document's text with a corrected version, and re-anchoring its tags.

An analyst may receive a better copy of a text (a typo fixed, a paragraph added or cut, lines
wrapped differently). `replace_document_text` stores it and moves every tag of the document to
where its words are now, in one transaction:

1. Before anything changes, each tag's *anchor* is taken from the old text: the exact text it
   covers in the original (its span mapped with `span_to_document_offsets`, or its whole
   passage, line breaks as in the text), up to 32 characters of context either side, and its
   old offset. The old offsets are not used to place it again, only to break ties.
2. The new text is segmented. A paragraph whose text is unchanged keeps its passage's id
   (and kind, which an analyst may have corrected) even when text inserted or removed above
   it moved it, so links to it hold: the old and new passage texts are aligned in order.
   Other passages get the usual content-derived id (`passage_id_for`), reusing the row of an
   old passage at the same offsets. The document keeps its id. Old passages no longer
   present are deleted last, once nothing points at them.
3. Each tag is looked for in the new text: every exact occurrence of its text, or, if there is
   none, every occurrence where runs of whitespace may differ (text re-wrapped). The one whose
   context agrees best wins, then the one nearest the old offset scaled to the new length.
   It must lie inside one passage; it becomes a span of that passage (the whole passage when
   it covers all of it). A tag whose place is unchanged is not touched (its updated_at stays);
   a moved one gets a new updated_at.
4. A tag that cannot be placed becomes an *orphan*: `orphaned_at` is set, it has no passage
   and no offsets, and its `quote` keeps the text it covered (lines joined) for the analyst.
   Orphans are never deleted: `list_orphans` lists them, and the analyst removes them by
   hand. A later replacement tries them again, by their quote (there is no context left), and
   a tag that finds its place again stops being an orphan.

Removed (soft-deleted) tags are re-anchored too, so that an undo still finds its place.

A relation's evidence passage is re-anchored like a whole-passage tag. When its text is
nowhere in the new one, the relation loses it (`evidence_passage_id` null) and records that in
`evidence_orphaned_at`, until someone sets or clears its evidence passage.

Review flags are derived, not stored: a claim needs review while any of its live evidence
tags is an orphan; a relation while either of its claims does, or while its evidence passage
is lost (`evidence_orphaned_at`).
"""

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from app.models import (
    Annotation,
    Document,
    Passage,
    Relation,
    new_id,
    passage_id_for,
    utcnow,
)
from app.services.blinding import SEES_ALL, Blinding
from app.services.corpus import passage_for, text_sha256
from app.services.documents import check_document_version, get_document
from app.services.errors import Conflict, InvalidInput
from app.services.segmentation import (
    Segment,
    document_to_span_offsets,
    join_wrapped_lines,
    segment_document,
    span_to_document_offsets,
)

# Characters of context kept either side of a tag's text (as in a W3C TextQuoteSelector).
CONTEXT_CHARS = 32
# As DocumentCreate allows.
MAX_TEXT_LENGTH = 2_000_000

_WHITESPACE = re.compile(r"\s+")


class ReanchorReport(BaseModel):
    """What replacing a document's text did to its passages, tags and relations.

    Every tag of the document (removed ones included) is counted once: kept (same passage,
    same span in it, so the tag is untouched), moved, restored (an orphan that found its place
    again) or orphaned (no place found, including orphans that still have none).
    """

    document_id: str
    changed: bool = Field(description="False when the text was the same: nothing was done.")
    kept: int = 0
    moved: int = 0
    restored: int = 0
    orphaned: int = 0
    orphaned_ids: list[str] = Field(default_factory=list)
    passages_kept: int = 0
    passages_new: int = 0
    passages_removed: int = 0
    relations_moved: int = 0
    relations_evidence_lost: list[str] = Field(default_factory=list)

    def summary(self) -> str:
        """The report as a sentence for a person."""
        if not self.changed:
            return "The text is the same as before: nothing changed."
        parts = [f"{self.kept} tag{_s(self.kept)} kept in place", f"{self.moved} moved"]
        if self.restored:
            parts.append(f"{self.restored} found again")
        parts.append(f"{self.orphaned} lost {'its' if self.orphaned == 1 else 'their'} place")
        text = f"Text replaced: {', '.join(parts)}."
        if self.relations_evidence_lost:
            count = len(self.relations_evidence_lost)
            text += f" {count} relation{_s(count)} lost {'its' if count == 1 else 'their'} "
            text += "evidence passage."
        return text


def _s(count: int) -> str:
    return "" if count == 1 else "s"


@dataclass(frozen=True)
class _Anchor:
    """Where a tag was, in terms that survive a change of text."""

    exact: str  # the original text it covered, line breaks as they were
    prefix: str
    suffix: str
    position: int | None  # its old offset in the document; None for an orphan


@dataclass(frozen=True)
class _Place:
    passage: Passage
    start: int | None  # None for the whole passage
    end: int | None
    quote: str | None


def replace_document_text(
    session: Session, document_id: str, new_text: str, version: int | None = None
) -> ReanchorReport:
    """Replace the document's original text and re-anchor its tags, all or nothing.

    Refuses an empty text (InvalidInput), a text another document already has (Conflict) and,
    with `version`, a document at another version (VersionConflict); the same text as now
    changes nothing. See the module's description for the rules.
    """
    document = get_document(session, document_id)
    check_document_version(session, document, version)
    if new_text == document.original_text:
        return ReanchorReport(document_id=document.id, changed=False)
    if len(new_text) > MAX_TEXT_LENGTH:
        raise InvalidInput(f"A text can be at most {MAX_TEXT_LENGTH:,} characters long.")
    if "\x00" in new_text:
        raise InvalidInput("The new text holds NUL characters: binary data, not text.")
    segments = segment_document(new_text)
    if not segments:
        raise InvalidInput("The new text has no content: it is empty or only whitespace.")
    sha256 = text_sha256(new_text)
    other = session.exec(
        select(Document).where(Document.sha256 == sha256, Document.id != document.id)
    ).first()
    if other is not None:
        raise Conflict(f"This text is already in the corpus as {other.title or other.id}.")
    try:
        report = _replace(session, document, new_text, sha256, segments)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return report


def _replace(
    session: Session, document: Document, new_text: str, sha256: str, segments: list[Segment]
) -> ReanchorReport:
    report = ReanchorReport(document_id=document.id, changed=True)
    old_text = document.original_text
    # Locked (on PostgreSQL) so that no one tags a passage that is about to go.
    old_passages = {
        passage.id: passage
        for passage in session.exec(
            select(Passage).where(Passage.document_id == document.id).with_for_update()
        )
    }
    # By document, and to be safe by passage: no tag may be left on a deleted passage.
    annotations = list(
        session.exec(
            select(Annotation)
            .where(
                or_(
                    col(Annotation.document_id) == document.id,
                    col(Annotation.passage_id).in_(list(old_passages)),
                )
            )
            .order_by(col(Annotation.created_at), col(Annotation.id))
        )
    )
    relations = list(
        session.exec(
            select(Relation)
            .where(col(Relation.evidence_passage_id).in_(list(old_passages)))
            .order_by(col(Relation.created_at), col(Relation.id))
        )
    )
    # Every anchor is taken before anything changes.
    anchors = {a.id: _annotation_anchor(a, old_passages, old_text) for a in annotations}
    relation_anchors = {
        relation.id: _passage_anchor(old_passages[relation.evidence_passage_id or ""], old_text)
        for relation in relations
    }

    document.original_text = new_text
    document.sha256 = sha256
    document.updated_at = utcnow()
    session.add(document)
    passages = _rebuild_passages(session, document.id, old_passages, segments, report)
    session.flush()

    finder = _Finder(new_text, len(old_text), passages)
    now = utcnow()
    for annotation in annotations:
        anchor = anchors[annotation.id]
        place = finder.place(anchor) if anchor is not None else None
        _move_annotation(annotation, anchor, place, now, report)
        annotation.document_id = document.id
        session.add(annotation)
    for relation in relations:
        place = finder.place(relation_anchors[relation.id])
        if place is None:
            relation.evidence_passage_id = None
            relation.evidence_orphaned_at = now
            report.relations_evidence_lost.append(relation.id)
        elif place.passage.id != relation.evidence_passage_id:
            relation.evidence_passage_id = place.passage.id
            report.relations_moved += 1
        else:
            continue
        relation.updated_at = now
        session.add(relation)
    session.flush()

    # Only now may the old passages go: nothing points at them any more.
    kept = {passage.id for passage in passages}
    for passage_id, passage in old_passages.items():
        if passage_id not in kept:
            session.delete(passage)
            report.passages_removed += 1
    session.flush()
    return report


def _anchor_at(text: str, start: int, end: int) -> _Anchor:
    return _Anchor(
        exact=text[start:end],
        prefix=text[max(0, start - CONTEXT_CHARS) : start],
        suffix=text[end : end + CONTEXT_CHARS],
        position=start,
    )


def _passage_anchor(passage: Passage, text: str) -> _Anchor:
    return _anchor_at(text, passage.start, passage.end)


def _annotation_anchor(
    annotation: Annotation, passages: dict[str, Passage], text: str
) -> _Anchor | None:
    """The anchor of a tag in the old text; an orphan has only its quote (None if not even)."""
    passage = passages.get(annotation.passage_id or "")
    if passage is None:
        if not annotation.quote:
            return None
        return _Anchor(exact=annotation.quote, prefix="", suffix="", position=None)
    if annotation.start is None or annotation.end is None:
        return _passage_anchor(passage, text)
    start, end = span_to_document_offsets(passage, annotation.start, annotation.end, text)
    return _anchor_at(text, start, end)


def _rebuild_passages(
    session: Session,
    document_id: str,
    old_passages: dict[str, Passage],
    segments: list[Segment],
    report: ReanchorReport,
) -> list[Passage]:
    """The passages of the new text, in order.

    An unchanged paragraph keeps its row, id and kind: the old and new passage texts are
    aligned in order (a paragraph inserted above it only moves it), and a new passage whose
    text is an old one's, at its place in that alignment, is that passage moved. The others
    get the content-derived id of their place; if an old passage had that place (its text
    changed), its row is reused.
    """
    old = sorted(old_passages.values(), key=lambda p: p.ordinal)
    matcher = SequenceMatcher(
        None, [p.text for p in old], [s.text for s in segments], autojunk=False
    )
    same: dict[int, Passage] = {}
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            same[block.b + offset] = old[block.a + offset]
    # (document, ordinal) is unique: the old rows step aside before the new order is written.
    for index, passage in enumerate(old):
        passage.ordinal = -1 - index
        session.add(passage)
    session.flush()

    taken = {passage.id for passage in same.values()}
    passages = []
    for ordinal, segment in enumerate(segments):
        if ordinal in same:
            report.passages_kept += 1
            passage = same[ordinal]
        else:
            report.passages_new += 1
            passage = _changed_passage(document_id, segment, old_passages, taken)
            taken.add(passage.id)
        passage.ordinal = ordinal
        passage.start, passage.end = segment.start, segment.end
        session.add(passage)
        passages.append(passage)
    return passages


def _changed_passage(
    document_id: str, segment: Segment, old_passages: dict[str, Passage], taken: set[str]
) -> Passage:
    """The row for a segment that is no unchanged old passage."""
    passage_id = passage_id_for(document_id, segment.start, segment.end)
    reused = old_passages.get(passage_id)
    if passage_id in taken:
        # An unchanged passage that moved keeps the id of its old place, which is this one.
        passage_id, reused = new_id(), None
    if reused is not None:
        # An old passage had this place and its text changed: its row (and id) go on.
        reused.kind = segment.kind
        reused.text = segment.text
        return reused
    return passage_for(document_id, 0, segment, passage_id)


def _move_annotation(
    annotation: Annotation,
    anchor: _Anchor | None,
    place: _Place | None,
    now: datetime,
    report: ReanchorReport,
) -> None:
    if place is None:
        report.orphaned += 1
        report.orphaned_ids.append(annotation.id)
        if annotation.orphaned_at is None:
            annotation.orphaned_at = now
            annotation.passage_id = None
            annotation.start = annotation.end = None
            annotation.quote = join_wrapped_lines(anchor.exact) if anchor else annotation.quote
            annotation.updated_at = now
        return
    before = (annotation.passage_id, annotation.start, annotation.end, annotation.quote)
    after = (place.passage.id, place.start, place.end, place.quote)
    if annotation.orphaned_at is not None:
        report.restored += 1
        annotation.orphaned_at = None
    elif before == after:
        report.kept += 1
        return
    else:
        report.moved += 1
    annotation.passage_id, annotation.start, annotation.end, annotation.quote = after
    annotation.updated_at = now


class _Finder:
    """Finds an anchor's place in the new text and its passages."""

    def __init__(self, text: str, old_length: int, passages: Sequence[Passage]) -> None:
        self.text = text
        self.scale = len(text) / old_length if old_length else 1.0
        self.passages = sorted(passages, key=lambda p: p.start)
        self.starts = [p.start for p in self.passages]

    def place(self, anchor: _Anchor) -> _Place | None:
        candidates = self._occurrences(anchor.exact)
        if not candidates:
            return None
        start, end = max(candidates, key=lambda c: self._rank(anchor, c))
        passage, start, end = self._inside_one_passage(start, end) or (None, start, end)
        if passage is None:
            return None
        span_start, span_end = document_to_span_offsets(passage, start, end, self.text)
        if span_start == 0 and span_end == len(passage.text):
            return _Place(passage, None, None, None)
        return _Place(passage, span_start, span_end, passage.text[span_start:span_end])

    def _occurrences(self, exact: str) -> list[tuple[int, int]]:
        """Every exact occurrence; if there is none, every one with whitespace re-flowed."""
        found = []
        index = self.text.find(exact)
        while index != -1:
            found.append((index, index + len(exact)))
            index = self.text.find(exact, index + 1)
        if found or not exact.strip():
            return found
        pattern = "".join(
            r"\s+" if part.isspace() else re.escape(part)
            for part in re.split(r"(\s+)", exact)
            if part
        )
        return [match.span() for match in re.finditer(pattern, self.text)]

    def _rank(self, anchor: _Anchor, candidate: tuple[int, int]) -> tuple[int, float, int]:
        """Context agreement (characters), then nearness to the old place, then text order."""
        start, end = candidate
        before = _squash(self.text[max(0, start - 2 * CONTEXT_CHARS) : start])
        after = _squash(self.text[end : end + 2 * CONTEXT_CHARS])
        agreement = _common_suffix(_squash(anchor.prefix), before) + _common_prefix(
            _squash(anchor.suffix), after
        )
        distance = 0.0 if anchor.position is None else abs(start - anchor.position * self.scale)
        return agreement, -distance, -start

    def _inside_one_passage(self, start: int, end: int) -> tuple[Passage, int, int] | None:
        """The passage holding [start, end); whitespace at either end may lie outside it."""
        for low, high in ((start, end), _strip(self.text, start, end)):
            if low >= high:
                continue
            index = bisect_right(self.starts, low) - 1
            if index >= 0 and high <= self.passages[index].end:
                return self.passages[index], low, high
        return None


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _squash(text: str) -> str:
    """Whitespace runs as one space, so that re-wrapped context still agrees."""
    return _WHITESPACE.sub(" ", text)


def _common_suffix(a: str, b: str) -> int:
    count = 0
    while count < min(len(a), len(b)) and a[-1 - count] == b[-1 - count]:
        count += 1
    return count


def _common_prefix(a: str, b: str) -> int:
    count = 0
    while count < min(len(a), len(b)) and a[count] == b[count]:
        count += 1
    return count


# --- orphans and review flags --------------------------------------------------------------


def list_orphans(
    session: Session, document_id: str | None = None, blinding: Blinding = SEES_ALL
) -> list[Annotation]:
    """The live tags that lost their place, of one document or of all, oldest orphan first;
    those the reader's `blinding` lets them see."""
    query = select(Annotation).where(
        col(Annotation.orphaned_at).is_not(None), col(Annotation.deleted_at).is_(None)
    )
    visible = blinding.visible_condition()
    if visible is not None:
        query = query.where(visible)
    if document_id is not None:
        get_document(session, document_id)
        query = query.where(Annotation.document_id == document_id)
    return list(
        session.exec(
            query.order_by(
                col(Annotation.orphaned_at), col(Annotation.created_at), col(Annotation.id)
            )
        )
    )


def orphaned_evidence(session: Session, claim_id: str) -> list[Annotation]:
    """The claim's live evidence tags that lost their place (why it needs review)."""
    return list(
        session.exec(
            select(Annotation)
            .where(Annotation.claim_id == claim_id, evidence_tags(orphaned=True))
            .order_by(col(Annotation.created_at), col(Annotation.id))
        )
    )


def evidence_tags(*, orphaned: bool) -> ColumnElement[bool]:
    """Claims' evidence tags that are not removed: those that lost their place in a replaced
    text (`orphaned`), which make their claim need review, or those that kept it, which count."""
    orphaned_at = col(Annotation.orphaned_at)
    return (
        col(Annotation.claim_id).is_not(None)
        & (orphaned_at.is_not(None) if orphaned else orphaned_at.is_(None))
        & col(Annotation.deleted_at).is_(None)
    )


def claims_needing_review(session: Session) -> set[str]:
    """Claims with live evidence that lost its place in its document."""
    query = select(Annotation.claim_id).where(evidence_tags(orphaned=True)).distinct()
    return {claim_id for claim_id in session.exec(query) if claim_id is not None}


def relations_needing_review(session: Session) -> set[str]:
    """Relations whose claims need review, or whose evidence passage was lost."""
    flagged = select(Annotation.claim_id).where(evidence_tags(orphaned=True)).scalar_subquery()
    return set(
        session.exec(
            select(Relation.id).where(
                or_(
                    col(Relation.source_id).in_(flagged),
                    col(Relation.target_id).in_(flagged),
                    col(Relation.evidence_orphaned_at).is_not(None),
                )
            )
        )
    )

"""Segmentation: splitting a text into passages, and mapping offsets between them and the text.

A passage is one paragraph (a heading, a pull quote and page debris are passages of their own
kind). Texts arrive in several layouts: blank lines between paragraphs, one paragraph per line,
or hard-wrapped lines from a PDF. `segment_document` handles all of them with general rules and
keeps, for every passage, its offsets into the unchanged original text:

    join_wrapped_lines(original_text[passage.start:passage.end]) == passage.text

Lines are separated by "\\n"; a "\\r" before it (CRLF) counts as whitespace at the end of the line,
so CRLF texts segment like LF texts while `Document.original_text` keeps its bytes as received.
"""

import re
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate, groupby, pairwise

from sqlmodel import Session

from app.models import Document, Passage, PassageKind
from app.services.errors import InvalidInput

# --- segmentation --------------------------------------------------------------------------

# A newline with the horizontal whitespace on both sides of it: where a wrapped line was broken.
_LINE_BREAK = re.compile(r"[^\S\n]*\n[^\S\n]*")

# Hard wraps (PDF copies, e-mail) are narrower than this; longer lines are whole paragraphs.
MAX_WRAP_WIDTH = 200
# In a wrapped block most lines nearly fill the width; proportional fonts make them uneven.
FULL_LINE_RATIO = 0.6
# The last line of a wrapped paragraph is never much longer than the lines above it.
LAST_LINE_SLACK = 1.15
# A sentence ending on a line that would still have had room for the next word ends a paragraph.
PARAGRAPH_END_RATIO = 0.8

HEADING_MAX_CHARS = 120
HEADING_MAX_WORDS = 16
# Shorter texts repeated in the body are ordinary repetition, not pull quotes.
PULLQUOTE_MIN_CHARS = 40

_SENTENCE_END = (".", "!", "?", "…")
_CLOSING = "\"'”’»)]"
_OPENING = "\"'“‘«(["

_BARE_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# Page furniture, links and syndication notices. Kept general: they describe kinds of debris,
# not the strings of one particular file.
_BOILERPLATE = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"^(?:(?:https?://|www\.)\S+\s*)+$",
        r"^(?:related|recommended|more|further)\s+(?:articles?|stor(?:y|ies)|reading|coverage)\s*:",
        r"^(?:read|see)\s+(?:more|also)\s*:",
        r"^(?:dark|light)\s+mode\b.{0,40}$",
        r"\b(?:subscrib\w*|sign(?:ing)?\s+up|newsletter)\b.*\b(?:privacy|terms\s+of)\b",
        r"^(?:receive|subscribe|sign\s+up)\b[^.!?]{0,80}$",
        r"^(?:share\s+(?:this|on)|follow\s+us)\b.{0,80}$",
        r"^(?:author|written\s+by)\s*:",
        r"\bcourtesy\s+of\b.*\bcopyright",
        r"\ball\s+rights\s+reserved\b",
        r"^(?:©|copyright\b)",
        r"^click\s+(?:this|here)\b.*\b(?:link|source|article)\b",
        r"\boriginal\s+source\s+of\s+this\s+article\b",
    )
]


@dataclass(frozen=True)
class Segment:
    """One passage found in a text: its kind, its text and its offsets into the original."""

    kind: PassageKind
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class _Line:
    """A non-blank line without its surrounding whitespace, located in the original text."""

    start: int
    end: int
    text: str


def join_wrapped_lines(raw: str) -> str:
    """Join wrapped lines: every newline, with the spaces/tabs around it, becomes one space.

    Whitespace inside a line is kept as it is. Any other whitespace next to the newline (the
    "\\r" of CRLF, a stray no-break space) is absorbed too, so CRLF and LF texts give the same
    passage text. For text whose only whitespace is spaces, tabs and "\\n", it is exactly
    `re.sub(r"[ \\t]*\\n[ \\t]*", " ", raw)`.
    """
    return _LINE_BREAK.sub(" ", raw)


def segment_document(original_text: str) -> list[Segment]:
    """Split a text into passages (paragraphs, headings, pull quotes, boilerplate).

    Blocks of consecutive non-blank lines are first split into paragraphs: a block that looks
    hard-wrapped (lines of similar width breaking mid-sentence) is joined into paragraphs, any
    other block has one paragraph per line. Each paragraph is then given its kind. Every
    non-whitespace character of the text ends up in exactly one segment, in text order.
    """
    groups: list[list[_Line]] = []
    for block in _blocks(original_text):
        groups.extend(_paragraphs(block))

    texts = [join_wrapped_lines(original_text[g[0].start : g[-1].end]) for g in groups]
    kinds = [
        _kind(text, single_line=len(group) == 1, last=index == len(groups) - 1)
        for index, (group, text) in enumerate(zip(groups, texts, strict=True))
    ]
    _mark_pullquotes(texts, kinds)
    return [
        Segment(kind=kind, text=text, start=group[0].start, end=group[-1].end)
        for group, text, kind in zip(groups, texts, kinds, strict=True)
    ]


def _blocks(text: str) -> list[list[_Line]]:
    """Runs of consecutive non-blank lines; a line of only whitespace counts as blank."""
    blocks: list[list[_Line]] = []
    current: list[_Line] = []
    offset = 0
    for raw in text.split("\n"):
        content = raw.strip()
        if content:
            start = offset + len(raw) - len(raw.lstrip())
            current.append(_Line(start=start, end=start + len(content), text=content))
        elif current:
            blocks.append(current)
            current = []
        offset += len(raw) + 1
    if current:
        blocks.append(current)
    return blocks


def _paragraphs(block: list[_Line]) -> list[list[_Line]]:
    """Group the lines of one block into paragraphs."""
    groups: list[list[_Line]] = []
    # A run of bare links is one passage, whatever the layout around it.
    for is_link, run in groupby(block, key=lambda line: _is_bare_url(line.text)):
        lines = list(run)
        if is_link:
            groups.append(lines)
        elif _is_hard_wrapped(lines):
            groups.extend(_unwrap(lines))
        else:
            groups.extend([line] for line in lines)
    return groups


def _unwrap(lines: list[_Line]) -> list[list[_Line]]:
    """Split a hard-wrapped run of lines into paragraphs."""
    width = max(len(line.text) for line in lines[:-1])
    groups = [[lines[0]]]
    for previous, line in pairwise(lines):
        if _ends_paragraph(previous, line, width):
            groups.append([line])
        else:
            groups[-1].append(line)
    return groups


def _is_hard_wrapped(lines: list[_Line]) -> bool:
    """True if the lines look like one text broken at a fixed width, not a line per paragraph.

    Wrapped lines have similar widths (all but the last nearly fill the width, which is modest)
    and some break mid-sentence; paragraphs one per line vary in length and end in punctuation.
    """
    if len(lines) < 2:
        return False
    widths = [len(line.text) for line in lines[:-1]]
    width = max(widths)
    if width > MAX_WRAP_WIDTH or len(lines[-1].text) > width * LAST_LINE_SLACK:
        return False
    full = sum(1 for w in widths if w >= width * FULL_LINE_RATIO)
    if full * 3 < len(widths) * 2:
        return False
    return any(
        not _ends_sentence(previous.text) or _starts_lowercase(line.text)
        for previous, line in pairwise(lines)
    )


def _ends_paragraph(previous: _Line, line: _Line, width: int) -> bool:
    """Inside a wrapped block: did the paragraph end at `previous` although no blank line follows?

    Only if `previous` ends a sentence and is short: the next word would have fitted on it.
    Leading spaces are ignored (in PDF copies they are artifacts, not indentation).
    """
    if not _ends_sentence(previous.text) or _starts_lowercase(line.text):
        return False
    next_word = line.text.split(maxsplit=1)[0]
    return len(previous.text) + 1 + len(next_word) <= width * PARAGRAPH_END_RATIO


def _kind(text: str, *, single_line: bool, last: bool) -> PassageKind:
    if any(pattern.search(text) for pattern in _BOILERPLATE):
        return PassageKind.boilerplate
    if single_line and not last and _looks_like_heading(text):
        return PassageKind.heading
    return PassageKind.paragraph


def _looks_like_heading(text: str) -> bool:
    """A short line that starts with a capital and does not end like a sentence or a clause."""
    first = text.lstrip(_OPENING)[:1]
    return (
        len(text) <= HEADING_MAX_CHARS
        and len(text.split()) <= HEADING_MAX_WORDS
        and (first.isupper() or first.isdigit())
        and not _ends_sentence(text)
        and not text.rstrip(_CLOSING).endswith((",", ";", ":"))
    )


def _mark_pullquotes(texts: list[str], kinds: list[PassageKind]) -> None:
    """A paragraph whose text recurs inside a longer paragraph is a pull quote of it.

    The pull quote may end where the body sentence goes on ("… of issues." against "… of
    issues, from …"), so quotation marks and the final punctuation are ignored.
    """
    paragraphs = [i for i, kind in enumerate(kinds) if kind is PassageKind.paragraph]
    # One search through all paragraphs at once (they hold no newline) keeps long texts fast.
    corpus = "\n".join(texts[i] for i in paragraphs)
    starts = list(accumulate((len(texts[i]) + 1 for i in paragraphs[:-1]), initial=0))
    for i in paragraphs:
        core = texts[i].strip(_OPENING + _CLOSING).rstrip(".!?…,;:").strip(_CLOSING)
        if len(core) < PULLQUOTE_MIN_CHARS:
            continue
        found = corpus.find(core)
        while found != -1:
            j = paragraphs[bisect_right(starts, found) - 1]
            if j != i and len(texts[j]) > len(texts[i]):
                kinds[i] = PassageKind.pullquote
                break
            found = corpus.find(core, found + 1)


def _ends_sentence(text: str) -> bool:
    return text.rstrip(_CLOSING).endswith(_SENTENCE_END)


def _starts_lowercase(text: str) -> bool:
    return text.lstrip(_OPENING)[:1].islower()


def _is_bare_url(text: str) -> bool:
    return _BARE_URL.fullmatch(text) is not None


# --- offsets -------------------------------------------------------------------------------


def span_to_document_offsets(
    passage: Passage, start: int, end: int, original_text: str | None = None
) -> tuple[int, int]:
    """Map the span [start, end) of `passage.text` to offsets into its document's original text.

    The result is exact: joining the lines of the original slice gives `passage.text[start:end]`.
    Where the span begins or ends on a space that stands for a line break, the whole break
    (the newline with the whitespace around it) is inside the returned range.

    `original_text` is the document's text; if it is not given, the document is read through
    the session the passage belongs to.
    """
    if not 0 <= start < end <= len(passage.text):
        raise InvalidInput(
            f"span {start}–{end} is not inside the passage (length {len(passage.text)})"
        )
    if original_text is None:
        original_text = _document_text(passage)
    raw = original_text[passage.start : passage.end]
    if join_wrapped_lines(raw) != passage.text:
        raise InvalidInput(f"passage {passage.id} no longer matches its document's text")

    first = _original_range(raw, start)
    last = _original_range(raw, end - 1)
    return passage.start + first[0], passage.start + last[1]


def document_to_span_offsets(
    passage: Passage, doc_start: int, doc_end: int, original_text: str
) -> tuple[int, int]:
    """Map the range [doc_start, doc_end) of the original text to a span of `passage.text`.

    The inverse of `span_to_document_offsets`: for every span, mapping its document offsets
    back gives the span again. Any other range gives the smallest span whose document offsets
    cover it; a range that starts or ends inside a line break (the newline with the whitespace
    around it) takes the one space that stands for the break.
    """
    if not passage.start <= doc_start < doc_end <= passage.end:
        raise InvalidInput(
            f"range {doc_start}–{doc_end} is not inside the passage "
            f"({passage.start}–{passage.end} in its document)"
        )
    raw = original_text[passage.start : passage.end]
    if join_wrapped_lines(raw) != passage.text:
        raise InvalidInput(f"passage {passage.id} no longer matches its document's text")
    start = _joined_index(raw, doc_start - passage.start)
    end = _joined_index(raw, doc_end - 1 - passage.start) + 1
    return start, end


def _joined_index(raw: str, index: int) -> int:
    """The character of `join_wrapped_lines(raw)` that character `index` of `raw` became."""
    shift = 0  # as in _original_range
    for match in _LINE_BREAK.finditer(raw):
        if index < match.start():
            break
        if index < match.end():
            return match.start() - shift
        shift += match.end() - match.start() - 1
    return index - shift


def _document_text(passage: Passage) -> str:
    session = Session.object_session(passage)
    document = session.get(Document, passage.document_id) if session is not None else None
    if document is None:
        raise InvalidInput(f"the document of passage {passage.id} cannot be found")
    return document.original_text


def _original_range(raw: str, index: int) -> tuple[int, int]:
    """The range of `raw` that produced character `index` of `join_wrapped_lines(raw)`."""
    shift = 0  # how much longer the original is than the joined text before this point
    for match in _LINE_BREAK.finditer(raw):
        joined_at = match.start() - shift
        if index < joined_at:
            break
        if index == joined_at:
            return match.start(), match.end()
        shift += match.end() - match.start() - 1
    return index + shift, index + shift + 1

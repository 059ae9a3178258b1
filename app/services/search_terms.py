"""What a person types into the search, as the databases' queries, and the marked snippets
that come back (app/services/search.py runs the search).

What is typed is never handed to the database's query parser: it is cut into words (letters
and digits) and "quoted phrases", and each becomes a quoted FTS5 string or a tsquery lexeme, so
no input is a syntax error and none is an operator. The last word, while still being typed,
also matches as a prefix. Snippets come back as pieces of plain text, each marked or not, so
that templates escape every piece and only the `<mark>` around them is markup.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

MAX_TERMS = 16
MAX_WORD_LENGTH = 64
# Markers the database puts around matched words; private-use characters, dropped from text.
START, STOP = "\ue000", "\ue001"

WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Snippet:
    """Text in pieces, each (text, marked): a matched word is a marked piece."""

    pieces: tuple[tuple[str, bool], ...] = ()

    @property
    def text(self) -> str:
        return "".join(piece for piece, _ in self.pieces)

    @property
    def marked(self) -> bool:
        return any(marked for _, marked in self.pieces)


def parse_query(query: str) -> tuple[Term, ...]:
    """The words and "phrases" of `query`, at most MAX_TERMS; everything else is dropped.

    The last term is a prefix when it is a single word typed up to the end of the query.
    """
    terms: list[Term] = []
    parts = query.split('"')
    for index, part in enumerate(parts):
        words = [w.lower()[:MAX_WORD_LENGTH] for w in WORD.findall(part)]
        # Odd parts were inside quotes; an unclosed quote's words count as plain words.
        if index % 2 == 1 and index < len(parts) - 1 and words:
            terms.append(Term(tuple(words)))
        else:
            terms.extend(Term((word,)) for word in words)
    terms = terms[:MAX_TERMS]
    stripped = query.rstrip()
    if terms and len(terms[-1].words) == 1 and stripped == query and WORD.search(query[-1:]):
        terms[-1] = Term(terms[-1].words, prefix=True)
    return tuple(terms)


def fts5_query(terms: Sequence[Term]) -> str:
    """An FTS5 query: every term a quoted string (words are letters and digits only)."""
    return " ".join(f'"{" ".join(t.words)}"' + ("*" if t.prefix else "") for t in terms)


def tsquery(terms: Sequence[Term]) -> str:
    """A to_tsquery() text: lexemes quoted, phrases joined by <->, terms by &."""
    return " & ".join(
        " <-> ".join(f"'{w}'" for w in t.words) + (":*" if t.prefix else "") for t in terms
    )


def split_marked(value: str | None) -> Snippet:
    """Cut text that the database marked with START and STOP into pieces; stray markers (in
    the text itself) are dropped, so marks always pair up."""
    pieces: list[tuple[str, bool]] = []
    marked = False
    current = ""
    for char in value or "":
        if char == START and not marked:
            if current:
                pieces.append((current, False))
            current, marked = "", True
        elif char == STOP and marked:
            if current:
                pieces.append((current, True))
            current, marked = "", False
        elif char not in (START, STOP):
            current += char
    if current:
        pieces.append((current, marked))
    return Snippet(tuple(pieces))

"""Segmentation: the seed layouts, small texts, and offsets between passages and their text."""

import pytest
from sqlmodel import Session, col, select

from app.models import (
    Document,
    Passage,
    PassageKind,
)
from app.services.corpus import passage_for
from app.services.errors import InvalidInput
from app.services.segmentation import (
    Segment,
    document_to_span_offsets,
    join_wrapped_lines,
    segment_document,
    span_to_document_offsets,
)
from tests.conftest import SEED_FILES, seed_text

P = PassageKind.paragraph
H = PassageKind.heading
Q = PassageKind.pullquote
B = PassageKind.boilerplate


def texts_of(segments: list[Segment], kind: PassageKind) -> list[str]:
    return [s.text for s in segments if s.kind is kind]


def kinds_of(segments: list[Segment]) -> str:
    """The kinds as one letter each: paragraph p, heading h, pull quote q, boilerplate b."""
    return "".join({P: "p", H: "h", Q: "q", B: "b"}[s.kind] for s in segments)


# --- the five seed layouts -----------------------------------------------------------------


def test_seed_folder_holds_the_five_articles() -> None:
    assert [p.name[:3] for p in SEED_FILES] == ["000", "001", "002", "003", "004"]


def test_blank_line_layout_gives_a_passage_per_paragraph_and_heading() -> None:
    segments = segment_document(seed_text("000"))

    assert kinds_of(segments) == "pphpppqppphpppqppppp"
    assert texts_of(segments, H) == [
        "Not Munich and not Reykjavik",
        "Prospects for peace and security guarantees for Ukraine",
    ]
    assert segments[0].text.startswith("Seven years have passed")
    assert segments[-1].text.endswith("the price Ukraine is willing to pay for it.")


def test_pull_quote_repeating_a_body_sentence_is_marked_and_its_body_copy_is_not() -> None:
    segments = segment_document(seed_text("000"))

    quotes = texts_of(segments, Q)
    assert quotes == [
        "Trump needed to meet with Putin because it is important for him to weaken "
        "Russian-Chinese ties; to gain the opportunity for situational cooperation with Moscow "
        "on a wide range of issues.",
        "In these circumstances, the very concept of security guarantees has to be broadened "
        "and watered down, effectively including any measures aimed at supporting and "
        "assisting Ukraine.",
    ]
    paragraphs = texts_of(segments, P)
    # The first quote stops where the body sentence goes on ("issues, from the Arctic …").
    assert any(quotes[0].removesuffix(".") + ", from the Arctic" in p for p in paragraphs)
    assert any(quotes[1] in p and p.startswith("There are risks") for p in paragraphs)


def test_hard_wrapped_layout_joins_wrapped_lines_into_paragraphs() -> None:
    text = seed_text("001")
    segments = segment_document(text)

    # Two "Related article" notes and the block of links are the boilerplate.
    assert kinds_of(segments) == "ppppppppbpppppppppbpbpppp"
    assert all("\n" not in s.text for s in segments)
    kremlin = next(s for s in segments if s.text.startswith("According to the Kremlin"))
    assert kremlin.text == (
        "According to the Kremlin, any peace agreement between Russia and Ukraine should also "
        "be signed by guarantor countries: first and foremost, the permanent members of the UN "
        "Security Council, including Russia itself. Then, in the event of a new escalation, each "
        "guarantor would have the right to veto decisions."
    )
    # The paragraph after it starts on a line with a stray leading space, after a short line.
    after = segments[segments.index(kremlin) + 1]
    assert after.text.startswith("Russia also expects such guarantees")
    assert after.text.endswith("trying to regain what it has lost.")


def test_line_with_a_leading_space_continues_its_paragraph() -> None:
    text = seed_text("001")
    segments = segment_document(text)

    assert "\n believe that further sanctions" in text
    hasty = next(s for s in segments if s.text.startswith("The hastily convened summit"))
    assert "admitted that he did not believe that further sanctions would force" in hasty.text
    assert hasty.text.endswith("meaningful dialogue is possible.")
    # The file opens with a space: the first passage starts after it.
    assert text[0] == " " and segments[0].start == 1
    assert segments[0].text.startswith("The summit between United States President")


def test_hard_wrapped_layout_marks_related_articles_and_the_link_block_as_boilerplate() -> None:
    text = seed_text("001")
    segments = segment_document(text)

    urls = [line for line in text.splitlines() if line.startswith("https://")]
    assert len(urls) == 6
    assert texts_of(segments, B) == [
        "Related article: Trump and Putin Speak the Same Diplomatic Language. Zelensky Adapts, "
        "But Europe Struggles.",
        "Related article: Ukraine Needs Security Guarantees Moscow Will Take Seriously. The West "
        "Isn’t Up to the Task.",
        " ".join(urls),
    ]


def test_line_per_paragraph_layout_gives_a_passage_per_line() -> None:
    text = seed_text("002")
    segments = segment_document(text)

    lines = text.split("\n")
    assert len(segments) == len(lines) == 8
    assert [s.text for s in segments] == lines
    assert all(s.kind is P for s in segments)


def test_web_page_layout_separates_debris_title_and_section_headings() -> None:
    segments = segment_document(seed_text("003"))

    assert kinds_of(segments) == "bhphphppphphphphphppbb"
    assert texts_of(segments, H) == [
        "Trump-Putin in Alaska: a Bilateral Summit for a Multilateral Conflict",
        "A format justified by the nature of the conflict",
        "The central issue: security architecture in Europe",
        "Incompatible positions",
        "A structural deficit of trust",
        "The logic of the ‘zero-sum game’",
        "The absence of a credible monitoring mechanism",
        "A closed international context",
    ]
    boilerplate = texts_of(segments, B)
    assert boilerplate[0] == "Dark Mode Light Mode"
    assert boilerplate[1] == "Receive neutral, factual information"
    assert boilerplate[2].startswith("By clicking on the ‘Subscribe’ button")


def test_syndicated_layout_ends_in_author_and_copyright_boilerplate() -> None:
    text = seed_text("004")
    segments = segment_document(text)

    assert len(segments) == len(text.split("\n")) == 18
    assert kinds_of(segments) == "p" * 15 + "bbb"
    assert [s.text[:30] for s in segments[-3:]] == [
        "Click this link for the origin",
        "Author: Heather Penatzer",
        "This content is courtesy of, a",
    ]


# --- invariants on every seed --------------------------------------------------------------

SYNTHETIC_TEXTS = {
    "crlf": "Heading line\r\n\r\nFirst paragraph.\r\nSecond paragraph here.\r\n",
    "spaces-in-blank-lines": "  One paragraph.  \n \t \n\tAnother one.\n\n\n",
    "no-blank-line": "First sentence.\nSecond sentence, a bit longer.\nThird.",
    "wrapped": (
        "This paragraph was wrapped at a fixed width so that its lines\n"
        "  break in the middle of sentences, as a PDF copy would do it.\n"
        "It ends here.\n"
        "The next one starts on the line right after, with no blank line\n"
        "between them, and ends on a short line.\n"
    ),
}
CASES = {p.name[:3]: p.read_bytes().decode("utf-8") for p in SEED_FILES}
CASES |= {f"{name}-crlf": text.replace("\n", "\r\n") for name, text in list(CASES.items())}
CASES |= SYNTHETIC_TEXTS


@pytest.mark.parametrize("name", CASES)
def test_passage_text_is_its_original_slice_with_wrapped_lines_joined(name: str) -> None:
    """The offset rule: join_wrapped_lines(original[start:end]) == text, for every passage.

    join_wrapped_lines replaces each newline, with the whitespace around it, by one space;
    whitespace inside a line is kept. So a quote can always be found again in the original.
    """
    text = CASES[name]
    segments = segment_document(text)

    assert segments
    for segment in segments:
        assert join_wrapped_lines(text[segment.start : segment.end]) == segment.text


@pytest.mark.parametrize("name", CASES)
def test_segments_cover_every_non_whitespace_character_once_in_text_order(name: str) -> None:
    text = CASES[name]
    segments = segment_document(text)

    owners = [0] * len(text)
    for segment in segments:
        for i in range(segment.start, segment.end):
            owners[i] += 1
    assert all(owners[i] == 1 for i, char in enumerate(text) if not char.isspace())
    assert max(owners) == 1  # no overlap
    assert all(a.end < b.start for a, b in zip(segments, segments[1:], strict=False))
    for segment in segments:
        assert not text[segment.start].isspace()
        assert not text[segment.end - 1].isspace()


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_crlf_line_endings_give_the_same_passages_as_lf(prefix: str) -> None:
    lf = segment_document(seed_text(prefix))
    crlf = segment_document(seed_text(prefix).replace("\n", "\r\n"))

    assert [(s.kind, s.text) for s in crlf] == [(s.kind, s.text) for s in lf]


# --- small texts ---------------------------------------------------------------------------


def test_join_wrapped_lines_collapses_line_breaks_but_keeps_spacing_inside_lines() -> None:
    assert join_wrapped_lines("two  spaces \n\t next\r\nline") == "two  spaces next line"
    assert join_wrapped_lines("no break") == "no break"


def test_lines_of_only_whitespace_separate_paragraphs_and_stay_outside_them() -> None:
    text = SYNTHETIC_TEXTS["spaces-in-blank-lines"]
    segments = segment_document(text)

    assert [(s.kind, s.text) for s in segments] == [(P, "One paragraph."), (P, "Another one.")]
    assert (segments[0].start, segments[0].end) == (2, 16)


def test_text_without_blank_lines_and_sentence_ends_gives_a_passage_per_line() -> None:
    segments = segment_document(SYNTHETIC_TEXTS["no-blank-line"])

    assert [s.text for s in segments] == [
        "First sentence.",
        "Second sentence, a bit longer.",
        "Third.",
    ]


def test_wrapped_lines_without_blank_lines_are_split_at_a_short_sentence_end() -> None:
    segments = segment_document(SYNTHETIC_TEXTS["wrapped"])

    assert [s.text for s in segments] == [
        "This paragraph was wrapped at a fixed width so that its lines break in the middle of "
        "sentences, as a PDF copy would do it. It ends here.",
        "The next one starts on the line right after, with no blank line between them, and ends "
        "on a short line.",
    ]


def test_crlf_text_keeps_carriage_returns_out_of_passages() -> None:
    text = SYNTHETIC_TEXTS["crlf"]
    segments = segment_document(text)

    assert [(s.kind, s.text) for s in segments] == [
        (H, "Heading line"),
        (P, "First paragraph."),
        (P, "Second paragraph here."),
    ]


def test_empty_or_blank_text_has_no_passages() -> None:
    assert segment_document("") == []
    assert segment_document(" \n\t\r\n  ") == []


def test_boilerplate_is_recognised_by_general_patterns() -> None:
    text = (
        "Read more: another story\n\n"
        "A real paragraph about the talks in Istanbul.\n\n"
        "www.example.org/some/page\n\n"
        "© 2025 Some Outlet. All rights reserved."
    )
    kinds = [s.kind for s in segment_document(text)]

    assert kinds == [B, P, B, B]


# --- span offsets --------------------------------------------------------------------------


def test_span_offsets_round_trip_for_every_span_of_a_wrapped_passage(
    seeded_session: Session,
) -> None:
    """For all 0 <= a < b <= len(text): joining the original slice gives passage.text[a:b]."""
    passage = seeded_session.exec(
        select(Passage).where(col(Passage.text).startswith("The hastily convened summit"))
    ).one()
    original = seeded_session.get_one(Document, passage.document_id).original_text
    raw = original[passage.start : passage.end]
    assert "\n believe" in raw  # a wrapped line with a leading space

    n = len(passage.text)
    for a in range(n):
        for b in range(a + 1, n + 1):
            start, end = span_to_document_offsets(passage, a, b, original)
            assert passage.start <= start < end <= passage.end
            assert join_wrapped_lines(original[start:end]) == passage.text[a:b], (a, b)

    # Without the text, the document is read through the passage's session.
    word = passage.text.index("believe")
    start, end = span_to_document_offsets(passage, word, word + len("believe"))
    assert original[start:end] == "believe"


def test_span_on_a_joined_space_covers_the_whole_line_break() -> None:
    original = "Intro.\n\nalpha  \n\t beta\r\n gamma"
    (_, segment) = segment_document(original)
    passage = passage_for("d", 1, segment, "p")
    assert passage.text == "alpha beta gamma"

    def offsets(a: int, b: int) -> tuple[int, int]:
        return span_to_document_offsets(passage, a, b, original)

    first_break = (original.index("  \n"), original.index("beta"))
    assert offsets(5, 6) == first_break
    assert offsets(0, 6) == (original.index("alpha"), first_break[1])
    assert offsets(5, 10) == (first_break[0], original.index("\r\n"))
    assert offsets(10, 11) == (original.index("\r\n"), original.index("gamma"))
    assert original[slice(*offsets(11, 16))] == "gamma"
    for a in range(len(passage.text)):
        for b in range(a + 1, len(passage.text) + 1):
            assert join_wrapped_lines(original[slice(*offsets(a, b))]) == passage.text[a:b]


@pytest.mark.parametrize("span", [(3, 3), (4, 2), (-1, 2), (0, 17)])
def test_span_outside_the_passage_is_refused(span: tuple[int, int]) -> None:
    passage = Passage(
        id="p", document_id="d", ordinal=0, kind=P, text="alpha beta gamma", start=0, end=16
    )
    with pytest.raises(InvalidInput, match="not inside the passage"):
        span_to_document_offsets(passage, *span, "alpha beta gamma")


def test_span_of_a_passage_that_no_longer_matches_its_text_is_refused() -> None:
    passage = Passage(id="p", document_id="d", ordinal=0, kind=P, text="alpha", start=0, end=5)
    with pytest.raises(InvalidInput, match="no longer matches"):
        span_to_document_offsets(passage, 0, 2, "omega")


def test_document_offsets_map_back_to_every_span_of_a_wrapped_passage(
    seeded_session: Session,
) -> None:
    """The inverse, exhaustively: every span's document range maps back to the span, and any
    range of the passage to the smallest span whose document range covers it."""
    passage = seeded_session.exec(
        select(Passage).where(col(Passage.text).startswith("The hastily convened summit"))
    ).one()
    original = seeded_session.get_one(Document, passage.document_id).original_text
    n = len(passage.text)
    # Where each character of the passage text lies in the document: a span [a, b) lies at
    # (where[a] start, where[b - 1] end).
    where = [span_to_document_offsets(passage, i, i + 1, original) for i in range(n)]
    assert span_to_document_offsets(passage, 5, 60, original) == (where[5][0], where[59][1])
    for a in range(n):
        for b in range(a + 1, n + 1):
            start, end = where[a][0], where[b - 1][1]
            assert document_to_span_offsets(passage, start, end, original) == (a, b), (a, b)

    def covers(a: int, b: int, start: int, end: int) -> bool:
        return where[a][0] <= start and end <= where[b - 1][1]

    for start in range(passage.start, passage.end):
        for end in range(start + 1, passage.end + 1):
            a, b = document_to_span_offsets(passage, start, end, original)
            assert covers(a, b, start, end), (start, end)
            if b - a > 1:
                assert not covers(a + 1, b, start, end), (start, end)
                assert not covers(a, b - 1, start, end), (start, end)
    assert document_to_span_offsets(passage, passage.start, passage.end, original) == (0, n)


def test_a_range_inside_a_line_break_maps_to_the_space_that_stands_for_it() -> None:
    original = "Intro.\n\nalpha  \n\t beta\r\n gamma"
    (_, segment) = segment_document(original)
    passage = passage_for("d", 1, segment, "p")
    newline = original.index("\n\t")

    assert document_to_span_offsets(passage, newline, newline + 1, original) == (5, 6)
    assert document_to_span_offsets(passage, newline - 1, newline + 3, original) == (5, 6)
    assert document_to_span_offsets(passage, original.index("a  "), newline, original) == (4, 6)
    gamma = original.index("gamma")
    assert document_to_span_offsets(passage, gamma, gamma + 5, original) == (11, 16)


@pytest.mark.parametrize("where", [(7, 8), (9, 9), (9, 30), (2, 12)])
def test_a_range_outside_the_passage_is_refused(where: tuple[int, int]) -> None:
    original = "Intro.\n\nalpha beta gamma"
    passage = Passage(
        id="p", document_id="d", ordinal=1, kind=P, text="alpha beta gamma", start=8, end=24
    )
    with pytest.raises(InvalidInput, match="not inside the passage"):
        document_to_span_offsets(passage, *where, original)


def test_a_range_of_a_passage_that_no_longer_matches_its_text_is_refused() -> None:
    passage = Passage(id="p", document_id="d", ordinal=0, kind=P, text="alpha", start=0, end=5)
    with pytest.raises(InvalidInput, match="no longer matches"):
        document_to_span_offsets(passage, 0, 2, "omega")

"""Re-anchoring: replacing a document's text with a corrected version keeps every tag whose
words are still there, at their new offsets, and flags the rest for review."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.models import (
    Annotation,
    Document,
    Passage,
    Relation,
    RelationUpdate,
    utcnow,
)
from app.services import claims, documents, mapviews, reanchor, segmentation, tagging
from app.services.errors import Conflict, InvalidInput, NotFound
from app.services.interchange.native import export_map
from app.services.mapviews import MapFilters
from app.services.reanchor import replace_document_text
from app.services.segmentation import join_wrapped_lines, span_to_document_offsets
from app.services.tag_filters import TagFilters
from tests.factories import (
    make_annotation,
    make_claim,
    make_document,
    make_position,
    make_relation,
)

# --- helpers -------------------------------------------------------------------------------


def seed_document(session: Session, prefix: str) -> Document:
    return session.exec(select(Document).where(col(Document.source_name).startswith(prefix))).one()


def passages_of(session: Session, document_id: str) -> list[Passage]:
    return list(
        session.exec(
            select(Passage).where(Passage.document_id == document_id).order_by(col(Passage.ordinal))
        )
    )


def passage_starting(session: Session, document_id: str, opening: str) -> Passage:
    (passage,) = [p for p in passages_of(session, document_id) if p.text.startswith(opening)]
    return passage


def tag_span(session: Session, passage: Passage, words: str, **fields: Any) -> Annotation:
    """A span tag on `words` (as they read in the passage, lines joined)."""
    start = passage.text.index(words)
    assert passage.text.count(words) == 1
    return make_annotation(
        session,
        passage,
        fields.pop("position_key", "russia"),
        start=start,
        end=start + len(words),
        **fields,
    )


def tag_whole(session: Session, passage: Passage, **fields: Any) -> Annotation:
    return make_annotation(session, passage, fields.pop("position_key", "us"), **fields)


def fresh(session: Session, annotation_id: str) -> Annotation:
    session.expire_all()
    return session.get_one(Annotation, annotation_id)


def document_span(session: Session, annotation: Annotation) -> tuple[int, int]:
    """Where a placed tag lies in its document's original text."""
    assert annotation.passage_id is not None
    passage = session.get_one(Passage, annotation.passage_id)
    if annotation.start is None or annotation.end is None:
        return passage.start, passage.end
    return span_to_document_offsets(passage, annotation.start, annotation.end)


def assert_in_place(session: Session, annotation_id: str, words: str) -> Annotation:
    """The tag is placed, not orphaned, and its document offsets hold exactly `words`."""
    annotation = fresh(session, annotation_id)
    assert annotation.orphaned_at is None
    assert annotation.passage_id is not None
    passage = session.get_one(Passage, annotation.passage_id)
    document = session.get_one(Document, annotation.document_id)
    assert passage.document_id == document.id
    start, end = document_span(session, annotation)
    assert join_wrapped_lines(document.original_text[start:end]) == words
    assert words in passage.text
    if annotation.start is None:
        assert annotation.quote is None and passage.text == words
    else:
        assert annotation.quote == words == passage.text[annotation.start : annotation.end]
    return annotation


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def snapshot(engine: Engine) -> dict[str, Any]:
    return export_map(engine)


# --- the hard-wrapped seed article, corrected --------------------------------------------

NEW_PARAGRAPH = (
    "A paragraph that the corrected copy adds near the top. It names no position, and no tag "
    "points at it."
)
# A sentence of the "Both Trump and U.S. officials" paragraph, copied into a new paragraph.
DUPLICATED = (
    "Air support is likely, though Trump and his team have not specified what exactly that "
    "support would mean in practice."
)


@dataclass
class WrappedMap:
    """Seed 001 (hard-wrapped lines) with tags, claims and relations, and its corrected text.

    The corrected text adds a paragraph after the first one and another one (repeating a
    tagged sentence) before the "Both Trump" paragraph, removes the "This outcome suits"
    paragraph, changes "signed" to "ratified" inside a tagged span, and joins the wrapped lines
    of the "No deal was reached" paragraph into one.
    """

    document: Document
    original: str
    corrected: str
    old_passage_ids: dict[str, str]  # opening words → passage id
    tags: dict[str, str]  # name → annotation id
    words: dict[str, str]  # name → the words it tags
    claims: dict[str, str]
    relations: dict[str, str]


OPENINGS = {
    "first": "The summit between United States",
    "reality": "In reality, however",
    "hastily": "The hastily convened summit",
    "no deal": "No deal was reached",
    "outcome": "This outcome suits the Kremlin",
    "framework": "The resulting framework",
    "next event": "The next event that cemented",
    "kremlin": "According to the Kremlin",
    "both trump": "Both Trump and U.S. officials",
}


@pytest.fixture
def wrapped(seeded_session: Session) -> WrappedMap:
    session = seeded_session
    document = seed_document(session, "001_")
    passage = {key: passage_starting(session, document.id, o) for key, o in OPENINGS.items()}
    words = {
        "first": passage["first"].text,
        "reality": passage["reality"].text,
        # Across a wrapped line whose next line starts with a space.
        "hastily": "he did not believe that further sanctions would force Moscow",
        "no deal": "Russia, as a nuclear power, cannot be defeated on the battlefield",
        "outcome": passage["outcome"].text,
        "kremlin": "any peace agreement between Russia and Ukraine should also be signed",
        "veto": "each guarantor would have the right to veto decisions",
        "both trump": "Air support is likely, though Trump and his team have not specified",
    }
    t0 = utcnow() - timedelta(days=1)
    tags = {
        "first": tag_whole(session, passage["first"], created_at=t0),
        "reality": tag_whole(session, passage["reality"], created_at=t0),
        "hastily": tag_span(session, passage["hastily"], words["hastily"], created_at=t0),
        "no deal": tag_span(session, passage["no deal"], words["no deal"], created_at=t0),
        "outcome": tag_whole(session, passage["outcome"], position_key="europe", created_at=t0),
        "kremlin": tag_span(session, passage["kremlin"], words["kremlin"], created_at=t0),
        "veto": tag_span(session, passage["kremlin"], words["veto"], created_at=t0, deleted_at=t0),
        "both trump": tag_span(session, passage["both trump"], words["both trump"], created_at=t0),
    }
    guarantors = make_claim(
        session,
        "Guarantor states must sign the peace agreement",
        topic_key="security-guarantees",
        stances={"russia": "holds"},
        evidence=[tags["kremlin"]],
    )
    sanctions = make_claim(
        session,
        "Sanctions will not stop the war",
        stances={"us": "holds"},
        evidence=[tags["hastily"]],
    )
    talks = make_claim(session, "Talks are worth having", stances={"europe": "holds"})
    sidelined = make_claim(session, "Europe's role is decorative", stances={"ukraine": "holds"})
    supports = make_relation(session, sanctions, guarantors, "supports")
    # The passage it cites is removed by the correction.
    attacks = make_relation(session, talks, sanctions, "attacks")
    attacks.evidence_passage_id = passage["outcome"].id
    # The passage it cites is unchanged.
    cited = make_relation(session, talks, sidelined, "supports")
    cited.evidence_passage_id = passage["next event"].id
    session.add_all([attacks, cited])
    session.commit()

    original = document.original_text
    corrected = replace_once(
        original,
        "\n\n" + original[passage["reality"].start : passage["reality"].end],
        f"\n\n{NEW_PARAGRAPH}\n\n" + original[passage["reality"].start : passage["reality"].end],
    )
    no_deal = original[passage["no deal"].start : passage["no deal"].end]
    corrected = replace_once(corrected, no_deal, " ".join(no_deal.split()))
    outcome = original[passage["outcome"].start : passage["outcome"].end]
    corrected = replace_once(corrected, outcome + "\n\n", "")
    corrected = replace_once(corrected, "should also be\nsigned by", "should also be\nratified by")
    both = original[passage["both trump"].start : passage["both trump"].end]
    corrected = replace_once(corrected, both, f"{DUPLICATED}\n\n{both}")
    return WrappedMap(
        document=document,
        original=original,
        corrected=corrected,
        old_passage_ids={key: p.id for key, p in passage.items()},
        tags={name: tag.id for name, tag in tags.items()},
        words=words,
        claims={"guarantors": guarantors.id, "sanctions": sanctions.id, "talks": talks.id},
        relations={"supports": supports.id, "attacks": attacks.id, "cited": cited.id},
    )


def test_a_corrected_text_keeps_every_tag_whose_words_remain_at_their_new_offsets(
    seeded_session: Session, wrapped: WrappedMap
) -> None:
    before = {
        name: document_span(seeded_session, fresh(seeded_session, tag_id))
        for name, tag_id in wrapped.tags.items()
    }

    report = replace_document_text(seeded_session, wrapped.document.id, wrapped.corrected)

    assert seeded_session.get_one(Document, wrapped.document.id).original_text == (
        wrapped.corrected
    )
    kept = ["first", "reality", "hastily", "no deal", "veto", "both trump"]
    for name in kept:
        assert_in_place(seeded_session, wrapped.tags[name], wrapped.words[name])
    # Everything after the inserted paragraph now lies further on in the text.
    shifted = len(NEW_PARAGRAPH) + 2
    reality = document_span(seeded_session, fresh(seeded_session, wrapped.tags["reality"]))
    assert reality == (before["reality"][0] + shifted, before["reality"][1] + shifted)
    first = document_span(seeded_session, fresh(seeded_session, wrapped.tags["first"]))
    assert first == before["first"]
    assert (report.orphaned, sorted(report.orphaned_ids)) == (
        2,
        sorted([wrapped.tags["outcome"], wrapped.tags["kremlin"]]),
    )
    assert report.kept + report.moved == len(kept)
    assert report.restored == 0


def test_unchanged_paragraphs_keep_their_passage_ids_and_changed_ones_get_new_ones(
    seeded_session: Session, wrapped: WrappedMap
) -> None:
    old_ids = {p.id for p in passages_of(seeded_session, wrapped.document.id)}

    report = replace_document_text(seeded_session, wrapped.document.id, wrapped.corrected)

    passages = passages_of(seeded_session, wrapped.document.id)
    ids = {p.id for p in passages}
    unchanged = ["first", "reality", "hastily", "no deal", "framework", "next event", "both trump"]
    for key in unchanged:
        passage = passage_starting(seeded_session, wrapped.document.id, OPENINGS[key])
        assert passage.id == wrapped.old_passage_ids[key], key
    assert wrapped.old_passage_ids["outcome"] not in ids
    assert wrapped.old_passage_ids["kremlin"] not in ids
    assert {p.text for p in passages} >= {NEW_PARAGRAPH, DUPLICATED}
    assert [p.ordinal for p in passages] == list(range(len(passages)))
    for passage in passages:
        raw = wrapped.corrected[passage.start : passage.end]
        assert join_wrapped_lines(raw) == passage.text
    assert (report.passages_new, report.passages_removed) == (3, 2)
    assert report.passages_kept == len(old_ids) - 2 == len(passages) - 3


def test_tags_whose_words_are_gone_become_orphans_keeping_their_old_quote(
    seeded_session: Session, wrapped: WrappedMap
) -> None:
    replace_document_text(seeded_session, wrapped.document.id, wrapped.corrected)

    for name in ("outcome", "kremlin"):
        orphan = fresh(seeded_session, wrapped.tags[name])
        assert orphan.orphaned_at is not None
        assert (orphan.passage_id, orphan.start, orphan.end) == (None, None, None)
        assert orphan.quote == wrapped.words[name]
        assert orphan.document_id == wrapped.document.id
    listed = reanchor.list_orphans(seeded_session, wrapped.document.id)
    assert {a.id for a in listed} == {wrapped.tags["outcome"], wrapped.tags["kremlin"]}
    assert reanchor.list_orphans(seeded_session) == listed


def test_a_rewrapped_paragraph_keeps_its_tag_through_a_whitespace_insensitive_match(
    seeded_session: Session, wrapped: WrappedMap
) -> None:
    before = fresh(seeded_session, wrapped.tags["no deal"])
    old_exact = wrapped.original[slice(*document_span(seeded_session, before))]
    assert "\n" in old_exact and old_exact not in wrapped.corrected

    replace_document_text(seeded_session, wrapped.document.id, wrapped.corrected)

    after = assert_in_place(seeded_session, wrapped.tags["no deal"], wrapped.words["no deal"])
    assert "\n" not in wrapped.corrected[slice(*document_span(seeded_session, after))]
    assert after.passage_id == wrapped.old_passage_ids["no deal"]


def test_context_picks_the_right_one_of_two_occurrences(
    seeded_session: Session, wrapped: WrappedMap
) -> None:
    joined = join_wrapped_lines(wrapped.corrected)
    assert joined.count(wrapped.words["both trump"]) == 2

    replace_document_text(seeded_session, wrapped.document.id, wrapped.corrected)

    tag = assert_in_place(seeded_session, wrapped.tags["both trump"], wrapped.words["both trump"])
    assert tag.passage_id == wrapped.old_passage_ids["both trump"]


def test_context_outweighs_nearness_to_the_old_place(session: Session) -> None:
    make_position(session, "russia")
    old = "An opening paragraph about the talks.\n\nAlpha said peace now.\n\nBeta said peace now."
    document = make_document(session, old)
    beta = passage_starting(session, document.id, "Beta")
    tag = tag_span(session, beta, "peace now")
    new = "Beta said peace now.\n\nA paragraph in between.\n\nAlpha said peace now."
    # Alpha's words now sit where Beta's were: nearness alone would choose them.
    assert abs(new.rindex("peace now") - old.rindex("peace now")) < abs(
        new.index("peace now") - old.rindex("peace now")
    )

    replace_document_text(session, document.id, new)

    placed = assert_in_place(session, tag.id, "peace now")
    assert session.get_one(Passage, placed.passage_id).text == "Beta said peace now."


def test_a_claim_with_orphaned_evidence_needs_review_and_so_do_its_relations(
    seeded_session: Session, wrapped: WrappedMap
) -> None:
    assert reanchor.claims_needing_review(seeded_session) == set()
    assert reanchor.relations_needing_review(seeded_session) == set()

    report = replace_document_text(seeded_session, wrapped.document.id, wrapped.corrected)

    assert reanchor.claims_needing_review(seeded_session) == {wrapped.claims["guarantors"]}
    # "supports" has the claim at one end; "attacks" lost the passage it cited.
    assert reanchor.relations_needing_review(seeded_session) == {
        wrapped.relations["supports"],
        wrapped.relations["attacks"],
    }
    assert report.relations_evidence_lost == [wrapped.relations["attacks"]]
    attacks = seeded_session.get_one(Relation, wrapped.relations["attacks"])
    assert attacks.evidence_passage_id is None and attacks.evidence_orphaned_at is not None
    cited = seeded_session.get_one(Relation, wrapped.relations["cited"])
    assert cited.evidence_passage_id == wrapped.old_passage_ids["next event"]
    orphans = reanchor.orphaned_evidence(seeded_session, wrapped.claims["guarantors"])
    assert [a.quote for a in orphans] == [wrapped.words["kremlin"]]

    # Setting (or clearing) the evidence passage is the analyst's review of it.
    claims.update_relation(
        seeded_session, wrapped.relations["attacks"], RelationUpdate(evidence_passage_id=None)
    )
    assert wrapped.relations["attacks"] not in reanchor.relations_needing_review(seeded_session)


def test_the_graph_and_the_matrix_mark_the_claim_and_relation_needing_review(
    seeded_session: Session, wrapped: WrappedMap
) -> None:
    replace_document_text(seeded_session, wrapped.document.id, wrapped.corrected)

    graph = mapviews.claim_graph(seeded_session, MapFilters())
    nodes = {node["id"]: node for node in graph["nodes"]}
    assert nodes[wrapped.claims["guarantors"]]["needs_review"] is True
    assert nodes[wrapped.claims["sanctions"]]["needs_review"] is False
    # An orphan is not counted as evidence.
    assert nodes[wrapped.claims["guarantors"]]["evidence"] == 0
    edges = {edge["id"]: edge["needs_review"] for edge in graph["edges"]}
    assert edges == {
        wrapped.relations["supports"]: True,
        wrapped.relations["attacks"]: True,
        wrapped.relations["cited"]: False,
    }
    matrix = mapviews.position_topic_matrix(seeded_session, TagFilters())
    (guarantors,) = matrix.cell("russia", "security-guarantees").held
    assert (guarantors.id, guarantors.needs_review, guarantors.states) == (
        wrapped.claims["guarantors"],
        True,
        0,
    )
    (sanctions,) = matrix.cell("us", mapviews.NO_TOPIC).held
    assert sanctions.needs_review is False


def test_orphans_are_left_out_of_evidence_and_the_document_view_but_listed(
    seeded_session: Session, wrapped: WrappedMap
) -> None:
    replace_document_text(seeded_session, wrapped.document.id, wrapped.corrected)

    claim = claims.get_claim(seeded_session, wrapped.claims["guarantors"])
    assert claims.claim_public(seeded_session, claim).evidence_count == 0
    assert claims.claim_evidence(seeded_session, claim.id) == []
    shown = {
        a.id
        for view in documents.document_passage_views(seeded_session, wrapped.document.id)
        for a in view.annotations
    }
    assert wrapped.tags["kremlin"] not in shown and wrapped.tags["reality"] in shown
    listed = tagging.list_annotations(
        seeded_session, tagging.AnnotationFilters(document_id=wrapped.document.id)
    )
    orphan = next(a for a in listed if a.id == wrapped.tags["kremlin"])
    assert (orphan.passage_id, orphan.document_id) == (None, wrapped.document.id)
    assert orphan.orphaned_at is not None


def test_replacing_with_the_original_text_again_restores_the_orphans(
    seeded_session: Session, wrapped: WrappedMap
) -> None:
    replace_document_text(seeded_session, wrapped.document.id, wrapped.corrected)

    report = replace_document_text(seeded_session, wrapped.document.id, wrapped.original)

    assert (report.restored, report.orphaned) == (2, 0)
    for name in ("outcome", "kremlin"):
        assert_in_place(seeded_session, wrapped.tags[name], wrapped.words[name])
    # The content-derived ids of the original places come back too.
    restored = fresh(seeded_session, wrapped.tags["outcome"])
    assert restored.passage_id == wrapped.old_passage_ids["outcome"]
    assert reanchor.claims_needing_review(seeded_session) == set()
    assert reanchor.list_orphans(seeded_session) == []


def test_removed_tags_are_re_anchored_too_so_that_an_undo_finds_its_place(
    seeded_session: Session, wrapped: WrappedMap
) -> None:
    replace_document_text(seeded_session, wrapped.document.id, wrapped.corrected)

    removed = fresh(seeded_session, wrapped.tags["veto"])
    assert removed.deleted_at is not None
    # Its paragraph changed ("ratified"), so it is on a new passage.
    assert removed.passage_id not in (None, wrapped.old_passage_ids["kremlin"])
    tagging.restore_annotation(seeded_session, removed.id)
    assert_in_place(seeded_session, removed.id, wrapped.words["veto"])


def test_moved_tags_get_a_new_updated_at_and_untouched_ones_keep_theirs(
    seeded_session: Session, wrapped: WrappedMap
) -> None:
    before = {
        name: fresh(seeded_session, tag_id).updated_at for name, tag_id in wrapped.tags.items()
    }

    report = replace_document_text(seeded_session, wrapped.document.id, wrapped.corrected)

    after = {
        name: fresh(seeded_session, tag_id).updated_at for name, tag_id in wrapped.tags.items()
    }
    untouched = ["first", "reality", "hastily", "no deal", "both trump"]
    changed = ["veto", "outcome", "kremlin"]  # moved to a new passage, or orphaned
    assert all(after[name] == before[name] for name in untouched)
    assert all(after[name] > before[name] for name in changed)
    assert (report.kept, report.moved) == (5, 1)


def test_an_identical_text_changes_nothing(
    seeded_session: Session, seeded_engine: Engine, wrapped: WrappedMap
) -> None:
    before = snapshot(seeded_engine)

    report = replace_document_text(seeded_session, wrapped.document.id, wrapped.original)

    assert report.changed is False
    assert (report.kept, report.moved, report.orphaned) == (0, 0, 0)
    assert snapshot(seeded_engine) == before


@pytest.mark.parametrize("text", ["", "   \n\n\t  \n"])
def test_an_empty_text_is_refused(
    seeded_session: Session, seeded_engine: Engine, wrapped: WrappedMap, text: str
) -> None:
    before = snapshot(seeded_engine)
    with pytest.raises(InvalidInput, match="no content"):
        replace_document_text(seeded_session, wrapped.document.id, text)
    assert snapshot(seeded_engine) == before


def test_the_text_of_another_document_is_refused(
    seeded_session: Session, wrapped: WrappedMap
) -> None:
    other = seed_document(seeded_session, "000_")
    with pytest.raises(Conflict, match="already in the corpus"):
        replace_document_text(seeded_session, wrapped.document.id, other.original_text)


def test_a_failure_midway_leaves_the_database_as_it_was(
    seeded_session: Session,
    seeded_engine: Engine,
    wrapped: WrappedMap,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = snapshot(seeded_engine)
    real: Callable[..., tuple[int, int]] = segmentation.document_to_span_offsets
    calls: list[int] = []

    def fail_on_the_third(*args: Any) -> tuple[int, int]:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the disk is full")
        return real(*args)

    # By then the text and the passages are written, and some tags moved.
    monkeypatch.setattr(reanchor, "document_to_span_offsets", fail_on_the_third)
    with pytest.raises(RuntimeError, match="the disk is full"):
        replace_document_text(seeded_session, wrapped.document.id, wrapped.corrected)

    assert len(calls) == 3
    assert snapshot(seeded_engine) == before
    with Session(seeded_engine) as other:
        assert other.get_one(Document, wrapped.document.id).original_text == wrapped.original
        count = other.exec(select(func.count()).select_from(Passage)).one()
    assert count == len(before["passages"])


# --- smaller cases -------------------------------------------------------------------------


def test_the_blank_line_seed_keeps_a_body_tag_in_the_body_not_in_its_pull_quote(
    seeded_session: Session,
) -> None:
    document = seed_document(seeded_session, "000_")
    sentence = "Trump needed to meet with Putin because it is important for him to weaken"
    pull, body = [
        p for p in passages_of(seeded_session, document.id) if p.text.startswith(sentence)
    ]
    assert (pull.kind, body.kind) == ("pullquote", "paragraph")
    heading = passage_starting(seeded_session, document.id, "Not Munich and not Reykjavik")
    span = tag_span(seeded_session, body, sentence + " Russian-Chinese ties")
    whole = tag_whole(seeded_session, heading)
    first = passages_of(seeded_session, document.id)[0]
    corrected = "A new first line of the corrected copy.\n\n" + replace_once(
        document.original_text, "Seven years have passed", "Seven years had passed"
    )

    report = replace_document_text(seeded_session, document.id, corrected)

    placed = assert_in_place(seeded_session, span.id, sentence + " Russian-Chinese ties")
    assert placed.passage_id == body.id
    assert fresh(seeded_session, whole.id).passage_id == heading.id
    assert first.id not in {p.id for p in passages_of(seeded_session, document.id)}
    assert (report.kept, report.orphaned) == (2, 0)


def test_a_span_now_covering_a_whole_paragraph_becomes_a_whole_passage_tag(
    session: Session,
) -> None:
    make_position(session, "russia")
    document = make_document(session, "Intro.\n\nKyiv will not cede land. It says so daily.")
    span = tag_span(session, passage_starting(session, document.id, "Kyiv"), "Kyiv will not cede")
    whole = tag_whole(
        session, passage_starting(session, document.id, "Intro"), position_key="russia"
    )

    replace_document_text(
        session, document.id, "Intro. More intro.\n\nKyiv will not cede\n\nland. It says so daily."
    )

    placed = assert_in_place(session, span.id, "Kyiv will not cede")
    assert (placed.start, placed.end, placed.quote) == (None, None, None)
    # And the other way round: the whole old paragraph is now part of a longer one.
    grown = assert_in_place(session, whole.id, "Intro.")
    assert (grown.start, grown.end) == (0, len("Intro."))


def test_words_now_split_between_two_paragraphs_orphan_their_tag(session: Session) -> None:
    make_position(session, "russia")
    document = make_document(session, "Intro.\n\nKyiv will not cede land, it says.")
    tag = tag_span(session, passage_starting(session, document.id, "Kyiv"), "not cede land")

    report = replace_document_text(session, document.id, "Intro.\n\nKyiv will not\n\ncede land.")

    assert report.orphaned_ids == [tag.id]
    assert fresh(session, tag.id).quote == "not cede land"


def test_unknown_documents_are_not_found(session: Session) -> None:
    with pytest.raises(NotFound):
        replace_document_text(session, "no-such-document", "Some text.")
    with pytest.raises(NotFound):
        reanchor.list_orphans(session, "no-such-document")


def test_the_report_counts_every_tag_once_and_reads_as_a_sentence(
    seeded_session: Session, wrapped: WrappedMap
) -> None:
    report = replace_document_text(seeded_session, wrapped.document.id, wrapped.corrected)

    total = seeded_session.exec(
        select(func.count())
        .select_from(Annotation)
        .where(Annotation.document_id == wrapped.document.id)
    ).one()
    assert report.kept + report.moved + report.restored + report.orphaned == total == 8
    assert report.summary() == (
        "Text replaced: 5 tags kept in place, 1 moved, 2 lost their place. "
        "1 relation lost its evidence passage."
    )

"""Claims and relations: the services, rule by rule, on a small hand-made map."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from app.models import (
    Annotation,
    Claim,
    ClaimCreate,
    ClaimStance,
    ClaimUpdate,
    Document,
    Passage,
    Relation,
    RelationCreate,
    RelationKind,
    RelationUpdate,
    Stance,
    StanceFields,
    utcnow,
)
from app.services import claims, tagging
from app.services.errors import Conflict, InvalidInput, NotFound
from tests.factories import (
    make_annotation,
    make_claim,
    make_document,
    make_position,
    make_relation,
    make_topic,
)
from tests.queries import counting_queries

SECOND_TEXT = (
    "Moscow and Kyiv\n"
    "\n"
    "Moscow insists that Ukraine stay out of NATO for good.\n"
    "\n"
    "Kyiv says the choice of alliances is its own.\n"
)


@dataclass
class Corpus:
    first: Document
    second: Document
    # The two paragraphs of each document, in order.
    first_paragraphs: list[Passage]
    second_paragraphs: list[Passage]


def paragraphs(session: Session, document: Document) -> list[Passage]:
    rows = session.exec(
        select(Passage).where(Passage.document_id == document.id).order_by(col(Passage.ordinal))
    ).all()
    return [p for p in rows if p.kind == "paragraph"]


@pytest.fixture
def corpus(session: Session) -> Corpus:
    """Positions russia/ukraine/us, topics territory/nato and two documents."""
    make_position(session, "russia", ordinal=1)
    make_position(session, "ukraine", ordinal=2)
    make_position(session, "us", ordinal=3)
    make_topic(session, "territory")
    make_topic(session, "nato")
    first = make_document(session)
    second = make_document(session, text=SECOND_TEXT, title=None)
    return Corpus(first, second, paragraphs(session, first), paragraphs(session, second))


def tag(session: Session, passage: Passage, **fields: Any) -> Annotation:
    return make_annotation(session, passage, fields.pop("position_key", "russia"), **fields)


def count(session: Session, model: type[Any]) -> int:
    return len(session.exec(select(model)).all())


def new_claim(**fields: Any) -> ClaimCreate:
    return ClaimCreate.model_validate({"text": "Ukraine will not join NATO", **fields})


# --- creating and reading claims -------------------------------------------------------------


def test_create_claim_stores_text_stances_and_attaches_evidence(
    session: Session, corpus: Corpus
) -> None:
    evidence = tag(session, corpus.first_paragraphs[0])
    before = evidence.updated_at
    data = new_claim(
        text="  Ukraine will not join NATO  ",
        topic_key="nato",
        note=" from the Kremlin ",
        stances=[
            {"position_key": "ukraine", "stance": "rejects"},
            {"position_key": "russia", "stance": "holds"},
        ],
        annotation_ids=[evidence.id],
    )
    claim = claims.create_claim(session, data, "  Ana   Lee ")
    assert (claim.text, claim.topic_key, claim.note) == (
        "Ukraine will not join NATO",
        "nato",
        "from the Kremlin",
    )
    assert claim.analyst == "Ana Lee"
    session.refresh(evidence)
    assert evidence.claim_id == claim.id
    assert evidence.updated_at > before
    public = claims.claim_public(session, claim)
    # Stances come in the order of the positions.
    assert [(s.position_key, s.stance) for s in public.stances] == [
        ("russia", Stance.holds),
        ("ukraine", Stance.rejects),
    ]
    assert (public.evidence_count, public.document_count) == (1, 1)


def test_create_claim_takes_its_author_from_the_caller_never_from_the_data(
    session: Session, corpus: Corpus
) -> None:
    assert claims.create_claim(session, new_claim(analyst="Bo"), "signed-in").analyst == "signed-in"
    with pytest.raises(InvalidInput, match="Tell us your name first"):
        claims.create_claim(session, new_claim(analyst="Bo"), None)


@pytest.mark.parametrize(
    ("fields", "analyst", "error", "message"),
    [
        ({}, None, InvalidInput, "Tell us your name first"),
        (
            {"topic_key": "weather"},
            "Ana",
            InvalidInput,
            "There is no topic with the key 'weather'.",
        ),
        (
            {"stances": [{"position_key": "china"}]},
            "Ana",
            InvalidInput,
            "There is no position with the key 'china'.",
        ),
        (
            {
                "stances": [
                    {"position_key": "russia"},
                    {"position_key": "russia", "stance": "rejects"},
                ]
            },
            "Ana",
            InvalidInput,
            "The position 'russia' is given twice",
        ),
        ({"annotation_ids": ["nope"]}, "Ana", NotFound, "There is no tag with the id 'nope'."),
    ],
)
def test_create_claim_refuses_bad_input_and_writes_nothing(
    session: Session,
    corpus: Corpus,
    fields: dict[str, Any],
    analyst: str | None,
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        claims.create_claim(session, new_claim(**fields), analyst)
    session.rollback()
    assert count(session, Claim) == 0
    assert count(session, ClaimStance) == 0


def test_create_claim_refuses_a_removed_tag_as_evidence(session: Session, corpus: Corpus) -> None:
    removed = tag(session, corpus.first_paragraphs[0], deleted_at=utcnow())
    with pytest.raises(NotFound, match=f"There is no tag with the id '{removed.id}'."):
        claims.create_claim(session, new_claim(annotation_ids=[removed.id]), "Ana")


def test_get_claim_names_the_missing_id(session: Session) -> None:
    with pytest.raises(NotFound) as caught:
        claims.get_claim(session, "nope")
    assert caught.value.message == "There is no claim with the id 'nope'."


def test_counts_ignore_removed_tags_and_count_distinct_documents(
    session: Session, corpus: Corpus
) -> None:
    first, second = corpus.first_paragraphs
    live = [
        tag(session, first),
        tag(session, second, position_key="ukraine"),
        tag(session, corpus.second_paragraphs[0]),
    ]
    removed = [
        tag(session, corpus.second_paragraphs[1], deleted_at=utcnow()),
    ]
    claim = make_claim(session, evidence=live + removed)
    bare = make_claim(session, text="A ceasefire must come first")
    by_text = {c.text: c for c in claims.list_claims(session)}
    assert (by_text[claim.text].evidence_count, by_text[claim.text].document_count) == (3, 2)
    assert (by_text[bare.text].evidence_count, by_text[bare.text].document_count) == (0, 0)
    tagging.remove_annotation(session, live[2].id)
    public = claims.claim_public(session, claim)
    assert (public.evidence_count, public.document_count) == (2, 1)


def test_list_claims_without_q_is_by_text_ignoring_case(session: Session, corpus: Corpus) -> None:
    for text in ("sanctions will be lifted", "Arctic deals follow", "Ceasefire first"):
        make_claim(session, text=text)
    assert [c.text for c in claims.list_claims(session)] == [
        "Arctic deals follow",
        "Ceasefire first",
        "sanctions will be lifted",
    ]


def test_search_needs_every_word_in_any_order_and_any_case(
    session: Session, corpus: Corpus
) -> None:
    make_claim(session, text="Ukraine will not join NATO")
    make_claim(session, text="NATO expansion threatens Russia")
    make_claim(session, text="Ukraine cannot win by military means")
    assert [c.text for c in claims.list_claims(session, q="nato UKRAINE")] == [
        "Ukraine will not join NATO"
    ]
    assert {c.text for c in claims.list_claims(session, q="  nato  ")} == {
        "Ukraine will not join NATO",
        "NATO expansion threatens Russia",
    }
    assert claims.list_claims(session, q="nato crimea") == []
    # Blank q means no search.
    assert len(claims.list_claims(session, q="   ")) == 3


def test_search_treats_like_wildcards_literally(session: Session, corpus: Corpus) -> None:
    make_claim(session, text="Sanctions cut exports by 50% at most")
    make_claim(session, text="Sanctions cut exports by half")
    assert [c.text for c in claims.list_claims(session, q="50%")] == [
        "Sanctions cut exports by 50% at most"
    ]
    assert claims.list_claims(session, q="by_half") == []


def test_search_puts_prefix_matches_first_then_most_evidence(
    session: Session, corpus: Corpus
) -> None:
    passages = corpus.first_paragraphs + corpus.second_paragraphs
    make_claim(session, text="A ceasefire is what Kyiv wants", evidence=[tag(session, passages[0])])
    make_claim(
        session,
        text="Russia rejects a ceasefire",
        evidence=[tag(session, p) for p in passages[1:4]],
    )
    make_claim(session, text="Ceasefire talks will fail")
    make_claim(session, text="Europe wants a ceasefire")
    found = [c.text for c in claims.search_claims(session, "ceasefire")]
    assert found == [
        "Ceasefire talks will fail",
        "Russia rejects a ceasefire",
        "A ceasefire is what Kyiv wants",
        "Europe wants a ceasefire",
    ]
    assert len(claims.search_claims(session, "ceasefire", limit=2)) == 2


def test_list_claims_filters_by_topic_and_position_and_pages(
    session: Session, corpus: Corpus
) -> None:
    make_claim(session, text="A", topic_key="nato", stances={"russia": "holds"})
    make_claim(session, text="B", topic_key="nato", stances={"ukraine": "rejects"})
    make_claim(session, text="C", topic_key="territory", stances={"russia": "rejects"})
    assert [c.text for c in claims.list_claims(session, topic="nato")] == ["A", "B"]
    assert [c.text for c in claims.list_claims(session, position="russia")] == ["A", "C"]
    assert [c.text for c in claims.list_claims(session, topic="nato", position="russia")] == ["A"]
    assert [c.text for c in claims.list_claims(session, limit=1, offset=1)] == ["B"]
    with pytest.raises(NotFound, match="There is no topic with the key 'weather'."):
        claims.list_claims(session, topic="weather")
    with pytest.raises(NotFound, match="There is no position with the key 'china'."):
        claims.list_claims(session, position="china")


def test_list_claims_uses_the_same_number_of_queries_for_any_page(
    session: Session, corpus: Corpus
) -> None:
    def queries_for_a_page() -> int:
        session.expire_all()
        with counting_queries(session.get_bind()) as statements:
            listed = claims.list_claims(session, q="claim")
        assert all(c.stances and c.evidence_count for c in listed)
        return len(statements)

    passages = corpus.first_paragraphs + corpus.second_paragraphs
    for index in range(2):
        make_claim(
            session,
            text=f"claim {index}",
            stances={"russia": "holds"},
            evidence=[tag(session, passages[index])],
        )
    few = queries_for_a_page()
    for index in range(2, 8):
        make_claim(
            session,
            text=f"claim {index}",
            stances={"russia": "holds", "us": "rejects"},
            evidence=[tag(session, passages[index % 4])],
        )
    assert queries_for_a_page() == few == 2


# --- changing claims -------------------------------------------------------------------------


def test_update_claim_changes_only_what_is_given(session: Session, corpus: Corpus) -> None:
    claim = make_claim(session, topic_key="nato", note="keep", stances={"russia": "holds"})
    updated = claims.update_claim(session, claim.id, ClaimUpdate(text="  New words "))
    assert (updated.text, updated.topic_key, updated.note) == ("New words", "nato", "keep")
    assert [s.position_key for s in claims.claim_public(session, updated).stances] == ["russia"]
    assert updated.updated_at > updated.created_at


def test_update_claim_clears_the_topic_only_when_null_is_given(
    session: Session, corpus: Corpus
) -> None:
    claim = make_claim(session, topic_key="nato")
    assert claims.update_claim(session, claim.id, ClaimUpdate(note="x")).topic_key == "nato"
    cleared = claims.update_claim(
        session, claim.id, ClaimUpdate.model_validate({"topic_key": None})
    )
    assert cleared.topic_key is None


def test_update_claim_replaces_the_whole_set_of_stances(session: Session, corpus: Corpus) -> None:
    claim = make_claim(session, stances={"russia": "holds", "ukraine": "rejects"})
    data = ClaimUpdate(
        stances=[
            StanceFields(position_key="ukraine", stance=Stance.holds),
            StanceFields(position_key="us", stance=Stance.rejects),
        ]
    )
    claims.update_claim(session, claim.id, data)
    stances = claims.claim_public(session, claim).stances
    assert [(s.position_key, s.stance) for s in stances] == [
        ("ukraine", Stance.holds),
        ("us", Stance.rejects),
    ]
    claims.update_claim(session, claim.id, ClaimUpdate.model_validate({"stances": None}))
    assert claims.claim_public(session, claim).stances == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"text": "   "}, "A claim needs some text"),
        ({"text": None}, "A claim must keep its text."),
        ({"topic_key": "weather"}, "There is no topic with the key 'weather'."),
        ({"stances": [{"position_key": "china"}]}, "There is no position with the key 'china'."),
        (
            {"stances": [{"position_key": "us"}, {"position_key": "us"}]},
            "The position 'us' is given twice",
        ),
    ],
)
def test_update_claim_refuses_bad_input(
    session: Session, corpus: Corpus, fields: dict[str, Any], message: str
) -> None:
    claim = make_claim(session, stances={"russia": "holds"})
    with pytest.raises(InvalidInput, match=message):
        claims.update_claim(session, claim.id, ClaimUpdate.model_validate(fields))
    session.rollback()
    assert claims.get_claim(session, claim.id).text == "Ukraine will not join NATO"
    assert len(claims.claim_public(session, claim).stances) == 1


def test_update_unknown_claim_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound, match="There is no claim with the id 'nope'."):
        claims.update_claim(session, "nope", ClaimUpdate(text="x"))


def test_set_stance_adds_changes_and_removes_one_position(session: Session, corpus: Corpus) -> None:
    claim = make_claim(session, stances={"russia": "holds"})

    def stances() -> list[tuple[str, Stance]]:
        return [(s.position_key, s.stance) for s in claims.claim_public(session, claim).stances]

    claims.set_stance(session, claim.id, "ukraine", Stance.rejects)
    assert stances() == [("russia", Stance.holds), ("ukraine", Stance.rejects)]
    claims.set_stance(session, claim.id, "russia", Stance.rejects)
    assert stances() == [("russia", Stance.rejects), ("ukraine", Stance.rejects)]
    claims.set_stance(session, claim.id, "russia", None)
    assert stances() == [("ukraine", Stance.rejects)]
    claims.set_stance(session, claim.id, "us", None)  # no stance to remove: nothing changes
    assert stances() == [("ukraine", Stance.rejects)]
    with pytest.raises(NotFound, match="There is no position with the key 'china'."):
        claims.set_stance(session, claim.id, "china", Stance.holds)
    with pytest.raises(NotFound, match="There is no claim with the id 'nope'."):
        claims.set_stance(session, "nope", "russia", Stance.holds)


def test_delete_claim_keeps_its_evidence_and_drops_stances_and_relations(
    session: Session, corpus: Corpus
) -> None:
    evidence = tag(session, corpus.first_paragraphs[0])
    removed = tag(session, corpus.first_paragraphs[1], deleted_at=utcnow())
    claim = make_claim(session, stances={"russia": "holds"}, evidence=[evidence, removed])
    other = make_claim(session, text="Russia cannot be defeated")
    make_relation(session, other, claim)
    make_relation(session, claim, make_claim(session, text="Talks will fail"), "attacks")
    claims.delete_claim(session, claim.id)
    with pytest.raises(NotFound):
        claims.get_claim(session, claim.id)
    assert count(session, Relation) == 0
    assert count(session, ClaimStance) == 0
    for annotation in (evidence, removed):
        session.refresh(annotation)
        assert annotation.claim_id is None
    assert count(session, Annotation) == 2
    with pytest.raises(NotFound):
        claims.delete_claim(session, claim.id)


def test_attach_and_detach_evidence(session: Session, corpus: Corpus) -> None:
    claim = make_claim(session)
    other = make_claim(session, text="Another claim")
    annotation = tag(session, corpus.first_paragraphs[0])
    assert claims.attach_evidence(session, claim.id, annotation.id).claim_id == claim.id
    # A tag backs one claim at a time: attaching it elsewhere moves it.
    assert claims.attach_evidence(session, other.id, annotation.id).claim_id == other.id
    assert claims.claim_public(session, claim).evidence_count == 0
    with pytest.raises(
        NotFound, match="is not evidence for the claim “Ukraine will not join NATO”"
    ):
        claims.detach_evidence(session, annotation.id, claim_id=claim.id)
    assert claims.detach_evidence(session, annotation.id, claim_id=other.id).claim_id is None
    assert claims.detach_evidence(session, annotation.id).claim_id is None
    assert tagging.get_annotation(session, annotation.id).deleted_at is None


def test_attach_evidence_refuses_unknown_or_removed_things(
    session: Session, corpus: Corpus
) -> None:
    claim = make_claim(session)
    removed = tag(session, corpus.first_paragraphs[0], deleted_at=utcnow())
    with pytest.raises(NotFound, match=f"There is no tag with the id '{removed.id}'."):
        claims.attach_evidence(session, claim.id, removed.id)
    with pytest.raises(NotFound, match="There is no claim with the id 'nope'."):
        claims.attach_evidence(session, "nope", removed.id)
    with pytest.raises(NotFound, match="There is no tag with the id 'nope'."):
        claims.detach_evidence(session, "nope")


# --- merging and splitting -------------------------------------------------------------------


def test_merge_moves_evidence_unites_stances_and_deletes_the_sources(
    session: Session, corpus: Corpus
) -> None:
    from_first = tag(session, corpus.first_paragraphs[0])
    from_second = tag(session, corpus.second_paragraphs[0])
    removed = tag(session, corpus.second_paragraphs[1], deleted_at=utcnow())
    target = make_claim(
        session,
        text="Ukraine will not join NATO",
        stances={"russia": "holds", "ukraine": "rejects"},
        evidence=[from_first],
        note="Kremlin line.",
    )
    source = make_claim(
        session,
        text="Kyiv will stay outside NATO",
        topic_key="nato",
        stances={"ukraine": "holds", "us": "holds"},
        evidence=[from_second, removed],
        note="Seen twice.",
    )
    merged = claims.merge_claims(session, target.id, [source.id], "Bo")
    assert merged.id == target.id
    public = claims.claim_public(session, merged)
    assert (public.evidence_count, public.document_count) == (2, 2)
    # The target's stance wins where they disagree (ukraine); the source adds the US.
    assert [(s.position_key, s.stance) for s in public.stances] == [
        ("russia", Stance.holds),
        ("ukraine", Stance.rejects),
        ("us", Stance.holds),
    ]
    assert merged.topic_key == "nato"  # the target had none
    assert merged.note == (
        "Kremlin line.\nMerged: “Kyiv will stay outside NATO” (by Bo). Its note: Seen twice."
    )
    with pytest.raises(NotFound):
        claims.get_claim(session, source.id)
    session.refresh(removed)
    assert removed.claim_id == target.id  # an undo of the removal finds the merged claim
    assert count(session, ClaimStance) == 3


def test_merge_repoints_relations_and_drops_self_and_duplicate_ones(
    session: Session, corpus: Corpus
) -> None:
    target = make_claim(session, text="Target")
    first = make_claim(session, text="First duplicate")
    second = make_claim(session, text="Second duplicate")
    x = make_claim(session, text="X")
    y = make_claim(session, text="Y")
    z = make_claim(session, text="Z")
    keep_target_x = make_relation(session, target, x, "supports")
    make_relation(session, first, x, "attacks")  # duplicates target→x: dropped
    make_relation(session, x, second, "supports")  # reverse duplicate of target→x: dropped
    make_relation(session, first, target, "supports")  # would be target→target: dropped
    make_relation(session, first, second, "attacks")  # both merged: dropped
    to_y = make_relation(session, first, y, "attacks")  # re-pointed
    from_z = make_relation(session, z, second, "supports")  # re-pointed
    make_relation(session, second, y, "supports")  # same pair as the re-pointed first→y
    make_relation(session, y, z, "attacks")  # untouched
    claims.merge_claims(session, target.id, [first.id, second.id], "Bo")
    remaining = {(r.source_id, r.target_id, r.kind) for r in claims.list_relations(session)}
    assert remaining == {
        (target.id, x.id, RelationKind.supports),
        (target.id, y.id, RelationKind.attacks),
        (z.id, target.id, RelationKind.supports),
        (y.id, z.id, RelationKind.attacks),
    }
    ids = {r.id for r in claims.list_relations(session)}
    assert {keep_target_x.id, to_y.id, from_z.id} <= ids
    assert {c.text for c in claims.list_claims(session)} == {"Target", "X", "Y", "Z"}


@pytest.mark.parametrize(
    ("sources", "error", "message"),
    [
        ([], InvalidInput, "Choose at least one claim to merge into this one."),
        (["TARGET"], InvalidInput, "A claim cannot be merged into itself."),
        (["nope"], NotFound, "There is no claim with the id 'nope'."),
    ],
)
def test_merge_refuses_nonsense(
    session: Session,
    corpus: Corpus,
    sources: list[str],
    error: type[Exception],
    message: str,
) -> None:
    target = make_claim(session)
    with pytest.raises(error, match=message):
        claims.merge_claims(
            session, target.id, [target.id if s == "TARGET" else s for s in sources], "Bo"
        )
    assert count(session, Claim) == 1


def test_merge_needs_an_analyst(session: Session, corpus: Corpus) -> None:
    target, source = make_claim(session), make_claim(session, text="Dup")
    with pytest.raises(InvalidInput, match="Tell us your name first"):
        claims.merge_claims(session, target.id, [source.id], None)


def test_split_gives_a_new_claim_the_chosen_evidence(session: Session, corpus: Corpus) -> None:
    a, b, c = (tag(session, p) for p in corpus.first_paragraphs + corpus.second_paragraphs[:1])
    original = make_claim(
        session,
        text="Ukraine will stay neutral",
        topic_key="nato",
        stances={"russia": "holds"},
        evidence=[a, b, c],
    )
    other = make_claim(session, text="Neutrality is capitulation")
    make_relation(session, other, original, "attacks")
    new = claims.split_claim(
        session, original.id, [b.id, c.id], " Ukraine will not join NATO ", "Bo"
    )
    assert (new.text, new.topic_key, new.analyst) == ("Ukraine will not join NATO", "nato", "Bo")
    assert new.note == "Split from: “Ukraine will stay neutral”"
    public = claims.claim_public(session, new)
    assert [(s.position_key, s.stance) for s in public.stances] == [("russia", Stance.holds)]
    assert (public.evidence_count, public.document_count) == (2, 2)
    assert claims.claim_public(session, original).evidence_count == 1
    assert [r.target_id for r in claims.list_relations(session, other.id)] == [original.id]
    assert claims.list_relations(session, new.id) == []


def test_split_refuses_taking_all_none_or_foreign_evidence(
    session: Session, corpus: Corpus
) -> None:
    a, b = (tag(session, p) for p in corpus.first_paragraphs)
    removed = tag(session, corpus.second_paragraphs[0], deleted_at=utcnow())
    original = make_claim(session, evidence=[a, b, removed])
    stranger = tag(session, corpus.second_paragraphs[1])
    with pytest.raises(InvalidInput, match="nothing would be left"):
        claims.split_claim(session, original.id, [a.id, b.id], "New", "Bo")
    with pytest.raises(InvalidInput, match="Choose at least one passage"):
        claims.split_claim(session, original.id, [], "New", "Bo")
    with pytest.raises(InvalidInput, match=f"The tag '{stranger.id}' is not evidence"):
        claims.split_claim(session, original.id, [stranger.id], "New", "Bo")
    with pytest.raises(InvalidInput, match="A claim needs some text"):
        claims.split_claim(session, original.id, [a.id], "  ", "Bo")
    with pytest.raises(NotFound, match=f"There is no tag with the id '{removed.id}'."):
        claims.split_claim(session, original.id, [removed.id], "New", "Bo")
    assert count(session, Claim) == 1


# --- evidence and links ----------------------------------------------------------------------


def test_claim_evidence_is_by_document_date_then_passage_in_one_query(
    session: Session, corpus: Corpus
) -> None:
    corpus.first.published = date(2025, 8, 20)
    later = make_document(
        session,
        text="Later article\n\nA later paragraph.",
        title="Later",
        published=date(2025, 9, 1),
    )
    session.add(corpus.first)
    session.commit()
    undated_second = tag(session, corpus.second_paragraphs[1])
    undated_first = tag(session, corpus.second_paragraphs[0])
    late = tag(session, paragraphs(session, later)[0])
    dated_second = tag(session, corpus.first_paragraphs[1])
    dated_first = tag(session, corpus.first_paragraphs[0])
    removed = tag(session, corpus.first_paragraphs[0], deleted_at=utcnow())
    claim = make_claim(
        session,
        evidence=[undated_second, undated_first, late, dated_second, dated_first, removed],
    )
    session.expire_all()
    with counting_queries(session.get_bind()) as statements:
        items = claims.claim_evidence(session, claim.id)
    assert len(statements) == 2  # the claim, then the evidence with passages and documents
    assert [i.annotation.id for i in items] == [
        dated_first.id,
        dated_second.id,
        late.id,
        undated_first.id,
        undated_second.id,
    ]
    assert [i.document_label for i in items][::2] == [
        "A test article",
        "Later",
        "“Moscow and Kyiv”",
    ]
    assert items[0].passage.id == corpus.first_paragraphs[0].id
    with pytest.raises(NotFound):
        claims.claim_evidence(session, "nope")


def test_claim_links_group_relations_by_direction_and_kind(
    session: Session, corpus: Corpus
) -> None:
    claim = make_claim(session, text="Centre")
    a, b, c, d = (make_claim(session, text=t) for t in "ABCD")
    make_relation(session, claim, a, "supports")
    make_relation(session, b, claim, "supports")
    make_relation(session, claim, c, "attacks")
    make_relation(session, d, claim, "attacks")
    make_relation(session, a, b, "attacks")  # not the centre's
    links = claims.claim_links(session, claim.id)
    assert [link.claim.text for link in links.supports] == ["A"]
    assert [link.claim.text for link in links.supported_by] == ["B"]
    assert [link.claim.text for link in links.attacks] == ["C"]
    assert [link.claim.text for link in links.attacked_by] == ["D"]


# --- relations -------------------------------------------------------------------------------


def relation_data(source: Claim, target: Claim, **fields: Any) -> RelationCreate:
    return RelationCreate.model_validate(
        {"source_id": source.id, "target_id": target.id, "kind": "supports", **fields}
    )


def test_create_relation_and_list_it_from_either_claim(session: Session, corpus: Corpus) -> None:
    nuclear = make_claim(session, text="Russia cannot be defeated because it is a nuclear power")
    win = make_claim(session, text="Ukraine cannot win by military means")
    unrelated = make_claim(session, text="Sanctions will be lifted")
    passage = corpus.first_paragraphs[0]
    relation = claims.create_relation(
        session, relation_data(nuclear, win, note=" why ", evidence_passage_id=passage.id), "Ana"
    )
    assert (relation.kind, relation.note, relation.analyst) == (RelationKind.supports, "why", "Ana")
    assert relation.evidence_passage_id == passage.id
    assert claims.get_relation(session, relation.id).source_id == nuclear.id
    assert [r.id for r in claims.list_relations(session, win.id)] == [relation.id]
    assert [r.id for r in claims.list_relations(session, nuclear.id)] == [relation.id]
    assert claims.list_relations(session, unrelated.id) == []
    assert [r.id for r in claims.list_relations(session)] == [relation.id]
    with pytest.raises(NotFound, match="There is no claim with the id 'nope'."):
        claims.list_relations(session, "nope")


def test_a_claim_cannot_support_or_attack_itself(session: Session, corpus: Corpus) -> None:
    claim = make_claim(session)
    with pytest.raises(InvalidInput) as caught:
        claims.create_relation(session, relation_data(claim, claim, kind="attacks"), "Ana")
    assert caught.value.message == "A claim cannot support or attack itself."


@pytest.mark.parametrize("reverse", [False, True])
def test_a_second_relation_between_two_claims_is_refused_in_either_direction(
    session: Session, corpus: Corpus, reverse: bool
) -> None:
    nuclear = make_claim(
        session, text="Russia cannot be defeated on the battlefield because it is a nuclear power"
    )
    win = make_claim(session, text="Ukraine cannot win by military means")
    make_relation(session, nuclear, win, "supports")
    source, target = (win, nuclear) if reverse else (nuclear, win)
    with pytest.raises(Conflict) as caught:
        claims.create_relation(session, relation_data(source, target, kind="attacks"), "Ana")
    assert caught.value.message.startswith(
        "“Russia cannot be defeated on the battlefield because it is…” already supports "
        "“Ukraine cannot win by military means”"
    )
    assert count(session, Relation) == 1


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"source_id": "nope"}, NotFound, "There is no claim with the id 'nope'."),
        ({"target_id": "nope"}, NotFound, "There is no claim with the id 'nope'."),
        ({"evidence_passage_id": "nope"}, NotFound, "There is no passage with the id 'nope'."),
    ],
)
def test_create_relation_refuses_unknown_references(
    session: Session, corpus: Corpus, fields: dict[str, str], error: type[Exception], message: str
) -> None:
    source, target = make_claim(session, text="S"), make_claim(session, text="T")
    with pytest.raises(error, match=message):
        claims.create_relation(session, relation_data(source, target, **fields), "Ana")
    with pytest.raises(InvalidInput, match="Tell us your name first"):
        claims.create_relation(session, relation_data(source, target), None)
    assert count(session, Relation) == 0


def test_update_and_delete_a_relation(session: Session, corpus: Corpus) -> None:
    source, target = make_claim(session, text="S"), make_claim(session, text="T")
    relation = make_relation(session, source, target)
    passage = corpus.first_paragraphs[0]
    updated = claims.update_relation(
        session,
        relation.id,
        RelationUpdate(kind=RelationKind.attacks, note=" n ", evidence_passage_id=passage.id),
    )
    assert (updated.kind, updated.note, updated.evidence_passage_id) == ("attacks", "n", passage.id)
    assert updated.updated_at > updated.created_at
    cleared = claims.update_relation(
        session, relation.id, RelationUpdate.model_validate({"evidence_passage_id": None})
    )
    assert (cleared.kind, cleared.evidence_passage_id) == ("attacks", None)
    with pytest.raises(InvalidInput, match="A relation must keep a kind"):
        claims.update_relation(session, relation.id, RelationUpdate.model_validate({"kind": None}))
    with pytest.raises(NotFound, match="There is no passage with the id 'nope'."):
        claims.update_relation(session, relation.id, RelationUpdate(evidence_passage_id="nope"))
    claims.delete_relation(session, relation.id)
    with pytest.raises(NotFound, match=f"There is no relation with the id '{relation.id}'."):
        claims.get_relation(session, relation.id)
    with pytest.raises(NotFound):
        claims.delete_relation(session, relation.id)
    assert count(session, Claim) == 2


def test_created_at_order_of_relations(session: Session, corpus: Corpus) -> None:
    a, b, c = (make_claim(session, text=t) for t in "ABC")
    now = utcnow()
    later = make_relation(session, a, b, created_at=now)
    earlier = make_relation(session, c, a, created_at=now - timedelta(minutes=1))
    assert [r.id for r in claims.list_relations(session, a.id)] == [earlier.id, later.id]

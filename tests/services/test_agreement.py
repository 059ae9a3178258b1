"""Agreement between analysts: the two measures against published worked examples, the label
rules, and the report on the seed corpus coded independently by several analysts: which
coding counts, the dimensions, spans, intervals and agreement over time."""

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import krippendorff
import numpy as np
import pytest
from sqlmodel import Session, col, select

from app.models import Assignment, Document, Passage, PassageKind, utcnow
from app.services.agreement import AgreementReport, analyst_agreement
from app.services.agreement_measures import (
    cohen_kappa,
    cohen_kappa_of_table,
    krippendorff_alpha_nominal,
    krippendorff_alpha_of_counted_units,
)
from app.services.agreement_spans import Section, unitizing_alpha
from app.services.blinding import Blinding
from app.services.errors import NotFound
from tests.factories import make_annotation, make_claim
from tests.queries import counting_queries

# --- Cohen's kappa: published examples ---------------------------------------------------------


def pairs(*cells: tuple[str, str, int]) -> list[tuple[str, str]]:
    """Units from a contingency table: (first coder's label, second's, number of units)."""
    return [(first, second) for first, second, count in cells for _ in range(count)]


def test_kappa_of_the_fifty_grant_proposals_example() -> None:
    # Wikipedia, "Cohen's kappa", worked example (widely reproduced): 50 grant proposals read
    # by readers A and B, 20 yes/yes, 15 no/no, 5 A-yes/B-no, 10 A-no/B-yes.
    # Published: p_o = 0.70, p_e = 0.50, kappa = 0.40.
    result = cohen_kappa(
        pairs(("yes", "yes", 20), ("yes", "no", 5), ("no", "yes", 10), ("no", "no", 15))
    )
    assert result.observed_agreement == pytest.approx(0.70)
    assert result.expected_agreement == pytest.approx(0.50)
    assert result.kappa == pytest.approx(0.40)
    assert (result.units, result.agreements) == (50, 35)
    assert result.table[("no", "yes")] == 10 and result.table[("yes", "no")] == 5
    assert result.note is None


def test_kappa_differs_for_the_same_observed_agreement() -> None:
    # Wikipedia, "Cohen's kappa", "Same percentages but different numbers": two tables of 100
    # items with 60 % agreement. Published: kappa = 0.1304 and kappa = 0.2593.
    first = cohen_kappa(
        pairs(("yes", "yes", 45), ("yes", "no", 15), ("no", "yes", 25), ("no", "no", 15))
    )
    second = cohen_kappa(
        pairs(("yes", "yes", 25), ("yes", "no", 35), ("no", "yes", 5), ("no", "no", 35))
    )
    assert first.observed_agreement == second.observed_agreement == pytest.approx(0.60)
    assert first.kappa == pytest.approx(0.1304, abs=5e-5)
    assert second.kappa == pytest.approx(0.2593, abs=5e-5)


def test_kappa_is_one_for_perfect_agreement_and_negative_below_chance() -> None:
    assert cohen_kappa(pairs(("a", "a", 3), ("b", "b", 2))).kappa == pytest.approx(1.0)
    # Systematic disagreement: p_o = 0, p_e = 0.5, kappa = −1.
    assert cohen_kappa(pairs(("a", "b", 2), ("b", "a", 2))).kappa == pytest.approx(-1.0)


def test_kappa_is_undefined_without_variation_or_without_units() -> None:
    same = cohen_kappa(pairs(("none", "none", 7)))
    assert same.kappa is None
    assert same.expected_agreement == pytest.approx(1.0) and same.units == 7
    assert "expected by chance is 1" in (same.note or "")
    empty = cohen_kappa([])
    assert (empty.kappa, empty.observed_agreement, empty.units) == (None, None, 0)
    assert empty.note == "No unit was coded by both analysts."


# --- Krippendorff's alpha: published examples ----------------------------------------------------

# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for
# Communication, University of Pennsylvania (repository.upenn.edu/asc_papers/43).
# Section C, "Nominal data, any number of observers, missing data": 4 observers, 12 units,
# "." for a missing value. Published: alpha = 0.743.
_: None = None
KRIPPENDORFF_2011_C = [
    # unit:  1  2  3  4  5  6  7  8  9  10 11 12
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],  # observer A
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],  # observer B
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],  # observer C
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],  # observer D
]

# Section A, "Binary or dichotomous data, two observers, no missing data": 10 units.
# Published: coincidences o00 = 10, o01 = o10 = 4, o11 = 2; n = 20; alpha = 0.095.
KRIPPENDORFF_2011_A = [
    [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],  # observer A
    [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],  # observer B
]

# The same binary example as printed in Krippendorff, K. (2004). Content Analysis: An
# Introduction to Its Methodology (2nd ed.), section 11.3.1, with the units in another order
# (Jon and Han judging 10 news articles; as transcribed by the R package jucor/krippendorff,
# data-raw/news_presence_krippendorff2004_11_3_1.csv). Published: alpha = 0.095.
KRIPPENDORFF_2004_BINARY = [
    [1, 1, 0, 0, 0, 0, 0, 0, 0, 0],  # Jon
    [0, 1, 1, 0, 0, 1, 0, 1, 0, 0],  # Han
]

# Section B, "Nominal data, two observers, no missing data": 12 units, values a–e.
# Published: alpha = 0.692.
KRIPPENDORFF_2011_B = [
    ["a", "a", "b", "b", "d", "c", "c", "c", "e", "d", "d", "a"],  # observer A
    ["b", "a", "b", "b", "b", "c", "c", "c", "e", "d", "d", "d"],  # observer B
]

# Wikipedia, "Krippendorff's alpha", "A computational example" (3 coders, 15 units, "*" for
# missing). Published: alpha (nominal) = 0.691.
WIKIPEDIA_KRIPPENDORFF = [
    [_, _, _, _, _, 3, 4, 1, 2, 1, 1, 3, 3, _, 3],  # coder A
    [1, _, 2, 1, 3, 3, 4, 3, _, _, _, _, _, _, _],  # coder B
    [_, _, 2, 1, 3, 4, 4, _, 2, 1, 1, 3, 3, _, 4],  # coder C
]


def by_unit(data: list[list[Any]]) -> list[tuple[Any, ...]]:
    """The published tables have a row per observer; the function takes a row per unit."""
    return list(zip(*data, strict=True))


def test_alpha_of_the_nominal_example_with_missing_values() -> None:
    result = krippendorff_alpha_nominal(by_unit(KRIPPENDORFF_2011_C))
    assert round(result.alpha or 0, 3) == 0.743
    # Unit 12 has one value only and cannot be paired: 41 values given, 40 pairable, 11 units.
    assert (result.pairable_values, result.units) == (40, 11)
    assert result.note is None


def test_alpha_of_the_binary_two_observer_example() -> None:
    result = krippendorff_alpha_nominal(by_unit(KRIPPENDORFF_2011_A))
    assert result.coincidences == {(0, 0): 10, (0, 1): 4, (1, 0): 4, (1, 1): 2}
    assert result.values == {0: 14, 1: 6}
    assert result.pairable_values == 20
    assert round(result.alpha or 0, 3) == 0.095
    reordered = krippendorff_alpha_nominal(by_unit(KRIPPENDORFF_2004_BINARY))
    assert reordered.coincidences == result.coincidences
    assert round(reordered.alpha or 0, 3) == 0.095


def test_alpha_of_the_nominal_two_observer_example() -> None:
    result = krippendorff_alpha_nominal(by_unit(KRIPPENDORFF_2011_B))
    assert round(result.alpha or 0, 3) == 0.692


def test_alpha_of_the_wikipedia_example() -> None:
    result = krippendorff_alpha_nominal(by_unit(WIKIPEDIA_KRIPPENDORFF))
    assert round(result.alpha or 0, 3) == 0.691


def test_alpha_is_undefined_without_variation_or_pairable_units() -> None:
    same = krippendorff_alpha_nominal([("none", "none"), ("none", None, "none")])
    assert same.alpha is None and same.pairable_values == 4
    assert "no variation" in (same.note or "")
    lonely = krippendorff_alpha_nominal([("states", None), (None, "opposes")])
    assert (lonely.alpha, lonely.pairable_values, lonely.units) == (None, 0, 0)
    assert lonely.note is not None


def test_the_measures_over_counted_units_equal_those_over_each_unit() -> None:
    units = by_unit(KRIPPENDORFF_2011_C)
    counted: dict[tuple[Any, ...], int] = {}
    for unit in units:
        counted[unit] = counted.get(unit, 0) + 1
    assert krippendorff_alpha_of_counted_units(counted) == krippendorff_alpha_nominal(units)
    assert krippendorff_alpha_of_counted_units({("a", "b", None): 3, ("a", "a", "a"): 2}) == (
        krippendorff_alpha_nominal([("a", "b", None)] * 3 + [("a", "a", "a")] * 2)
    )
    cells = [("yes", "yes", 20), ("yes", "no", 5), ("no", "yes", 10), ("no", "no", 15)]
    assert cohen_kappa_of_table({(a, b): n for a, b, n in cells}) == cohen_kappa(pairs(*cells))


# --- the report on the seed corpus -------------------------------------------------------------
# --- the report on the seed corpus -------------------------------------------------------------


def documents(session: Session) -> list[Document]:
    return list(session.exec(select(Document).order_by(col(Document.created_at))))


def units_of(session: Session, document: Document) -> list[Passage]:
    """The passages of a document that count as units (boilerplate left out), in order."""
    return list(
        session.exec(
            select(Passage)
            .where(Passage.document_id == document.id, Passage.kind != PassageKind.boilerplate)
            .order_by(col(Passage.ordinal))
        )
    )


def assign(
    session: Session, document: Document | str, *analysts: str, done: datetime | bool = True
) -> None:
    """Give the document to each of `analysts` to code; marked done now (or on `done`), or
    still open if `done` is False."""
    document_id = document if isinstance(document, str) else document.id
    done_at = utcnow() if done is True else (done or None)
    for analyst in analysts:
        session.add(Assignment(document_id=document_id, analyst=analyst, done_at=done_at))
    session.commit()


def position_result(report: AgreementReport, key: str) -> Any:
    return next(p for p in report.positions if p.position.key == key)


def kappa_of(report: AgreementReport, key: str, first: str, second: str) -> Any:
    pair = next(
        p for p in position_result(report, key).pairs if (p.first, p.second) == (first, second)
    )
    return pair.kappa


@pytest.fixture
def three_analysts(seeded_session: Session) -> dict[str, Any]:
    """Ana, Ben and Cy code the 8 paragraphs of 002 and are done; on 001 (22 units) Dee is
    done and Ana is not, so 001 does not qualify.

    002, paragraph 1: Ana, Ben: russia states; Cy: russia supports.
    002, paragraph 2: Ana, Ben: ukraine opposes; Cy: nothing.
    002, paragraph 3: Ben: russia states; Ana, Cy: nothing.
    001, paragraph 1: Dee: us states; Ana (not done): russia states.
    002, paragraph 4: Zed, who was not assigned 002: russia opposes.
    """
    docs = documents(seeded_session)
    first, second = docs[1], docs[2]
    p = units_of(seeded_session, second)
    assert len(p) == 8 and len(units_of(seeded_session, first)) == 22
    assign(seeded_session, second, "Ana", "Ben", "Cy")
    assign(seeded_session, first, "Dee")
    assign(seeded_session, first, "Ana", done=False)
    make_annotation(seeded_session, p[0], "russia", "states", analyst="Ana")
    make_annotation(seeded_session, p[1], "ukraine", "opposes", analyst="Ana")
    make_annotation(seeded_session, p[0], "russia", "states", analyst="Ben")
    make_annotation(seeded_session, p[1], "ukraine", "opposes", analyst="Ben")
    make_annotation(seeded_session, p[2], "russia", "states", analyst="Ben")
    make_annotation(seeded_session, p[0], "russia", "supports", analyst="Cy")
    make_annotation(seeded_session, p[3], "russia", "opposes", analyst="Zed")
    make_annotation(seeded_session, units_of(seeded_session, first)[0], "us", analyst="Dee")
    make_annotation(seeded_session, units_of(seeded_session, first)[0], "russia", analyst="Ana")
    return {"first": first, "second": second, "passages": p}


def test_report_on_the_seed_corpus_with_several_analysts(
    seeded_session: Session, three_analysts: dict[str, Any]
) -> None:
    first, second = three_analysts["first"], three_analysts["second"]
    report = analyst_agreement(seeded_session, [second.id, first.id])
    assert report.message is None
    # 001 is waiting for Ana: it is not measured, and Dee coded nothing that qualifies.
    assert [d.id for d in report.documents] == [second.id]
    assert [(w.id, w.done, w.waiting_for) for w in report.waiting] == [(first.id, ["Dee"], ["Ana"])]
    assert report.units == 8
    assert [(d.units, d.coded_by) for d in report.documents] == [(8, ["Ana", "Ben", "Cy"])]
    assert report.documents[0].qualified_on == utcnow().date()
    # Zed's tag (not assigned) and Ana's on 001 (not done) are not counted.
    assert [(a.name, a.documents, a.units, a.tags) for a in report.analysts] == [
        ("Ana", 1, 8, 2),
        ("Ben", 1, 8, 3),
        ("Cy", 1, 8, 1),
    ]
    assert [p.position.key for p in report.positions] == ["russia", "ukraine", "us", "europe"]
    assert [p.tags for p in report.positions] == [4, 2, 0, 0]

    # Russia, Ana and Ben over the 8 units both coded: agree on 7; Ana says "states" once,
    # Ben twice. p_o = 7/8, p_e = (1·2 + 7·6)/64 = 11/16, kappa = (3/16)/(5/16) = 0.6.
    ana_ben = kappa_of(report, "russia", "Ana", "Ben")
    assert ana_ben.table == {("none", "none"): 6, ("none", "states"): 1, ("states", "states"): 1}
    assert (ana_ben.units, ana_ben.agreements) == (8, 7)
    assert ana_ben.expected_agreement == pytest.approx(11 / 16)
    assert ana_ben.kappa == pytest.approx(0.6)
    # "states" and "supports" are different labels: p_o = 7/8, p_e = 49/64, kappa = 7/15.
    assert kappa_of(report, "russia", "Ana", "Cy").kappa == pytest.approx(7 / 15)
    # Ukraine: Ana and Ben agree everywhere; Cy never tags it, so kappa is 0 with Ana.
    assert kappa_of(report, "ukraine", "Ana", "Ben").kappa == pytest.approx(1.0)
    assert kappa_of(report, "ukraine", "Ana", "Cy").kappa == pytest.approx(0.0)

    # Alpha for Russia: the 8 units of 002 have three values each. Values: none 20,
    # states 3, supports 1 (n = 24); disagreeing pairs Σ o_ck (c ≠ k) = 2 (paragraph 1) +
    # 2 (paragraph 3) = 4; alpha = 1 − (n − 1)·4 / (24² − 20² − 3² − 1²) = 1 − 23·4/166.
    alpha = position_result(report, "russia").alpha
    assert (alpha.pairable_values, alpha.units) == (24, 8)
    assert alpha.values == {"none": 20, "states": 3, "supports": 1}
    assert alpha.alpha == pytest.approx(1 - 23 * 4 / 166)
    europe = position_result(report, "europe")
    assert europe.alpha.alpha is None and europe.alpha.note is not None
    interval = position_result(report, "russia").interval
    assert interval.low <= alpha.alpha <= interval.high

    p = three_analysts["passages"]
    assert [(d.passage.id, d.positions) for d in report.disagreements] == [
        (p[0].id, ["russia"]),
        (p[1].id, ["ukraine"]),
        (p[2].id, ["russia"]),
    ]
    side_by_side = {s.analyst: s.labels for s in report.disagreements[0].labels}
    assert side_by_side == {
        "Ana": [("russia", "states")],
        "Ben": [("russia", "states")],
        "Cy": [("russia", "supports")],
    }
    assert report.disagreements[0].document_label == report.documents[0].label


def test_analysts_filter_keeps_only_the_chosen(
    seeded_session: Session, three_analysts: dict[str, Any]
) -> None:
    report = analyst_agreement(seeded_session, None, ["Ben", "Ana"])
    assert [a.name for a in report.analysts] == ["Ana", "Ben"]
    assert [(p.first, p.second) for p in position_result(report, "russia").pairs] == [
        ("Ana", "Ben")
    ]
    # Without Cy, only paragraph 3 (Ben's extra tag) is in dispute.
    assert [d.passage.id for d in report.disagreements] == [three_analysts["passages"][2].id]
    assert [s.analyst for s in report.disagreements[0].labels] == ["Ana", "Ben"]
    # By default every qualifying document is measured, with every analyst who finished one.
    everything = analyst_agreement(seeded_session)
    assert [a.name for a in everything.analysts] == ["Ana", "Ben", "Cy"]
    assert everything.units == 8
    assert everything.all_analysts == ["Ana", "Ben", "Cy"]
    assert everything.all_documents == [
        (three_analysts["second"].id, everything.documents[0].label)
    ]


def test_missing_is_not_none_and_a_done_coder_without_tags_says_none(
    seeded_session: Session,
) -> None:
    """A passage of a document an analyst did not code is missing for them, not "none"; an
    analyst who finished a document and tagged nothing in it labels each passage "none"."""
    docs = documents(seeded_session)
    one, two = units_of(seeded_session, docs[2]), units_of(seeded_session, docs[3])
    assign(seeded_session, docs[2], "Ana", "Ben")
    assign(seeded_session, docs[3], "Ana", "Cy")  # Ben never codes docs[3]; Cy tags nothing
    make_annotation(seeded_session, one[0], "russia", analyst="Ana")
    make_annotation(seeded_session, two[0], "russia", analyst="Ana")
    make_annotation(seeded_session, one[0], "russia", analyst="Ben")
    report = analyst_agreement(seeded_session, [docs[2].id, docs[3].id])
    ana_ben = kappa_of(report, "russia", "Ana", "Ben")
    assert ana_ben.units == len(one)  # docs[3]'s units are left out, not counted as "none"
    assert ana_ben.table == {("none", "none"): len(one) - 1, ("states", "states"): 1}
    ana_cy = kappa_of(report, "russia", "Ana", "Cy")
    assert ana_cy.table == {("none", "none"): len(two) - 1, ("states", "none"): 1}
    assert [d.passage.id for d in report.disagreements] == [two[0].id]
    assert position_result(report, "russia").alpha.units == len(one) + len(two)


def test_two_kinds_of_one_position_make_a_combined_label(seeded_session: Session) -> None:
    p = units_of(seeded_session, documents(seeded_session)[2])[0]
    assign(seeded_session, p.document_id, "Ana", "Ben")
    make_annotation(seeded_session, p, "russia", "states", analyst="Ana")
    make_annotation(seeded_session, p, "russia", "opposes", start=0, end=10, analyst="Ana")
    make_annotation(seeded_session, p, "russia", "states", start=12, end=20, analyst="Ana")
    make_annotation(seeded_session, p, "russia", "states", analyst="Ben")
    report = analyst_agreement(seeded_session, [p.document_id])
    table = kappa_of(report, "russia", "Ana", "Ben").table
    assert table[("opposes+states", "states")] == 1
    assert position_result(report, "russia").alpha.values["opposes+states"] == 1
    (dispute,) = report.disagreements
    assert dispute.labels[0].labels == [("russia", "opposes"), ("russia", "states")]
    assert dispute.labels[1].labels == [("russia", "states")]


def test_a_span_counts_for_its_passage(seeded_session: Session) -> None:
    p = units_of(seeded_session, documents(seeded_session)[2])[3]
    assign(seeded_session, p.document_id, "Ana", "Ben")
    make_annotation(seeded_session, p, "ukraine", "supports", start=5, end=25, analyst="Ana")
    make_annotation(seeded_session, p, "ukraine", "supports", analyst="Ben")
    report = analyst_agreement(seeded_session, [p.document_id])
    ana_ben = kappa_of(report, "ukraine", "Ana", "Ben")
    assert ana_ben.table[("supports", "supports")] == 1
    assert ana_ben.kappa == pytest.approx(1.0)
    assert report.disagreements == []


def test_removed_orphaned_example_adjudicated_and_unfinished_tags_are_ignored(
    seeded_session: Session,
) -> None:
    docs = documents(seeded_session)
    p, other = units_of(seeded_session, docs[2]), units_of(seeded_session, docs[4])
    assign(seeded_session, docs[2], "Ana", "Ben")
    assign(seeded_session, docs[4], "Ben")
    assign(seeded_session, docs[4], "Ana", done=False)
    make_annotation(seeded_session, p[0], "russia", analyst="Ana")
    make_annotation(seeded_session, p[0], "russia", analyst="Ben")
    # Ben's removed, orphaned, example and adjudicated tags would each make a disagreement.
    make_annotation(seeded_session, p[1], "russia", analyst="Ben", deleted_at=utcnow())
    orphan = make_annotation(seeded_session, p[2], "russia", analyst="Ben")
    orphan.passage_id, orphan.orphaned_at = None, utcnow()
    example = make_annotation(seeded_session, p[3], "russia", analyst="Ben")
    example.example = True
    adjudicated = make_annotation(seeded_session, p[4], "russia", analyst="Ben")
    adjudicated.adjudicated = True
    # docs[4]: Ana has not finished, so neither her tag nor Ben's there counts.
    make_annotation(seeded_session, other[0], "russia", analyst="Ana")
    make_annotation(seeded_session, other[0], "ukraine", analyst="Ben")
    seeded_session.add_all([orphan, example, adjudicated])
    seeded_session.commit()

    report = analyst_agreement(seeded_session, [docs[2].id, docs[4].id])
    assert [d.id for d in report.documents] == [docs[2].id]
    ana_ben = kappa_of(report, "russia", "Ana", "Ben")
    assert ana_ben.units == len(p)
    assert ana_ben.kappa == pytest.approx(1.0)
    assert report.disagreements == []
    assert [(a.name, a.documents, a.tags) for a in report.analysts] == [
        ("Ana", 1, 1),
        ("Ben", 1, 1),
    ]
    assert [(w.id, w.waiting_for) for w in report.waiting] == [(docs[4].id, ["Ana"])]


def test_boilerplate_is_no_unit(seeded_session: Session) -> None:
    document = documents(seeded_session)[1]
    passages = list(
        seeded_session.exec(
            select(Passage).where(Passage.document_id == document.id).order_by(col(Passage.ordinal))
        )
    )
    assign(seeded_session, document, "Ana", "Ben")
    boilerplate = next(p for p in passages if p.kind == PassageKind.boilerplate)
    make_annotation(seeded_session, boilerplate, "us", analyst="Ana")
    make_annotation(seeded_session, units_of(seeded_session, document)[0], "us", analyst="Ben")
    report = analyst_agreement(seeded_session, [document.id])
    assert report.units == len(passages) - 3
    ana_ben = kappa_of(report, "us", "Ana", "Ben")
    assert ana_ben.units == report.units
    assert ana_ben.table[("none", "states")] == 1
    assert [d.labels[0].labels for d in report.disagreements] == [[]]


def test_nothing_to_measure_is_a_message_not_an_error(seeded_session: Session) -> None:
    nothing = analyst_agreement(seeded_session)
    assert nothing.message is not None and nothing.message.startswith("No document qualifies")
    document = documents(seeded_session)[0]
    p = units_of(seeded_session, document)[0]
    make_annotation(seeded_session, p, "russia", analyst="Ana")
    make_annotation(seeded_session, p, "russia", analyst="Ben")
    # Tags alone are not coding: nobody was assigned the document.
    assert analyst_agreement(seeded_session).message == nothing.message
    assign(seeded_session, document, "Ana")
    assign(seeded_session, document, "Ben", done=False)
    waiting = analyst_agreement(seeded_session)
    assert waiting.message == nothing.message
    assert (waiting.positions, waiting.disagreements, waiting.documents) == ([], [], [])
    assert [(w.done, w.waiting_for) for w in waiting.waiting] == [(["Ana"], ["Ben"])]
    other = documents(seeded_session)[1]
    assign(seeded_session, other, "Ana", "Ben")
    elsewhere = analyst_agreement(seeded_session, [document.id])
    assert elsewhere.message is not None
    assert elsewhere.message.startswith("None of the chosen documents qualifies")
    chosen = analyst_agreement(seeded_session, None, ["Ben"])
    assert chosen.message == "Agreement needs at least two analysts; only Ben was chosen."


def test_a_reader_does_not_see_documents_they_still_code(seeded_session: Session) -> None:
    docs = documents(seeded_session)
    assign(seeded_session, docs[2], "Ana", "Ben")
    assign(seeded_session, docs[3], "Ben", "Cy")
    assign(seeded_session, docs[3], "Ana", done=False)
    make_annotation(seeded_session, units_of(seeded_session, docs[3])[0], "us", analyst="Ben")
    # Ana codes docs[3]: Ben's and Cy's labels there are hidden from her, whole.
    blinded = analyst_agreement(seeded_session, blinding=Blinding("Ana", frozenset({docs[3].id})))
    assert [d.id for d in blinded.documents] == [docs[2].id]
    assert blinded.waiting == []
    assert [i for i, _ in blinded.all_documents] == [docs[2].id]
    assert blinded.all_analysts == ["Ana", "Ben"]
    assert [p.tags for p in blinded.positions] == [0, 0, 0, 0]
    everyone = analyst_agreement(seeded_session)
    assert [d.id for d in everyone.documents] == [docs[2].id, docs[3].id]
    assert position_result(everyone, "us").tags == 1


def test_unknown_documents_are_not_found(seeded_session: Session) -> None:
    known = documents(seeded_session)[0].id
    with pytest.raises(NotFound, match="no document with the id 'nope'"):
        analyst_agreement(seeded_session, [known, "nope"])
    with pytest.raises(NotFound, match="no documents with the ids 'a', 'b'"):
        analyst_agreement(seeded_session, ["b", "a"])


def test_the_report_takes_the_same_few_queries_whatever_the_size(
    seeded_session: Session,
) -> None:
    docs = documents(seeded_session)
    units = [units_of(seeded_session, d) for d in docs]
    for index, document in enumerate(docs):
        assign(seeded_session, document, "A", "B", "C", "D", f"E{index}")
    make_annotation(seeded_session, units[0][0], "russia", analyst="A")
    make_annotation(seeded_session, units[0][1], "russia", analyst="B")
    seeded_session.expire_all()  # nothing already loaded may spare a query
    with counting_queries(seeded_session.get_bind()) as small:
        analyst_agreement(seeded_session, samples=50)
    for index, passages in enumerate(units):
        for passage in passages[:6]:
            for analyst in ("A", "B", "C", "D", f"E{index}"):
                make_annotation(seeded_session, passage, "ukraine", "opposes", analyst=analyst)
    seeded_session.expire_all()
    with counting_queries(seeded_session.get_bind()) as large:
        report = analyst_agreement(seeded_session, samples=50)
    assert len(report.analysts) == 9 and len(report.disagreements) == 2
    assert len(small) == len(large) == 7


def test_figures_equal_the_measures_over_a_hand_made_table_of_labels(
    seeded_session: Session,
) -> None:
    """Documents coded by different sets of analysts, spans, two kinds on one passage, topics
    of their own and of their claim: the report's figures are the measures over the table of
    labels written out by hand, and alpha is what the `krippendorff` package computes."""
    docs = documents(seeded_session)
    one, two = units_of(seeded_session, docs[2]), units_of(seeded_session, docs[3])
    assert (len(one), len(two)) == (8, 19)
    # docs[2] is coded by Ana, Ben and Cy; docs[3] by Ana and Cy only.
    assign(seeded_session, docs[2], "Ana", "Ben", "Cy")
    assign(seeded_session, docs[3], "Ana", "Cy")
    make_annotation(seeded_session, one[0], "russia", "states", "nato", analyst="Ana")
    make_annotation(seeded_session, one[0], "russia", "opposes", start=0, end=5, analyst="Ana")
    make_annotation(seeded_session, one[0], "russia", "states", "nato", analyst="Ben")
    make_annotation(seeded_session, one[1], "russia", "supports", analyst="Cy")
    make_annotation(seeded_session, one[1], "us", "states", "territory", analyst="Ben")
    make_annotation(seeded_session, two[0], "russia", "states", analyst="Ana")
    make_annotation(seeded_session, two[0], "russia", "states", start=0, end=5, analyst="Cy")
    make_claim(
        seeded_session,
        topic_key="nato",
        evidence=[make_annotation(seeded_session, two[5], "us", "opposes", analyst="Cy")],
        analyst="Cy",
    )
    report = analyst_agreement(seeded_session, [docs[2].id, docs[3].id])

    # Rows of (Ana, Ben, Cy) labels, one per unit, None where not coded.
    russia = (
        [("opposes+states", "states", "none"), ("none", "none", "supports")]
        + [("none", "none", "none")] * 6
        + [("states", None, "states")]
        + [("none", None, "none")] * 18
    )
    us = (
        [("none", "none", "none"), ("none", "states", "none")]
        + [("none", "none", "none")] * 6
        + [("none", None, "none")] * 5
        + [("none", None, "opposes")]
        + [("none", None, "none")] * 13
    )
    states = (
        [("russia", "russia", "none"), ("none", "us", "none")]
        + [("none", "none", "none")] * 6
        + [("russia", None, "russia")]
        + [("none", None, "none")] * 18
    )
    # The topic of Cy's tag on two[5] is its claim's.
    nato = (
        [("russia", "russia", "none")]
        + [("none", "none", "none")] * 7
        + [("none", None, "none")] * 5
        + [("none", None, "us")]
        + [("none", None, "none")] * 13
    )
    results: dict[str, Any] = {p.position.key: p for p in report.positions}
    results |= {f"kind:{k.key}": k for k in report.kinds}
    results |= {f"topic:{t.key}": t for t in report.topics}
    assert [t.key for t in report.topics] == ["nato", "territory"]
    for key, table in (
        ("russia", russia),
        ("us", us),
        ("kind:states", states),
        ("topic:nato", nato),
    ):
        result = results[key]
        assert result.alpha == krippendorff_alpha_nominal(table)
        assert result.alpha.alpha == pytest.approx(package_alpha(table))
        for pair in result.pairs:
            i, j = ("Ana", "Ben", "Cy").index(pair.first), ("Ana", "Ben", "Cy").index(pair.second)
            assert pair.kappa == cohen_kappa(
                (row[i], row[j]) for row in table if row[i] is not None and row[j] is not None
            )
    assert position_result(report, "russia").alpha.values == {
        "none": 57,
        "opposes+states": 1,
        "states": 3,
        "supports": 1,
    }
    assert kappa_of(report, "russia", "Ana", "Cy").units == 27
    assert kappa_of(report, "russia", "Ana", "Ben").units == 8
    assert [(d.passage.id, d.positions) for d in report.disagreements] == [
        (one[0].id, ["russia"]),
        (one[1].id, ["russia", "us"]),
        (two[5].id, ["us"]),
    ]


def package_alpha(table: Sequence[tuple[str | None, ...]]) -> float:
    """Alpha (nominal) of rows of labels by the `krippendorff` package: coders × units, the
    labels as numbers, NaN for missing."""
    codes = {label: float(i) for i, label in enumerate(sorted({v for r in table for v in r if v}))}
    data = np.array([[np.nan if v is None else codes[v] for v in row] for row in table]).T
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def test_span_agreement_in_the_report(seeded_session: Session) -> None:
    """α_u of a position is the unitizing alpha of the coders' stretches in the continuum of
    the documents' passages laid end to end; span F1 compares their spans."""
    docs = documents(seeded_session)
    one = units_of(seeded_session, docs[2])
    assign(seeded_session, docs[2], "Ana", "Ben")
    make_annotation(seeded_session, one[1], "russia", analyst="Ana")  # the whole passage
    make_annotation(seeded_session, one[1], "russia", start=0, end=10, analyst="Ben")
    make_annotation(seeded_session, one[3], "russia", "opposes", start=4, end=9, analyst="Ben")
    report = analyst_agreement(seeded_session, [docs[2].id])
    spans = {(s.dimension, s.key): s for s in report.spans}
    length = sum(len(p.text) for p in one)
    at = len(one[0].text)  # where one[1] begins
    three = sum(len(p.text) for p in one[:3])
    expected = unitizing_alpha(
        [Section(length, [[(at, at + len(one[1].text))], [(at, at + 10), (three + 4, three + 9)]])]
    )
    russia = spans[("position", "russia")]
    assert russia.alpha == expected and russia.documents == 1
    # One document only: there is nothing to draw documents from, so no interval.
    assert russia.interval is not None and russia.interval.low is None
    (pair,) = russia.pairs
    # Exact: no span alike; overlap: Ana's one span meets Ben's first: P = 1, R = 1/2.
    assert pair.f1.exact == 0.0
    assert pair.f1.overlap == pytest.approx(2 / 3)
    assert spans[("kind", "opposes")].alpha.units == 1
    assert spans[("position", "europe")].alpha.alpha is None


def test_agreement_as_coding_went_on(seeded_session: Session) -> None:
    docs = documents(seeded_session)
    one, two = units_of(seeded_session, docs[2]), units_of(seeded_session, docs[3])
    day = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    assign(seeded_session, docs[2], "Ana", done=day)
    assign(seeded_session, docs[2], "Ben", done=day + timedelta(days=1))  # qualifies on the 3rd
    assign(seeded_session, docs[3], "Ana", "Ben", done=day + timedelta(days=5, hours=3))
    make_annotation(seeded_session, one[0], "russia", analyst="Ana")
    make_annotation(seeded_session, one[0], "russia", analyst="Ben")
    make_annotation(seeded_session, two[0], "russia", analyst="Ana")
    report = analyst_agreement(seeded_session)
    assert [d.qualified_on for d in report.documents] == [date(2026, 3, 3), date(2026, 3, 7)]
    first, second = report.progress
    assert (first.day, first.documents, second.day, second.documents) == (
        date(2026, 3, 3),
        1,
        date(2026, 3, 7),
        2,
    )
    assert first.alphas["russia"] == pytest.approx(1.0)
    assert second.alphas["russia"] == position_result(report, "russia").alpha.alpha
    assert second.alphas["russia"] is not None and second.alphas["russia"] < 1
    assert first.alphas["europe"] is None

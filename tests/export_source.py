"""The seed corpus with annotations, claims and relations, as a database to export from,
shared by the tests of the formats: `Source` (the native export, its import, the filters) and
`SmallMap` (AIF), with the helpers that build them."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.models import (
    Actor,
    ActorCreate,
    ActorKind,
    Annotation,
    Claim,
    ClaimStance,
    Document,
    Passage,
    PassageKind,
    Position,
    Relation,
    Topic,
)
from app.services import actors
from app.services.interchange.filters import ExportFilters
from app.services.interchange.native import export_map, stream_export
from app.services.reanchor import replace_document_text
from app.services.segmentation import join_wrapped_lines
from tests.factories import make_annotation, make_claim, make_relation

T0 = datetime(2025, 8, 15, 10, 0, tzinfo=UTC)
# The xaif documentation's example, as AIF tools write it.
XAIF_SAMPLE = Path(__file__).parent / "data" / "aif" / "xaif-0.3.4-tutorial-example.json"
NOTE = "<script>alert('x')</script> Zelensky’s “red lines” — Ärger 🇺🇦\nsecond line"
LINE_BREAK = re.compile(r"[^\S\n]*\n[^\S\n]*")
TABLES = {
    "positions": Position,
    "topics": Topic,
    "actors": Actor,
    "documents": Document,
    "passages": Passage,
    "claims": Claim,
    "stances": ClaimStance,
    "relations": Relation,
    "annotations": Annotation,
}


@dataclass
class Source:
    """The seed corpus with annotations, claims and relations, as a database to export from.

    Annotations (documents by export order): a1 doc 0, russia, on territory; a2 doc 1 (the
    hard-wrapped passage), ukraine; a3 doc 1, us, on NATO; a4 doc 2, europe, on NATO, removed;
    a5 doc 2, russia. Claims: A (NATO; russia holds, ukraine rejects; evidence a3), B (russia
    holds; evidence a5), C (territory; russia and us hold; evidence a2), D (ceasefire; europe
    holds; its only evidence a4 is removed). Relations: B supports C, citing a passage of
    doc 4 (which holds no annotation), and C attacks A.
    """

    engine: Engine
    wrapped: Passage  # a passage made of hard-wrapped lines (its text is shorter than its slice)
    documents: list[str]  # document ids in export order
    annotations: dict[str, str]  # "a1"… → id
    claims: dict[str, str]  # "A"… → id
    relations: dict[str, str]  # "B supports C", "C attacks A" → id
    cited: str  # the passage that "B supports C" cites


# The registry `name_actors` adds, parents before members; keys sort otherwise (lavrov comes
# before the ministry it belongs to, which comes before its government).
REGISTRY = [
    ActorCreate(
        key="russian-government",
        name="Russian government",
        kind=ActorKind.organization,
        position_key="russia",
        aliases=["Kremlin"],
    ),
    ActorCreate(
        key="russian-foreign-ministry",
        name="Russian Foreign Ministry",
        kind=ActorKind.organization,
        parent_key="russian-government",
        aliases=["MFA", "Smolenskaya Square"],
    ),
    ActorCreate(
        key="lavrov",
        name="Sergey Lavrov",
        parent_key="russian-foreign-ministry",
        aliases=["Lavrov", "Лавров"],
        description="Foreign minister of Russia “since 2004” — <b>not</b> markup",
    ),
    ActorCreate(key="zelensky", name="Volodymyr Zelensky", aliases=["Zelensky", "Zelenskyy"]),
    ActorCreate(key="trump", name="Donald Trump", position_key="us", aliases=["Trump"]),
]
# An example actor (as the starter registry's are), named only by the removed tag a4.
EXAMPLE_ACTOR = ActorCreate(
    key="eu",
    name="European Union",
    kind=ActorKind.organization,
    position_key="europe",
    aliases=["EU", "Brussels"],
)
# Which tag names whom: a1 (document 0) Lavrov, whose ministry and government come with him
# in a filtered export; a2 (document 1) Zelensky; a4 (removed) the EU; a3 and a5 nobody.
TAG_ACTORS = {"a1": "lavrov", "a2": "zelensky", "a4": "eu"}


def name_actors(source: Source) -> None:
    """Add `REGISTRY` and `EXAMPLE_ACTOR` to the source's database and have its tags name
    them as `TAG_ACTORS` says."""
    with Session(source.engine) as session:
        actors.create_actors(session, REGISTRY, "Ana")
        actors.create_actors(session, [EXAMPLE_ACTOR], None, example=True)
        for tag, key in TAG_ACTORS.items():
            annotation = session.get_one(Annotation, source.annotations[tag])
            annotation.actor_key = key
            session.add(annotation)
        session.commit()


def export_text(engine: Engine, filters: ExportFilters | None = None) -> str:
    return "".join(stream_export(engine, filters or ExportFilters()))


def row_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return count_rows(session, TABLES)


def count_rows(session: Session, tables: dict[str, Any]) -> dict[str, int]:
    """The number of rows of each of `tables` (name → model)."""
    return {
        name: session.exec(select(func.count()).select_from(model)).one()
        for name, model in tables.items()
    }


def paragraphs(session: Session) -> list[Passage]:
    """The seed corpus's paragraphs, documents in creation order."""
    query = (
        select(Passage)
        .join(Document, col(Document.id) == col(Passage.document_id))
        .where(Passage.kind == PassageKind.paragraph)
        .order_by(col(Document.created_at), col(Document.id), col(Passage.ordinal))
    )
    return list(session.exec(query))


def paragraphs_by_document(session: Session) -> dict[str, list[Passage]]:
    """The seed corpus's paragraphs by document, documents in creation order."""
    by_document: dict[str, list[Passage]] = {}
    for passage in paragraphs(session):
        by_document.setdefault(passage.document_id, []).append(passage)
    return by_document


def first_wrapped(by_document: dict[str, list[Passage]]) -> Passage:
    """The first paragraph made of hard-wrapped lines: its text is shorter than its slice of
    the document, so a span's document offsets differ from its passage offsets by more than a
    shift."""
    return next(
        p for passages in by_document.values() for p in passages if p.end - p.start != len(p.text)
    )


def paragraphs_in_id_order(session: Session) -> list[Passage]:
    """The seed corpus's paragraphs, ordered by document id and place (not creation order)."""
    query = (
        select(Passage)
        .where(Passage.kind == PassageKind.paragraph)
        .order_by(col(Passage.document_id), col(Passage.ordinal))
    )
    return list(session.exec(query))


def line_break_in(session: Session, passage: Passage) -> int:
    """Where, in the passage text, a line break of the original (more than a newline) went."""
    raw = session.get_one(Document, passage.document_id).original_text[passage.start : passage.end]
    match = next(m for m in LINE_BREAK.finditer(raw) if len(m.group()) > 1)
    return len(join_wrapped_lines(raw[: match.start()]))


def build_source(seeded_engine: Engine) -> Source:
    """The annotations, claims and relations of `Source`, made in the seeded database."""
    with Session(seeded_engine) as session:
        by_document = paragraphs_by_document(session)
        wrapped = first_wrapped(by_document)
        documents = list(by_document)
        first, second, third = (by_document[d][1] for d in documents[:3])
        cited = by_document[documents[4]][2]
        # Whole passage, with a topic.
        a1 = make_annotation(
            session, first, "russia", "states", topic_key="territory", created_at=T0
        )
        # A span across a line break of a hard-wrapped paragraph, with a hostile note.
        cut = line_break_in(session, wrapped)
        a2 = make_annotation(
            session,
            wrapped,
            "ukraine",
            "opposes",
            start=cut - 10,
            end=cut + 25,
            note=NOTE,
            analyst="Ólafur",
            created_at=T0 + timedelta(minutes=5),
            updated_at=T0 + timedelta(minutes=7),
        )
        a3 = make_annotation(
            session,
            second,
            "us",
            "supports",
            topic_key="nato",
            start=4,
            end=30,
            created_at=T0 + timedelta(minutes=10),
        )
        # Removed: must not be exported.
        a4 = make_annotation(
            session,
            third,
            "europe",
            "states",
            topic_key="nato",
            created_at=T0 + timedelta(minutes=15),
            deleted_at=T0 + timedelta(minutes=16),
        )
        a5 = make_annotation(
            session, third, "russia", "opposes", created_at=T0 + timedelta(minutes=20)
        )
        claim_a = make_claim(
            session,
            "Ukraine will not join NATO",
            topic_key="nato",
            stances={"ukraine": "rejects", "russia": "holds"},
            evidence=[a3],
            created_at=T0 + timedelta(minutes=30),
        )
        claim_b = make_claim(
            session,
            "Russia cannot be defeated because it is a nuclear power",
            stances={"russia": "holds"},
            evidence=[a5],
            created_at=T0 + timedelta(minutes=31),
        )
        claim_c = make_claim(
            session,
            "Ukraine cannot win by military means",
            topic_key="territory",
            stances={"us": "holds", "russia": "holds"},
            evidence=[a2],
            note="„Realpolitik“ — 🇺🇸",
            analyst="Ólafur",
            created_at=T0 + timedelta(minutes=32),
        )
        claim_d = make_claim(
            session,
            "A ceasefire must come before a peace agreement",
            topic_key="ceasefire",
            stances={"europe": "holds"},
            evidence=[a4],
            created_at=T0 + timedelta(minutes=33),
        )
        b_supports_c = make_relation(
            session, claim_b, claim_c, "supports", created_at=T0 + timedelta(minutes=40)
        )
        b_supports_c.evidence_passage_id = cited.id
        session.add(b_supports_c)
        session.commit()
        c_attacks_a = make_relation(
            session, claim_c, claim_a, "attacks", note="“No”", created_at=T0 + timedelta(minutes=41)
        )
        session.refresh(wrapped)
        session.expunge(wrapped)
        annotations = {"a1": a1.id, "a2": a2.id, "a3": a3.id, "a4": a4.id, "a5": a5.id}
        claims = {"A": claim_a.id, "B": claim_b.id, "C": claim_c.id, "D": claim_d.id}
        relations = {"B supports C": b_supports_c.id, "C attacks A": c_attacks_a.id}
        cited_id, cited_in, second_in = cited.id, cited.document_id, second.document_id
    ordered = [d["id"] for d in export_map(seeded_engine)["documents"]]
    # The premises the filter tests build on.
    assert wrapped.document_id == second_in == ordered[1]
    assert cited_in == ordered[4]
    return Source(
        engine=seeded_engine,
        wrapped=wrapped,
        documents=ordered,
        annotations=annotations,
        claims=claims,
        relations=relations,
        cited=cited_id,
    )


def orphan_a1_and_the_cited_passage(source: Source) -> None:
    """Replace two texts: a1's paragraph is cut from document 0 (a1 becomes an orphan), and
    the passage "B supports C" cites from document 4 (the relation loses its evidence)."""
    with Session(source.engine) as session:
        a1 = session.get_one(Annotation, source.annotations["a1"])
        cited = session.get_one(Passage, source.cited)
        for passage in (session.get_one(Passage, a1.passage_id), cited):
            text = session.get_one(Document, passage.document_id).original_text
            report = replace_document_text(
                session, passage.document_id, text[: passage.start] + text[passage.end :]
            )
            assert report.changed
        assert report.relations_evidence_lost == [source.relations["B supports C"]]
        assert session.get_one(Annotation, source.annotations["a1"]).orphaned_at is not None


@dataclass
class SmallMap:
    """Three claims with stances, evidence from two documents, one support and one attack."""

    nato: Claim  # held by russia, rejected by ukraine; evidence in both documents
    ceasefire: Claim  # held by europe; evidence (a span) in the first document
    nuclear: Claim  # held by russia; no evidence, no topic
    supports: Relation  # nuclear supports nato
    attacks: Relation  # ceasefire attacks nato
    tags: list[Annotation]  # the evidence, in creation order
    documents: list[str]  # the two documents' ids


def build_map(session: Session) -> SmallMap:
    """The small map of the AIF tests on the seed corpus; one span lies in a hard-wrapped
    paragraph."""
    by_document = paragraphs_by_document(session)
    # A document whose paragraphs are hard-wrapped, so that a span's document offsets differ
    # from its passage offsets by more than a shift.
    wrapped = first_wrapped(by_document)
    other = next(d for d in by_document if d != wrapped.document_id)
    plain = by_document[other][0]
    tags = [
        make_annotation(session, plain, "russia", "states", topic_key="nato", created_at=T0),
        make_annotation(
            session,
            wrapped,
            "ukraine",
            "opposes",
            start=5,
            end=90,
            analyst="Oksana Petrenko",
            created_at=T0 + timedelta(minutes=1),
        ),
        make_annotation(
            session,
            plain,
            "europe",
            "supports",
            start=0,
            end=20,
            analyst="Ana",
            created_at=T0 + timedelta(minutes=2),
        ),
    ]
    nato = make_claim(
        session,
        "Ukraine will not join NATO",
        topic_key="nato",
        stances={"russia": "holds", "ukraine": "rejects"},
        evidence=tags[:2],
        note="The Kremlin's first condition.",
        created_at=T0,
    )
    ceasefire = make_claim(
        session,
        "A ceasefire must come before a peace agreement",
        topic_key="ceasefire",
        stances={"europe": "holds"},
        evidence=tags[2:],
        analyst="Bea",
        created_at=T0 + timedelta(minutes=1),
    )
    nuclear = make_claim(
        session,
        "Russia cannot be defeated because it is a nuclear power",
        stances={"russia": "holds"},
        created_at=T0 + timedelta(minutes=2),
    )
    supports = make_relation(
        session, nuclear, nato, "supports", note="as argued in Helsinki", created_at=T0
    )
    attacks = make_relation(
        session, ceasefire, nato, "attacks", analyst="Bea", created_at=T0 + timedelta(minutes=1)
    )
    for tag in tags:
        session.refresh(tag)
    return SmallMap(nato, ceasefire, nuclear, supports, attacks, tags, [other, wrapped.document_id])

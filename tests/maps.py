"""Small argument maps built directly in the database, shared by the map-view tests and the
tests of the tag filters."""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from app.models import (
    ActorCreate,
    Annotation,
    Claim,
    ClaimStance,
    Document,
    Passage,
    Relation,
    RelationKind,
    Stance,
)
from app.services.actors import create_actor
from tests.factories import make_annotation, make_claim


def paragraphs(session: Session) -> list[Passage]:
    """The first paragraph of each seed document, in document order."""
    result = []
    for document in session.exec(select(Document).order_by(col(Document.created_at))).all():
        first = session.exec(
            select(Passage)
            .where(Passage.document_id == document.id, Passage.kind == "paragraph")
            .order_by(col(Passage.ordinal))
        ).first()
        assert first is not None, f"document {document.id} has no paragraph"
        result.append(first)
    return result


def claim(session: Session, text: str, topic: str | None, **stances: Stance) -> Claim:
    row = Claim(text=text, topic_key=topic, analyst="Ana")
    session.add(row)
    session.flush()
    for position, stance in stances.items():
        session.add(ClaimStance(claim_id=row.id, position_key=position, stance=stance))
    session.commit()
    return row


def evidence(
    session: Session, passage: Passage, claim_row: Claim, position: str, kind: str
) -> Annotation:
    annotation = make_annotation(session, passage, position, kind=kind)
    annotation.claim_id = claim_row.id
    session.add(annotation)
    session.commit()
    return annotation


def build_small_map(session: Session) -> dict[str, Claim]:
    """Three claims on the seed corpus: stances, evidence from two documents, two relations."""
    first, second, *_ = paragraphs(session)
    no_nato = claim(
        session, "Ukraine will not join NATO", "nato", russia=Stance.holds, ukraine=Stance.rejects
    )
    ceasefire = claim(session, "A ceasefire must come first", "ceasefire", europe=Stance.holds)
    loose = claim(session, "Talks are worth having", None)
    evidence(session, first, no_nato, "russia", "states")
    evidence(session, second, no_nato, "russia", "supports")
    evidence(session, second, no_nato, "ukraine", "opposes")
    evidence(session, first, ceasefire, "europe", "states")
    session.add(
        Relation(
            source_id=ceasefire.id, target_id=no_nato.id, kind=RelationKind.attacks, analyst="Ana"
        )
    )
    session.add(
        Relation(
            source_id=loose.id, target_id=ceasefire.id, kind=RelationKind.supports, analyst="Ana"
        )
    )
    session.commit()
    return {"no_nato": no_nato, "ceasefire": ceasefire, "loose": loose}


@dataclass(frozen=True)
class FilterMap:
    """The documents of `build_filter_map` (A, B, C) and its tags (t1 … t6), by name."""

    documents: dict[str, str]
    tags: dict[str, str]


def build_filter_map(session: Session) -> FilterMap:
    """Six tags, every one evidence for a claim, that each tag filter tells apart:

    | tag | document                     | position | kind     | actor    | analyst | topic  |
    | t1  | A: 10 Aug 2025, The Ledger   | russia   | states   | lavrov   | Ana     | (X)    |
    | t2  | A                            | ukraine  | states   | zelensky | Ana     | nato   |
    | t3  | B: 20 Aug 2025, Morning Post | russia   | states   | lavrov   | Ben     | (Y)    |
    | t4  | B                            | ukraine  | opposes  | zelensky | Ben     | (Y)    |
    | t5  | C: undated, The Ledger       | russia   | states   | lavrov   | Ana     | (X)    |
    | t6  | B                            | russia   | supports | nobody   | Ana     | (Y)    |

    (X), (Y): no topic of its own, its claim's: X on NATO (t1, t2, t5; Russia holds it, Ukraine
    rejects it) or Y on territory (t3, t4, t6; the same stances). So t6 makes no statement (no
    actor, and B's author is nobody the registry knows); t5 makes an undated statement, which
    counts in a network over all time and in no window.
    """
    first, second, third, *_ = paragraphs(session)
    meta = (
        ("A", first, date(2025, 8, 10), "The Ledger"),
        ("B", second, date(2025, 8, 20), "Morning Post"),
        ("C", third, None, "The Ledger"),
    )
    documents = {}
    for name, passage, published, outlet in meta:
        document = session.get_one(Document, passage.document_id)
        document.published, document.outlet, document.author = published, outlet, None
        session.add(document)
        documents[name] = document.id
    session.commit()
    for key, actor_name in (("lavrov", "Sergey Lavrov"), ("zelensky", "Volodymyr Zelensky")):
        create_actor(session, ActorCreate(key=key, name=actor_name), "Ana")
    rows = {
        "t1": (first, "russia", "states", "lavrov", "Ana", None),
        "t2": (first, "ukraine", "states", "zelensky", "Ana", "nato"),
        "t3": (second, "russia", "states", "lavrov", "Ben", None),
        "t4": (second, "ukraine", "opposes", "zelensky", "Ben", None),
        "t5": (third, "russia", "states", "lavrov", "Ana", None),
        "t6": (second, "russia", "supports", None, "Ana", None),
    }
    tags = {
        name: make_annotation(
            session, passage, position, kind, topic, analyst=analyst, actor_key=actor
        )
        for name, (passage, position, kind, actor, analyst, topic) in rows.items()
    }
    stances = {"russia": "holds", "ukraine": "rejects"}
    on_nato = [tags[name] for name in ("t1", "t2", "t5")]
    make_claim(session, "Ukraine will not join NATO", "nato", stances, on_nato)
    on_territory = [tags[name] for name in ("t3", "t4", "t6")]
    make_claim(session, "Ukraine must cede the Donbas", "territory", stances, on_territory)
    return FilterMap(documents, {name: tag.id for name, tag in tags.items()})

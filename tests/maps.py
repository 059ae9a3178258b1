"""A small argument map built directly in the database, shared by the map-view tests."""

from sqlmodel import Session, col, select

from app.models import (
    Annotation,
    Claim,
    ClaimStance,
    Document,
    Passage,
    Relation,
    RelationKind,
    Stance,
)
from tests.factories import make_annotation


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

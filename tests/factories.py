"""Small builders for test data: each makes one row with sensible defaults and commits it.

Documents go through the corpus service (so they are segmented like real ones); positions,
topics and annotations are plain ORM rows, so that a test can set any field, times included.
"""

from datetime import datetime

from sqlmodel import Session

from app.models import (
    Annotation,
    AnnotationKind,
    Claim,
    ClaimStance,
    Document,
    DocumentCreate,
    Passage,
    Position,
    Relation,
    RelationKind,
    Stance,
    Topic,
    utcnow,
)
from app.services import corpus

DEFAULT_TEXT = (
    "Talks in Alaska\n"
    "\n"
    "The Kremlin said any peace agreement should also be signed by guarantor countries.\n"
    "\n"
    "Kyiv replied that it would not give up territory it still holds.\n"
)


def make_position(
    session: Session,
    key: str = "russia",
    name: str | None = None,
    colour: str = "#cc2222",
    ordinal: int = 0,
) -> Position:
    position = Position(key=key, name=name or key.title(), colour=colour, ordinal=ordinal)
    session.add(position)
    session.commit()
    session.refresh(position)
    return position


def make_topic(
    session: Session, key: str = "territory", name: str | None = None, description: str = ""
) -> Topic:
    topic = Topic(key=key, name=name or key.replace("-", " ").capitalize(), description=description)
    session.add(topic)
    session.commit()
    session.refresh(topic)
    return topic


def make_document(
    session: Session,
    text: str = DEFAULT_TEXT,
    title: str | None = "A test article",
    **meta: object,
) -> Document:
    """A document with its passages; `meta` takes the other DocumentCreate fields."""
    return corpus.add_document(
        session, DocumentCreate.model_validate({"text": text, "title": title, **meta})
    )


def make_annotation(
    session: Session,
    passage: Passage,
    position_key: str,
    kind: str = "states",
    topic_key: str | None = None,
    start: int | None = None,
    end: int | None = None,
    note: str = "",
    analyst: str = "Ana",
    created_at: datetime | None = None,
    updated_at: datetime | None = None,
    deleted_at: datetime | None = None,
    actor_key: str | None = None,
) -> Annotation:
    """A tag on `passage` (or on its span start–end), its quote taken from the passage text."""
    created = created_at or utcnow()
    annotation = Annotation(
        document_id=passage.document_id,
        passage_id=passage.id,
        start=start,
        end=end,
        quote=passage.text[start:end] if start is not None and end is not None else None,
        position_key=position_key,
        kind=AnnotationKind(kind),
        topic_key=topic_key,
        actor_key=actor_key,
        note=note,
        analyst=analyst,
        created_at=created,
        updated_at=updated_at or created,
        deleted_at=deleted_at,
    )
    session.add(annotation)
    session.commit()
    session.refresh(annotation)
    return annotation


def make_claim(
    session: Session,
    text: str = "Ukraine will not join NATO",
    topic_key: str | None = None,
    stances: dict[str, str] | None = None,
    evidence: list[Annotation] | None = None,
    note: str = "",
    analyst: str = "Ana",
    created_at: datetime | None = None,
) -> Claim:
    """A claim with its stances ({position key: "holds" | "rejects"}) and evidence tags."""
    created = created_at or utcnow()
    claim = Claim(
        text=text,
        topic_key=topic_key,
        note=note,
        analyst=analyst,
        created_at=created,
        updated_at=created,
    )
    session.add(claim)
    session.flush()
    for position_key, stance in (stances or {}).items():
        session.add(
            ClaimStance(claim_id=claim.id, position_key=position_key, stance=Stance(stance))
        )
    for annotation in evidence or []:
        annotation.claim_id = claim.id
        session.add(annotation)
    session.commit()
    session.refresh(claim)
    return claim


def make_relation(
    session: Session,
    source: Claim,
    target: Claim,
    kind: str = "supports",
    note: str = "",
    analyst: str = "Ana",
    created_at: datetime | None = None,
) -> Relation:
    """`source` supports (or attacks) `target`."""
    created = created_at or utcnow()
    relation = Relation(
        source_id=source.id,
        target_id=target.id,
        kind=RelationKind(kind),
        note=note,
        analyst=analyst,
        created_at=created,
        updated_at=created,
    )
    session.add(relation)
    session.commit()
    session.refresh(relation)
    return relation

"""A document in independent coding, for the tests of what a coder may see.

`coding_scene` takes a seeded database (the seed corpus and its starter map of example tags)
and gives its first document to `alice` and `bob` to code independently: each has tagged a
passage with a note only they wrote, and the document also holds example tags. While `bob`
codes it, nothing of Alice's tags (their ids, their notes) nor the example tags there may reach
him; Alice, likewise, must not see Bob's.
"""

from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.models import Annotation, Assignment, Document, Passage, PassageKind, utcnow
from app.services.examples import load_starter_map
from tests.conftest import SEEDS_DIR
from tests.factories import make_annotation

ALICE_NOTE = "alice-private-reading-7f3a"
BOB_NOTE = "bob-private-reading-91c4"


@dataclass(frozen=True)
class CodingScene:
    document_id: str
    passage_id: str
    alice_tag: str  # the id of Alice's tag
    bob_tag: str
    example_tags: list[str]  # the ids of the example tags in the document


def coding_scene(session: Session, *, alice_done: bool = False) -> CodingScene:
    """Alice and Bob code the first document that holds example tags (Alice marked it done if
    `alice_done`); see the module's docstring."""
    if session.exec(select(Annotation.id).where(col(Annotation.example))).first() is None:
        load_starter_map(session, SEEDS_DIR)
    document_id = session.exec(
        select(Annotation.document_id)
        .join(Document, col(Document.id) == col(Annotation.document_id))
        .where(col(Annotation.example), col(Annotation.deleted_at).is_(None))
        .order_by(col(Document.created_at), col(Document.id))
    ).first()
    assert document_id is not None, "the starter map tags no document"
    passage = session.exec(
        select(Passage)
        .where(Passage.document_id == document_id, Passage.kind != PassageKind.boilerplate)
        .order_by(col(Passage.ordinal))
    ).first()
    assert passage is not None
    for analyst in ("alice", "bob"):
        done = utcnow() if analyst == "alice" and alice_done else None
        session.add(
            Assignment(document_id=document_id, analyst=analyst, assigned_by="tester", done_at=done)
        )
    session.commit()
    alice = make_annotation(session, passage, "russia", note=ALICE_NOTE, analyst="alice")
    bob = make_annotation(session, passage, "ukraine", "opposes", note=BOB_NOTE, analyst="bob")
    examples = session.exec(
        select(Annotation.id).where(
            Annotation.document_id == document_id,
            col(Annotation.example),
            col(Annotation.deleted_at).is_(None),
        )
    ).all()
    return CodingScene(document_id, passage.id, alice.id, bob.id, list(examples))

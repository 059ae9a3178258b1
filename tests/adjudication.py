"""A document both its coders marked done, for the tests of adjudication: the scene of
tests/coding.py (Alice tagged its first passage `russia states`, Bob `ukraine opposes`) with
Bob's assignment marked done too."""

from sqlmodel import Session, col, select

from app.models import Assignment, Passage, PassageKind, User, utcnow
from tests.coding import CodingScene, coding_scene


def both_done(session: Session) -> CodingScene:
    scene = coding_scene(session, alice_done=True)
    bob = session.exec(
        select(Assignment).where(
            Assignment.document_id == scene.document_id, Assignment.analyst == "bob"
        )
    ).one()
    bob.done_at = utcnow()
    session.add(bob)
    session.commit()
    return scene


def passages_of(session: Session, document_id: str) -> list[Passage]:
    """The document's passages a tag may go on, in order."""
    return list(
        session.exec(
            select(Passage)
            .where(Passage.document_id == document_id, Passage.kind != PassageKind.boilerplate)
            .order_by(col(Passage.ordinal))
        )
    )


def user(session: Session, username: str) -> User:
    return session.exec(select(User).where(User.username == username)).one()

"""SQLite's writers queue on one lock per database: a request that writes takes it when its
transaction begins and gives it back at the commit, and what it reads after that commit does
not take it again."""

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app import db
from app.models import Position

pytestmark = pytest.mark.sqlite_only("the writers' lock is how SQLite writers queue")


def holds_lock(url: str) -> bool:
    return db._WRITERS[url].locked()


def test_reads_after_the_commit_do_not_take_the_write_lock_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lock.db'}"
    db.migrate(url)
    engine = db.make_engine(url)
    writer = db.write_engine(engine)
    with Session(writer, expire_on_commit=False) as session:
        session.execute(text("SELECT 1"))
        assert holds_lock(url), "a writing session's transaction begins with the lock"
        db.save(session, Position(key="nato", name="NATO", colour="#123456", ordinal=9))
        assert not holds_lock(url), "the commit gives it back"

        db.reads_only_from_here(session)
        assert session.get(Position, "nato") is not None
        session.execute(text("SELECT count(*) FROM position")).scalar_one()
        assert not holds_lock(url), "reads after the commit go without it"
        session.commit()

        # Without the call, the next transaction of a writing session takes it again.
        session.execute(text("SELECT 1"))
        assert holds_lock(url)
        session.rollback()
        assert not holds_lock(url)
    engine.dispose()


def test_a_session_in_a_transaction_is_left_as_it_is(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lock.db'}"
    db.migrate(url)
    engine = db.make_engine(url)
    with Session(db.write_engine(engine)) as session:
        session.execute(text("SELECT 1"))
        db.reads_only_from_here(session)  # no effect on a transaction already under way
        assert holds_lock(url)
        session.commit()
    assert not holds_lock(url)
    engine.dispose()

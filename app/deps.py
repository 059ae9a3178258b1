"""Dependencies shared by the routes: the database session and who is asking."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session

from app.audit.entries import ACTOR, MAY_EDIT_ANY
from app.errors import NotSignedIn
from app.models import User
from app.services.blinding import Blinding, blinding_for

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's database session. Making one touches no database, so it is made here on
    the event loop (a plain function dependency would cost two trips to a worker thread)."""
    # A request that changes things takes the write lock when it starts (on SQLite), so that
    # two writers queue instead of one failing with "database is locked" half-way through.
    state = request.app.state
    engine = state.write_engine if request.method in WRITE_METHODS else state.engine
    # Rows keep the values this request wrote after its commit (db.save reads them back first),
    # instead of reloading whatever a later writer left there.
    session = Session(engine, expire_on_commit=False)
    # Who is asking (app.access.authorize, which runs first): the history names them.
    identity = getattr(request.state, "identity", None)
    session.info[ACTOR] = getattr(identity, "username", None)
    session.info[MAY_EDIT_ANY] = getattr(identity, "may_edit_any", False)
    try:
        yield session
    finally:
        # Closing ends a transaction still open (a read's): on SQLite a rollback in the same
        # file, at once; a server database is asked over the network, from a worker thread.
        if session.in_transaction() and engine.dialect.name != "sqlite":
            await run_in_threadpool(session.close)
        else:
            session.close()


# The dependencies below only read what `authorize` found: they are coroutines so that FastAPI
# calls them on the event loop instead of sending each to a worker thread.


async def get_current_user(request: Request) -> User | None:
    """The signed-in user (set by app.access.authorize, which runs before every route)."""
    identity = getattr(request.state, "identity", None)
    return getattr(identity, "user", None)


async def get_analyst(request: Request) -> str | None:
    """The name recorded with the tags, claims and relations this request makes."""
    user = await get_current_user(request)
    return user.username if user else None


async def require_user(request: Request) -> User:
    user = await get_current_user(request)
    if user is None:
        # Visitors may read without signing in (the demo), but have no account to show.
        raise NotSignedIn("Sign in first: this is about your own account.")
    return user


SessionDep = Annotated[Session, Depends(get_session)]


def get_blinding(request: Request, session: SessionDep) -> Blinding:
    """The tags the reader may not see while they code documents independently (one small
    query: their assignments). Read in a worker thread, as it asks the database."""
    identity = getattr(request.state, "identity", None)
    return blinding_for(session, getattr(identity, "username", None))


BlindingDep = Annotated[Blinding, Depends(get_blinding)]
AnalystDep = Annotated[str | None, Depends(get_analyst)]
CurrentUserDep = Annotated[User, Depends(require_user)]

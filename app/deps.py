"""Dependencies shared by the routes: the database session and who is asking."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from app.errors import NotSignedIn
from app.models import User

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def get_session(request: Request) -> Iterator[Session]:
    # A request that changes things takes the write lock when it starts (on SQLite), so that
    # two writers queue instead of one failing with "database is locked" half-way through.
    state = request.app.state
    engine = state.write_engine if request.method in WRITE_METHODS else state.engine
    # Rows keep the values this request wrote after its commit (db.save reads them back first),
    # instead of reloading whatever a later writer left there.
    with Session(engine, expire_on_commit=False) as session:
        yield session


def get_current_user(request: Request) -> User | None:
    """The signed-in user (set by app.access.authorize, which runs before every route)."""
    identity = getattr(request.state, "identity", None)
    return getattr(identity, "user", None)


def get_analyst(request: Request) -> str | None:
    """The name recorded with the tags, claims and relations this request makes."""
    user = get_current_user(request)
    return user.username if user else None


def require_user(request: Request) -> User:
    user = get_current_user(request)
    if user is None:
        # Visitors may read without signing in (the demo), but have no account to show.
        raise NotSignedIn("Sign in first: this is about your own account.")
    return user


SessionDep = Annotated[Session, Depends(get_session)]
AnalystDep = Annotated[str | None, Depends(get_analyst)]
CurrentUserDep = Annotated[User, Depends(require_user)]

"""Dependencies shared by the routes: the database session and the analyst's name."""

from collections.abc import Iterator
from typing import Annotated
from urllib.parse import quote, unquote

from fastapi import Cookie, Depends, Request
from sqlmodel import Session

ANALYST_COOKIE = "analyst"


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session


def encode_analyst(name: str) -> str:
    """Cookies carry only ASCII safely; names like "Ševčenko" are percent-encoded."""
    return quote(name, safe="")


def get_analyst(analyst: Annotated[str | None, Cookie(alias=ANALYST_COOKIE)] = None) -> str | None:
    name = unquote(analyst or "").strip()
    return name[:80] or None


SessionDep = Annotated[Session, Depends(get_session)]
AnalystDep = Annotated[str | None, Depends(get_analyst)]

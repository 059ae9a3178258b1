"""The starter map's example data: how much there is, and clearing it in one action."""

from dataclasses import asdict

from fastapi import APIRouter, Request, Response

from app.deps import SessionDep
from app.routes.claims import redirect
from app.services import examples

router = APIRouter()


@router.get("/api/examples", tags=["examples"])
def example_counts(session: SessionDep) -> dict[str, int]:
    """How many claims, relations and tags are example data from the starter map."""
    return asdict(examples.count_examples(session))


@router.delete("/api/examples", tags=["examples"])
def clear_example_data(session: SessionDep) -> dict[str, int]:
    """Delete all example data at once; the analysts' own work stays. Says what went."""
    return asdict(examples.clear_examples(session))


@router.post("/examples/clear", include_in_schema=False)
def clear_from_page(request: Request, session: SessionDep) -> Response:
    examples.clear_examples(session)
    return redirect(request, "/claims")

"""The starter map's example data: how much there is, and clearing it in one action."""

from dataclasses import asdict

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from app.deps import BlindingDep, SessionDep
from app.routes.claims import redirect_with_message
from app.services import examples

router = APIRouter()


class ClearedExamples(BaseModel):
    claims: int
    relations: int
    annotations: int
    kept_claims: int
    actors: int
    kept_actors: int
    message: str


@router.get("/api/examples", tags=["examples"])
def example_counts(session: SessionDep, blinding: BlindingDep) -> dict[str, int]:
    """How many claims, relations, tags and actors are example data from the starter map (of
    the tags, those the reader may see: none in the documents they code independently)."""
    return asdict(examples.count_examples(session, blinding))


@router.delete("/api/examples", tags=["examples"])
def clear_example_data(session: SessionDep) -> ClearedExamples:
    """Delete the example data at once; the analysts' own work stays whole. Says what went,
    how many example claims were kept (`kept_claims`, now ordinary claims) because the
    analysts' relations or evidence tags refer to them, and how many example actors were kept
    (`kept_actors`, now ordinary actors) because the analysts' tags or actors name them."""
    cleared = examples.clear_examples(session)
    return ClearedExamples(**asdict(cleared), message=cleared.message())


@router.post("/examples/clear", include_in_schema=False)
def clear_from_page(request: Request, session: SessionDep) -> Response:
    cleared = examples.clear_examples(session)
    return redirect_with_message(request, "/claims", cleared.message())

"""The actor registry: the list (with a form to add one), each actor's page (edit, merge), and
the JSON twins, with the actors a passage names."""

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse

from app.deps import AnalystDep, BlindingDep, SessionDep
from app.models import ActorCreate, ActorKind, ActorMerge, ActorPublic, ActorUpdate
from app.presenters.actors import actor_context, actor_list_context
from app.routes.params import VersionForm, VersionQuery, VersionRequired
from app.routes.responses import CONFLICT, DELETES, INVALID, NOT_FOUND, STALE, no_content
from app.services import actors, tagging
from app.templating import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api")

AliasesForm = Annotated[str, Form(max_length=6000, description="One alias a line.")]
LinkForm = Annotated[str, Form(max_length=32)]


def _aliases(typed: str) -> list[str]:
    return typed.splitlines()


def _actor_page(key: str) -> RedirectResponse:
    return RedirectResponse(f"/actors/{key}", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/actors", response_class=HTMLResponse)
def actor_list(
    request: Request, session: SessionDep, analyst: AnalystDep, blinding: BlindingDep
) -> HTMLResponse:
    context = actor_list_context(session, analyst, blinding)
    return render(request, "actors.html", context, fragment="_actor_rows.html")


@router.post("/actors", response_class=HTMLResponse)
def add_actor(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    blinding: BlindingDep,
    key: Annotated[str, Form(max_length=32)],
    name: Annotated[str, Form(max_length=100)],
    kind: Annotated[ActorKind, Form()] = ActorKind.person,
    aliases: AliasesForm = "",
    parent_key: LinkForm = "",
    position_key: LinkForm = "",
) -> HTMLResponse:
    data = ActorCreate(
        key=key,
        name=name,
        kind=kind,
        aliases=_aliases(aliases),
        parent_key=parent_key or None,
        position_key=position_key or None,
    )
    actors.create_actor(session, data, analyst)
    return actor_list(request, session, analyst, blinding)


@router.get("/actors/{actor_key}", response_class=HTMLResponse)
def actor_page(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    blinding: BlindingDep,
    actor_key: str,
) -> HTMLResponse:
    return render(request, "actor.html", actor_context(session, actor_key, analyst, blinding))


@router.post("/actors/{actor_key}", response_class=HTMLResponse)
def edit_actor(
    session: SessionDep,
    actor_key: str,
    name: Annotated[str, Form(max_length=100)],
    kind: Annotated[ActorKind, Form()],
    aliases: AliasesForm = "",
    parent_key: LinkForm = "",
    position_key: LinkForm = "",
    description: Annotated[str, Form(max_length=2000)] = "",
    version: VersionForm = None,
) -> Response:
    data = ActorUpdate(
        name=name,
        kind=kind,
        aliases=_aliases(aliases),
        parent_key=parent_key,
        position_key=position_key,
        description=description,
        version=version,
    )
    actors.update_actor(session, actor_key, data)
    return _actor_page(actor_key)


@router.post("/actors/{actor_key}/merge", response_class=HTMLResponse)
def merge_actor_from_page(
    session: SessionDep,
    actor_key: str,
    into: Annotated[str, Form(max_length=32)],
    version: VersionForm = None,
) -> Response:
    merged = actors.merge_actor(session, actor_key, into, version)
    return _actor_page(merged.key)


# --- the JSON twins ----------------------------------------------------------------------------


class ActorEdit(VersionRequired, ActorUpdate):
    pass


@api_router.get("/actors", tags=["actors"])
def list_actors(session: SessionDep) -> list[ActorPublic]:
    return [actors.actor_public(actor) for actor in actors.list_actors(session)]


@api_router.post(
    "/actors", status_code=status.HTTP_201_CREATED, tags=["actors"], responses=CONFLICT | INVALID
)
def create_actor(session: SessionDep, analyst: AnalystDep, data: ActorCreate) -> ActorPublic:
    """Add an actor. A name or alias another actor already has is refused (409): one name
    means one actor, so that a name found in a passage suggests one."""
    return actors.actor_public(actors.create_actor(session, data, analyst))


@api_router.get("/actors/{actor_key}", tags=["actors"], responses=NOT_FOUND)
def get_actor(session: SessionDep, actor_key: str) -> ActorPublic:
    return actors.actor_public(actors.get_actor(session, actor_key))


@api_router.patch(
    "/actors/{actor_key}", tags=["actors"], responses=NOT_FOUND | INVALID | STALE | CONFLICT
)
def update_actor(session: SessionDep, actor_key: str, data: ActorEdit) -> ActorPublic:
    """Change an actor; `parent_key` or `position_key` "" takes the link away."""
    return actors.actor_public(actors.update_actor(session, actor_key, data))


@api_router.delete("/actors/{actor_key}", tags=["actors"], **DELETES)
def delete_actor(session: SessionDep, actor_key: str, version: VersionQuery = None) -> Response:
    """Delete an actor no tag or other actor refers to (else 409: merge it instead)."""
    actors.delete_actor(session, actor_key, version)
    return no_content()


@api_router.post(
    "/actors/{actor_key}/merge", tags=["actors"], responses=NOT_FOUND | INVALID | STALE
)
def merge_actor(
    session: SessionDep, actor_key: str, data: ActorMerge, version: VersionQuery = None
) -> ActorPublic:
    """Fold this actor into `into`: its tags and members go there, its names become aliases
    there, and it is deleted. Answers the actor merged into."""
    return actors.actor_public(actors.merge_actor(session, actor_key, data.into, version))


@api_router.get("/passages/{passage_id}/actor-suggestions", tags=["actors"], responses=NOT_FOUND)
def suggest_actors(session: SessionDep, passage_id: str) -> list[ActorPublic]:
    """The actors whose name or an alias the passage's text contains, in order of appearance."""
    passage = tagging.get_passage(session, passage_id)
    return [actors.actor_public(actor) for actor in actors.suggest_actors(session, passage.text)]

"""Claim pages: the list with its search, a claim with its evidence and relations, and the
forms that relate, merge and split claims; and their JSON twins: claims (with their stances
and evidence) and the relations between them."""

from typing import Annotated, Any
from urllib.parse import quote, unquote

from fastapi import APIRouter, Form, Query, Request, Response, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, StringConstraints

from app.deps import AnalystDep, BlindingDep, SessionDep
from app.errors import version_conflict_response
from app.models import (
    NOT_BLANK,
    AnnotationPublic,
    ClaimCreate,
    ClaimPublic,
    ClaimUpdate,
    RelationCreate,
    RelationKind,
    RelationPublic,
    RelationUpdate,
    Stance,
)
from app.presenters.annotations import catalog_context
from app.presenters.claims import ClaimDetail, claim_conflict_context, claim_context, claim_detail
from app.routes.annotations import blank_to_none
from app.routes.paging import ApiPageDep, HtmlPageDep, add_page_headers, pager
from app.routes.params import VersionForm, VersionQuery, VersionRequired
from app.routes.responses import CONFLICT, DELETES, INVALID, NOT_FOUND, STALE, no_content
from app.services import claims, examples
from app.services.blinding import Blinding
from app.services.errors import VersionConflict
from app.services.tagging import present_annotation
from app.templating import is_fragment_request, render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api")

RELATIONS_CHANGED = {"HX-Trigger": "relations-changed"}
# A message for the next page, set before a redirect.
FLASH_COOKIE = "flash"


def redirect(request: Request, url: str) -> Response:
    """Send the browser to `url`: htmx is told by HX-Redirect (a 3xx would be followed by the
    request itself and its page swapped into the form), a plain form gets a 303."""
    if request.headers.get("HX-Request"):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return Response(status_code=303, headers={"Location": url})


def redirect_with_message(request: Request, url: str, message: str) -> Response:
    """`redirect`, with a message that the page at `url` shows once (see `flash_message`)."""
    response = redirect(request, url)
    # A cookie rather than a query parameter: the URL stays clean.
    response.set_cookie(
        FLASH_COOKIE, quote(message), max_age=60, path=url, httponly=True, samesite="lax"
    )
    return response


def flash_message(request: Request) -> str | None:
    """The message `redirect_with_message` left for this page, if any."""
    flash = request.cookies.get(FLASH_COOKIE)
    return unquote(flash) if flash else None


def claim_part(
    request: Request,
    session: SessionDep,
    claim_id: str,
    analyst: str | None,
    blinding: Blinding,
    template: str,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """One part of the claim's page (its head, relations, summary), rendered from the claim's
    context as its reader may see it (`blinding`): to show it alone, or again after a change."""
    context = claim_context(session, claim_id, analyst, blinding)
    return render(request, template, context, headers=headers)


@router.get("/claims", response_class=HTMLResponse)
def claim_list(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    blinding: BlindingDep,
    page: HtmlPageDep,
    q: Annotated[str, Query(max_length=200)] = "",
    topic: Annotated[str, Query(max_length=32)] = "",
    position: Annotated[str, Query(max_length=32)] = "",
) -> HTMLResponse:
    found = claims.page_claims(
        session,
        page,
        q=q or None,
        topic=topic or None,
        position=position or None,
        blinding=blinding,
    )
    context = {
        "found": found.items,
        "pager": pager(request, found),
        "q": q,
        "topic": topic,
        "position": position,
        "analyst": analyst,
        "example_counts": examples.count_examples(session, blinding),
        "flash": flash_message(request),
        **catalog_context(session),
    }
    response = render(request, "claims.html", context, fragment="_claim_rows.html")
    if context["flash"] and not is_fragment_request(request):
        response.delete_cookie(FLASH_COOKIE, path="/claims")
    return response


@router.get("/claims/search", response_class=HTMLResponse)
def claim_search(
    request: Request,
    session: SessionDep,
    blinding: BlindingDep,
    q: Annotated[str, Query(max_length=200)] = "",
    field: Annotated[str, Query(pattern=r"^[a-z_]{1,20}$")] = "claim_id",
    exclude: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    """Search-as-you-type: the best few claims, as radio buttons named `field`."""
    shown = claims.search_claims(session, q, blinding=blinding) if q.strip() else []
    found = [c for c in shown if c.id != exclude]
    context = {"found": found, "q": q, "field": field, "selected": None}
    return render(request, "_claim_options.html", context)


@router.get("/claims/{claim_id}", response_class=HTMLResponse)
def claim_page(
    request: Request, session: SessionDep, analyst: AnalystDep, blinding: BlindingDep, claim_id: str
) -> HTMLResponse:
    """The claim's page; htmx gets its header alone (to show it again after a refused edit)."""
    context = claim_context(session, claim_id, analyst, blinding)
    return render(request, "claim.html", context, fragment="_claim_head.html")


@router.get("/claims/{claim_id}/summary", response_class=HTMLResponse)
def claim_summary(
    request: Request, session: SessionDep, analyst: AnalystDep, blinding: BlindingDep, claim_id: str
) -> HTMLResponse:
    """The claim and its evidence, for the graph's side panel."""
    return claim_part(request, session, claim_id, analyst, blinding, "_claim_summary.html")


@router.get("/claims/{claim_id}/relations", response_class=HTMLResponse)
def claim_relations(
    request: Request, session: SessionDep, analyst: AnalystDep, blinding: BlindingDep, claim_id: str
) -> HTMLResponse:
    return claim_part(request, session, claim_id, analyst, blinding, "_claim_relations.html")


@router.put("/claims/{claim_id}", response_class=HTMLResponse)
def update_claim_from_page(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    blinding: BlindingDep,
    claim_id: str,
    text: Annotated[str, Form(max_length=2000)],
    topic_key: Annotated[str, Form(max_length=32)] = "",
    note: Annotated[str, Form(max_length=5000)] = "",
    version: VersionForm = None,
) -> HTMLResponse:
    """Save the edit form; if the claim changed since the form was shown (its `version`),
    answer 409 with both versions side by side instead."""
    data = ClaimUpdate(text=text, topic_key=blank_to_none(topic_key), note=note, version=version)
    try:
        claims.update_claim(session, claim_id, data)
    except VersionConflict as conflict:
        return version_conflict_response(request, claim_conflict_context(session, conflict, data))
    return claim_part(request, session, claim_id, analyst, blinding, "_claim_head.html")


@router.put("/claims/{claim_id}/stances/{position_key}", response_class=HTMLResponse)
def set_stance_from_page(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    blinding: BlindingDep,
    claim_id: str,
    position_key: str,
    stance: Annotated[str, Form(pattern=r"^(holds|rejects|none)$")],
) -> HTMLResponse:
    chosen = None if stance == "none" else Stance(stance)
    claims.set_stance(session, claim_id, position_key, chosen)
    return claim_part(request, session, claim_id, analyst, blinding, "_claim_head.html")


@router.post("/claims/{claim_id}/relations", response_class=HTMLResponse)
def add_relation(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    blinding: BlindingDep,
    claim_id: str,
    kind: Annotated[RelationKind, Form()],
    direction: Annotated[str, Form(pattern=r"^(from|to)$")],
    other_id: Annotated[str, Form(max_length=64)],
    note: Annotated[str, Form(max_length=5000)] = "",
    evidence_passage_id: Annotated[str, Form(max_length=64)] = "",
) -> HTMLResponse:
    """`direction` "from": this claim supports/attacks the other; "to": the other this one.
    The evidence passage, if chosen, is the one that makes the link."""
    source, target = (claim_id, other_id) if direction == "from" else (other_id, claim_id)
    data = RelationCreate(
        source_id=source,
        target_id=target,
        kind=kind,
        note=note,
        evidence_passage_id=blank_to_none(evidence_passage_id),
    )
    claims.create_relation(session, data, analyst)
    return claim_part(
        request, session, claim_id, analyst, blinding, "_claim_relations.html", RELATIONS_CHANGED
    )


@router.delete("/claims/{claim_id}/relations/{relation_id}", response_class=HTMLResponse)
def remove_relation(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    blinding: BlindingDep,
    claim_id: str,
    relation_id: str,
) -> HTMLResponse:
    claims.delete_relation(session, relation_id)
    return claim_part(
        request, session, claim_id, analyst, blinding, "_claim_relations.html", RELATIONS_CHANGED
    )


@router.post("/claims/{claim_id}/merge")
def merge_claim_from_page(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    claim_id: str,
    source_id: Annotated[str, Form(max_length=64)],
) -> Response:
    """Fold the chosen duplicate into this claim, then show this claim."""
    claims.merge_claims(session, claim_id, [source_id], analyst)
    return redirect(request, f"/claims/{claim_id}")


@router.post("/claims/{claim_id}/split")
def split_claim_from_page(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    claim_id: str,
    text: Annotated[str, Form(max_length=2000)],
    annotation_ids: Annotated[list[str], Form()],
) -> Response:
    """Move the chosen evidence to a new claim, then show the new claim."""
    new = claims.split_claim(session, claim_id, annotation_ids, text, analyst)
    return redirect(request, f"/claims/{new.id}")


@router.delete("/claims/{claim_id}")
def delete_claim_from_page(request: Request, session: SessionDep, claim_id: str) -> Response:
    claims.delete_claim(session, claim_id)
    return redirect(request, "/claims")


# --- the JSON twins: the bodies they take --------------------------------------------------------

Id = Annotated[str, StringConstraints(max_length=64)]


class ClaimEdit(VersionRequired, ClaimUpdate):
    pass


class RelationEdit(VersionRequired, RelationUpdate):
    pass


class StanceBody(BaseModel):
    stance: Stance


class EvidenceBody(BaseModel):
    annotation_id: Id


AT_LEAST_ONE: dict[str, Any] = {"minItems": 1}


class MergeBody(BaseModel):
    # An empty list is refused by the service with a sentence; minItems tells clients so.
    source_ids: list[Id] = Field(
        max_length=100, description="The duplicates to fold in.", json_schema_extra=AT_LEAST_ONE
    )


class SplitBody(BaseModel):
    annotation_ids: list[Id] = Field(
        max_length=1000, description="Evidence for the new claim.", json_schema_extra=AT_LEAST_ONE
    )
    # Blank text is refused by the service with a sentence; the pattern tells clients so.
    text: str = Field(
        max_length=2000, description="The new claim's text.", json_schema_extra=NOT_BLANK
    )


# --- the JSON twins: claims ----------------------------------------------------------------------


@api_router.get("/claims", tags=["claims"], responses=NOT_FOUND)
def list_claims(
    request: Request,
    response: Response,
    session: SessionDep,
    blinding: BlindingDep,
    page: ApiPageDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    topic: Annotated[str | None, Query(max_length=32)] = None,
    position: Annotated[str | None, Query(max_length=32)] = None,
) -> list[ClaimPublic]:
    """Claims by text, or with `q` the best matches first (every word of `q`, any case).

    `topic` and `position` (a claim that position holds or rejects) narrow the list. A page at
    a time (`limit`, `offset`; the total is in `X-Total-Count`, the next and previous pages in
    `Link`).
    """
    found = claims.page_claims(
        session, page, q=q, topic=topic, position=position, blinding=blinding
    )
    add_page_headers(request, response, found)
    return found.items


@api_router.post(
    "/claims", status_code=status.HTTP_201_CREATED, tags=["claims"], responses=NOT_FOUND | INVALID
)
def create_claim(
    session: SessionDep, analyst: AnalystDep, blinding: BlindingDep, data: ClaimCreate
) -> ClaimPublic:
    """Add a claim with its stances, and attach the tags `annotation_ids` as its evidence.

    The claim is recorded as the signed-in user's; a body never names its author.
    """
    return claims.claim_public(session, claims.create_claim(session, data, analyst), blinding)


@api_router.get("/claims/{claim_id}", tags=["claims"], responses=NOT_FOUND)
def get_claim(session: SessionDep, blinding: BlindingDep, claim_id: str) -> ClaimDetail:
    """A claim with its evidence (by document date, then passage) and its relations; not the
    tags of others in a document you code independently (they neither show nor count)."""
    return claim_detail(session, claim_id, blinding)


@api_router.patch("/claims/{claim_id}", tags=["claims"], responses=NOT_FOUND | INVALID | STALE)
def update_claim(
    session: SessionDep, blinding: BlindingDep, claim_id: str, data: ClaimEdit
) -> ClaimPublic:
    """Change the fields given; `topic_key: null` clears the topic, `stances` replaces them all."""
    updated = claims.update_claim(session, claim_id, data)
    return claims.claim_public(session, updated, blinding)


@api_router.delete("/claims/{claim_id}", tags=["claims"], **DELETES)
def delete_claim(session: SessionDep, claim_id: str, version: VersionQuery = None) -> Response:
    """Delete a claim and its relations; its evidence tags stay, attached to no claim."""
    claims.delete_claim(session, claim_id, version)
    return no_content()


@api_router.put(
    "/claims/{claim_id}/stances/{position_key}",
    tags=["claims"],
    responses=NOT_FOUND | INVALID | STALE,
)
def set_stance(
    session: SessionDep,
    blinding: BlindingDep,
    claim_id: str,
    position_key: str,
    data: StanceBody,
    version: VersionQuery = None,
) -> ClaimPublic:
    """Say whether a position holds or rejects the claim (`version`: the claim's)."""
    changed = claims.set_stance(session, claim_id, position_key, data.stance, version)
    return claims.claim_public(session, changed, blinding)


@api_router.delete("/claims/{claim_id}/stances/{position_key}", tags=["claims"], **DELETES)
def remove_stance(
    session: SessionDep, claim_id: str, position_key: str, version: VersionQuery = None
) -> Response:
    """The position takes no stance on the claim (any more) (`version`: the claim's)."""
    claims.set_stance(session, claim_id, position_key, None, version)
    return no_content()


@api_router.post("/claims/{claim_id}/evidence", tags=["claims"], responses=NOT_FOUND)
def attach_evidence(session: SessionDep, claim_id: str, data: EvidenceBody) -> AnnotationPublic:
    """Make a tag evidence for the claim (taking it from another claim, if any)."""
    annotation = claims.attach_evidence(session, claim_id, data.annotation_id)
    return present_annotation(annotation)


@api_router.delete("/claims/{claim_id}/evidence/{annotation_id}", tags=["claims"], **DELETES)
def detach_evidence(
    session: SessionDep, claim_id: str, annotation_id: str, version: VersionQuery = None
) -> Response:
    """Stop a tag being evidence for the claim; the tag itself stays (`version`: the tag's)."""
    claims.detach_evidence(session, annotation_id, claim_id=claim_id, version=version)
    return no_content()


@api_router.post("/claims/{claim_id}/merge", tags=["claims"], responses=NOT_FOUND | INVALID)
def merge_claims(
    session: SessionDep, analyst: AnalystDep, blinding: BlindingDep, claim_id: str, data: MergeBody
) -> ClaimPublic:
    """Fold duplicate claims (`source_ids`) into this one and delete them.

    Their evidence moves here; stances are united (this claim's stance wins a disagreement);
    their relations are re-pointed here, except any that would link this claim to itself or
    repeat a relation it already has, which are dropped.
    """
    merged = claims.merge_claims(session, claim_id, data.source_ids, analyst)
    return claims.claim_public(session, merged, blinding)


@api_router.post(
    "/claims/{claim_id}/split",
    status_code=status.HTTP_201_CREATED,
    tags=["claims"],
    responses=NOT_FOUND | INVALID,
)
def split_claim(
    session: SessionDep, analyst: AnalystDep, blinding: BlindingDep, claim_id: str, data: SplitBody
) -> ClaimPublic:
    """Make a new claim from some of this claim's evidence; it has the same topic and stances.

    Relations stay with this claim.
    """
    new = claims.split_claim(session, claim_id, data.annotation_ids, data.text, analyst)
    return claims.claim_public(session, new, blinding)


# --- the JSON twins: relations -------------------------------------------------------------------


@api_router.get("/relations", tags=["relations"], responses=NOT_FOUND)
def list_relations(
    request: Request,
    response: Response,
    session: SessionDep,
    page: ApiPageDep,
    claim: Annotated[str | None, Query(max_length=64)] = None,
) -> list[RelationPublic]:
    """Every relation, oldest first, or with `claim` those from or to that claim, a page at a
    time (`limit`, `offset`; the total is in `X-Total-Count`, the next and previous pages in
    `Link`)."""
    found = claims.page_relations(session, page, claim)
    add_page_headers(request, response, found)
    return [RelationPublic.model_validate(r) for r in found.items]


@api_router.post(
    "/relations",
    status_code=status.HTTP_201_CREATED,
    tags=["relations"],
    responses=NOT_FOUND | CONFLICT | INVALID,
)
def create_relation(
    session: SessionDep, analyst: AnalystDep, data: RelationCreate
) -> RelationPublic:
    """Say that the claim `source_id` supports or attacks the claim `target_id`.

    Two claims have one relation at most, whichever the direction.
    """
    return RelationPublic.model_validate(claims.create_relation(session, data, analyst))


@api_router.get("/relations/{relation_id}", tags=["relations"], responses=NOT_FOUND)
def get_relation(session: SessionDep, relation_id: str) -> RelationPublic:
    return RelationPublic.model_validate(claims.get_relation(session, relation_id))


@api_router.patch(
    "/relations/{relation_id}", tags=["relations"], responses=NOT_FOUND | INVALID | STALE
)
def update_relation(session: SessionDep, relation_id: str, data: RelationEdit) -> RelationPublic:
    """Change the kind, note or evidence passage; the two claims stay."""
    return RelationPublic.model_validate(claims.update_relation(session, relation_id, data))


@api_router.delete("/relations/{relation_id}", tags=["relations"], **DELETES)
def delete_relation(
    session: SessionDep, relation_id: str, version: VersionQuery = None
) -> Response:
    claims.delete_relation(session, relation_id, version)
    return no_content()

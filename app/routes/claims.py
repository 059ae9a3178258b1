"""Claim pages: the list with its search, a claim with its evidence and relations, and the
forms that relate, merge and split claims."""

from typing import Annotated
from urllib.parse import quote, unquote

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse

from app.deps import AnalystDep, SessionDep
from app.errors import version_conflict_response
from app.models import MAX_INTEGER, ClaimUpdate, RelationCreate, RelationKind, Stance
from app.presenters.annotations import catalog_context
from app.presenters.claims import claim_conflict_context, claim_context
from app.routes.annotations import blank_to_none
from app.routes.paging import HtmlPageDep, pager
from app.services import claims, examples
from app.services.errors import VersionConflict
from app.templating import is_fragment_request, render

router = APIRouter(include_in_schema=False)

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


@router.get("/claims", response_class=HTMLResponse)
def claim_list(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    page: HtmlPageDep,
    q: Annotated[str, Query(max_length=200)] = "",
    topic: Annotated[str, Query(max_length=32)] = "",
    position: Annotated[str, Query(max_length=32)] = "",
) -> HTMLResponse:
    found = claims.page_claims(
        session, page, q=q or None, topic=topic or None, position=position or None
    )
    context = {
        "found": found.items,
        "pager": pager(request, found),
        "q": q,
        "topic": topic,
        "position": position,
        "analyst": analyst,
        "example_counts": examples.count_examples(session),
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
    q: Annotated[str, Query(max_length=200)] = "",
    field: Annotated[str, Query(pattern=r"^[a-z_]{1,20}$")] = "claim_id",
    exclude: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    """Search-as-you-type: the best few claims, as radio buttons named `field`."""
    found = [c for c in claims.search_claims(session, q) if c.id != exclude] if q.strip() else []
    context = {"found": found, "q": q, "field": field, "selected": None}
    return render(request, "_claim_options.html", context)


@router.get("/claims/{claim_id}", response_class=HTMLResponse)
def claim_page(
    request: Request, session: SessionDep, analyst: AnalystDep, claim_id: str
) -> HTMLResponse:
    """The claim's page; htmx gets its header alone (to show it again after a refused edit)."""
    context = claim_context(session, claim_id, analyst)
    return render(request, "claim.html", context, fragment="_claim_head.html")


@router.get("/claims/{claim_id}/summary", response_class=HTMLResponse)
def claim_summary(
    request: Request, session: SessionDep, analyst: AnalystDep, claim_id: str
) -> HTMLResponse:
    """The claim and its evidence, for the graph's side panel."""
    return render(request, "_claim_summary.html", claim_context(session, claim_id, analyst))


@router.get("/claims/{claim_id}/relations", response_class=HTMLResponse)
def claim_relations(
    request: Request, session: SessionDep, analyst: AnalystDep, claim_id: str
) -> HTMLResponse:
    return render(request, "_claim_relations.html", claim_context(session, claim_id, analyst))


@router.put("/claims/{claim_id}", response_class=HTMLResponse)
def update_claim(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    claim_id: str,
    text: Annotated[str, Form(max_length=2000)],
    topic_key: Annotated[str, Form(max_length=32)] = "",
    note: Annotated[str, Form(max_length=5000)] = "",
    version: Annotated[int | None, Form(ge=1, le=MAX_INTEGER)] = None,
) -> HTMLResponse:
    """Save the edit form; if the claim changed since the form was shown (its `version`),
    answer 409 with both versions side by side instead."""
    data = ClaimUpdate(text=text, topic_key=blank_to_none(topic_key), note=note, version=version)
    try:
        claims.update_claim(session, claim_id, data)
    except VersionConflict as conflict:
        return version_conflict_response(request, claim_conflict_context(session, conflict, data))
    return render(request, "_claim_head.html", claim_context(session, claim_id, analyst))


@router.put("/claims/{claim_id}/stances/{position_key}", response_class=HTMLResponse)
def set_stance(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    claim_id: str,
    position_key: str,
    stance: Annotated[str, Form(pattern=r"^(holds|rejects|none)$")],
) -> HTMLResponse:
    chosen = None if stance == "none" else Stance(stance)
    claims.set_stance(session, claim_id, position_key, chosen)
    return render(request, "_claim_head.html", claim_context(session, claim_id, analyst))


@router.post("/claims/{claim_id}/relations", response_class=HTMLResponse)
def add_relation(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
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
    context = claim_context(session, claim_id, analyst)
    return render(request, "_claim_relations.html", context, headers=RELATIONS_CHANGED)


@router.delete("/claims/{claim_id}/relations/{relation_id}", response_class=HTMLResponse)
def remove_relation(
    request: Request, session: SessionDep, analyst: AnalystDep, claim_id: str, relation_id: str
) -> HTMLResponse:
    claims.delete_relation(session, relation_id)
    context = claim_context(session, claim_id, analyst)
    return render(request, "_claim_relations.html", context, headers=RELATIONS_CHANGED)


@router.post("/claims/{claim_id}/merge")
def merge_claim(
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
def split_claim(
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
def delete_claim(request: Request, session: SessionDep, claim_id: str) -> Response:
    claims.delete_claim(session, claim_id)
    return redirect(request, "/claims")

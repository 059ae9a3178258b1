"""The JSON API for claims (with their stances and evidence) and the relations between them."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field, StringConstraints

from app.deps import AnalystDep, SessionDep
from app.models import (
    NOT_BLANK,
    AnnotationPublic,
    ClaimCreate,
    ClaimPublic,
    ClaimUpdate,
    RelationCreate,
    RelationPublic,
    RelationUpdate,
    Stance,
)
from app.routes.api import CONFLICT, INVALID, NOT_FOUND, STALE, VersionQuery, VersionRequired
from app.routes.paging import ApiPageDep, add_page_headers
from app.services import claims, reanchor
from app.services.claims import LinkedClaim
from app.services.tagging import present_annotation

router = APIRouter(prefix="/api")

Id = Annotated[str, StringConstraints(max_length=64)]


class EvidencePublic(AnnotationPublic):
    """An evidence tag with the text of its passage and the label of its document."""

    passage_text: str
    document_label: str


class LinkedClaimPublic(RelationPublic):
    """A relation seen from one claim, with the claim at its other end."""

    other_claim_id: str
    other_claim_text: str


class ClaimDetail(ClaimPublic):
    evidence: list[EvidencePublic]
    needs_review: bool = Field(
        description="Some of its evidence lost its place when its document's text was replaced."
    )
    orphaned_evidence: list[AnnotationPublic] = Field(
        description="That evidence: live tags with no passage, each with the quote it had."
    )
    supports: list[LinkedClaimPublic] = Field(description="Claims this claim supports.")
    supported_by: list[LinkedClaimPublic] = Field(description="Claims that support this one.")
    attacks: list[LinkedClaimPublic] = Field(description="Claims this claim attacks.")
    attacked_by: list[LinkedClaimPublic] = Field(description="Claims that attack this one.")


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


def _linked(links: list[LinkedClaim]) -> list[LinkedClaimPublic]:
    return [
        LinkedClaimPublic.model_validate(
            link.relation,
            update={"other_claim_id": link.claim.id, "other_claim_text": link.claim.text},
        )
        for link in links
    ]


# --- claims ----------------------------------------------------------------------------------


@router.get("/claims", tags=["claims"], responses=NOT_FOUND)
def list_claims(
    request: Request,
    response: Response,
    session: SessionDep,
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
    found = claims.page_claims(session, page, q=q, topic=topic, position=position)
    add_page_headers(request, response, found)
    return found.items


@router.post(
    "/claims", status_code=status.HTTP_201_CREATED, tags=["claims"], responses=NOT_FOUND | INVALID
)
def create_claim(session: SessionDep, analyst: AnalystDep, data: ClaimCreate) -> ClaimPublic:
    """Add a claim with its stances, and attach the tags `annotation_ids` as its evidence.

    The claim is recorded as the signed-in user's; a body never names its author.
    """
    return claims.claim_public(session, claims.create_claim(session, data, analyst))


@router.get("/claims/{claim_id}", tags=["claims"], responses=NOT_FOUND)
def get_claim(session: SessionDep, claim_id: str) -> ClaimDetail:
    """A claim with its evidence (by document date, then passage) and its relations."""
    public = claims.claim_public(session, claims.get_claim(session, claim_id))
    evidence = [
        EvidencePublic.model_validate(
            present_annotation(item.annotation),
            update={"passage_text": item.passage.text, "document_label": item.document_label},
        )
        for item in claims.claim_evidence(session, claim_id)
    ]
    links = claims.claim_links(session, claim_id)
    orphans = [present_annotation(a) for a in reanchor.orphaned_evidence(session, claim_id)]
    return ClaimDetail.model_validate(
        public,
        update={
            "evidence": evidence,
            "needs_review": bool(orphans),
            "orphaned_evidence": orphans,
            "supports": _linked(links.supports),
            "supported_by": _linked(links.supported_by),
            "attacks": _linked(links.attacks),
            "attacked_by": _linked(links.attacked_by),
        },
    )


@router.patch("/claims/{claim_id}", tags=["claims"], responses=NOT_FOUND | INVALID | STALE)
def update_claim(session: SessionDep, claim_id: str, data: ClaimEdit) -> ClaimPublic:
    """Change the fields given; `topic_key: null` clears the topic, `stances` replaces them all."""
    return claims.claim_public(session, claims.update_claim(session, claim_id, data))


@router.delete(
    "/claims/{claim_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["claims"],
    responses=NOT_FOUND | STALE,
)
def delete_claim(session: SessionDep, claim_id: str, version: VersionQuery = None) -> Response:
    """Delete a claim and its relations; its evidence tags stay, attached to no claim."""
    claims.delete_claim(session, claim_id, version)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/claims/{claim_id}/stances/{position_key}",
    tags=["claims"],
    responses=NOT_FOUND | INVALID | STALE,
)
def set_stance(
    session: SessionDep,
    claim_id: str,
    position_key: str,
    data: StanceBody,
    version: VersionQuery = None,
) -> ClaimPublic:
    """Say whether a position holds or rejects the claim (`version`: the claim's)."""
    return claims.claim_public(
        session, claims.set_stance(session, claim_id, position_key, data.stance, version)
    )


@router.delete(
    "/claims/{claim_id}/stances/{position_key}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["claims"],
    responses=NOT_FOUND | STALE,
)
def remove_stance(
    session: SessionDep, claim_id: str, position_key: str, version: VersionQuery = None
) -> Response:
    """The position takes no stance on the claim (any more) (`version`: the claim's)."""
    claims.set_stance(session, claim_id, position_key, None, version)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/claims/{claim_id}/evidence", tags=["claims"], responses=NOT_FOUND)
def attach_evidence(session: SessionDep, claim_id: str, data: EvidenceBody) -> AnnotationPublic:
    """Make a tag evidence for the claim (taking it from another claim, if any)."""
    annotation = claims.attach_evidence(session, claim_id, data.annotation_id)
    return present_annotation(annotation)


@router.delete(
    "/claims/{claim_id}/evidence/{annotation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["claims"],
    responses=NOT_FOUND | STALE,
)
def detach_evidence(
    session: SessionDep, claim_id: str, annotation_id: str, version: VersionQuery = None
) -> Response:
    """Stop a tag being evidence for the claim; the tag itself stays (`version`: the tag's)."""
    claims.detach_evidence(session, annotation_id, claim_id=claim_id, version=version)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/claims/{claim_id}/merge", tags=["claims"], responses=NOT_FOUND | INVALID)
def merge_claims(
    session: SessionDep, analyst: AnalystDep, claim_id: str, data: MergeBody
) -> ClaimPublic:
    """Fold duplicate claims (`source_ids`) into this one and delete them.

    Their evidence moves here; stances are united (this claim's stance wins a disagreement);
    their relations are re-pointed here, except any that would link this claim to itself or
    repeat a relation it already has, which are dropped.
    """
    merged = claims.merge_claims(session, claim_id, data.source_ids, analyst)
    return claims.claim_public(session, merged)


@router.post(
    "/claims/{claim_id}/split",
    status_code=status.HTTP_201_CREATED,
    tags=["claims"],
    responses=NOT_FOUND | INVALID,
)
def split_claim(
    session: SessionDep, analyst: AnalystDep, claim_id: str, data: SplitBody
) -> ClaimPublic:
    """Make a new claim from some of this claim's evidence; it has the same topic and stances.

    Relations stay with this claim.
    """
    new = claims.split_claim(session, claim_id, data.annotation_ids, data.text, analyst)
    return claims.claim_public(session, new)


# --- relations -------------------------------------------------------------------------------


@router.get("/relations", tags=["relations"], responses=NOT_FOUND)
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


@router.post(
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


@router.get("/relations/{relation_id}", tags=["relations"], responses=NOT_FOUND)
def get_relation(session: SessionDep, relation_id: str) -> RelationPublic:
    return RelationPublic.model_validate(claims.get_relation(session, relation_id))


@router.patch("/relations/{relation_id}", tags=["relations"], responses=NOT_FOUND | INVALID | STALE)
def update_relation(session: SessionDep, relation_id: str, data: RelationEdit) -> RelationPublic:
    """Change the kind, note or evidence passage; the two claims stay."""
    return RelationPublic.model_validate(claims.update_relation(session, relation_id, data))


@router.delete(
    "/relations/{relation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["relations"],
    responses=NOT_FOUND | STALE,
)
def delete_relation(
    session: SessionDep, relation_id: str, version: VersionQuery = None
) -> Response:
    claims.delete_relation(session, relation_id, version)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

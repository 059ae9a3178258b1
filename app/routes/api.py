"""The JSON API: everything the pages do, documented at /docs."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field, StrictInt, model_validator
from pydantic_core import PydanticCustomError
from sqlmodel import SQLModel

from app.deps import AnalystDep, SessionDep
from app.models import (
    MAX_INTEGER,
    VERSION_HELP,
    AnnotationCreate,
    AnnotationPublic,
    AnnotationUpdate,
    DocumentCreate,
    DocumentPublic,
    DocumentUpdate,
    PassagePublic,
    PassageUpdate,
    PositionCreate,
    PositionPublic,
    PositionUpdate,
    TopicCreate,
    TopicPublic,
    TopicUpdate,
)
from app.routes.paging import ApiPageDep, add_page_headers
from app.services import catalog, corpus, documents, reanchor, tagging
from app.services.tagging import AnnotationFilters

router = APIRouter(prefix="/api")

Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: {"description": "No such thing; the message says which."}}
INVALID: Responses = {422: {"description": "The input is invalid; the message says where."}}
CONFLICT: Responses = {
    409: {"description": "It clashes with what is stored; the message says how."}
}


class VersionConflictBody(BaseModel):
    detail: str = Field(description="What happened, for a person.")
    current: dict[str, Any] = Field(description="The item as it is stored now.")
    your_version: int = Field(description="The version the refused change was based on.")


STALE: Responses = {
    409: {
        "description": "Someone changed it since the version you sent, and nothing was saved: "
        "`current` is the item as it is now. (Any other clash answers 409 with a `detail` only.)",
        "model": VersionConflictBody,
    }
}
# The version a delete or another change was based on; without it, nothing is checked.
VersionQuery = Annotated[int | None, Query(ge=1, le=MAX_INTEGER, description=VERSION_HELP)]

MISSING_VERSION = (
    "Send the `version` of the item as you last read it: an edit must name the version it "
    "was based on, so that it cannot overwrite a change someone made in the meantime."
)


class VersionRequired(SQLModel):
    """The API's edits (PATCH) must name the version they were based on."""

    version: StrictInt = Field(ge=1, le=MAX_INTEGER, description=VERSION_HELP)

    @model_validator(mode="before")
    @classmethod
    def _version_given(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("version") is None:
            raise PydanticCustomError("version_missing", MISSING_VERSION)
        return data


class DocumentEdit(VersionRequired, DocumentUpdate):
    pass


class PositionEdit(VersionRequired, PositionUpdate):
    pass


class TopicEdit(VersionRequired, TopicUpdate):
    pass


class AnnotationEdit(VersionRequired, AnnotationUpdate):
    pass


class DocumentDetail(DocumentPublic):
    passages: list[PassagePublic]


class TopicGroupPublic(BaseModel):
    topic: TopicPublic | None
    annotations: list[AnnotationPublic]


class PositionDetail(BaseModel):
    position: PositionPublic
    groups: list[TopicGroupPublic]


# --- documents -------------------------------------------------------------------------------


@router.get("/documents", tags=["documents"])
def list_documents(
    request: Request, response: Response, session: SessionDep, page: ApiPageDep
) -> list[DocumentPublic]:
    """Documents, oldest first, a page at a time (`limit`, `offset`; the total is in
    `X-Total-Count`, the next and previous pages in `Link`)."""
    found = documents.page_documents(session, page)
    add_page_headers(request, response, found)
    return [summary.document for summary in found.items]


@router.post(
    "/documents", status_code=status.HTTP_201_CREATED, tags=["documents"], responses=CONFLICT
)
def create_document(session: SessionDep, data: DocumentCreate) -> DocumentPublic:
    """Add a text to the corpus; it is split into passages at once."""
    document = corpus.add_document(session, data)
    return documents.get_document_summary(session, document.id).document


@router.get("/documents/{document_id}", tags=["documents"], responses=NOT_FOUND)
def get_document(session: SessionDep, document_id: str) -> DocumentDetail:
    summary = documents.get_document_summary(session, document_id)
    passages = [
        PassagePublic.model_validate(p) for p in documents.list_passages(session, document_id)
    ]
    return DocumentDetail.model_validate(summary.document, update={"passages": passages})


@router.patch("/documents/{document_id}", tags=["documents"], responses=NOT_FOUND | INVALID | STALE)
def update_document(session: SessionDep, document_id: str, data: DocumentEdit) -> DocumentPublic:
    documents.update_document(session, document_id, data)
    return documents.get_document_summary(session, document_id).document


@router.delete(
    "/documents/{document_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["documents"],
    responses=NOT_FOUND | STALE,
)
def delete_document(
    session: SessionDep, document_id: str, version: VersionQuery = None
) -> Response:
    """Delete a document with its passages and their tags."""
    documents.delete_document(session, document_id, version)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


class DocumentText(BaseModel):
    text: str = Field(min_length=1, max_length=reanchor.MAX_TEXT_LENGTH)


@router.put(
    "/documents/{document_id}/text",
    tags=["documents"],
    responses=NOT_FOUND | INVALID | STALE,
)
def replace_document_text(
    session: SessionDep, document_id: str, data: DocumentText, version: VersionQuery = None
) -> reanchor.ReanchorReport:
    """Replace the text with a corrected version; its tags follow their words.

    Each tag is placed again by the text it quotes and the words around it, not by its old
    offsets. A tag whose words are gone becomes an orphan (listed at …/orphans, never deleted);
    the claims it is evidence for, and their relations, then need review. The same text as now
    changes nothing; a text another document has is refused.
    """
    return reanchor.replace_document_text(session, document_id, data.text, version)


@router.get("/documents/{document_id}/orphans", tags=["documents"], responses=NOT_FOUND)
def list_document_orphans(session: SessionDep, document_id: str) -> list[AnnotationPublic]:
    """The document's live tags that lost their place when its text was replaced."""
    return [tagging.present_annotation(a) for a in reanchor.list_orphans(session, document_id)]


@router.get("/orphans", tags=["annotations"])
def list_orphans(session: SessionDep) -> list[AnnotationPublic]:
    """Every live tag that lost its place when its document's text was replaced.

    An orphan has no passage and no offsets; `quote` is the text it covered and `orphaned_at`
    when it lost its place.
    """
    return [tagging.present_annotation(a) for a in reanchor.list_orphans(session)]


# --- passages --------------------------------------------------------------------------------


@router.get("/documents/{document_id}/passages", tags=["passages"], responses=NOT_FOUND)
def list_passages(session: SessionDep, document_id: str) -> list[PassagePublic]:
    return [PassagePublic.model_validate(p) for p in documents.list_passages(session, document_id)]


@router.get("/passages/{passage_id}", tags=["passages"], responses=NOT_FOUND)
def get_passage(session: SessionDep, passage_id: str) -> PassagePublic:
    return PassagePublic.model_validate(tagging.get_passage(session, passage_id))


@router.patch("/passages/{passage_id}", tags=["passages"], responses=NOT_FOUND | INVALID)
def update_passage(session: SessionDep, passage_id: str, data: PassageUpdate) -> PassagePublic:
    """Correct a passage's kind; its text and offsets follow the document and cannot change."""
    return PassagePublic.model_validate(documents.update_passage(session, passage_id, data))


# --- positions -------------------------------------------------------------------------------


@router.get("/positions", tags=["positions"])
def list_positions(session: SessionDep) -> list[PositionPublic]:
    return [PositionPublic.model_validate(p) for p in catalog.list_positions(session)]


@router.post(
    "/positions",
    status_code=status.HTTP_201_CREATED,
    tags=["positions"],
    responses=CONFLICT | INVALID,
)
def create_position(session: SessionDep, data: PositionCreate) -> PositionPublic:
    return PositionPublic.model_validate(catalog.create_position(session, data))


@router.get("/positions/{position_key}", tags=["positions"], responses=NOT_FOUND)
def get_position(
    request: Request, response: Response, session: SessionDep, position_key: str, page: ApiPageDep
) -> PositionDetail:
    """A position with the passages tagged with it, grouped by topic, a page of tags at a time
    (`limit`, `offset`; the number of tags is in `X-Total-Count`, the next and previous pages
    in `Link`)."""
    position = catalog.get_position(session, position_key)
    found_groups, found = documents.page_position_groups(session, position_key, page)
    add_page_headers(request, response, found)
    groups = [
        TopicGroupPublic(
            topic=TopicPublic.model_validate(group.topic) if group.topic else None,
            annotations=[tagging.present_annotation(item.annotation) for item in group.items],
        )
        for group in found_groups
    ]
    return PositionDetail(position=PositionPublic.model_validate(position), groups=groups)


@router.patch(
    "/positions/{position_key}", tags=["positions"], responses=NOT_FOUND | INVALID | STALE
)
def update_position(session: SessionDep, position_key: str, data: PositionEdit) -> PositionPublic:
    return PositionPublic.model_validate(catalog.update_position(session, position_key, data))


@router.delete(
    "/positions/{position_key}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["positions"],
    responses=NOT_FOUND | STALE,
)
def delete_position(
    session: SessionDep, position_key: str, version: VersionQuery = None
) -> Response:
    """Delete a position no tag uses."""
    catalog.delete_position(session, position_key, version)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- topics ----------------------------------------------------------------------------------


@router.get("/topics", tags=["topics"])
def list_topics(session: SessionDep) -> list[TopicPublic]:
    return [TopicPublic.model_validate(t) for t in catalog.list_topics(session)]


@router.post(
    "/topics", status_code=status.HTTP_201_CREATED, tags=["topics"], responses=CONFLICT | INVALID
)
def create_topic(session: SessionDep, data: TopicCreate) -> TopicPublic:
    return TopicPublic.model_validate(catalog.create_topic(session, data))


@router.get("/topics/{topic_key}", tags=["topics"], responses=NOT_FOUND)
def get_topic(session: SessionDep, topic_key: str) -> TopicPublic:
    return TopicPublic.model_validate(catalog.get_topic(session, topic_key))


@router.patch("/topics/{topic_key}", tags=["topics"], responses=NOT_FOUND | INVALID | STALE)
def update_topic(session: SessionDep, topic_key: str, data: TopicEdit) -> TopicPublic:
    return TopicPublic.model_validate(catalog.update_topic(session, topic_key, data))


@router.delete(
    "/topics/{topic_key}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["topics"],
    responses=NOT_FOUND | STALE,
)
def delete_topic(session: SessionDep, topic_key: str, version: VersionQuery = None) -> Response:
    """Delete a topic no tag uses."""
    catalog.delete_topic(session, topic_key, version)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- annotations -----------------------------------------------------------------------------


@router.get("/annotations", tags=["annotations"])
def list_annotations(
    request: Request,
    response: Response,
    session: SessionDep,
    page: ApiPageDep,
    document: Annotated[str | None, Query(max_length=64)] = None,
    passage: Annotated[str | None, Query(max_length=64)] = None,
    position: Annotated[str | None, Query(max_length=32)] = None,
    topic: Annotated[str | None, Query(max_length=32)] = None,
    analyst: Annotated[str | None, Query(max_length=80)] = None,
) -> list[AnnotationPublic]:
    """Live tags, oldest first, filtered by any of document, passage, position, topic, analyst,
    a page at a time (`limit`, `offset`; the total is in `X-Total-Count`, the next and previous
    pages in `Link`)."""
    filters = AnnotationFilters(document, passage, position, topic, analyst)
    found = tagging.page_annotations(session, filters, page)
    add_page_headers(request, response, found)
    return found.items


@router.post(
    "/annotations",
    status_code=status.HTTP_201_CREATED,
    tags=["annotations"],
    responses=NOT_FOUND | INVALID,
)
def create_annotation(
    session: SessionDep, analyst: AnalystDep, data: AnnotationCreate
) -> AnnotationPublic:
    """Tag a passage, or the span `start`–`end` of its text, with a position.

    The tag is recorded as the signed-in user's; a body never names its author.
    """
    annotation = tagging.tag_passage(session, data, analyst)
    return tagging.present_annotation(annotation)


@router.get("/annotations/{annotation_id}", tags=["annotations"], responses=NOT_FOUND)
def get_annotation(session: SessionDep, annotation_id: str) -> AnnotationPublic:
    annotation = tagging.get_annotation(session, annotation_id)
    return tagging.present_annotation(annotation)


@router.patch(
    "/annotations/{annotation_id}", tags=["annotations"], responses=NOT_FOUND | INVALID | STALE
)
def update_annotation(
    session: SessionDep, annotation_id: str, data: AnnotationEdit
) -> AnnotationPublic:
    annotation = tagging.update_annotation(session, annotation_id, data)
    return tagging.present_annotation(annotation)


@router.delete(
    "/annotations/{annotation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["annotations"],
    responses=NOT_FOUND | STALE,
)
def delete_annotation(
    session: SessionDep, annotation_id: str, version: VersionQuery = None
) -> Response:
    """Remove a tag (undo with POST …/restore)."""
    tagging.remove_annotation(session, annotation_id, version)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/annotations/{annotation_id}/restore", tags=["annotations"], responses=NOT_FOUND)
def restore_annotation(session: SessionDep, annotation_id: str) -> AnnotationPublic:
    """Undo the removal of a tag."""
    annotation = tagging.restore_annotation(session, annotation_id)
    return tagging.present_annotation(annotation)

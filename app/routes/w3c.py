"""The annotations as a W3C Web Annotation collection (JSON-LD), for other annotation tools."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from app.services.export import ExportFilters
from app.services.w3c import MEDIA_TYPE, stream_w3c

router = APIRouter(tags=["export"])

DOWNLOAD_HEADERS = {"Content-Disposition": 'attachment; filename="argument-map-annotations.jsonld"'}


@router.get(
    "/api/export/w3c",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "An AnnotationCollection with every annotation in its first page.",
            "content": {MEDIA_TYPE: {}},
        },
        404: {"description": "No such document, position or topic."},
    },
)
def export_w3c(
    request: Request,
    document: Annotated[str | None, Query(max_length=64, description="A document id.")] = None,
    position: Annotated[str | None, Query(max_length=32, description="A position key.")] = None,
    topic: Annotated[str | None, Query(max_length=32, description="A topic key.")] = None,
    download: Annotated[bool, Query(description="Ask the browser to save it as a file.")] = False,
) -> StreamingResponse:
    """The annotations (or those the filters select) as W3C Web Annotations, streamed."""
    # Blank values come from HTML forms with an empty select; they mean "no filter".
    filters = ExportFilters(document or None, position or None, topic or None)
    base_url = str(request.base_url).rstrip("/")
    chunks = stream_w3c(request.app.state.engine, filters, base_url)
    headers = DOWNLOAD_HEADERS if download else None
    return StreamingResponse(chunks, media_type=MEDIA_TYPE, headers=headers)

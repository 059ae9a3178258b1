"""The annotations as a W3C Web Annotation collection (JSON-LD), for other annotation tools."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from app.routes.params import ExportFiltersDep
from app.services.interchange.w3c import MEDIA_TYPE, stream_w3c

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
    filters: ExportFiltersDep,
    download: Annotated[bool, Query(description="Ask the browser to save it as a file.")] = False,
) -> StreamingResponse:
    """The annotations (or those the filters select) as W3C Web Annotations, streamed."""
    base_url = str(request.base_url).rstrip("/")
    chunks = stream_w3c(request.app.state.engine, filters, base_url)
    headers = DOWNLOAD_HEADERS if download else None
    return StreamingResponse(chunks, media_type=MEDIA_TYPE, headers=headers)

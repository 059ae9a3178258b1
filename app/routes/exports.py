"""The JSON export and import of the argument map, and the export's published schema."""

from collections.abc import AsyncGenerator
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from app.deps import SessionDep
from app.routes.params import ExportFiltersDep
from app.services.interchange.importer import import_map
from app.services.interchange.native import export_schema, stream_export

router = APIRouter(tags=["export"])

MAX_IMPORT_BYTES = 50 * 1024 * 1024
DOWNLOAD_HEADERS = {"Content-Disposition": 'attachment; filename="argument-map.json"'}
IMPORT_BODY = {
    "requestBody": {
        "description": "An export file, as the raw body or as the multipart field `file`.",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "An export, as `GET /api/export/schema` describes it.",
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}
IMPORT_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"description": "The file is larger than the import limit."},
    422: {"description": "The file is not a valid export; the message says where."},
}


@router.get(
    "/api/export",
    response_class=StreamingResponse,
    responses={404: {"description": "No such document, position or topic."}},
)
def export_map(
    request: Request,
    filters: ExportFiltersDep,
    download: Annotated[bool, Query(description="Ask the browser to save it as a file.")] = False,
) -> StreamingResponse:
    """The argument map (or the part the filters select) as JSON, streamed."""
    chunks = stream_export(request.app.state.engine, filters)
    headers = DOWNLOAD_HEADERS if download else None
    return StreamingResponse(chunks, media_type="application/json", headers=headers)


SCHEMA_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A JSON Schema.",
        "content": {"application/schema+json": {"schema": {"type": "object"}}},
    }
}


@router.get("/api/export/schema", response_class=JSONResponse, responses=SCHEMA_RESPONSE)
def export_format_schema() -> JSONResponse:
    """The JSON Schema (draft 2020-12) that every export conforms to."""
    return JSONResponse(export_schema(), media_type="application/schema+json")


@router.get("/api/export/schema/v1", response_class=JSONResponse, responses=SCHEMA_RESPONSE)
def export_format_schema_v1() -> JSONResponse:
    """The JSON Schema of version 1 of the export, which imports still accept."""
    return JSONResponse(export_schema(1), media_type="application/schema+json")


@router.post("/api/import", openapi_extra=IMPORT_BODY, responses=IMPORT_ERRORS)
async def import_file(request: Request, session: SessionDep) -> dict[str, Any]:
    """Merge an export into this database, all or nothing; says what was created or updated."""
    raw = await read_import_file(request)
    # The import is synchronous database work; keep it off the event loop.
    report = await run_in_threadpool(import_map, session, raw)
    return {
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "message": str(report),
    }


def _too_large() -> HTTPException:
    return HTTPException(
        status_code=413,
        detail=f"The file is larger than the import limit of {MAX_IMPORT_BYTES // 2**20} MB.",
    )


async def _limited(request: Request) -> AsyncGenerator[bytes, None]:
    """The request body, refused as soon as it grows past the limit (whatever it declared)."""
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > MAX_IMPORT_BYTES:
            raise _too_large()
        yield chunk


async def read_import_file(request: Request) -> bytes:
    """The uploaded export: the multipart field `file`, or else the raw request body."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_IMPORT_BYTES:
        raise _too_large()
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return b"".join([chunk async for chunk in _limited(request)])
    try:
        form = await MultiPartParser(
            request.headers, _limited(request), max_files=1, max_fields=10
        ).parse()
    except MultiPartException as error:
        # Like any other body that cannot be read (app/errors.py): refused input.
        raise HTTPException(
            status_code=422, detail=f"The upload is not a well-formed form: {error.message}"
        ) from error
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise HTTPException(
                status_code=422, detail='Send the export file in a form field named "file".'
            )
        return await upload.read()
    finally:
        await form.close()

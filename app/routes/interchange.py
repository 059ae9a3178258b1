"""The map in and out: the Export page; the native JSON export and its schema, W3C Web
Annotations, AIF JSON and a CSV of the tags out; native and AIF files in."""

from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from app.deps import AnalystDep, BlindingDep, SessionDep
from app.presenters.exports import export_page_context
from app.presenters.file_names import download_headers, export_file_name
from app.routes.params import TagFiltersDep
from app.services.blinding import Layer
from app.services.interchange.aif.export import export_aif
from app.services.interchange.aif.load import import_aif
from app.services.interchange.filters import ExportFilters
from app.services.interchange.importer import import_map
from app.services.interchange.native import export_schema, stream_export
from app.services.interchange.tags_csv import MEDIA_TYPE as CSV_MEDIA_TYPE
from app.services.interchange.tags_csv import stream_tags_csv
from app.services.interchange.w3c import MEDIA_TYPE, stream_w3c
from app.services.tag_filters import TagFilters
from app.templating import render

router = APIRouter(tags=["export"])

MAX_IMPORT_BYTES = 50 * 1024 * 1024
NO_SUCH_FILTER: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such document, position or topic."}
}
SCHEMA_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A JSON Schema.",
        "content": {"application/schema+json": {"schema": {"type": "object"}}},
    }
}
IMPORT_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"description": "The file is larger than the import limit."},
    422: {"description": "The file is not a valid export; the message says where."},
}
NO_ANALYST = "Say who is importing: sign in, or pass ?analyst=… with the request."


async def export_filters(
    blinding: BlindingDep,
    document: Annotated[str | None, Query(max_length=64, description="A document id.")] = None,
    position: Annotated[str | None, Query(max_length=32, description="A position key.")] = None,
    topic: Annotated[str | None, Query(max_length=32, description="A topic key.")] = None,
    examples: Annotated[
        bool,
        Query(
            description="Include the starter map's example data (the Export page leaves it "
            "out unless asked); without it, example claims and actors the analysts' own work "
            "refers to are still included."
        ),
    ] = True,
    layer: Annotated[
        Layer,
        Query(
            description="Which tags: `all`, or only the `adjudicated` layer (the curators' "
            "decisions on independently coded documents); the claims, relations and "
            "documents are chosen by the other filters alone."
        ),
    ] = Layer.all,
) -> ExportFilters:
    """What every export format takes to choose a part of the map (blank: no filter, as an
    HTML form's empty select sends). The reader's blinding (the documents they code
    independently) is added: their export leaves out the tags they may not see."""
    return ExportFilters(
        document or None, position or None, topic or None, examples, layer, blinding
    )


ExportFiltersDep = Annotated[ExportFilters, Depends(export_filters)]
DownloadFlag = Annotated[bool, Query(description="Ask the browser to save it as a file.")]
SpreadsheetFlag = Annotated[
    bool,
    Query(
        description="For a spreadsheet program: a text cell starting with =, +, -, @, a tab or a "
        "carriage return gets a leading apostrophe, so that it is not run as a formula. Leave "
        "it out for R and pandas, which then read the text exactly as stored."
    ),
]


def import_body(description: str, json_schema: dict[str, Any]) -> dict[str, Any]:
    """The request body of an import route: a file as the raw body or the multipart `file`."""
    multipart = {
        "type": "object",
        "properties": {"file": {"type": "string", "format": "binary"}},
        "required": ["file"],
    }
    return {
        "requestBody": {
            "description": description,
            "content": {
                "application/json": {"schema": json_schema},
                "multipart/form-data": {"schema": multipart},
            },
        }
    }


# --- out -----------------------------------------------------------------------------------


@router.get("/export", response_class=HTMLResponse, include_in_schema=False)
def export_page(
    request: Request, session: SessionDep, analyst: AnalystDep, blinding: BlindingDep
) -> HTMLResponse:
    """Every file the map can be saved as, with the filters each honours."""
    context = export_page_context(session, blinding)
    context["analyst"] = analyst
    return render(request, "export.html", context)


@router.get("/api/export", response_class=StreamingResponse, responses=NO_SUCH_FILTER)
def export_map(
    request: Request, filters: ExportFiltersDep, download: DownloadFlag = False
) -> StreamingResponse:
    """The argument map (or the part the filters select) as JSON, streamed."""
    chunks = stream_export(request.app.state.engine, filters)
    headers = download_headers("argument-map", filters.chosen(), "json") if download else None
    return StreamingResponse(chunks, media_type="application/json", headers=headers)


@router.get("/api/export/schema", response_class=JSONResponse, responses=SCHEMA_RESPONSE)
def export_format_schema() -> JSONResponse:
    """The JSON Schema (draft 2020-12) that every export conforms to."""
    return JSONResponse(export_schema(), media_type="application/schema+json")


@router.get("/api/export/schema/v1", response_class=JSONResponse, responses=SCHEMA_RESPONSE)
def export_format_schema_v1() -> JSONResponse:
    """The JSON Schema of version 1 of the export, which imports still accept."""
    return JSONResponse(export_schema(1), media_type="application/schema+json")


@router.get("/api/export/schema/v2", response_class=JSONResponse, responses=SCHEMA_RESPONSE)
def export_format_schema_v2() -> JSONResponse:
    """The JSON Schema of version 2 of the export (before actors), which imports still accept."""
    return JSONResponse(export_schema(2), media_type="application/schema+json")


@router.get("/api/export/schema/v3", response_class=JSONResponse, responses=SCHEMA_RESPONSE)
def export_format_schema_v3() -> JSONResponse:
    """The JSON Schema of version 3 of the export (before independent coding), which imports
    still accept."""
    return JSONResponse(export_schema(3), media_type="application/schema+json")


@router.get(
    "/api/export/w3c",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "An AnnotationCollection with every annotation in its first page.",
            "content": {MEDIA_TYPE: {}},
        },
        **NO_SUCH_FILTER,
    },
)
def export_w3c(
    request: Request, filters: ExportFiltersDep, download: DownloadFlag = False
) -> StreamingResponse:
    """The annotations (or those the filters select) as W3C Web Annotations, streamed."""
    base_url = str(request.base_url).rstrip("/")
    chunks = stream_w3c(request.app.state.engine, filters, base_url)
    name = "argument-map-annotations"
    headers = download_headers(name, filters.chosen(), "jsonld") if download else None
    return StreamingResponse(chunks, media_type=MEDIA_TYPE, headers=headers)


@router.get("/api/export/aif", responses=NO_SUCH_FILTER)
def export_aif_map(
    session: SessionDep, filters: ExportFiltersDep, download: DownloadFlag = False
) -> JSONResponse:
    """The claims and relations (or the part the filters select) as AIF JSON for OVA/AIFdb."""
    headers = download_headers("argument-map", filters.chosen(), "aif.json") if download else None
    return JSONResponse(export_aif(session, filters), headers=headers)


@router.get(
    "/api/export/csv",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The live tags, a row each, as CSV (RFC 4180, UTF-8, a header row; "
            "the manual lists the columns).",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        404: {"description": "No such document, position, topic or actor."},
        422: {"description": "A malformed date, or a date range that ends before it starts."},
    },
)
def export_tags_csv(
    request: Request,
    filters: TagFiltersDep,
    download: DownloadFlag = False,
    spreadsheet: SpreadsheetFlag = False,
) -> StreamingResponse:
    """The tags (or those the filters select: the matrix's and the networks' tag filters) as a
    CSV table for R, pandas or a spreadsheet."""
    chunks = stream_tags_csv(request.app.state.engine, filters, spreadsheet=spreadsheet)
    headers = None
    if download:
        name = tags_csv_file_name(filters, spreadsheet, datetime.now(UTC))
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return StreamingResponse(chunks, media_type=CSV_MEDIA_TYPE, headers=headers)


def tags_csv_file_name(filters: TagFilters, spreadsheet: bool, when: datetime) -> str:
    """The CSV of tags' file name: `argument-map-tags-position-russia-2026-12-06.csv`."""
    more = ["spreadsheet"] if spreadsheet else []
    return export_file_name("argument-map-tags", filters.chosen(), when, "csv", *more)


# --- in ------------------------------------------------------------------------------------


@router.post(
    "/api/import",
    openapi_extra=import_body(
        "An export file, as the raw body or as the multipart field `file`.",
        {"type": "object", "description": "An export, as `GET /api/export/schema` describes it."},
    ),
    responses=IMPORT_ERRORS,
)
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


@router.post(
    "/api/import/aif",
    openapi_extra=import_body(
        "An AIF JSON file (AIFdb's bare object or OVA's {\"AIF\": {...}} wrapper), as the raw "
        "body or as the multipart field `file`.",
        {"type": "object"},
    ),
    responses=IMPORT_ERRORS,
)
async def import_aif_file(
    request: Request,
    session: SessionDep,
    signed_in: AnalystDep,
    analyst: Annotated[
        str | None,
        Query(
            max_length=80,
            description="Whom to credit with the claims and relations (else the signed-in user).",
        ),
    ] = None,
) -> dict[str, Any]:
    """Merge the claims and relations of an AIF file, all or nothing; says what it did."""
    name = (analyst or "").strip() or signed_in
    if not name:
        raise HTTPException(status_code=422, detail=NO_ANALYST)
    raw = await read_import_file(request)
    # The import is synchronous database work; keep it off the event loop.
    report = await run_in_threadpool(import_aif, session, raw, name)
    return report.as_dict()


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
    """The uploaded file: the multipart field `file`, or else the raw request body."""
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

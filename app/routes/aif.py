"""The claims and relations as AIF JSON (OVA, AIFdb): export, and import of AIF files."""

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from app.deps import AnalystDep, SessionDep
from app.routes.exports import IMPORT_ERRORS, read_import_file
from app.routes.params import ExportFiltersDep
from app.services.interchange.aif.export import export_aif
from app.services.interchange.aif.load import import_aif

router = APIRouter(tags=["export"])

DOWNLOAD_HEADERS = {"Content-Disposition": 'attachment; filename="argument-map.aif.json"'}
IMPORT_BODY = {
    "requestBody": {
        "description": (
            "An AIF JSON file (AIFdb's bare object or OVA's {\"AIF\": {...}} wrapper), as the "
            "raw body or as the multipart field `file`."
        ),
        "content": {
            "application/json": {"schema": {"type": "object"}},
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
NO_ANALYST = "Say who is importing: sign in, or pass ?analyst=… with the request."


@router.get(
    "/api/export/aif", responses={404: {"description": "No such document, position or topic."}}
)
def export_aif_map(
    session: SessionDep,
    filters: ExportFiltersDep,
    download: Annotated[bool, Query(description="Ask the browser to save it as a file.")] = False,
) -> JSONResponse:
    """The claims and relations (or the part the filters select) as AIF JSON for OVA/AIFdb."""
    headers = DOWNLOAD_HEADERS if download else None
    return JSONResponse(export_aif(session, filters), headers=headers)


@router.post("/api/import/aif", openapi_extra=IMPORT_BODY, responses=IMPORT_ERRORS)
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

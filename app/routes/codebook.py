"""The codebook: the page every role reads (and prints), the admins' edit form of each code,
the JSON twin, and the codebook as REFI-QDA (.qdc) and CSV files, out and in."""

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from app.deps import AnalystDep, SessionDep
from app.models import CodebookEntryUpdate, CodeFamily
from app.presenters.codebook import (
    code_context,
    codebook_context,
    codebook_json,
    import_summary_json,
    update_from_form,
)
from app.routes.responses import CONFLICT, INVALID, NOT_FOUND, STALE
from app.services import codebook
from app.services.interchange import codebooks
from app.services.interchange.codebook_csv import MEDIA_TYPE as CSV_TYPE
from app.services.interchange.qdc import MEDIA_TYPE as QDC_TYPE
from app.templating import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api")

TextField = Annotated[str, Form(max_length=5000)]


@router.get("/codebook", response_class=HTMLResponse)
def codebook_page(request: Request, session: SessionDep) -> HTMLResponse:
    return render(request, "codebook.html", codebook_context(session))


@router.get("/codebook/{family}/{key}/edit", response_class=HTMLResponse)
def edit_form(request: Request, session: SessionDep, family: CodeFamily, key: str) -> HTMLResponse:
    code = codebook.get_code(session, family, key)
    return render(request, "_codebook_entry.html", code_context(code, editing=True))


@router.get("/codebook/{family}/{key}", response_class=HTMLResponse)
def code_entry(request: Request, session: SessionDep, family: CodeFamily, key: str) -> HTMLResponse:
    """One code's entry alone (what the edit form's Cancel brings back)."""
    code = codebook.get_code(session, family, key)
    return render(request, "_codebook_entry.html", code_context(code))


@router.post("/codebook/{family}/{key}", response_class=HTMLResponse)
def save_entry(
    request: Request,
    session: SessionDep,
    analyst: AnalystDep,
    family: CodeFamily,
    key: str,
    definition: TextField = "",
    include: TextField = "",
    exclude: TextField = "",
    examples: TextField = "",
    version: Annotated[int | None, Form(ge=1)] = None,
) -> HTMLResponse:
    data = update_from_form(definition, include, exclude, examples, version)
    code = codebook.update_entry(session, family, key, data, analyst)
    return render(request, "_codebook_entry.html", code_context(code))


# --- the JSON twin and the files -----------------------------------------------------------


@api_router.get("/codebook", tags=["codebook"])
def get_codebook(session: SessionDep) -> dict[str, Any]:
    """Every code of the catalog (positions, kinds, topics, actor types) with its definition,
    include and exclude rules and example passages; `version` is null for a code nobody has
    defined yet."""
    return codebook_json(codebook_context(session))


@api_router.put(
    "/codebook/{family}/{key}", tags=["codebook"], responses=NOT_FOUND | INVALID | STALE
)
def put_entry(
    session: SessionDep,
    analyst: AnalystDep,
    family: CodeFamily,
    key: str,
    data: CodebookEntryUpdate,
) -> dict[str, Any]:
    """Define a code (admins): the fields given change, the others stay. Send the `version`
    you read (none for a code not yet defined) to be refused with 409 if it changed since."""
    return codebook.code_record(codebook.update_entry(session, family, key, data, analyst))


@api_router.get(
    "/codebook.qdc",
    tags=["codebook"],
    response_class=Response,
    responses={
        200: {
            "description": "The codebook as a REFI-QDA codebook (XML, UTF-8).",
            "content": {QDC_TYPE: {"schema": {"type": "string"}}},
        }
    },
)
def codebook_qdc(session: SessionDep) -> Response:
    """The codebook as a REFI-QDA codebook (urn:QDA-XML:codebook:1.0)."""
    return Response(
        codebooks.export_codebook(session, "qdc"),
        media_type=QDC_TYPE,
        headers={"Content-Disposition": 'attachment; filename="codebook.qdc"'},
    )


@api_router.get(
    "/codebook.csv",
    tags=["codebook"],
    response_class=Response,
    responses={
        200: {
            "description": "The codebook as CSV, one code a row (UTF-8 with a byte order mark).",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
def codebook_csv(session: SessionDep) -> Response:
    """The codebook as CSV, one code a row, readable by Taguette's codebook import."""
    return Response(
        codebooks.export_codebook(session, "csv"),
        media_type=CSV_TYPE,
        headers={"Content-Disposition": 'attachment; filename="codebook.csv"'},
    )


@api_router.post("/codebook/import", tags=["codebook"], responses=INVALID | CONFLICT)
async def import_codebook(
    session: SessionDep, analyst: AnalystDep, file: Annotated[UploadFile, File()]
) -> dict[str, Any]:
    """Import a codebook file (.qdc or .csv; admins), all or nothing: codes under our family
    names keep their family, every other code becomes a topic; a code whose key is another
    code's is refused (409, naming every such key)."""
    data = await file.read(codebooks.MAX_BYTES + 1)
    summary = await run_in_threadpool(
        codebooks.import_codebook, session, file.filename or "", data, analyst
    )
    return import_summary_json(summary)

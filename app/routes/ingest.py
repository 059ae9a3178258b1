"""Adding a document from pasted text, a file or a URL: the form, the preview, saving; and the
preview's JSON twin (`POST /api/documents/preview`; saving is `POST /api/documents`)."""

from datetime import date
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote_plus

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlmodel import Session
from starlette.datastructures import UploadFile as StarletteUpload

from app.db import end_transaction
from app.deps import SessionDep
from app.models import DocumentCreate
from app.presenters.ingest import document_link, preview_context
from app.routes.claims import redirect
from app.services import ingest
from app.services.ingest import (
    DuplicateText,
    Extracted,
    SourceTooLarge,
    UnusableSource,
    WrongSourceType,
)
from app.templating import render

router = APIRouter()

SOURCES = ("paste", "upload", "url")
# What Starlette accepts in one form field (encoded), so what the save form can carry.
FORM_FIELD_LIMIT = 1024 * 1024

Title = Annotated[str, Form(max_length=500)]
Outlet = Annotated[str, Form(max_length=200)]
Author = Annotated[str, Form(max_length=200)]
Published = Annotated[str, Form(max_length=10)]
Url = Annotated[str, Form(max_length=2000)]


def source_status(error: UnusableSource) -> int:
    """413 for too large, 415 for the wrong type, 422 for anything else unusable."""
    if isinstance(error, SourceTooLarge):
        return 413
    if isinstance(error, WrongSourceType):
        return 415
    return 422


def _page(
    request: Request,
    status: int = 200,
    *,
    preview: dict[str, Any] | None = None,
    error: str | None = None,
    duplicate: dict[str, Any] | None = None,
    source: str = "paste",
    values: dict[str, str] | None = None,
    can_save: bool = True,
) -> HTMLResponse:
    context = {
        "preview": preview,
        "can_save": can_save and duplicate is None,
        "error": error,
        "duplicate": duplicate,
        "source": source if source in SOURCES else "paste",
        "values": values or {},
        "max_megabytes": ingest.MAX_SOURCE_BYTES // (1024 * 1024),
        "extensions": ", ".join(sorted(ingest.EXTENSIONS)),
    }
    return render(
        request, "document_new.html", context, fragment="_document_preview.html", status_code=status
    )


@router.get("/documents/new", response_class=HTMLResponse, include_in_schema=False)
def new_document(request: Request) -> HTMLResponse:
    return _page(request)


@router.post("/documents/preview", response_class=HTMLResponse, include_in_schema=False)
def preview_page(
    request: Request,
    session: SessionDep,
    source: Annotated[str, Form(max_length=10)] = "paste",
    text: Annotated[str, Form(max_length=ingest.MAX_TEXT_CHARS)] = "",
    url: Url = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    """Read the source, then show its metadata (editable) and the passages it will make."""
    values = {"text": text, "url": url}
    try:
        allow_private = request.app.state.settings.fetch_private_addresses
        extracted = _extract(session, source, text, url, file, allow_private)
        preview = ingest.preview_document(session, extracted.to_create())
    except UnusableSource as error:
        return _page(
            request, source_status(error), error=error.message, source=source, values=values
        )
    context = preview_context(preview)
    if preview.duplicate_of is not None:
        return _page(request, 409, preview=context, duplicate=context["duplicate_of"])
    if _form_size(preview.document.text) > FORM_FIELD_LIMIT:
        message = (
            "This text is too long to be saved from this page (a form field holds "
            f"{FORM_FIELD_LIMIT // 1024:,} KB): add it with `python -m app.cli add-document` "
            "or with POST /api/documents."
        )
        return _page(request, 413, preview=context, error=message, can_save=False)
    return _page(request, preview=context)


@router.post("/documents", include_in_schema=False)
def save_document_page(
    request: Request,
    session: SessionDep,
    text: Annotated[str, Form(max_length=ingest.MAX_TEXT_CHARS)],
    title: Title = "",
    outlet: Outlet = "",
    author: Author = "",
    published: Published = "",
    url: Url = "",
    source_name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Save the previewed text with the metadata as corrected; then open the new document."""
    fields = {"title": title, "outlet": outlet, "author": author, "url": url}
    cleaned = {key: value.strip() or None for key, value in fields.items()}
    try:
        data = DocumentCreate(
            # The browser sends the text's line breaks as CRLF; the preview had made them LF.
            text=ingest.normalise_text(text),
            source_name=source_name.strip() or None,
            published=_parse_date(published),
            **cleaned,
        )
        document = ingest.save_document(session, data)
    except (UnusableSource, ValueError) as error:
        message = error.message if isinstance(error, UnusableSource) else _problems(error)
        status = source_status(error) if isinstance(error, UnusableSource) else 422
        return _repreview(request, session, text, cleaned, source_name, status, message)
    except DuplicateText as error:
        return _page(request, 409, error=error.message, duplicate=_duplicate(error))
    return redirect(request, document_link(document.id))


class PreviewRequest(BaseModel):
    """A text or a URL to read, with metadata that overrides what the source states."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(default=None, max_length=ingest.MAX_TEXT_CHARS)
    url: str | None = Field(default=None, max_length=2000)
    title: str | None = Field(default=None, max_length=500)
    outlet: str | None = Field(default=None, max_length=200)
    author: str | None = Field(default=None, max_length=200)
    published: date | None = None

    @model_validator(mode="after")
    def _one_source(self) -> "PreviewRequest":
        if (self.text is None) == (self.url is None):
            raise ValueError("give either `text` or `url`")
        return self


PREVIEW_BODY = {
    "requestBody": {
        "content": {
            "application/json": {"schema": PreviewRequest.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "title": {"type": "string"},
                        "outlet": {"type": "string"},
                        "author": {"type": "string"},
                        "published": {"type": "string", "format": "date"},
                        "url": {"type": "string"},
                    },
                    "required": ["file"],
                }
            },
        },
        "required": True,
    }
}


@router.post(
    "/api/documents/preview",
    tags=["documents"],
    openapi_extra=PREVIEW_BODY,
    responses={
        409: {"description": "The text is in the corpus already: see `duplicate_of`."},
        413: {"description": "The file or page is too large."},
        415: {"description": "Not a type that can be imported, or not the type it claims."},
        422: {"description": "No usable text (empty, undecodable, no text layer, unreachable)."},
    },
)
async def preview_api(request: Request, session: SessionDep) -> JSONResponse:
    """Read a text (JSON `{"text": …}`), a URL (JSON `{"url": …}`) or a file (multipart
    `file`: .txt, .md, .html, .pdf) and answer with the metadata it states, the passages it
    will be split into and its SHA-256; nothing is stored. Save it with `POST /api/documents`
    (`text` and the metadata). A text already stored answers 409 with `duplicate_of`."""
    try:
        extracted = await _extract_api_request(request, session)
        preview = await run_in_threadpool(ingest.preview_document, session, extracted.to_create())
    except UnusableSource as error:
        return JSONResponse({"detail": error.message}, status_code=source_status(error))
    context = preview_context(preview)
    if preview.duplicate_of is not None:
        detail = f"This text is already in the corpus: {context['duplicate_of']['url']}"
        return JSONResponse({"detail": detail, **context}, status_code=409)
    return JSONResponse(context)


# --- details ---------------------------------------------------------------------------------


def _extract(
    session: Session,
    source: str,
    text: str,
    url: str,
    file: UploadFile | None,
    allow_private: bool = False,
) -> Extracted:
    if source == "upload":
        if file is None or not file.filename:
            raise UnusableSource("Choose a file to upload.")
        return ingest.extract_file(file.filename, file.file.read(ingest.MAX_SOURCE_BYTES + 1))
    if source == "url":
        if not url.strip():
            raise UnusableSource("Give the address (URL) of the article.")
        # No transaction may be open while fetching: a fetch may take seconds.
        end_transaction(session)
        return ingest.fetch_url(url, allow_private=allow_private)
    return ingest.extract_pasted(text)


async def _extract_api_request(request: Request, session: Session) -> Extracted:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        async with request.form() as form:
            upload = form.get("file")
            if not isinstance(upload, StarletteUpload) or not upload.filename:
                raise UnusableSource("Send the file in the multipart field `file`.")
            raw = await upload.read(ingest.MAX_SOURCE_BYTES + 1)
            meta = {
                key: value.strip() or None
                for key in ("title", "outlet", "author", "url", "published")
                if isinstance(value := form.get(key), str)
            }
        extracted = await run_in_threadpool(ingest.extract_file, upload.filename, raw)
        try:
            published = _parse_date(meta.pop("published", None) or "")
        except ValueError as error:
            raise UnusableSource(str(error)) from None
        return ingest.with_metadata(extracted, published=published, **meta)
    try:
        body = PreviewRequest.model_validate_json(await request.body())
    except ValidationError as error:
        raise UnusableSource(_problems(error)) from None
    if body.url is not None:
        await run_in_threadpool(session.commit)  # as in _extract: no write lock while fetching
        allow_private = request.app.state.settings.fetch_private_addresses
        extracted = await run_in_threadpool(
            partial(ingest.fetch_url, body.url, allow_private=allow_private)
        )
    else:
        extracted = ingest.extract_pasted(body.text or "")
    return ingest.with_metadata(
        extracted,
        title=body.title,
        outlet=body.outlet,
        author=body.author,
        published=body.published,
    )


def _repreview(
    request: Request,
    session: Session,
    text: str,
    metadata: dict[str, str | None],
    source_name: str,
    status: int,
    message: str,
) -> HTMLResponse:
    """The preview again, with the reason the save was refused."""
    try:
        data = DocumentCreate(text=ingest.normalise_text(text), source_name=source_name or None)
        context = preview_context(ingest.preview_document(session, data))
    except (UnusableSource, ValueError):
        return _page(request, status, error=message)
    context["metadata"].update(metadata)
    return _page(request, status, preview=context, error=message)


def _form_size(text: str) -> int:
    """The size of `text` in the save form as a browser sends it (CRLF, URL-encoded)."""
    return len(quote_plus(text.replace("\n", "\r\n")))


def _duplicate(error: DuplicateText) -> dict[str, Any]:
    return {"id": error.document_id, "title": error.title, "url": document_link(error.document_id)}


def _parse_date(value: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"published: {value} is not a date as YYYY-MM-DD") from None


def _problems(error: ValueError) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in error.errors()
        )
    return str(error)

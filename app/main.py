"""The application factory: settings → engine → routers, templates and static files."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse

from app.access import authorize, install_access_errors
from app.config import Settings, get_settings
from app.db import make_engine, write_engine
from app.errors import install_error_handlers
from app.identity_cache import IdentityCache
from app.openapi import describe_api
from app.presenters.api_reference import api_reference_context
from app.routes import (
    accounts,
    actors,
    adjudication,
    agreement,
    annotations,
    assignments,
    claims,
    codebook,
    documents,
    examples,
    history,
    home,
    ingest,
    interchange,
    mapviews,
    networks,
    positions,
    search,
)
from app.security import install_security
from app.static_files import CompressedStaticFiles
from app.templating import render


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for `settings`; the database must already be migrated."""
    settings = settings or get_settings()
    engine = make_engine(settings.database_url, synchronous=settings.sqlite_synchronous)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="Argument map",
        summary="Tag passages of commentary with the positions they state, support or oppose.",
        version="0.1.0",
        lifespan=lifespan,
        # The default docs pages load their scripts from a CDN; ours serves a vendored copy.
        docs_url=None,
        redoc_url=None,
        # Every route's access rule is applied before the route runs (see app/access.py).
        dependencies=[Depends(authorize)],
    )
    app.openapi = lambda: describe_api(app)  # type: ignore[method-assign]
    app.state.settings = settings
    app.state.engine = engine
    app.state.write_engine = write_engine(engine)
    app.state.identities = IdentityCache(settings.database_url, settings.identity_cache_seconds)
    app.mount("/static", CompressedStaticFiles(directory=settings.static_dir), name="static")
    install_error_handlers(app)
    install_access_errors(app)
    install_security(app)
    for module in (
        home,
        accounts,
        ingest,  # before documents: /documents/new is not a document id
        documents,
        positions,
        actors,
        annotations,
        claims,
        examples,
        mapviews,
        networks,
        agreement,
        adjudication,
        codebook,
        search,
        interchange,
        history,
        assignments,
    ):
        app.include_router(module.router)
    # The JSON twins of the pages, after every page: /api/... is matched as it always was.
    for family in (documents, positions, annotations, claims, actors, networks, codebook):
        app.include_router(family.api_router)

    @app.get("/docs", include_in_schema=False)
    def api_docs(request: Request) -> HTMLResponse:
        return render(request, "docs.html", api_reference_context(app.openapi()))

    return app

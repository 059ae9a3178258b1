"""The command line: `python -m app.cli migrate | seed | serve | export | import`."""

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.config import get_settings
from app.db import make_engine, migrate
from app.services.errors import DomainError

cli = typer.Typer(
    help="The argument map: tag passages with positions, export the map.",
    pretty_exceptions_show_locals=False,
)


@contextmanager
def migrated_database(error_prefix: str = "") -> Iterator[Engine]:
    """The configured database, migrated; a refused request ends the command with exit 1."""
    settings = get_settings()
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        yield engine
    except DomainError as error:
        typer.echo(f"{error_prefix}{error.message}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()


@cli.command("migrate")
def migrate_command() -> None:
    """Bring the database up to the newest schema (alembic upgrade head)."""
    migrate(get_settings().database_url)
    typer.echo("database is at the newest schema")


@cli.command("seed")
def seed_command(
    seeds_dir: Annotated[
        Path | None, typer.Option(help="Folder with manifest.json and the articles.")
    ] = None,
) -> None:
    """Load the seed corpus, positions and topics (safe to run again: nothing is duplicated)."""
    from app.services.corpus import load_seeds

    with migrated_database() as engine, Session(engine) as session:
        report = load_seeds(session, seeds_dir or get_settings().seeds_dir)
    typer.echo(str(report))


@cli.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Migrate, then serve the app."""
    import uvicorn

    from app.main import create_app

    settings = get_settings()
    migrate(settings.database_url)
    typer.echo(f"Serving the argument map on http://{host}:{port}/")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


@cli.command("export")
def export_command(
    out: Annotated[
        Path | None, typer.Option(help="File to write; standard output when left out.")
    ] = None,
    document: Annotated[str | None, typer.Option(help="Only this document (its id).")] = None,
    position: Annotated[
        str | None, typer.Option(help="Only annotations with this position (its key).")
    ] = None,
    topic: Annotated[
        str | None, typer.Option(help="Only annotations on this topic (its key).")
    ] = None,
) -> None:
    """Write the argument map as JSON: the same bytes as GET /api/export."""
    from app.services.export import ExportFilters, stream_export

    with migrated_database() as engine:
        chunks = stream_export(engine, ExportFilters(document, position, topic))
        if out is None:
            for chunk in chunks:
                sys.stdout.buffer.write(chunk.encode("utf-8"))
            sys.stdout.buffer.flush()
            return
        # Write beside the target and rename, so a failed export never leaves half a file.
        partial = out.with_name(out.name + ".part")
        try:
            with partial.open("wb") as file:
                for chunk in chunks:
                    file.write(chunk.encode("utf-8"))
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)
    typer.echo(f"wrote {out}", err=True)


@cli.command("import")
def import_command(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="An export file.")
    ],
) -> None:
    """Merge an export file into the database, all or nothing."""
    from app.services.importer import import_map

    with migrated_database(error_prefix=f"{file}: ") as engine, Session(engine) as session:
        report = import_map(session, file.read_bytes())
    typer.echo(str(report))


def main() -> None:
    cli()


if __name__ == "__main__":
    main()

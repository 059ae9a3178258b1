"""The `codebook` commands of the command line (app/cli.py): the definitions of positions, kinds,
topics and actor types, exported and imported as REFI-QDA (.qdc) and CSV codebooks."""

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from app.cli_support import migrated_database
from app.services.interchange import codebooks

commands = typer.Typer(
    help="The codebook: definitions of positions, kinds, topics and actor types (.qdc, CSV).",
    no_args_is_help=True,
)


class CodebookFormat(StrEnum):
    qdc = "qdc"
    csv = "csv"


@commands.command("export")
def export_command(
    file_format: Annotated[
        CodebookFormat, typer.Option("--format", help="qdc (REFI-QDA) or csv.")
    ] = CodebookFormat.qdc,
    out: Annotated[
        Path | None, typer.Option("--out", help="The file to write (default: standard output).")
    ] = None,
) -> None:
    """Write the codebook as a REFI-QDA codebook (.qdc) or as CSV."""
    with migrated_database("Cannot export the codebook: ") as engine, Session(engine) as session:
        data = codebooks.export_codebook(session, file_format.value)
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        out.write_bytes(data)
        typer.echo(f"Wrote the codebook to {out}.", err=True)


@commands.command("import")
def import_command(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="A .qdc or .csv codebook.")
    ],
) -> None:
    """Import a codebook file, all or nothing: codes under our family names keep their family,
    every other code becomes a topic; a key that is another code's refuses the whole file."""
    with (
        migrated_database("Cannot import the codebook: ", writes=True) as engine,
        Session(engine) as session,
    ):
        summary = codebooks.import_codebook(session, file.name, file.read_bytes(), None)
    typer.echo(
        f"Imported the codebook: {summary.created} code(s) defined, {summary.updated} changed, "
        f"{summary.unchanged} unchanged"
        + (f"; added {', '.join(summary.new_codes)}." if summary.new_codes else ".")
    )

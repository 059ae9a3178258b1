"""The `assignments` commands of the command line (app/cli.py): documents given to analysts to
code independently, marked done, and the coders' progress."""

from typing import Annotated

import typer
from sqlmodel import Session

from app.cli_support import migrated_database
from app.services import assignments
from app.services.assignments import CodingStatus
from app.services.errors import NotFound

commands = typer.Typer(
    help="Independent coding: give documents to analysts, mark them done, see progress.",
    no_args_is_help=True,
)


@commands.command("add")
def add_command(
    document_id: Annotated[str, typer.Argument(help="The document's id.")],
    analysts: Annotated[list[str], typer.Argument(help="The usernames of its coders.")],
) -> None:
    """Give a document to one or more analysts to code independently."""
    with migrated_database("assignments add: ", writes=True) as engine, Session(engine) as session:
        for made in assignments.assign(session, document_id, analysts, by=None):
            typer.echo(f"{made.analyst} codes {made.document_id} (assignment {made.id})")


@commands.command("list")
def list_command(
    analyst: Annotated[str | None, typer.Option(help="Only this analyst's.")] = None,
) -> None:
    """The assignments, one a line: id, document, analyst, status."""
    with migrated_database() as engine, Session(engine) as session:
        for row in assignments.coder_rows(session, analyst=analyst):
            a = row.assignment
            typer.echo(f"{a.id}\t{a.document_id}\t{a.analyst}\t{row.status}\t{row.document_label}")


@commands.command("done")
def done_command(
    analyst: Annotated[str, typer.Option(help="The coder's username.")],
    document: Annotated[str, typer.Option(help="The document's id.")],
    reopen: Annotated[
        bool, typer.Option("--reopen", help="Open it again instead (clear its done time).")
    ] = False,
) -> None:
    """Mark an analyst's assignment done (the command line acts for them), or reopen it."""
    prefix = "assignments done: "
    with migrated_database(prefix, writes=True) as engine, Session(engine) as session:
        found = assignments.assignment_of(session, document, analyst)
        if found is None:
            raise NotFound(f"{analyst} does not code the document '{document}'.")
        if reopen:
            assignments.reopen(session, found.id)
            typer.echo(f"reopened: {analyst} codes {document} again")
        else:
            assignments.mark_done(session, found.id, coder=None)
            typer.echo(f"done: {analyst} finished {document}")


@commands.command("progress")
def progress_command() -> None:
    """Per analyst: how many documents are assigned, started and done."""
    with migrated_database() as engine, Session(engine) as session:
        progress = assignments.progress(session)
    if not progress.analysts:
        typer.echo("no document is being coded independently")
        return
    for a in progress.analysts:
        counts = ", ".join(f"{a.counts[status]} {status}" for status in CodingStatus)
        typer.echo(f"{a.analyst}: {counts}")


@commands.command("setting")
def setting_command(
    show_others_when_done: Annotated[
        bool | None,
        typer.Option(
            "--show-others-when-done/--no-show-others-when-done",
            help="Whether a coder sees the others' tags once done (without it: show the setting).",
        ),
    ] = None,
) -> None:
    """Show or change the team's setting for what a coder sees once done."""
    with (
        migrated_database("assignments setting: ", writes=True) as engine,
        Session(engine) as session,
    ):
        if show_others_when_done is None:
            value = assignments.team_settings(session).show_others_when_done
        else:
            value = assignments.set_show_others_when_done(
                session, show_others_when_done, by=None
            ).show_others_when_done
    typer.echo(f"show_others_when_done: {'true' if value else 'false'}")

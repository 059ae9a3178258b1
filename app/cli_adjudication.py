"""The `adjudication` commands of the command line (app/cli.py): the curators' layer of tags on
documents coded independently."""

from typing import Annotated

import typer
from sqlmodel import Session

from app.audit.entries import ACTOR
from app.cli_support import migrated_database
from app.models import Annotation
from app.services import adjudication, tagging
from app.services.accounts import user_by_name
from app.services.adjudication import AdjudicationView
from app.services.errors import InvalidInput

commands = typer.Typer(
    help="Adjudication: the curators' layer of tags on independently coded documents.",
    no_args_is_help=True,
)


def _labels(tags: list[Annotation]) -> str:
    return ", ".join(f"{tag.position_key} {tag.kind}" for tag in tags) or "—"


def _print_view(view: AdjudicationView) -> None:
    typer.echo(f"compared: {', '.join(view.done)}")
    if view.still_coding:
        typer.echo(f"still coding (not compared): {', '.join(view.still_coding)}")
    for row in view.rows:
        passage = row.passage
        opening = " ".join(passage.text.split())[:70]
        typer.echo(f"\n¶{passage.ordinal + 1} {passage.id}: {opening}")
        for name, tags in row.coders.items():
            typer.echo(f"  {name}: {_labels(tags)}")
        typer.echo(f"  adjudicated: {_labels(row.adjudicated)}")
        for key, coders in row.differs.items():
            typer.echo(f"  differs on {key}: {', '.join(coders)}")


@commands.command("show")
def show_command(
    document_id: Annotated[str, typer.Argument(help="The document's id.")],
    curator: Annotated[
        str | None,
        typer.Option(help="Read as this user (default: as the command line, which sees all)."),
    ] = None,
) -> None:
    """Print, per passage, each done coder's tags, the adjudicated layer's, and where the
    coders differ."""
    with migrated_database("adjudication show: ") as engine, Session(engine) as session:
        user = user_by_name(session, curator) if curator else None
        if curator and user is None:
            raise InvalidInput(f"There is no user '{curator}'.")
        view = adjudication.adjudication_view(
            session, document_id, user, as_command_line=user is None
        )
        _print_view(view)


@commands.command("accept")
def accept_command(
    tag_ids: Annotated[list[str], typer.Argument(help="The ids of coders' tags to accept.")],
    curator: Annotated[str, typer.Option(help="The curator's username: the tags record it.")],
) -> None:
    """Copy coders' tags into the adjudicated layer of their document, as `curator`."""
    with (
        migrated_database("adjudication accept: ", writes=True) as engine,
        Session(engine) as session,
    ):
        user = user_by_name(session, curator)
        if user is None:
            raise InvalidInput(f"There is no user '{curator}'.")
        session.info[ACTOR] = user.username
        document_id = tagging.get_annotation(session, tag_ids[0]).document_id
        made = adjudication.accept(session, document_id, tag_ids, user)
        for tag in made:
            typer.echo(f"accepted {tag.adopted_from} as {tag.id} ({tag.position_key} {tag.kind})")

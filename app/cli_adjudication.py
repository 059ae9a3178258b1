"""The `adjudication` commands of the command line (app/cli.py): the curators' layer of tags on
documents coded independently."""

import typer

commands = typer.Typer(
    help="Adjudication: the curators' layer of tags on independently coded documents.",
    no_args_is_help=True,
)

"""The `codebook` commands of the command line (app/cli.py): the definitions of positions, kinds,
topics and actor types, exported and imported as REFI-QDA (.qdc) and CSV codebooks."""

import typer

commands = typer.Typer(
    help="The codebook: definitions of positions, kinds, topics and actor types (.qdc, CSV).",
    no_args_is_help=True,
)

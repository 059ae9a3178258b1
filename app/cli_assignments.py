"""The `assignments` commands of the command line (app/cli.py): documents given to analysts to
code independently, marked done, and the coders' progress."""

import typer

commands = typer.Typer(
    help="Independent coding: give documents to analysts, mark them done, see progress.",
    no_args_is_help=True,
)

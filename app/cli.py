"""The command line: `python -m app.cli migrate | seed | serve | export | import | backup |
restore`."""

import json
import os
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlmodel import Session

from app import cli_adjudication, cli_assignments, cli_codebook
from app.cli_support import LOCK_WAIT, migrated_database
from app.config import get_settings
from app.db import migrate
from app.models import Role
from app.services.blinding import Layer
from app.services.errors import DomainError, InvalidInput
from app.services.filter_values import parse_date
from app.services.interchange.formats import ExportFormat, stream_format
from app.services.tag_filters import TagFilters

cli = typer.Typer(
    help="The argument map: tag passages with positions, export the map.",
    pretty_exceptions_show_locals=False,
)
cli.add_typer(cli_assignments.commands, name="assignments")
cli.add_typer(cli_adjudication.commands, name="adjudication")
cli.add_typer(cli_codebook.commands, name="codebook")


def _date_option(value: str) -> date | None:
    """A date option read as the API reads it; a refusal is a usage error (exit 2)."""
    try:
        return parse_date(value)
    except InvalidInput as error:
        raise typer.BadParameter(error.message) from None


# The tag filters, as the matrix, the networks and the CSV of tags take them (docs/manual.md).
DocumentOption = Annotated[str | None, typer.Option(help="Only this document (its id).")]
PositionOption = Annotated[str | None, typer.Option(help="Only this position (its key).")]
TopicOption = Annotated[str | None, typer.Option(help="Only this topic (its key).")]
OutletOption = Annotated[str | None, typer.Option(help="Only this outlet (any case).")]
AnalystOption = Annotated[str | None, typer.Option(help="Only tags this analyst made.")]
ActorOption = Annotated[str | None, typer.Option(help="Only this actor (its key).")]
SinceOption = Annotated[
    date | None, typer.Option(parser=_date_option, help="Published on or after (YYYY-MM-DD).")
]
UntilOption = Annotated[
    date | None, typer.Option(parser=_date_option, help="Published on or before (YYYY-MM-DD).")
]
UndatedOption = Annotated[
    bool, typer.Option(help="Count tags in documents with no publication date (any range).")
]
ExamplesOption = Annotated[
    bool, typer.Option(help="Include the starter map's example data (history: not applicable).")
]
LayerOption = Annotated[
    Layer, typer.Option(help="all tags, or only the adjudicated layer (history: no).")
]


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
    examples: Annotated[
        bool,
        typer.Option(
            help="On a new corpus, also load the starter map and actors, marked as example data."
        ),
    ] = True,
) -> None:
    """Load the seed corpus, positions and topics (safe to run again: nothing is duplicated).

    When the corpus is new, the starter map (seeds/starter-map.json) and the starter actor
    registry (seeds/actors.json) are loaded too, marked as example data; once cleared they are
    not brought back by a later seed.
    """
    from app.services.corpus import load_seeds
    from app.services.examples import load_starter_map

    folder = seeds_dir or get_settings().seeds_dir
    with migrated_database(writes=True) as engine, Session(engine) as session:
        report = load_seeds(session, folder)
        typer.echo(str(report))
        if examples and report.documents_added:
            loaded = load_starter_map(session, folder)
            if loaded is not None:
                typer.echo(f"starter map loaded as example data: {loaded}")


@cli.command("build-starter-map")
def build_starter_map_command(
    out: Annotated[Path | None, typer.Option(help="Where to write the map.")] = None,
) -> None:
    """Rebuild seeds/starter-map.json from seeds/starter-map-recipe.json, in a scratch database,
    through the same services as the pages."""
    import tempfile

    from app.services.examples import MAP_FILE, build_starter_map

    seeds = get_settings().seeds_dir
    target = out or seeds / MAP_FILE
    with tempfile.TemporaryDirectory() as work:
        try:
            counts = build_starter_map(seeds, target, Path(work))
        except DomainError as error:
            typer.echo(error.message, err=True)
            raise typer.Exit(1) from None
    typer.echo(f"wrote {target}: {counts}")


@cli.command("create-user")
def create_user_command(
    username: Annotated[str, typer.Argument(help="Lower-case letters, digits, '.', '-', '_'.")],
    role: Annotated[Role, typer.Option(help="admin, analyst or viewer.")] = Role.analyst,
    display_name: Annotated[
        str | None, typer.Option(help="The name shown with their work (default: username).")
    ] = None,
    may_edit_others: Annotated[
        bool, typer.Option(help="An analyst who may edit other analysts' work.")
    ] = False,
    may_adjudicate: Annotated[
        bool, typer.Option(help="An analyst who may adjudicate (a curator).")
    ] = False,
) -> None:
    """Create a user; the password is read from the terminal (or standard input), twice."""
    from pydantic import ValidationError

    from app.models import UserCreate
    from app.services.accounts import create_user

    password = typer.prompt(
        "Password (10 characters or more)", hide_input=True, confirmation_prompt=True
    )
    try:
        data = UserCreate(
            username=username,
            display_name=display_name or username,
            password=password,
            role=role,
            may_edit_others=may_edit_others,
            may_adjudicate=may_adjudicate,
        )
    except ValidationError as error:
        problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in error.errors())
        typer.echo(f"create-user: {problems}", err=True)
        raise typer.Exit(1) from None
    with migrated_database("create-user: ", writes=True) as engine, Session(engine) as session:
        user = create_user(session, data)
        typer.echo(f"created {user.role} '{user.username}'")


@cli.command("first-admin")
def first_admin_command() -> None:
    """On a database with no users, create the user 'admin' with a one-time password and print
    it (it must be changed at the first sign-in). Does nothing once any user exists."""
    from app.services.accounts import FIRST_ADMIN, ensure_first_admin

    with migrated_database(writes=True) as engine, Session(engine) as session:
        password = ensure_first_admin(session)
    if password is None:
        typer.echo("users exist already: sign in with your account (admins add users on /users)")
        return
    typer.echo(
        "\n".join(
            [
                "",
                "  A first admin account was created. Sign in at /login with",
                f"    username: {FIRST_ADMIN}",
                f"    one-time password: {password}",
                "  You will be asked to choose your own password. This is shown only once.",
                "",
            ]
        )
    )


@cli.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Migrate, then serve the app."""
    import gc

    import uvicorn

    from app.main import create_app

    settings = get_settings()
    migrate(settings.database_url)
    app = create_app(settings)
    gc.freeze()  # start-up's objects live on: full collections need not walk them again
    typer.echo(f"Serving the argument map on http://{host}:{port}/")
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        # uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise; only the
        # proxies the settings name are believed.
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies or "",
    )


@cli.command("export")
def export_command(
    out: Annotated[
        Path | None, typer.Option(help="File to write; standard output when left out.")
    ] = None,
    document: DocumentOption = None,
    position: PositionOption = None,
    topic: TopicOption = None,
    outlet: OutletOption = None,
    analyst: AnalystOption = None,
    actor: ActorOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    undated: UndatedOption = True,
    examples: ExamplesOption = True,
    layer: LayerOption = Layer.all,
    fmt: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            help="argmap: the native format (GET /api/export); aif: claims and relations as "
            "AIF JSON (GET /api/export/aif); w3c: the tags as W3C Web Annotations "
            "(GET /api/export/w3c); csv: the tags as a CSV table, a row each, for R, pandas "
            "or a spreadsheet (GET /api/export/csv; it alone takes every tag filter); "
            "history: every change ever made (GET /api/export/history; filters do not apply).",
        ),
    ] = ExportFormat.argmap,
    base_url: Annotated[
        str, typer.Option(help="Where the app is served, for the ids of W3C annotations.")
    ] = "http://127.0.0.1:8000",
    spreadsheet: Annotated[
        bool,
        typer.Option(
            help="csv only: guard text starting with = + - @ (a formula to a spreadsheet) with "
            "a leading apostrophe. Leave it out for R and pandas."
        ),
    ] = False,
) -> None:
    """Write the argument map as JSON (or the tags as CSV): the same bytes as the matching API
    route."""
    from app.services.interchange.filters import NO_FILTERS, ExportFilters

    tags = TagFilters(
        document, outlet, analyst, actor, position, topic, since, until, undated, examples, layer
    )
    # The map's exports take three of the filters and --no-examples; the CSV, a table of
    # tags, takes them all.
    shared = NO_FILTERS.as_record().keys() | {"examples", "layer"}
    csv_only = ["--spreadsheet"] if spreadsheet else []
    csv_only += [f"--{name}" for name in tags.chosen() if name not in shared]
    if csv_only and fmt != ExportFormat.csv:
        names = ", ".join(csv_only).replace("--undated", "--no-undated")
        typer.echo(
            f"{names} {'applies' if len(csv_only) == 1 else 'apply'} only to --format csv.",
            err=True,
        )
        raise typer.Exit(2)
    map_filters = ExportFilters(document, position, topic, examples, layer)
    filters = tags if fmt == ExportFormat.csv else map_filters
    with migrated_database() as engine:
        chunks = stream_format(engine, fmt, filters, base_url, spreadsheet)
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


@cli.command("network")
def network_command(
    kind: Annotated[
        str, typer.Option(help="two-mode, congruence, conflict or subtract (docs/networks.md).")
    ] = "congruence",
    mode: Annotated[str, typer.Option(help="One-mode networks: actor or concept.")] = "actor",
    normalization: Annotated[
        str,
        typer.Option(help="no, average, jaccard, cosine (one-mode); activity, prominence."),
    ] = "no",
    two_mode_weight: Annotated[str, typer.Option(help="ignore, subtract or combine.")] = "ignore",
    duplicates: Annotated[
        str, typer.Option(help="include, document, week, month, year or acrossrange.")
    ] = "include",
    concepts: Annotated[str, typer.Option(help="claims, or topics (a position's).")] = "claims",
    document: DocumentOption = None,
    position: PositionOption = None,
    topic: TopicOption = None,
    outlet: OutletOption = None,
    analyst: AnalystOption = None,
    actor: Annotated[
        str | None, typer.Option(help="Only this actor's statements, an author's included.")
    ] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    undated: UndatedOption = True,
    examples: ExamplesOption = True,
    layer: LayerOption = Layer.all,
    window: Annotated[
        int | None, typer.Option(min=1, help="Days a moving window covers (one network a step).")
    ] = None,
    step: Annotated[int, typer.Option(min=1, help="Days a moving window moves by.")] = 1,
    fmt: Annotated[
        str, typer.Option("--format", help="graphml, gexf, nodes.csv, edges.csv or json.")
    ] = "graphml",
    out: Annotated[
        Path | None, typer.Option(help="File to write; standard output when left out.")
    ] = None,
) -> None:
    """Write a discourse network of the map's statements, as GET /api/networks/file (or, with
    --format json, GET /api/networks) gives it."""
    from app.presenters.networks import network_as_json, network_file
    from app.services.filter_values import parse_choice
    from app.services.networks import network_spec
    from app.services.statements import ConceptLevel, StatementFilters

    formats = ("graphml", "gexf", "nodes.csv", "edges.csv", "json")
    if fmt not in formats:
        typer.echo(f"Unknown format '{fmt}': choose one of {', '.join(formats)}.", err=True)
        raise typer.Exit(2)
    with migrated_database() as engine, Session(engine) as session:
        spec = network_spec(
            kind,
            mode=mode,
            normalization=normalization,
            two_mode_weight=two_mode_weight,
            duplicates=duplicates,
        )
        filters = StatementFilters(
            parse_choice(ConceptLevel, concepts, "concept level"),
            TagFilters(
                document,
                outlet,
                analyst,
                actor,
                position,
                topic,
                since,
                until,
                undated,
                examples,
                layer,
            ),
        )
        window_options: dict[str, Any] = {
            "window_days": window,
            "step_days": step,
            "start": since,
            "end": until,
        }
        if fmt == "json":
            document_json = network_as_json(session, spec, filters, **window_options)
            content = json.dumps(document_json, ensure_ascii=False, indent=2).encode("utf-8")
        else:
            content, _name = network_file(session, spec, filters, fmt, **window_options)
    if out is None:
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
        return
    out.write_bytes(content)
    typer.echo(f"wrote {out}", err=True)


class ImportFormat(StrEnum):
    argmap = "argmap"
    aif = "aif"


@cli.command("import")
def import_command(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="An export file.")
    ],
    fmt: Annotated[
        ImportFormat,
        typer.Option("--format", help="argmap: a native export; aif: an AIF JSON file."),
    ] = ImportFormat.argmap,
    analyst: Annotated[
        str | None, typer.Option(help="Who imports (needed for AIF: new claims record it).")
    ] = None,
    wait: Annotated[
        float,
        typer.Option(
            min=0,
            help="Seconds to wait for the running app's writes to let the import in (and, on "
            "PostgreSQL, for each lock it needs) before giving up.",
        ),
    ] = LOCK_WAIT,
) -> None:
    """Merge an export file into the database, all or nothing."""
    from app.services.interchange.aif.load import import_aif
    from app.services.interchange.importer import import_map

    if fmt == ImportFormat.aif and not (analyst or "").strip():
        typer.echo("An AIF import needs --analyst NAME: the claims it creates record it.", err=True)
        raise typer.Exit(1)
    with (
        migrated_database(
            error_prefix=f"{file}: ",
            writes=True,
            lock_wait=wait,
            busy="nothing was imported. Try again, or give it longer with --wait SECONDS.",
        ) as engine,
        Session(engine) as session,
    ):
        raw = file.read_bytes()
        if fmt == ImportFormat.aif:
            aif_report = import_aif(session, raw, analyst or "")
            # The summary counts the warnings and refers to their list: here, the lines after it.
            lines = [str(aif_report), *aif_report.listed_warnings()]
        else:
            report = import_map(session, raw)
            lines = [report.summary(), *report.notes]
    typer.echo("\n".join(lines[:1] + [f"- {line}" for line in lines[1:]]))


@cli.command("backup")
def backup_command(
    out: Annotated[
        Path | None,
        typer.Option(help="File to write (default: backups/argmap-<date>-<time>.db or .dump)."),
    ] = None,
) -> None:
    """Back up the whole database: SQLite through its online backup API (safe while the app
    runs), PostgreSQL with pg_dump in its custom format."""
    from app.services.backup import backup_database, default_backup_path

    url = get_settings().database_url
    target = out or default_backup_path(url, Path("backups"))
    try:
        report = backup_database(url, target)
    except DomainError as error:
        typer.echo(f"backup: {error.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(str(report))


@cli.command("restore")
def restore_command(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="A backup file.")
    ],
    force: Annotated[
        bool, typer.Option(help="Replace the database even when it is not empty.")
    ] = False,
) -> None:
    """Replace the database with a backup made by `backup`, then bring it to the newest schema.
    Refuses to replace a database that holds anything unless --force."""
    from app.services.backup import restore_database

    url = get_settings().database_url
    try:
        report = restore_database(url, file, force=force)
    except DomainError as error:
        typer.echo(f"restore: {error.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(str(report))
    migrate(url)
    typer.echo("database is at the newest schema")


@cli.command("add-document")
def add_document_command(
    source: Annotated[
        str, typer.Argument(help="A .txt, .md, .html or .pdf file, or an http(s) URL.")
    ],
    title: Annotated[
        str | None, typer.Option(help="Overrides the title the source states.")
    ] = None,
    outlet: Annotated[str | None, typer.Option(help="Overrides the outlet (site name).")] = None,
    author: Annotated[str | None, typer.Option(help="Overrides the author.")] = None,
    published: Annotated[
        str | None, typer.Option(help="Overrides the publication date (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Add an article to the corpus, read as the page's preview reads it; print its id and
    how many passages it was split into."""
    from datetime import date

    from app.services import ingest
    from app.services.documents import list_passages

    try:
        when = date.fromisoformat(published) if published else None
    except ValueError:
        typer.echo(f"add-document: --published {published} is not a date as YYYY-MM-DD", err=True)
        raise typer.Exit(1) from None
    with (
        migrated_database(error_prefix=f"{source}: ", writes=True) as engine,
        Session(engine) as session,
    ):
        if source.lower().startswith(("http://", "https://")):
            # Whoever runs the command is on the machine already: any address is fetched.
            extracted = ingest.fetch_url(source, allow_private=True)
        else:
            path = Path(source)
            if not path.is_file():
                typer.echo(f"{source}: no such file", err=True)
                raise typer.Exit(1)
            if path.stat().st_size > ingest.MAX_SOURCE_BYTES:
                raise ingest.SourceTooLarge(
                    f"the file is over the limit of {ingest.MAX_SOURCE_BYTES // 2**20} MB."
                )
            extracted = ingest.extract_file(path.name, path.read_bytes())
        extracted = ingest.with_metadata(
            extracted, title=title, outlet=outlet, author=author, published=when
        )
        try:
            document = ingest.save_document(session, extracted.to_create())
        except ingest.DuplicateText as duplicate:
            typer.echo(
                f"{source}: {duplicate.message} (document {duplicate.document_id})", err=True
            )
            raise typer.Exit(1) from None
        passages = len(list_passages(session, document.id))
    typer.echo(f"added document {document.id} ({passages} passages)")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()

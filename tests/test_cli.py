"""The command line, run in this process against a temporary database (SQLite, or PostgreSQL
with ARGMAP_TEST_DATABASE=postgresql); one test runs it as a real process, as users do."""

import json
import os
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner, Result

from app.cli import cli
from app.config import PROJECT_ROOT, get_settings
from app.db import make_engine
from app.services.interchange.native import stream_export
from tests.maps import build_small_map

NewDatabase = Callable[[str], str]
V1_SAMPLE = PROJECT_ROOT / "tests" / "data" / "export-v1-sample.json"
XAIF_SAMPLE = PROJECT_ROOT / "tests" / "data" / "aif" / "xaif-0.3.4-tutorial-example.json"


def argmap(database: str, *args: str) -> Result:
    """Run `python -m app.cli …` in this process, with DATABASE_URL set to `database` (a URL).

    The settings are cached, so they are read afresh for each command and not left behind for
    the next test. A command that lets an exception through fails the test with its traceback:
    as a process it would have printed it on stderr and exited with 1.
    """
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, list(args), env={"DATABASE_URL": database})
    finally:
        get_settings.cache_clear()
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert result.exc_info is not None
        pytest.fail("".join(traceback.format_exception(*result.exc_info)))
    return result


def argmap_process(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m app.cli …` as a real process with DATABASE_URL set to `database`."""
    env = {**os.environ, "DATABASE_URL": database}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def service_export(database: str) -> bytes:
    engine = make_engine(database)
    try:
        return "".join(stream_export(engine)).encode("utf-8")
    finally:
        engine.dispose()


# --- export and import ---------------------------------------------------------------------


def test_export_writes_the_same_bytes_as_the_service(seeded_db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "map.json"

    result = argmap(seeded_db_url, "export", "--out", str(out))

    assert result.exit_code == 0, result.stderr
    assert out.read_bytes() == service_export(seeded_db_url)
    assert not (tmp_path / "map.json.part").exists()


def test_export_without_out_writes_to_stdout(seeded_db_url: str) -> None:
    result = argmap(seeded_db_url, "export", "--topic", "nato")

    assert result.exit_code == 0, result.stderr
    exported = json.loads(result.stdout)
    assert exported["filters"] == {
        "document": None,
        "position": None,
        "topic": "nato",
        "layer": "all",
    }
    assert exported["annotations"] == []


def test_export_with_an_unknown_filter_fails_cleanly(seeded_db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "map.json"

    result = argmap(seeded_db_url, "export", "--position", "martians", "--out", str(out))

    assert result.exit_code == 1
    assert "There is no position with the key 'martians'." in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_import_into_a_new_database_then_export_round_trips(
    seeded_db_url: str, tmp_path: Path, new_db_url: NewDatabase
) -> None:
    exported = tmp_path / "map.json"
    exported.write_bytes(service_export(seeded_db_url))
    fresh = new_db_url("fresh")  # not even migrated: the command migrates first

    first = argmap(fresh, "import", str(exported))
    second = argmap(fresh, "import", str(exported))

    assert first.exit_code == 0, first.stderr
    assert first.stdout.startswith("Import done: created 4 positions")
    assert second.exit_code == 0, second.stderr
    assert "created" not in second.stdout
    assert service_export(fresh) == exported.read_bytes()


def test_import_of_a_bad_file_exits_1_with_the_reason_on_stderr(
    seeded_db_url: str, tmp_path: Path, new_db_url: NewDatabase
) -> None:
    data = json.loads(service_export(seeded_db_url))
    data["passages"][2]["kind"] = "footnote"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    target = new_db_url("target")

    result = argmap(target, "import", str(bad))

    assert result.exit_code == 1
    assert "passages[2].kind: 'footnote' is not one of" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    after = json.loads(service_export(target))
    assert after["positions"] == after["documents"] == []  # migrated, but nothing imported


def test_import_of_a_huge_note_says_why_after_its_start(
    tmp_path: Path, new_db_url: NewDatabase
) -> None:
    data = json.loads(V1_SAMPLE.read_bytes())
    data["annotations"][0]["note"] = "N" * 10_000_000
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")

    result = argmap(new_db_url("target"), "import", str(bad))

    assert result.exit_code == 1
    assert result.stderr == (
        f"{bad}: annotations[0].note: '{'N' * 40}…' (10,000,000 characters) is longer than the "
        "5,000 characters allowed\n"
    )


def test_import_lists_the_relations_it_left_out_one_per_line(
    seeded_db_url: str, tmp_path: Path, new_db_url: NewDatabase
) -> None:
    engine = make_engine(seeded_db_url)
    with Session(engine) as session:
        build_small_map(session)
    engine.dispose()
    exported = json.loads(service_export(seeded_db_url))
    first = tmp_path / "map.json"
    first.write_text(json.dumps(exported), encoding="utf-8")
    stored = exported["relations"][0]["id"]
    exported["relations"][0]["id"] = "linked-separately"  # the same two claims, made elsewhere
    second = tmp_path / "again.json"
    second.write_text(json.dumps(exported), encoding="utf-8")
    fresh = new_db_url("fresh")
    assert argmap(fresh, "import", str(first)).exit_code == 0

    result = argmap(fresh, "import", str(second))

    assert result.exit_code == 0, result.stderr
    summary, *notes = result.stdout.splitlines()
    assert summary.startswith("Import done: unchanged ")
    assert notes == [
        f"- relations[0] was not imported: its claims are already linked here by relation "
        f"'{stored}', which stays as it is."
    ]


def test_import_of_a_missing_file_is_a_usage_error(tmp_path: Path, new_db_url: NewDatabase) -> None:
    result = argmap(new_db_url("db"), "import", str(tmp_path / "nowhere.json"))

    assert result.exit_code == 2
    assert "Traceback" not in result.stderr


# --- seed and migrate ----------------------------------------------------------------------


def test_seed_loads_the_corpus_once_on_a_new_database(new_db_url: NewDatabase) -> None:
    database = new_db_url("new")

    first = argmap(database, "seed")
    second = argmap(database, "seed")

    assert first.exit_code == 0, first.stderr
    assert "5 documents added" in first.stdout
    assert second.exit_code == 0, second.stderr
    assert "0 documents added (5 already present)" in second.stdout
    assert service_export(database).count(b'"sha256"') == 5


def test_seed_with_a_broken_manifest_says_what_is_wrong(
    tmp_path: Path, new_db_url: NewDatabase
) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "manifest.json").write_text('{"positions": [], "topics": [], "documents": 3}')

    result = argmap(new_db_url("new"), "seed", "--seeds-dir", str(seeds))

    assert result.exit_code == 1
    assert "documents" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_creates_the_schema(new_db_url: NewDatabase) -> None:
    # As a real process: the one test of the entry point itself (`python -m app.cli`).
    result = argmap_process(new_db_url("new"), "migrate")

    assert result.returncode == 0, result.stderr
    assert "newest schema" in result.stdout


# --- the field's formats -------------------------------------------------------------------


def test_aif_and_w3c_exports_match_the_api(seeded_db_url: str, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app
    from tests.accounts import ADMIN, sign_in_as
    from tests.maps import build_small_map

    app = create_app(Settings(database_url=seeded_db_url))
    with sign_in_as(TestClient(app), ADMIN) as client:
        from sqlmodel import Session

        with Session(app.state.engine) as session:
            build_small_map(session)
        api_aif = client.get("/api/export/aif").content
        api_w3c = client.get("/api/export/w3c").content
        api_history = client.get("/api/export/history").content

    aif = argmap(seeded_db_url, "export", "--format", "aif")
    assert aif.exit_code == 0, aif.stderr
    assert aif.stdout.encode("utf-8") == api_aif
    w3c = argmap(seeded_db_url, "export", "--format", "w3c", "--base-url", "http://testserver")
    assert w3c.exit_code == 0, w3c.stderr
    assert w3c.stdout.encode("utf-8") == api_w3c
    history = argmap(seeded_db_url, "export", "--format", "history")
    assert history.exit_code == 0, history.stderr
    assert history.stdout.encode("utf-8") == api_history
    assert len(json.loads(api_history)["entries"]) > 10  # the small map's creations, at least


def test_csv_export_matches_the_api_with_its_filters(seeded_db_url: str, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app
    from tests.accounts import ADMIN, sign_in_as

    app = create_app(Settings(database_url=seeded_db_url))
    with sign_in_as(TestClient(app), ADMIN) as client:
        with Session(app.state.engine) as session:
            build_small_map(session)
        api_csv = client.get("/api/export/csv").content
        api_russia = client.get("/api/export/csv?position=russia&spreadsheet=true").content

    out = tmp_path / "tags.csv"
    result = argmap(seeded_db_url, "export", "--format", "csv", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes() == api_csv
    assert api_csv.count(b"\r\n") > 3  # the header and the small map's tags, CRLF-ended
    russia = argmap(
        seeded_db_url, "export", "--format", "csv", "--position", "russia", "--spreadsheet"
    )
    assert russia.exit_code == 0, russia.stderr
    assert russia.stdout_bytes == api_russia


def test_no_examples_gives_the_bytes_of_the_export_pages_api_request(
    seeded_db_url: str,
) -> None:
    """The Export page shows `--no-examples` beside `examples=false`: the same files."""
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app
    from app.services import examples
    from tests.accounts import ADMIN, sign_in_as

    app = create_app(Settings(database_url=seeded_db_url))
    with sign_in_as(TestClient(app), ADMIN) as client:
        with Session(app.state.engine) as session:
            examples.load_starter_map(session, PROJECT_ROOT / "seeds")
        api = {
            fmt: client.get(path, params={"examples": "false"}).content
            for fmt, path in (("argmap", "/api/export"), ("csv", "/api/export/csv"))
        }
        with_examples = client.get("/api/export/csv").content
    for fmt, content in api.items():
        result = argmap(seeded_db_url, "export", "--format", fmt, "--no-examples")
        assert result.exit_code == 0, result.stderr
        assert result.stdout_bytes == content, fmt
    assert b",true\r\n" in with_examples and b",true\r\n" not in api["csv"]


def test_spreadsheet_is_refused_for_a_json_export(seeded_db_url: str) -> None:
    result = argmap(seeded_db_url, "export", "--format", "w3c", "--spreadsheet")
    assert result.exit_code == 2
    assert "--spreadsheet applies only to --format csv" in result.stderr
    tags_only = argmap(seeded_db_url, "export", "--actor", "lavrov", "--no-undated")
    assert tags_only.exit_code == 2
    assert "--actor, --no-undated apply only to --format csv" in tags_only.stderr


def test_the_cli_takes_the_tag_filters_the_api_takes(seeded_db_url: str) -> None:
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app
    from tests.accounts import ADMIN, sign_in_as
    from tests.maps import build_filter_map

    chosen = {
        "outlet": "the ledger",
        "analyst": "Ana",
        "actor": "lavrov",
        "position": "russia",
        "topic": "nato",
        "until": "2025-08-15",
    }
    app = create_app(Settings(database_url=seeded_db_url))
    with sign_in_as(TestClient(app), ADMIN) as client:
        with Session(app.state.engine) as session:
            build_filter_map(session)
        api_csv = client.get("/api/export/csv", params=chosen).content
        dated = client.get("/api/export/csv", params=chosen | {"undated": "false"}).content
        api_network = client.get("/api/networks", params={"kind": "two-mode", **chosen}).json()
    options = [f"--{name}={value}" for name, value in chosen.items()]

    exported = argmap(seeded_db_url, "export", "--format", "csv", *options)
    assert exported.exit_code == 0, exported.stderr
    assert exported.stdout_bytes == api_csv and api_csv.count(b"\r\n") == 3  # t1 and t5
    no_undated = argmap(seeded_db_url, "export", "--format", "csv", "--no-undated", *options)
    assert no_undated.stdout_bytes == dated and dated.count(b"\r\n") == 2
    network = argmap(seeded_db_url, "network", "--kind", "two-mode", "--format", "json", *options)
    assert network.exit_code == 0, network.output
    assert json.loads(network.stdout) == api_network
    # t1, and t5 undated: an undated statement counts in a network over all time.
    assert (api_network["statements"], api_network["left_out"]) == (2, {})
    unknown = argmap(seeded_db_url, "network", "--actor", "putin")
    assert unknown.exit_code == 1
    assert "There is no actor with the key 'putin'." in unknown.stderr
    backwards = argmap(
        seeded_db_url, "export", "--format", "csv", "--since", "2025-09-01", *options
    )
    assert backwards.exit_code == 1
    assert "The date range ends (2025-08-15) before it starts (2025-09-01)." in backwards.stderr


def test_aif_import_from_the_command_line(
    seeded_db_url: str, tmp_path: Path, new_db_url: NewDatabase
) -> None:
    engine = make_engine(seeded_db_url)
    with Session(engine) as session:
        build_small_map(session)
    engine.dispose()
    out = tmp_path / "map.aif.json"
    assert argmap(seeded_db_url, "export", "--format", "aif", "--out", str(out)).exit_code == 0

    fresh = new_db_url("fresh")
    refused = argmap(fresh, "import", "--format", "aif", str(out))
    assert refused.exit_code == 1
    assert "--analyst" in refused.stderr
    first = argmap(fresh, "import", "--format", "aif", "--analyst", "Ana", str(out))
    assert first.exit_code == 0, first.stderr
    second = argmap(fresh, "import", "--format", "aif", "--analyst", "Ana", str(out))
    assert second.exit_code == 0, second.stderr
    exported = json.loads(argmap(fresh, "export", "--format", "aif").stdout)
    assert sum(1 for n in exported["AIF"]["nodes"] if n["type"] == "I") == 3
    assert sum(1 for n in exported["AIF"]["nodes"] if n["type"] in ("RA", "CA")) == 2


def test_aif_import_lists_its_warnings_one_per_line(new_db_url: NewDatabase) -> None:
    result = argmap(
        new_db_url("fresh"), "import", "--format", "aif", "--analyst", "Ana", str(XAIF_SAMPLE)
    )

    assert result.exit_code == 0, result.stderr
    summary, *warnings = result.stdout.splitlines()
    assert summary.startswith("AIF import done: created ")
    assert summary.endswith(" 1 warning: see the list.")
    assert warnings == [
        "- AIF.locutions[2].personID: no participant with id 2; imported anyway (locutions and "
        "participants are not stored here)"
    ]


def test_seed_loads_the_starter_map_once_and_not_after_it_is_cleared(
    new_db_url: NewDatabase,
) -> None:
    database = new_db_url("new")

    first = argmap(database, "seed")
    assert first.exit_code == 0, first.stderr
    assert "starter map loaded as example data" in first.stdout
    assert "example actors" in first.stdout
    exported = json.loads(service_export(database))
    assert len(exported["claims"]) >= 28
    assert all(claim["example"] for claim in exported["claims"])

    from sqlmodel import Session

    from app.db import make_engine
    from app.models import Actor
    from app.services.examples import clear_examples

    engine = make_engine(database)
    with Session(engine) as session:
        assert session.exec(select(Actor)).first() is not None
        clear_examples(session)
    again = argmap(database, "seed")
    assert "starter map" not in again.stdout
    assert json.loads(service_export(database))["claims"] == []
    with Session(engine) as session:
        assert session.exec(select(Actor)).all() == []
    engine.dispose()
    plain = argmap(new_db_url("plain"), "seed", "--no-examples")
    assert "starter map" not in plain.stdout


# --- backup and restore --------------------------------------------------------------------


def test_backup_then_restore_from_the_command_line(seeded_db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "argmap.backup"

    made = argmap(seeded_db_url, "backup", "--out", str(out))
    assert made.exit_code == 0, made.stderr
    assert made.stdout.startswith(f"backed up to {out}")
    assert "5 documents, 0 tags" in made.stdout
    before = service_export(seeded_db_url)

    refused = argmap(seeded_db_url, "restore", str(out))
    assert refused.exit_code == 1
    assert "--force" in refused.stderr and "Traceback" not in refused.stderr

    done = argmap(seeded_db_url, "restore", "--force", str(out))
    assert done.exit_code == 0, done.stderr
    assert f"restored {out} into " in done.stdout
    assert "database is at the newest schema" in done.stdout
    assert service_export(seeded_db_url) == before


def test_network_writes_the_graphml_the_api_gives_and_refuses_bad_choices(
    seeded_db_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "network.graphml"
    written = argmap(seeded_db_url, "network", "--kind", "two-mode", "--out", str(out))
    assert written.exit_code == 0, written.output
    # The starter map's tags name no actor yet: a valid file with no statements in it.
    assert out.read_bytes().startswith(b"<?xml")
    as_json = argmap(seeded_db_url, "network", "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout)["statements"] == 0
    for args, message in (
        (("--kind", "friendship"), 'Unknown network type "friendship"'),
        (("--format", "pdf"), "Unknown format 'pdf'"),
        (("--since", "May"), "Invalid value for '--since': 'May' is not a date (YYYY-MM-DD)."),
        (("--until", "20250810"), "Invalid value for '--until': '20250810' is not a date"),
        (("--concepts", "vibes"), 'Unknown concept level "vibes": choose one of "claims"'),
        (("--window", "0"), "Invalid value for '--window'"),
    ):
        refused = argmap(seeded_db_url, "network", *args)
        assert refused.exit_code != 0
        assert message in refused.output

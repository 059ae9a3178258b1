"""The API probed as a hostile but honest tester would: schemathesis reads /openapi.json,
sends thousands of generated requests (valid ones, broken ones, sequences that create, change
and delete) to a real server signed in as an admin, and checks every answer against the
description: no server error, and every status code, content type, header and body as
documented. Bounded in examples and time; `ARGMAP_PROBE_SECONDS` changes the time."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session

from app.db import make_engine
from app.models import ApiTokenCreate
from app.services import accounts
from tests.accounts import ADMIN
from tests.servers import served

CONFIG = Path(__file__).with_name("schemathesis.toml")
SECONDS = int(os.environ.get("ARGMAP_PROBE_SECONDS", "150"))
EXAMPLES = 25
SEED = os.environ.get("ARGMAP_PROBE_SEED", "20261206")
# Everything the answers must be, and what the server must never do. The two checks of the
# requests' own schema (that every request it allows is taken, every one it forbids refused)
# are left out: whether a request is taken also depends on what is stored (a tag names an
# existing passage) and on a file's contents, which no schema states.
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "allow_header_conformance",
    "unsupported_method",
    "missing_required_header",
    "ignored_auth",
    "use_after_free",
    "ensure_resource_availability",
]


def admin_token(db_url: str) -> str:
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            admin = accounts.user_by_name(session, ADMIN)
            assert admin is not None
            return accounts.create_token(session, admin, ApiTokenCreate(name="probe"))[1]
    finally:
        engine.dispose()


@pytest.mark.probe
def test_every_answer_of_the_api_is_as_its_description_says(
    seeded_db_url: str, tmp_path: Path
) -> None:
    token = admin_token(seeded_db_url)
    with served(seeded_db_url, tmp_path / "server.log") as base_url:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "--config-file",
                str(CONFIG),
                "--no-color",
                "run",
                f"{base_url}/openapi.json",
                "--header",
                f"Authorization: Bearer {token}",
                "--checks",
                ",".join(CHECKS),
                "--max-examples",
                str(EXAMPLES),
                "--max-time",
                str(SECONDS),
                "--seed",
                SEED,
                "--workers",
                "1",
            ],
            capture_output=True,
            text=True,
            timeout=SECONDS + 120,
            env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
        )
    report = run.stdout[-30_000:] + run.stderr[-5_000:]
    assert run.returncode == 0, report
    assert "Tested:" in run.stdout, report

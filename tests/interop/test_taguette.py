"""Our codebooks against Taguette's own code: Taguette reads our CSV codebook with its codebook
import, and we import the REFI-QDA codebook Taguette exports.

Taguette pins SQLAlchemy 1.4, so it cannot share our environment: `make taguette-check`
installs it (pinned, with hashes) in .taguette-venv and runs this test with TAGUETTE_PYTHON
naming that environment's Python. Without it the test is skipped.
"""

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from defusedxml.ElementTree import fromstring
from fastapi.testclient import TestClient

HERE = Path(__file__).parent
TAGUETTE_PYTHON = os.environ.get("TAGUETTE_PYTHON")
NS = "{urn:QDA-XML:codebook:1.0}"

# The tags Taguette exports, as its `Tag` rows have them.
TAGUETTE_TAGS = [
    {"path": "interesting", "description": "Further review required"},
    {"path": "Security guarantees", "description": "Article-5-like promises"},
    {"path": "Énergie", "description": ""},
]

pytestmark = pytest.mark.skipif(
    not TAGUETTE_PYTHON,
    reason="needs Taguette in its own environment: run `make taguette-check`",
)


def _run_taguette(folder: Path) -> None:
    assert TAGUETTE_PYTHON is not None
    (folder / "taguette-tags.json").write_text(json.dumps(TAGUETTE_TAGS), encoding="utf-8")
    done = subprocess.run(
        [TAGUETTE_PYTHON, str(HERE / "taguette_roundtrip.py"), str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def _codes(client: TestClient) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (family["family"], code["key"]): code
        for family in client.get("/api/codebook").json()["families"]
        for code in family["codes"]
    }


def test_taguette_and_argmap_read_each_others_codebooks(
    seeded_client: TestClient, tmp_path: Path
) -> None:
    client = seeded_client
    client.put("/api/codebook/topic/nato", json={"definition": 'NATO, "membership"\nof Ukraine'})
    client.put("/api/codebook/kind/opposes", json={"definition": "The author argues against it"})
    ours = client.get("/api/codebook.csv")
    assert ours.status_code == 200
    (tmp_path / "argmap.csv").write_bytes(ours.content)

    _run_taguette(tmp_path)

    # Taguette read every code of our CSV, each with its description.
    read = json.loads((tmp_path / "taguette-read.json").read_text(encoding="utf-8"))
    expected = [(code["name"], code["definition"]) for code in _codes(client).values()]
    assert [(tag["path"], tag["description"]) for tag in read] == expected
    assert 'NATO, "membership"\nof Ukraine' in {tag["description"] for tag in read}

    # Every code of Taguette's codebook arrives as a topic, with the description it carries.
    exported = (tmp_path / "taguette.qdc").read_bytes()
    carried = {
        code.get("name"): code.findtext(f"{NS}Description") or ""
        for code in fromstring(exported).iter(f"{NS}Code")
    }
    assert set(carried) == {tag["path"] for tag in TAGUETTE_TAGS}
    answer = client.post(
        "/api/codebook/import", files={"file": ("taguette.qdc", exported, "application/xml")}
    )
    assert answer.status_code == 200, answer.text
    topics = {c["name"]: c for (f, _), c in _codes(client).items() if f == "topic"}
    for name, description in carried.items():
        assert name in topics, name
        assert topics[name]["definition"] == description
    # "Security guarantees" is a topic of the seed corpus already: found by its name.
    assert sorted(answer.json()["new_codes"]) == ["topic:energie", "topic:interesting"]

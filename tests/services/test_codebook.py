"""The codebook's files and command line: descriptions that carry the rules, keys made of
names, and `argmap codebook export|import`."""

from pathlib import Path

from sqlmodel import Session

from app.models import CodebookEntryUpdate, CodeFamily
from app.services import codebook
from app.services.interchange.qdc import description_of, split_description
from tests.test_cli import argmap


def test_a_description_gives_back_its_definition_rules_and_key() -> None:
    code = codebook.Code(
        CodeFamily.topic, "nato", "NATO", "g", definition="One\n\nTwo", include="a", exclude="b"
    )
    assert split_description(description_of(code)) == {
        "definition": "One\n\nTwo",
        "include": "a",
        "exclude": "b",
        "key": "nato",
    }
    assert split_description("Just words") == {"definition": "Just words"}


def test_a_key_is_made_of_a_name() -> None:
    assert codebook.slug("Security guarantees (Art. 5)") == "security-guarantees-art-5"
    assert codebook.slug("Énergie") == "energie"
    assert codebook.slug("2025 summit") == "c-2025-summit"


def test_the_command_line_exports_and_imports_a_codebook(
    seeded_db_url: str, seeded_session: Session, db_url: str, tmp_path: Path
) -> None:
    codebook.update_entry(
        seeded_session,
        CodeFamily.topic,
        "nato",
        CodebookEntryUpdate(definition="Membership of NATO"),
        "tester",
    )
    out = tmp_path / "codebook.qdc"
    exported = argmap(seeded_db_url, "codebook", "export", "--format", "qdc", "--out", str(out))
    assert exported.exit_code == 0, exported.output
    assert b"Membership of NATO" in out.read_bytes()
    as_csv = argmap(seeded_db_url, "codebook", "export", "--format", "csv")
    assert as_csv.stdout_bytes.startswith("\ufefffamily,key,tag,description".encode())
    imported = argmap(db_url, "codebook", "import", str(out))
    assert imported.exit_code == 0, imported.output
    assert "topic:nato" in imported.stdout
    bad = tmp_path / "bad.qdc"
    bad.write_bytes(b"<CodeBook")
    refused = argmap(db_url, "codebook", "import", str(bad))
    assert refused.exit_code == 1
    assert "well-formed" in refused.stderr

"""The corpus service: adding documents, and loading the seed folder."""

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, func, select

from app.models import (
    Document,
    DocumentCreate,
    Passage,
    PassageKind,
    Position,
    Topic,
    document_id_for,
    passage_id_for,
)
from app.services import corpus
from app.services.corpus import add_document, load_seeds
from app.services.errors import Conflict, InvalidInput
from app.services.segmentation import join_wrapped_lines
from tests.conftest import SEED_FILES, SEEDS_DIR, seed_text

# --- adding documents ----------------------------------------------------------------------


def test_add_document_stores_text_unchanged_and_passages_with_content_derived_ids(
    session: Session,
) -> None:
    text = "Heading line\r\n\r\nFirst paragraph.\r\nSecond paragraph here.\r\n"
    document = add_document(session, DocumentCreate(text=text, title="A test", source_name="t"))

    sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert document.id == document_id_for(sha256)
    assert document.sha256 == sha256
    assert document.original_text == text
    assert (document.title, document.source_name) == ("A test", "t")
    passages = session.exec(
        select(Passage).where(Passage.document_id == document.id).order_by(col(Passage.ordinal))
    ).all()
    assert [p.ordinal for p in passages] == [0, 1, 2]
    assert [p.kind for p in passages] == [
        PassageKind.heading,
        PassageKind.paragraph,
        PassageKind.paragraph,
    ]
    for p in passages:
        assert p.id == passage_id_for(document.id, p.start, p.end)
        assert join_wrapped_lines(text[p.start : p.end]) == p.text


def test_add_document_refuses_a_text_already_in_the_corpus(seeded_session: Session) -> None:
    with pytest.raises(Conflict, match="already in the corpus as Trump-Putin in Alaska"):
        add_document(seeded_session, DocumentCreate(text=seed_text("003"), title="Again"))

    untitled = seed_text("000")
    sha256 = hashlib.sha256(untitled.encode("utf-8")).hexdigest()
    with pytest.raises(Conflict, match=f"already in the corpus as {document_id_for(sha256)}"):
        add_document(seeded_session, DocumentCreate(text=untitled))


def test_add_document_refuses_a_text_of_only_whitespace(session: Session) -> None:
    with pytest.raises(InvalidInput, match="no content"):
        add_document(session, DocumentCreate(text=" \n\n\t"))
    assert session.exec(select(func.count()).select_from(Document)).one() == 0


# --- seeding -------------------------------------------------------------------------------


def snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the corpus tables, in a stable order."""
    return {
        "documents": [
            (d.id, d.sha256, d.title, d.outlet, d.author, d.published, d.url, d.created_at)
            for d in session.exec(select(Document).order_by(col(Document.id)))
        ],
        "passages": [
            (p.id, p.document_id, p.ordinal, p.kind, p.text, p.start, p.end)
            for p in session.exec(select(Passage).order_by(col(Passage.id)))
        ],
        "positions": [
            (p.key, p.name, p.colour, p.ordinal)
            for p in session.exec(select(Position).order_by(col(Position.key)))
        ],
        "topics": [
            (t.key, t.name, t.description)
            for t in session.exec(select(Topic).order_by(col(Topic.key)))
        ],
    }


def test_load_seeds_adds_the_manifest_to_an_empty_database(session: Session) -> None:
    report = load_seeds(session, SEEDS_DIR)

    assert (report.documents_added, report.positions_added, report.topics_added) == (5, 4, 9)
    assert (report.documents_present, report.positions_present, report.topics_present) == (0, 0, 0)
    assert str(report) == (
        "seeds loaded: 5 documents added (0 already present), 4 positions added "
        "(0 already present), 9 topics added (0 already present)"
    )
    rows = snapshot(session)
    assert len(rows["passages"]) == 20 + 25 + 8 + 22 + 18
    assert [p[0] for p in rows["positions"]] == ["europe", "russia", "ukraine", "us"]
    assert {t[0] for t in rows["topics"]} == {
        "territory",
        "nato",
        "security-guarantees",
        "ceasefire",
        "sanctions",
        "eu-accession",
        "army-limits",
        "format",
        "us-russia",
    }


def test_load_seeds_records_only_stated_metadata_and_unknown_as_null(session: Session) -> None:
    load_seeds(session, SEEDS_DIR)

    by_file = {str(d.source_name): d for d in session.exec(select(Document))}
    assert sorted(by_file) == [p.name for p in SEED_FILES]
    meta = {
        name[:3]: (d.title, d.outlet, d.author, d.published and d.published.isoformat(), d.url)
        for name, d in by_file.items()
    }
    assert meta == {
        "000": (None, None, None, None, None),
        "001": (None, None, None, None, None),
        "002": (None, "24brussels", None, None, None),
        "003": (
            "Trump-Putin in Alaska: a Bilateral Summit for a Multilateral Conflict",
            None,
            None,
            "2025-08-15",
            None,
        ),
        "004": (None, "unherd.com", "Heather Penatzer", None, None),
    }
    for document in by_file.values():
        stored = (SEEDS_DIR / str(document.source_name)).read_bytes()
        assert document.original_text.encode("utf-8") == stored


def test_load_seeds_twice_changes_nothing(seeded_session: Session) -> None:
    before = snapshot(seeded_session)

    report = load_seeds(seeded_session, SEEDS_DIR)

    assert (report.documents_added, report.positions_added, report.topics_added) == (0, 0, 0)
    assert (report.documents_present, report.positions_present, report.topics_present) == (5, 4, 9)
    assert snapshot(seeded_session) == before


def test_load_seeds_keeps_positions_and_topics_an_analyst_edited(seeded_session: Session) -> None:
    russia = seeded_session.get_one(Position, "russia")
    russia.name, russia.colour = "Kremlin", "#123456"
    territory = seeded_session.get_one(Topic, "territory")
    territory.description = "Edited by an analyst."
    seeded_session.add_all([russia, territory])
    seeded_session.commit()

    load_seeds(seeded_session, SEEDS_DIR)

    seeded_session.expire_all()
    russia = seeded_session.get_one(Position, "russia")
    assert (russia.name, russia.colour) == ("Kremlin", "#123456")
    assert seeded_session.get_one(Topic, "territory").description == "Edited by an analyst."


def test_seed_position_colours_are_distinct_and_carry_white_text() -> None:
    manifest = json.loads((SEEDS_DIR / "manifest.json").read_text(encoding="utf-8"))
    colours = [p["colour"] for p in manifest["positions"]]

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    assert len(set(colours)) == 4
    # WCAG AA for normal text: white on the colour at least 4.5:1.
    assert all(1.05 / (luminance(c) + 0.05) >= 4.5 for c in colours)


def write_seeds(folder: Path, manifest: Any, files: dict[str, str] | None = None) -> Path:
    folder.mkdir(exist_ok=True)
    text = manifest if isinstance(manifest, str) else json.dumps(manifest)
    (folder / "manifest.json").write_text(text, encoding="utf-8")
    for name, content in (files or {}).items():
        (folder / name).write_text(content, encoding="utf-8")
    return folder


def small_manifest(**document: Any) -> dict[str, Any]:
    entry = {
        "file": "a.txt",
        "title": "unknown",
        "outlet": "unknown",
        "author": "unknown",
        "published": "unknown",
        "url": "unknown",
    } | document
    return {
        "positions": [{"key": "russia", "name": "Russian", "colour": "#CC2222", "ordinal": 1}],
        "topics": [{"key": "nato", "name": "NATO membership", "description": ""}],
        "documents": [entry],
    }


@pytest.mark.parametrize(
    ("manifest", "problem"),
    [
        ("{not json", "not valid JSON"),
        ([], "manifest: Input should be a valid dictionary"),
        ({"positions": [], "topics": []}, "documents: Field required"),
        (small_manifest(published="15 August 2025"), "documents.0.published: .*YYYY-MM-DD"),
        (small_manifest(published="2025-02-30"), "2025-02-30 is not a calendar date"),
        (small_manifest(author=""), "documents.0.author: .*must not be blank"),
        (small_manifest(url=None), "documents.0.url: .*rather than null"),
        (small_manifest(file="../a.txt"), "documents.0.file: .*name of a file"),
        (small_manifest(colour="red"), "documents.0.colour: Extra inputs are not permitted"),
        (
            small_manifest() | {"positions": [{"key": "us", "name": "US", "color": "#000000"}]},
            "positions.0.color: Extra inputs are not permitted",
        ),
        (small_manifest(file="missing.txt"), "lists missing.txt, which does not exist"),
        (small_manifest(title="x" * 501), "a.txt: title: String should have at most 500"),
        (
            small_manifest()
            | {"topics": [{"key": "nato", "name": "A"}, {"key": "nato", "name": "B"}]},
            "topics lists nato more than once",
        ),
        (
            small_manifest() | {"positions": [{"key": "Russia!", "name": "Russian"}]},
            "positions.0.key: String should match pattern",
        ),
    ],
)
def test_load_seeds_rejects_a_malformed_manifest_naming_the_problem(
    session: Session, tmp_path: Path, manifest: Any, problem: str
) -> None:
    folder = write_seeds(tmp_path / "seeds", manifest, {"a.txt": "A short article."})

    with pytest.raises(InvalidInput, match=problem):
        load_seeds(session, folder)
    assert snapshot(session) == {"documents": [], "passages": [], "positions": [], "topics": []}


def test_load_seeds_refuses_an_empty_article_file(session: Session, tmp_path: Path) -> None:
    folder = write_seeds(tmp_path / "seeds", small_manifest(), {"a.txt": " \n\n "})

    with pytest.raises(InvalidInput, match="a.txt: the file is empty"):
        load_seeds(session, folder)


def test_load_seeds_without_a_manifest_says_so(session: Session, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no seed manifest found"):
        load_seeds(session, tmp_path)


def test_load_seeds_writes_nothing_when_a_document_fails(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = small_manifest()
    manifest["documents"].append(manifest["documents"][0] | {"file": "b.txt"})
    folder = write_seeds(tmp_path / "seeds", manifest, {"a.txt": "First.", "b.txt": "Second."})
    stage = corpus._stage_document
    calls: list[str] = []

    def fail_on_second(session: Session, data: DocumentCreate) -> Document:
        calls.append(data.text)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return stage(session, data)

    monkeypatch.setattr(corpus, "_stage_document", fail_on_second)

    with pytest.raises(RuntimeError, match="disk full"):
        load_seeds(session, folder)
    assert calls == ["First.", "Second."]
    assert snapshot(session) == {"documents": [], "passages": [], "positions": [], "topics": []}


def test_seed_file_listed_by_a_manifest_is_read_byte_for_byte(
    session: Session, tmp_path: Path
) -> None:
    folder = write_seeds(tmp_path / "seeds", small_manifest())
    (folder / "a.txt").write_bytes(b"Line one.\r\nLine two.\r\n")

    load_seeds(session, folder)

    (document,) = session.exec(select(Document)).all()
    assert document.original_text == "Line one.\r\nLine two.\r\n"
    passages = session.exec(select(Passage).order_by(col(Passage.ordinal))).all()
    assert [p.text for p in passages] == ["Line one.", "Line two."]


def test_load_seeds_adds_an_article_newly_listed_in_the_manifest(
    session: Session, tmp_path: Path
) -> None:
    folder = write_seeds(tmp_path / "seeds", small_manifest(), {"a.txt": "First article."})
    load_seeds(session, folder)
    manifest = small_manifest()
    manifest["documents"].append(manifest["documents"][0] | {"file": "b.txt", "author": "X"})
    write_seeds(folder, manifest, {"b.txt": "Second article."})

    report = load_seeds(session, folder)

    assert (report.documents_added, report.documents_present) == (1, 1)
    assert (report.positions_present, report.topics_present) == (1, 1)
    authors = {d.source_name: d.author for d in session.exec(select(Document))}
    assert authors == {"a.txt": None, "b.txt": "X"}

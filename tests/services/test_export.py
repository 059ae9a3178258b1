"""The native JSON export and import: format, determinism, round trip, merge, filters, refusals."""

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.models import Annotation, Document, Passage, PassageKind, Position, Topic
from app.services import export, importer
from app.services.corpus import join_wrapped_lines
from app.services.errors import InvalidInput, NotFound
from app.services.export import ExportFilters, export_map, export_schema, stream_export
from app.services.importer import import_map
from tests.factories import make_annotation, make_document, make_position

T0 = datetime(2025, 8, 15, 10, 0, tzinfo=UTC)
NOTE = "<script>alert('x')</script> Zelensky’s “red lines” — Ärger 🇺🇦\nsecond line"
LINE_BREAK = re.compile(r"[^\S\n]*\n[^\S\n]*")
TABLES = {
    "positions": Position,
    "topics": Topic,
    "documents": Document,
    "passages": Passage,
    "annotations": Annotation,
}


@dataclass
class Source:
    """The seed corpus with a handful of annotations, as a database to export from."""

    engine: Engine
    wrapped: Passage  # a passage made of hard-wrapped lines (its text is shorter than its slice)
    documents: list[str]  # document ids in export order


def export_text(engine: Engine, filters: ExportFilters | None = None) -> str:
    return "".join(stream_export(engine, filters or ExportFilters()))


def row_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            name: session.exec(select(func.count()).select_from(model)).one()
            for name, model in TABLES.items()
        }


def paragraphs(session: Session) -> list[Passage]:
    query = (
        select(Passage)
        .join(Document, col(Document.id) == col(Passage.document_id))
        .where(Passage.kind == PassageKind.paragraph)
        .order_by(col(Document.created_at), col(Document.id), col(Passage.ordinal))
    )
    return list(session.exec(query))


def line_break_in(session: Session, passage: Passage) -> int:
    """Where, in the passage text, a line break of the original (more than a newline) went."""
    raw = session.get_one(Document, passage.document_id).original_text[passage.start : passage.end]
    match = next(m for m in LINE_BREAK.finditer(raw) if len(m.group()) > 1)
    return len(join_wrapped_lines(raw[: match.start()]))


@pytest.fixture
def source(seeded_engine: Engine) -> Source:
    with Session(seeded_engine) as session:
        passages = paragraphs(session)
        wrapped = next(p for p in passages if p.end - p.start != len(p.text))
        by_document: dict[str, list[Passage]] = {}
        for passage in passages:
            by_document.setdefault(passage.document_id, []).append(passage)
        documents = list(by_document)
        first, second, third = (by_document[d][1] for d in documents[:3])
        # Whole passage, with a topic.
        make_annotation(session, first, "russia", "states", topic_key="territory", created_at=T0)
        # A span across a line break of a hard-wrapped paragraph, with a hostile note.
        cut = line_break_in(session, wrapped)
        make_annotation(
            session,
            wrapped,
            "ukraine",
            "opposes",
            start=cut - 10,
            end=cut + 25,
            note=NOTE,
            analyst="Ólafur",
            created_at=T0 + timedelta(minutes=5),
            updated_at=T0 + timedelta(minutes=7),
        )
        make_annotation(
            session,
            second,
            "us",
            "supports",
            topic_key="nato",
            start=4,
            end=30,
            created_at=T0 + timedelta(minutes=10),
        )
        # Removed: must not be exported.
        make_annotation(
            session,
            third,
            "europe",
            "states",
            topic_key="nato",
            created_at=T0 + timedelta(minutes=15),
            deleted_at=T0 + timedelta(minutes=16),
        )
        make_annotation(session, third, "russia", "opposes", created_at=T0 + timedelta(minutes=20))
        session.refresh(wrapped)
        session.expunge(wrapped)
    ordered = [d["id"] for d in export_map(seeded_engine)["documents"]]
    return Source(engine=seeded_engine, wrapped=wrapped, documents=ordered)


# --- the format ----------------------------------------------------------------------------


def test_export_validates_against_the_published_schema(source: Source) -> None:
    schema = export_schema()
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)

    exported = export_map(source.engine)

    assert [str(e) for e in validator.iter_errors(exported)] == []
    assert (exported["format"], exported["version"]) == ("argmap", 1)
    assert exported["filters"] == {"document": None, "position": None, "topic": None}
    assert len(exported["documents"]) == 5
    assert len(exported["annotations"]) == 4


def test_schema_rejects_what_the_format_forbids() -> None:
    validator = Draft202012Validator(
        export_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    position = {"key": "russia", "name": "Russian", "colour": "#cc2222", "ordinal": 1}
    minimal = {
        "format": "argmap",
        "version": 1,
        "filters": {"document": None, "position": None, "topic": None},
        "positions": [position],
        "topics": [],
        "documents": [],
        "passages": [],
        "annotations": [],
    }
    assert validator.is_valid(minimal)
    assert not validator.is_valid({**minimal, "version": 2})
    assert not validator.is_valid({**minimal, "exported_at": "2025-08-15T10:00:00Z"})
    assert not validator.is_valid({**minimal, "positions": [{**position, "key": "Russia"}]})
    assert not validator.is_valid({**minimal, "positions": [{**position, "colour": "red"}]})


def test_exporting_twice_gives_byte_identical_output(source: Source) -> None:
    assert export_text(source.engine) == export_text(source.engine)


def test_records_are_sorted_and_one_per_line(source: Source) -> None:
    text = export_text(source.engine)
    exported = json.loads(text)

    positions = exported["positions"]
    assert positions == sorted(positions, key=lambda p: (p["ordinal"], p["key"]))
    assert [t["key"] for t in exported["topics"]] == sorted(t["key"] for t in exported["topics"])
    annotations = exported["annotations"]
    assert annotations == sorted(annotations, key=lambda a: (a["created_at"], a["id"]))
    order = {document_id: index for index, document_id in enumerate(source.documents)}
    passages = exported["passages"]
    assert passages == sorted(passages, key=lambda p: (order[p["document_id"]], p["ordinal"]))
    # One line per record plus a line per array header and closing bracket, and the header.
    records = sum(len(exported[name]) for name in TABLES)
    assert text.endswith("]}\n")
    assert text.count("\n") == 1 + records + 2 * len(TABLES)


def test_datetimes_are_utc_with_a_trailing_z_and_dates_plain(source: Source) -> None:
    exported = export_map(source.engine)
    first = exported["annotations"][0]
    assert first["created_at"] == "2025-08-15T10:00:00Z"
    assert all(d["created_at"].endswith("Z") for d in exported["documents"])
    published = [d["published"] for d in exported["documents"] if d["published"] is not None]
    assert published and all(len(p) == 10 and p[4] == "-" for p in published)


def test_span_annotations_carry_their_place_in_the_document(source: Source) -> None:
    exported = export_map(source.engine)
    texts = {d["id"]: d["original_text"] for d in exported["documents"]}
    passages = {p["id"]: p for p in exported["passages"]}
    across_break = next(a for a in exported["annotations"] if a["passage_id"] == source.wrapped.id)

    for annotation in exported["annotations"]:
        original = texts[annotation["document_id"]]
        quoted = original[annotation["document_start"] : annotation["document_end"]]
        passage = passages[annotation["passage_id"]]
        if annotation["start"] is None:
            assert annotation["quote"] is None
            assert (annotation["document_start"], annotation["document_end"]) == (
                passage["start"],
                passage["end"],
            )
        else:
            assert join_wrapped_lines(quoted) == annotation["quote"]
    # The line break inside the span makes the document range longer than the quote.
    span = across_break["document_end"] - across_break["document_start"]
    assert span > across_break["end"] - across_break["start"]
    assert across_break["note"] == NOTE


def test_removed_annotations_are_not_exported(source: Source) -> None:
    exported = export_map(source.engine)
    with Session(source.engine) as session:
        removed = session.exec(select(Annotation).where(col(Annotation.deleted_at).is_not(None)))
        removed_ids = {a.id for a in removed}
    assert len(removed_ids) == 1
    assert removed_ids.isdisjoint(a["id"] for a in exported["annotations"])


def test_the_export_reads_one_snapshot_while_others_write(
    source: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "CHUNK_SIZE", 1)  # hand on every line as soon as it is made
    before = export_text(source.engine)
    chunks = stream_export(source.engine)
    started = [next(chunks), next(chunks), next(chunks)]  # header, then reading positions
    with Session(source.engine) as session:
        document = make_document(session, text="A late article.\n\nWritten during the export.\n")
        passage = session.exec(select(Passage).where(Passage.document_id == document.id)).first()
        assert passage is not None
        make_annotation(session, passage, "russia", created_at=T0 + timedelta(days=1))

    assert "".join([*started, *chunks]) == before
    assert export_text(source.engine) != before


# --- filters -------------------------------------------------------------------------------


def test_unknown_filters_raise_not_found_before_any_output(source: Source) -> None:
    for filters, message in (
        (ExportFilters(document="no-such-document"), "no document with the id 'no-such-document'"),
        (ExportFilters(position="martians"), "no position with the key 'martians'"),
        (ExportFilters(topic="weather"), "no topic with the key 'weather'"),
    ):
        with pytest.raises(NotFound, match=message):
            stream_export(source.engine, filters)  # the call itself raises, not iterating


def test_document_filter_keeps_one_document_with_all_its_passages(source: Source) -> None:
    full = export_map(source.engine)
    chosen = source.documents[1]

    part = export_map(source.engine, ExportFilters(document=chosen))

    assert part["filters"] == {"document": chosen, "position": None, "topic": None}
    assert [d["id"] for d in part["documents"]] == [chosen]
    assert part["passages"] == [p for p in full["passages"] if p["document_id"] == chosen]
    assert part["annotations"] == [a for a in full["annotations"] if a["document_id"] == chosen]
    assert part["annotations"]
    assert (part["positions"], part["topics"]) == (full["positions"], full["topics"])


def test_position_filter_keeps_its_annotations_and_the_documents_holding_them(
    source: Source,
) -> None:
    full = export_map(source.engine)

    part = export_map(source.engine, ExportFilters(position="russia"))

    expected = [a for a in full["annotations"] if a["position_key"] == "russia"]
    assert part["annotations"] == expected and len(expected) == 2
    held = {a["document_id"] for a in expected}
    assert {d["id"] for d in part["documents"]} == held
    assert part["passages"] == [p for p in full["passages"] if p["document_id"] in held]
    assert (part["positions"], part["topics"]) == (full["positions"], full["topics"])


def test_topic_filter_ignores_removed_annotations(source: Source) -> None:
    full = export_map(source.engine)

    part = export_map(source.engine, ExportFilters(topic="nato"))

    # Two annotations are on NATO, but one of them was removed.
    assert [a["position_key"] for a in part["annotations"]] == ["us"]
    assert [d["id"] for d in part["documents"]] == [part["annotations"][0]["document_id"]]
    assert len(part["topics"]) == len(full["topics"])


def test_a_filter_matching_nothing_gives_empty_arrays(source: Source) -> None:
    part = export_map(source.engine, ExportFilters(position="europe"))  # only a removed tag
    assert part["documents"] == part["passages"] == part["annotations"] == []
    assert len(part["positions"]) == 4


def test_a_filtered_export_imports_into_an_empty_database(source: Source, engine: Engine) -> None:
    text = export_text(source.engine, ExportFilters(position="russia"))

    with Session(engine) as session:
        report = import_map(session, text)

    part, imported = json.loads(text), export_map(engine)
    assert report.created["annotations"] == 2
    for name in TABLES:
        assert imported[name] == part[name], name


# --- round trip and merge ------------------------------------------------------------------


def test_export_import_export_into_an_empty_database_is_byte_identical(
    source: Source, engine: Engine
) -> None:
    original = export_text(source.engine)

    with Session(engine) as session:
        report = import_map(session, original.encode("utf-8"))

    assert export_text(engine) == original
    assert report.created == {
        "positions": 4,
        "topics": len(json.loads(original)["topics"]),
        "documents": 5,
        "passages": len(json.loads(original)["passages"]),
        "annotations": 4,
    }
    assert "created 4 positions" in str(report)


def test_importing_the_same_file_twice_creates_nothing_the_second_time(
    source: Source, engine: Engine
) -> None:
    text = export_text(source.engine)
    with Session(engine) as session:
        import_map(session, text)
    counts = row_counts(engine)

    with Session(engine) as session:
        again = import_map(session, text)

    assert sum(again.created.values()) == 0
    assert sum(again.updated.values()) == 0
    assert again.unchanged["annotations"] == 4
    assert row_counts(engine) == counts
    assert export_text(engine) == text


def test_merging_adds_new_annotations_without_duplicating_the_old_ones(
    source: Source, engine: Engine
) -> None:
    with Session(engine) as session:
        import_map(session, export_text(source.engine))
    with Session(source.engine) as session:
        passage = paragraphs(session)[0]
        make_annotation(session, passage, "europe", "supports", created_at=T0 + timedelta(hours=1))

    with Session(engine) as session:
        report = import_map(session, export_text(source.engine))

    assert report.created["annotations"] == 1
    assert report.unchanged["annotations"] == 4
    assert row_counts(engine)["annotations"] == 5
    assert export_text(engine) == export_text(source.engine)


def test_merging_keeps_whichever_version_of_an_annotation_is_newer(
    source: Source, engine: Engine
) -> None:
    with Session(engine) as session:
        import_map(session, export_text(source.engine))
    first, second = (a["id"] for a in export_map(source.engine)["annotations"][:2])
    later = T0 + timedelta(days=1)
    with Session(source.engine) as session:  # edited there after the first import
        edited = session.get_one(Annotation, first)
        edited.note, edited.updated_at = "edited there", later
        older = session.get_one(Annotation, second)
        older.note, older.updated_at = "edited there, earlier", later
        session.add_all([edited, older])
        session.commit()
    with Session(engine) as session:  # and the second one edited here later still
        local = session.get_one(Annotation, second)
        local.note, local.updated_at = "edited here", later + timedelta(hours=1)
        session.add(local)
        session.commit()

    with Session(engine) as session:
        report = import_map(session, export_text(source.engine))

    with Session(engine) as session:
        assert session.get_one(Annotation, first).note == "edited there"
        assert session.get_one(Annotation, first).updated_at == later
        assert session.get_one(Annotation, second).note == "edited here"
    assert (report.updated["annotations"], report.unchanged["annotations"]) == (1, 3)


def test_a_local_removal_holds_unless_the_file_has_a_later_edit(
    source: Source, engine: Engine
) -> None:
    with Session(engine) as session:
        import_map(session, export_text(source.engine))
    first, second = (a["id"] for a in export_map(source.engine)["annotations"][:2])
    removed_at = T0 + timedelta(days=1)
    with Session(engine) as session:
        for annotation_id in (first, second):
            annotation = session.get_one(Annotation, annotation_id)
            annotation.deleted_at = removed_at
            session.add(annotation)
        session.commit()
    with Session(source.engine) as session:
        edited = session.get_one(Annotation, second)
        edited.note, edited.updated_at = "edited after the removal", removed_at + timedelta(hours=1)
        session.add(edited)
        session.commit()

    with Session(engine) as session:
        import_map(session, export_text(source.engine))

    with Session(engine) as session:
        assert session.get_one(Annotation, first).deleted_at is not None
        restored = session.get_one(Annotation, second)
        assert (restored.deleted_at, restored.note) == (None, "edited after the removal")


def test_merging_keeps_local_position_names_and_adds_missing_positions(
    source: Source, engine: Engine
) -> None:
    with Session(engine) as session:
        make_position(session, key="russia", name="Kremlin", colour="#000000", ordinal=9)
        make_position(session, key="china", name="Chinese", ordinal=5)

    with Session(engine) as session:
        report = import_map(session, export_text(source.engine))

    with Session(engine) as session:
        russia = session.get_one(Position, "russia")
        assert (russia.name, russia.colour, russia.ordinal) == ("Kremlin", "#000000", 9)
        assert session.get(Position, "ukraine") is not None
        assert session.get(Position, "china") is not None
    assert (report.created["positions"], report.unchanged["positions"]) == (3, 1)


# --- refused imports -----------------------------------------------------------------------


@dataclass
class Target:
    """A non-empty database to import into: one local document and a local position."""

    engine: Engine
    document: Document


@pytest.fixture
def target(engine: Engine) -> Target:
    with Session(engine) as session:
        make_position(session, key="china", name="Chinese")
        document = make_document(session)
        session.expunge(document)
    return Target(engine=engine, document=document)


def _span_index(data: dict[str, Any]) -> int:
    return next(i for i, a in enumerate(data["annotations"]) if a["start"] is not None)


def _set(path: str, value: Any) -> Callable[[dict[str, Any], Target], None]:
    """A mutation that sets data[a][b]… (path like "annotations.-1.kind"); -1 is the last."""

    def mutate(data: dict[str, Any], _target: Target) -> None:
        *parents, leaf = (int(p) if p.lstrip("-").isdigit() else p for p in path.split("."))
        node: Any = data
        for part in parents:
            node = node[part]
        node[leaf] = value

    return mutate


def _span_too_long(data: dict[str, Any], _target: Target) -> None:
    annotation = data["annotations"][_span_index(data)]
    annotation["end"] = 10_000


def _wrong_quote(data: dict[str, Any], _target: Target) -> None:
    data["annotations"][_span_index(data)]["quote"] = "words nobody wrote"


def _passage_text_changed(data: dict[str, Any], _target: Target) -> None:
    data["passages"][-1]["text"] += " (edited)"


def _document_id_taken(data: dict[str, Any], target: Target) -> None:
    data["documents"][-1]["id"] = target.document.id


def _text_stored_under_another_id(data: dict[str, Any], target: Target) -> None:
    stored = target.document
    data["documents"].append(
        {
            **data["documents"][0],
            "id": "another-id",
            "original_text": stored.original_text,
            "sha256": stored.sha256,
        }
    )


def _annotation_twice(data: dict[str, Any], _target: Target) -> None:
    data["annotations"].append(copy.deepcopy(data["annotations"][0]))


REFUSALS = {
    "wrong format": (_set("format", "aif"), 'not an argmap export: "format" must be "argmap"'),
    "newer version": (
        _set("version", 2),
        "version 2 is not supported: this instance reads version 1",
    ),
    "unknown kind": (
        _set("annotations.-1.kind", "agrees"),
        "annotations[3].kind: 'agrees' is not one of ['states', 'supports', 'opposes']",
    ),
    "bad colour": (
        _set("positions.0.colour", "red"),
        "positions[0].colour: 'red' does not match '^#[0-9a-fA-F]{6}$'",
    ),
    "missing field": (_set("filters", {}), "filters: 'document' is a required property"),
    "offset not an integer": (_set("passages.0.start", 0.0), "passages[0].start: 0.0 is not of"),
    "bad timestamp": (
        _set("annotations.0.created_at", "15 August 2025"),
        "annotations[0].created_at: '15 August 2025' is not a 'date-time'",
    ),
    "bad sha256": (
        _set("documents.-1.sha256", "0" * 64),
        f"documents[4].sha256: {'0' * 64} is not the SHA-256 of its original_text",
    ),
    "passage text changed": (_passage_text_changed, ".text: does not match its document's text"),
    "unknown position": (
        _set("annotations.-1.position_key", "martians"),
        "annotations[3].position_key: there is no position 'martians' in the file or in this",
    ),
    "unknown topic": (
        _set("annotations.0.topic_key", "weather"),
        "annotations[0].topic_key: there is no topic 'weather'",
    ),
    "unknown passage": (
        _set("annotations.-1.passage_id", "no-such-passage"),
        "annotations[3].passage_id: there is no passage 'no-such-passage'",
    ),
    "unknown document": (
        _set("passages.-1.document_id", "no-such-document"),
        ".document_id: there is no document 'no-such-document'",
    ),
    "span outside its passage": (_span_too_long, "lies outside its passage's text"),
    "quote not in the passage": (_wrong_quote, '.quote: "words nobody wrote" is not the passage'),
    "document offsets wrong": (
        _set("annotations.0.document_start", 0),
        "annotations[0]: document_start–document_end is 0–",
    ),
    "document id taken by another text": (
        _document_id_taken,
        "is already stored here with a different text (sha256 ",
    ),
    "text stored under another id": (
        _text_stored_under_another_id,
        "is already stored here as document '",
    ),
    "annotation twice": (_annotation_twice, "annotations[4].id: "),
}


def _assert_refused(target: Target, raw: bytes | str, message: str) -> None:
    before_text, before_counts = export_text(target.engine), row_counts(target.engine)

    with Session(target.engine) as session, pytest.raises(InvalidInput) as refused:
        import_map(session, raw)

    assert message in refused.value.message
    assert export_text(target.engine) == before_text
    assert row_counts(target.engine) == before_counts


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_refused_import_names_the_problem_and_changes_nothing(
    source: Source, target: Target, case: str
) -> None:
    mutate, message = REFUSALS[case]
    data = export_map(source.engine)
    mutate(data, target)

    _assert_refused(target, json.dumps(data, ensure_ascii=False), message)


def test_a_refused_document_conflict_names_both_sides(source: Source, target: Target) -> None:
    data = export_map(source.engine)
    _document_id_taken(data, target)
    with Session(target.engine) as session, pytest.raises(InvalidInput) as refused:
        import_map(session, json.dumps(data))
    assert target.document.id in refused.value.message
    assert target.document.sha256 in refused.value.message
    assert data["documents"][-1]["sha256"] in refused.value.message


def test_text_that_is_not_json_is_refused_with_its_line_and_column(
    source: Source, target: Target
) -> None:
    text = export_text(source.engine).replace('"filters":', '"filters"', 1)
    _assert_refused(target, text, "not JSON: Expecting ':' delimiter at line 1 column ")


def test_a_missing_comma_is_reported_where_it_is(target: Target) -> None:
    _assert_refused(
        target,
        '{"format": "argmap",\n "version": 1\n "filters": {}}',
        "not JSON: Expecting ',' delimiter at line 3 column 2",
    )


def test_bytes_that_are_not_utf8_are_refused(target: Target) -> None:
    _assert_refused(target, b'{"format": "\xff"}', "not UTF-8 text")


def test_a_lone_surrogate_is_refused_with_its_path(source: Source, target: Target) -> None:
    data = export_map(source.engine)
    data["annotations"][0]["note"] = "\ud800"
    _assert_refused(target, json.dumps(data), "annotations[0].note: not valid Unicode")


def test_a_failure_while_writing_rolls_everything_back(
    source: Source, target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    write = importer._write

    def write_then_fail(session: Session, plan: Any) -> None:
        write(session, plan)  # everything is inserted, then the database objects
        raise IntegrityError("INSERT …", {}, Exception("UNIQUE constraint failed"))

    monkeypatch.setattr(importer, "_write", write_then_fail)

    _assert_refused(
        target, export_text(source.engine), "the database refused the import: UNIQUE constraint"
    )

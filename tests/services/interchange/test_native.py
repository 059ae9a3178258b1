"""The native JSON export: format, determinism, actors, filters (a filtered export imports into
an empty database) and orphans. Importing is tested in test_importer.py."""

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from sqlalchemy import literal
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from sqlmodel.sql.sqltypes import UTCDateTime

from app.models import ActorCreate, Annotation, Claim, Passage
from app.services import actors
from app.services.interchange import native as export
from app.services.interchange import writing
from app.services.interchange.filters import ExportFilters
from app.services.interchange.importer import import_map
from app.services.interchange.native import (
    FORMAT_VERSION,
    export_map,
    export_schema,
    stream_export,
)
from app.services.segmentation import join_wrapped_lines
from tests.export_source import (
    NOTE,
    T0,
    Source,
    build_source,
    export_text,
    name_actors,
    orphan_a1_and_the_cited_passage,
)
from tests.factories import make_annotation, make_claim, make_document, make_position, make_relation
from tests.queries import counting_queries

# The arrays of an export, in the order they are written.
ARRAYS = (
    "positions",
    "topics",
    "actors",
    "documents",
    "passages",
    "claims",
    "relations",
    "annotations",
    "assignments",
    "codebook",
    "team_settings",
)
# The actors of `name_actors`, by key.
EVERY_ACTOR = [
    "eu",
    "lavrov",
    "russian-foreign-ministry",
    "russian-government",
    "trump",
    "zelensky",
]
LAVROV_AND_HIS_PARENTS = ["lavrov", "russian-foreign-ministry", "russian-government"]


@pytest.fixture
def source(seeded_engine: Engine) -> Source:
    built = build_source(seeded_engine)
    name_actors(built)
    return built


def keys(records: list[dict[str, Any]]) -> list[str]:
    return [record["key"] for record in records]


def ids(records: list[dict[str, Any]]) -> list[str]:
    return [record["id"] for record in records]


# --- the format ----------------------------------------------------------------------------


def test_export_validates_against_the_published_schema(source: Source) -> None:
    schema = export_schema()
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)

    exported = export_map(source.engine)

    assert [str(e) for e in validator.iter_errors(exported)] == []
    assert (exported["format"], exported["version"]) == ("argmap", FORMAT_VERSION) == ("argmap", 4)
    assert list(exported) == ["format", "version", "filters", *ARRAYS]
    assert exported["filters"] == {
        "document": None,
        "position": None,
        "topic": None,
        "layer": "all",
    }
    assert keys(exported["actors"]) == EVERY_ACTOR
    assert len(exported["documents"]) == 5
    assert len(exported["annotations"]) == 4
    assert len(exported["claims"]) == 4
    assert len(exported["relations"]) == 2


def test_claims_carry_their_stances_and_annotations_their_claim(source: Source) -> None:
    exported = export_map(source.engine)
    claims = {c["id"]: c for c in exported["claims"]}
    annotations = {a["id"]: a for a in exported["annotations"]}
    claim_a = claims[source.claims["A"]]

    assert list(claim_a) == [
        "id",
        "text",
        "topic_key",
        "note",
        "analyst",
        "created_at",
        "updated_at",
        "stances",
        "example",
    ]
    assert claim_a["example"] is False
    # Sorted by position key, whatever order they were made in.
    assert claim_a["stances"] == [
        {"position_key": "russia", "stance": "holds"},
        {"position_key": "ukraine", "stance": "rejects"},
    ]
    assert (claim_a["text"], claim_a["topic_key"]) == ("Ukraine will not join NATO", "nato")
    assert claims[source.claims["C"]]["note"] == "„Realpolitik“ — 🇺🇸"
    assert annotations[source.annotations["a3"]]["claim_id"] == source.claims["A"]
    assert annotations[source.annotations["a1"]]["claim_id"] is None
    assert exported["relations"][0] == {
        "id": source.relations["B supports C"],
        "source_id": source.claims["B"],
        "target_id": source.claims["C"],
        "kind": "supports",
        "note": "",
        "evidence_passage_id": source.cited,
        "evidence_orphaned_at": None,
        "analyst": "Ana",
        "created_at": "2025-08-15T10:40:00Z",
        "updated_at": "2025-08-15T10:40:00Z",
        "example": False,
    }


def test_actors_carry_the_whole_registry_and_annotations_whom_they_name(source: Source) -> None:
    exported = export_map(source.engine)
    actors = {a["key"]: a for a in exported["actors"]}
    annotations = {a["id"]: a for a in exported["annotations"]}

    lavrov = actors["lavrov"]
    assert list(lavrov) == [
        "key",
        "name",
        "kind",
        "aliases",
        "parent_key",
        "position_key",
        "description",
        "created_by",
        "created_at",
        "updated_at",
        "example",
    ]
    assert {name: lavrov[name] for name in list(lavrov)[:7]} == {
        "key": "lavrov",
        "name": "Sergey Lavrov",
        "kind": "person",
        "aliases": ["Lavrov", "Лавров"],
        "parent_key": "russian-foreign-ministry",
        "position_key": None,
        "description": "Foreign minister of Russia “since 2004” — <b>not</b> markup",
    }
    assert lavrov["created_by"] == "Ana" and lavrov["created_at"].endswith("Z")
    assert lavrov["example"] is False
    government = actors["russian-government"]
    assert (government["kind"], government["position_key"], government["parent_key"]) == (
        "organization",
        "russia",
        None,
    )
    assert (actors["eu"]["example"], actors["eu"]["created_by"]) == (True, None)
    # Each annotation names its actor right after its topic, null for nobody.
    a1 = annotations[source.annotations["a1"]]
    assert list(a1)[list(a1).index("topic_key") + 1] == "actor_key"
    assert a1["actor_key"] == "lavrov"
    assert annotations[source.annotations["a2"]]["actor_key"] == "zelensky"
    assert annotations[source.annotations["a3"]]["actor_key"] is None


def test_schema_rejects_what_the_format_forbids() -> None:
    validator = Draft202012Validator(
        export_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    position = {"key": "russia", "name": "Russian", "colour": "#cc2222", "ordinal": 1}
    claim = {
        "id": "c1",
        "text": "Ukraine will not join NATO",
        "topic_key": None,
        "note": "",
        "analyst": "Ana",
        "created_at": "2025-08-15T10:00:00Z",
        "updated_at": "2025-08-15T10:00:00Z",
        "stances": [{"position_key": "russia", "stance": "holds"}],
    }
    relation = {
        "id": "r1",
        "source_id": "c1",
        "target_id": "c2",
        "kind": "supports",
        "note": "",
        "evidence_passage_id": None,
        "evidence_orphaned_at": None,
        "analyst": "Ana",
        "created_at": "2025-08-15T10:00:00Z",
        "updated_at": "2025-08-15T10:00:00Z",
    }
    actor = {
        "key": "lavrov",
        "name": "Sergey Lavrov",
        "kind": "person",
        "aliases": ["Lavrov"],
        "parent_key": None,
        "position_key": "russia",
        "description": "",
    }
    minimal = {
        "format": "argmap",
        "version": 4,
        "filters": {"document": None, "position": None, "topic": None, "layer": "all"},
        "positions": [position],
        "topics": [],
        "actors": [actor],
        "documents": [],
        "passages": [],
        "claims": [claim, {**claim, "id": "c2"}],
        "relations": [relation],
        "annotations": [],
        "assignments": [],
        "codebook": [],
        "team_settings": [],
    }
    coding = ("assignments", "codebook", "team_settings")
    version_3 = {k: v for k, v in minimal.items() if k not in coding}
    version_3["filters"] = {"document": None, "position": None, "topic": None}
    without_actors = {k: v for k, v in version_3.items() if k != "actors"}
    without_claims = {k: v for k, v in without_actors.items() if k not in ("claims", "relations")}
    assert validator.is_valid(minimal)
    for name in coding:
        assert not validator.is_valid({k: v for k, v in minimal.items() if k != name}), name
    assert not validator.is_valid({**minimal, "filters": version_3["filters"]})
    assert not validator.is_valid({**minimal, "version": 3})
    assert not validator.is_valid({**minimal, "version": 1})
    assert not validator.is_valid({**minimal, "version": 2})
    assert not validator.is_valid(without_actors)
    assert not validator.is_valid(without_claims)
    for broken_coding in (
        {"assignments": [{"document_id": "d1", "analyst": "", "assigned_by": None}]},
        {"codebook": [{"family": "mood", "key": "russia"}]},
        {"team_settings": [{"name": "x", "value": 1}]},
        {"annotations": [{"adjudicated": "yes"}]},
    ):
        assert not validator.is_valid({**minimal, **broken_coding}), broken_coding
    # Version 3 is still published, and is what it was: no independent coding.
    version_3_check = Draft202012Validator(export_schema(3))
    assert version_3_check.is_valid({**version_3, "version": 3})
    assert not version_3_check.is_valid({**minimal, "version": 3})
    assert not validator.is_valid({**minimal, "exported_at": "2025-08-15T10:00:00Z"})
    assert not validator.is_valid({**minimal, "positions": [{**position, "key": "Russia"}]})
    assert not validator.is_valid({**minimal, "positions": [{**position, "colour": "red"}]})
    assert not validator.is_valid({**minimal, "claims": [{**claim, "text": ""}]})
    assert not validator.is_valid(
        {**minimal, "claims": [{**claim, "stances": [{"position_key": "russia"}]}]}
    )
    assert not validator.is_valid({**minimal, "relations": [{**relation, "kind": "rebuts"}]})
    for broken in (
        {"kind": "country"},
        {"key": "Lavrov"},
        {"name": " Sergey Lavrov"},
        {"name": ""},
        {"aliases": [" Lavrov"]},
        {"aliases": ["Sergey  Lavrov"]},
        {"aliases": [""]},
        {"aliases": [f"alias {n}" for n in range(51)]},
        {"aliases": ["L" * 101]},
        {"parent_key": "Russian Government"},
        {"position_key": ""},
        {"description": "d" * 2001},
        {"example": "yes"},
        {"position": "russia"},
    ):
        assert not validator.is_valid({**minimal, "actors": [{**actor, **broken}]}), broken
    assert not validator.is_valid({**minimal, "actors": [{}]})
    # Version 2 is still published, and is what it was: no actors, no actor_key.
    version_2 = Draft202012Validator(export_schema(2))
    assert version_2.is_valid({**without_actors, "version": 2})
    assert not version_2.is_valid({**minimal, "version": 2})
    # Version 1 is still published, and is what it was: no claims, no claim_id.
    version_1 = Draft202012Validator(export_schema(1))
    assert version_1.is_valid({**without_claims, "version": 1})
    assert not version_1.is_valid({**minimal, "version": 1})


def test_exporting_twice_gives_byte_identical_output(source: Source) -> None:
    assert export_text(source.engine) == export_text(source.engine)


def test_records_are_sorted_and_one_per_line(source: Source) -> None:
    text = export_text(source.engine)
    exported = json.loads(text)

    positions = exported["positions"]
    assert positions == sorted(positions, key=lambda p: (p["ordinal"], p["key"]))
    assert keys(exported["actors"]) == sorted(keys(exported["actors"]))
    assert [t["key"] for t in exported["topics"]] == sorted(t["key"] for t in exported["topics"])
    for name in ("claims", "relations", "annotations"):
        records = exported[name]
        assert records == sorted(records, key=lambda r: (r["created_at"], r["id"])), name
    order = {document_id: index for index, document_id in enumerate(source.documents)}
    passages = exported["passages"]
    assert passages == sorted(passages, key=lambda p: (order[p["document_id"]], p["ordinal"]))
    # One line per record plus a line per array header and closing bracket (one line for an
    # empty array: this source codes nothing independently), and the header.
    records = sum(len(exported[name]) for name in ARRAYS)
    brackets = sum(2 if exported[name] else 1 for name in ARRAYS)
    assert [name for name in ARRAYS if not exported[name]] == [
        "assignments",
        "codebook",
        "team_settings",
    ]
    assert text.endswith("]}\n")
    assert text.count("\n") == 1 + records + brackets


def test_datetimes_are_utc_with_a_trailing_z_and_dates_plain(source: Source) -> None:
    exported = export_map(source.engine)
    first = exported["annotations"][0]
    assert first["created_at"] == "2025-08-15T10:00:00Z"
    assert exported["claims"][0]["created_at"] == "2025-08-15T10:30:00Z"
    assert all(d["created_at"].endswith("Z") for d in exported["documents"])
    published = [d["published"] for d in exported["documents"] if d["published"] is not None]
    assert published and all(len(p) == 10 and p[4] == "-" for p in published)


@pytest.mark.parametrize(
    "value",
    [
        datetime(2025, 8, 15, 10, 0, tzinfo=UTC),
        datetime(2025, 8, 15, 10, 0, 0, 37_000, tzinfo=UTC),
        datetime(2025, 8, 15, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2025, 8, 15, 10, 0, 0, 1, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2026, 1, 1, 1, 30, tzinfo=timezone(timedelta(hours=3))),
    ],
)
def test_the_database_writes_timestamps_as_format_datetime_does(
    engine: Engine, value: datetime
) -> None:
    # Stored through the model's column type, then formatted by the database for the export.
    with Session(engine) as session:
        stored = sa_select(writing.iso_utc(literal(value, UTCDateTime())))
        formatted = session.connection().execute(stored).scalar_one()
        absent = session.connection().execute(
            sa_select(writing.iso_utc(literal(None, UTCDateTime())))
        )
        assert formatted == writing.format_datetime(value)
        assert absent.scalar_one() is None


@pytest.mark.parametrize(
    "value",
    [
        {"text": 'quotes " and \\ backslashes', "n": 3, "flag": True, "none": None},
        {"text": "“typographic” — dashes, é, 𝄞, \u2028 and \u2029 kept as they are"},
        {"text": "controls: \n \r \t \b \f \x00 \x1f \x7f"},
        {"nested": [{"a": []}, {}], "order": {"z": 1, "a": 2}},
    ],
)
def test_records_are_encoded_as_compact_json_dumps_would(value: dict[str, Any]) -> None:
    # The export's bytes must not change with the encoder: diffs and round trips rely on it.
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert writing.dump_json(value) == expected


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
    assert removed_ids == {source.annotations["a4"]}
    assert removed_ids.isdisjoint(a["id"] for a in exported["annotations"])


def test_the_export_reads_one_snapshot_while_others_write(
    source: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writing, "CHUNK_SIZE", 1)  # hand on every line as soon as it is made
    before = export_text(source.engine)
    chunks = stream_export(source.engine)
    started = [next(chunks), next(chunks), next(chunks)]  # header, then reading positions
    with Session(source.engine) as session:
        document = make_document(session, text="A late article.\n\nWritten during the export.\n")
        passage = session.exec(select(Passage).where(Passage.document_id == document.id)).first()
        assert passage is not None
        late = make_annotation(session, passage, "russia", created_at=T0 + timedelta(days=1))
        claim = make_claim(session, "A late claim", evidence=[late])
        make_relation(session, claim, session.get_one(Claim, source.claims["A"]))

    assert "".join([*started, *chunks]) == before
    assert export_text(source.engine) != before


def test_stances_are_read_a_batch_of_claims_at_a_time(
    source: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = export_map(source.engine)
    monkeypatch.setattr(export, "BATCH_SIZE", 3)
    with counting_queries(source.engine) as statements:
        exported = export_map(source.engine)

    # Four claims in batches of three: two queries for their stances, not one per claim.
    assert len(exported["claims"]) == 4
    assert sum("FROM claim_stance" in statement for statement in statements) == 2
    assert exported == expected


# --- filters -------------------------------------------------------------------------------


def assert_self_contained(part: dict[str, Any]) -> None:
    """Every id the file mentions is defined in the file."""
    documents = set(ids(part["documents"]))
    passages = set(ids(part["passages"]))
    claims = set(ids(part["claims"]))
    actor_keys = set(keys(part["actors"]))
    positions = set(keys(part["positions"]))
    assert {p["document_id"] for p in part["passages"]} <= documents
    for actor in part["actors"]:
        assert actor["parent_key"] is None or actor["parent_key"] in actor_keys
        assert actor["position_key"] is None or actor["position_key"] in positions
    for annotation in part["annotations"]:
        assert annotation["document_id"] in documents
        assert annotation["actor_key"] is None or annotation["actor_key"] in actor_keys
        # An orphan has no passage.
        assert annotation["passage_id"] in passages or annotation["orphaned_at"] is not None
        assert annotation["claim_id"] is None or annotation["claim_id"] in claims
    for relation in part["relations"]:
        assert {relation["source_id"], relation["target_id"]} <= claims
        cited = relation["evidence_passage_id"]
        assert cited is None or cited in passages
    assert {assignment["document_id"] for assignment in part["assignments"]} <= documents
    for entry in part["codebook"]:
        assert set(entry["examples"]) <= passages


def test_document_filter_keeps_one_document_with_its_claims(source: Source) -> None:
    full = export_map(source.engine)
    chosen = source.documents[1]

    part = export_map(source.engine, ExportFilters(document=chosen))

    assert part["filters"] == {"document": chosen, "position": None, "topic": None, "layer": "all"}
    assert [d["id"] for d in part["documents"]] == [chosen]
    assert part["passages"] == [p for p in full["passages"] if p["document_id"] == chosen]
    assert part["annotations"] == [a for a in full["annotations"] if a["document_id"] == chosen]
    assert ids(part["annotations"]) == [source.annotations["a2"], source.annotations["a3"]]
    # A and C have evidence in it; only the relation between those two comes along.
    assert ids(part["claims"]) == [source.claims["A"], source.claims["C"]]
    assert ids(part["relations"]) == [source.relations["C attacks A"]]
    assert part["claims"][0] == full["claims"][0]  # stances and all
    assert (part["positions"], part["topics"]) == (full["positions"], full["topics"])
    assert keys(part["actors"]) == ["zelensky"]  # a2 names him; a3 nobody
    assert_self_contained(part)


def test_document_filter_ignores_claims_whose_evidence_there_was_removed(source: Source) -> None:
    part = export_map(source.engine, ExportFilters(document=source.documents[2]))

    # D's only evidence (a4) is in this document but removed; B's (a5) is live.
    assert ids(part["annotations"]) == [source.annotations["a5"]]
    assert ids(part["claims"]) == [source.claims["B"]]
    assert part["relations"] == []


def test_position_filter_keeps_what_the_position_holds_and_where_it_is_argued(
    source: Source,
) -> None:
    full = export_map(source.engine)

    part = export_map(source.engine, ExportFilters(position="russia"))

    expected = [a for a in full["annotations"] if a["position_key"] == "russia"]
    assert part["annotations"] == expected and len(expected) == 2
    # Russia holds A, B and C (B has Russian evidence too); not D.
    assert ids(part["claims"]) == [source.claims[c] for c in "ABC"]
    assert ids(part["relations"]) == [source.relations[r] for r in ("B supports C", "C attacks A")]
    # The documents of the two annotations, and the one "B supports C" cites as evidence.
    held = {a["document_id"] for a in expected} | {source.documents[4]}
    assert ids(part["documents"]) == [d for d in source.documents if d in held]
    assert part["passages"] == [p for p in full["passages"] if p["document_id"] in held]
    assert (part["positions"], part["topics"]) == (full["positions"], full["topics"])
    assert_self_contained(part)


def test_position_filter_takes_claims_with_evidence_tagged_with_it(source: Source) -> None:
    part = export_map(source.engine, ExportFilters(position="us"))

    # The US holds C, and a3 (tagged with the US) is evidence for A.
    assert ids(part["annotations"]) == [source.annotations["a3"]]
    assert ids(part["claims"]) == [source.claims["A"], source.claims["C"]]
    assert ids(part["relations"]) == [source.relations["C attacks A"]]
    assert ids(part["documents"]) == [source.documents[1]]


def test_topic_filter_ignores_removed_annotations(source: Source) -> None:
    full = export_map(source.engine)

    part = export_map(source.engine, ExportFilters(topic="nato"))

    # Two annotations are on NATO, but one of them was removed: so is its claim D (which is
    # on the ceasefire).
    assert [a["position_key"] for a in part["annotations"]] == ["us"]
    assert [d["id"] for d in part["documents"]] == [part["annotations"][0]["document_id"]]
    assert ids(part["claims"]) == [source.claims["A"]]
    assert part["relations"] == []
    assert len(part["topics"]) == len(full["topics"])


def test_topic_filter_keeps_claims_on_the_topic_without_evidence(source: Source) -> None:
    part = export_map(source.engine, ExportFilters(topic="ceasefire"))

    assert ids(part["claims"]) == [source.claims["D"]]
    assert part["documents"] == part["passages"] == part["annotations"] == []


def test_a_filter_matching_nothing_gives_empty_arrays(source: Source) -> None:
    with Session(source.engine) as session:
        make_position(session, key="china", name="Chinese", ordinal=5)

    part = export_map(source.engine, ExportFilters(position="china"))

    assert part["documents"] == part["passages"] == part["annotations"] == []
    assert part["claims"] == part["relations"] == part["actors"] == []
    assert len(part["positions"]) == 5


def test_a_filtered_export_brings_the_actors_its_tags_name_and_what_they_belong_to(
    source: Source,
) -> None:
    full = {a["key"]: a for a in export_map(source.engine)["actors"]}

    lavrov_tagged = export_map(source.engine, ExportFilters(document=source.documents[0]))
    by_russia = export_map(source.engine, ExportFilters(position="russia"))
    by_ukraine = export_map(source.engine, ExportFilters(position="ukraine"))
    # a5 names nobody, and a4, which names the EU, was removed.
    nobody_named = export_map(source.engine, ExportFilters(document=source.documents[2]))
    # The US's tag (a3) names nobody: Trump, who belongs to the US, does not come along.
    by_us = export_map(source.engine, ExportFilters(position="us"))

    assert keys(lavrov_tagged["actors"]) == LAVROV_AND_HIS_PARENTS
    assert lavrov_tagged["actors"] == [full[key] for key in LAVROV_AND_HIS_PARENTS]
    assert keys(by_russia["actors"]) == LAVROV_AND_HIS_PARENTS
    assert keys(by_ukraine["actors"]) == ["zelensky"]
    assert nobody_named["actors"] == by_us["actors"] == []
    for part in (lavrov_tagged, by_russia, by_ukraine, nobody_named, by_us):
        assert_self_contained(part)


def test_a_tag_naming_a_member_brings_the_parents_whatever_their_depth(source: Source) -> None:
    offices = [f"office-{depth}" for depth in range(12)]
    with Session(source.engine) as session:  # a chain of twelve under the Russian government
        for parent, key in zip(["russian-government", *offices], offices, strict=False):
            office = ActorCreate(key=key, name=key.title(), parent_key=parent)
            actors.create_actor(session, office, None)
        tagged = session.get_one(Annotation, source.annotations["a3"])
        tagged.actor_key = offices[-1]
        session.add(tagged)
        session.commit()

    part = export_map(source.engine, ExportFilters(position="us"))

    assert keys(part["actors"]) == sorted([*offices, "russian-government"])
    assert_self_contained(part)


@pytest.mark.parametrize(
    "filters",
    [
        ExportFilters(document="first"),
        ExportFilters(document="second"),
        ExportFilters(position="russia"),
        ExportFilters(position="europe"),
        ExportFilters(topic="nato"),
        ExportFilters(topic="territory"),
        ExportFilters(position="russia", topic="territory"),
        ExportFilters(document="second", position="us"),
    ],
    ids=repr,
)
def test_a_filtered_export_imports_into_an_empty_database(
    source: Source, engine: Engine, filters: ExportFilters
) -> None:
    if filters.document is not None:  # a stand-in for a document id, which the fixture knows
        index = ["first", "second"].index(filters.document)
        filters = replace(filters, document=source.documents[index])
    text = export_text(source.engine, filters)
    part = json.loads(text)

    with Session(engine) as session:
        report = import_map(session, text)

    imported = export_map(engine)
    assert_self_contained(part)
    assert report.created["claims"] == len(part["claims"])
    for name in ARRAYS:
        assert imported[name] == part[name], name


# --- orphans -------------------------------------------------------------------------------


def test_orphans_are_exported_with_no_place_and_their_quote(source: Source) -> None:
    orphan_a1_and_the_cited_passage(source)

    exported = export_map(source.engine)

    assert Draft202012Validator(
        export_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER
    ).is_valid(exported)
    annotations = {a["id"]: a for a in exported["annotations"]}
    a1 = annotations[source.annotations["a1"]]
    assert a1["document_id"] == source.documents[0]
    for name in ("passage_id", "start", "end", "document_start", "document_end"):
        assert a1[name] is None, name
    assert a1["quote"] and a1["orphaned_at"].endswith("Z")
    assert annotations[source.annotations["a3"]]["orphaned_at"] is None
    relation = next(r for r in exported["relations"] if r["id"] == source.relations["B supports C"])
    assert relation["evidence_passage_id"] is None and relation["evidence_orphaned_at"]
    # A document filter keeps its orphans, and the claims they are evidence for.
    part = export_map(source.engine, ExportFilters(document=source.documents[0]))
    assert source.annotations["a1"] in ids(part["annotations"])
    assert_self_contained(part)

"""The import of native JSON exports: round trip, merge, actors, version 1 and 2 files,
refusals, and all or nothing."""

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.models import (
    Actor,
    ActorCreate,
    Annotation,
    Claim,
    ClaimStance,
    Document,
    HistoryAction,
    HistoryEntry,
    ItemType,
    Position,
    Relation,
    RelationKind,
    Stance,
)
from app.services import actors
from app.services.errors import InvalidInput
from app.services.interchange import importer
from app.services.interchange.importer import import_map
from app.services.interchange.native import FORMAT_VERSION, export_map, export_schema
from tests.export_source import (
    T0,
    TAG_ACTORS,
    Source,
    build_source,
    export_text,
    name_actors,
    orphan_a1_and_the_cited_passage,
    paragraphs,
    row_counts,
)
from tests.factories import make_annotation, make_claim, make_document, make_position, make_relation

V1_SAMPLE = Path(__file__).parents[2] / "data" / "export-v1-sample.json"
# The seed corpus with the tags, claims and relations of `Source`, a1 orphaned, as version 2
# wrote it (before actors).
V2_SAMPLE = Path(__file__).parents[2] / "data" / "export-v2-sample.json"


@pytest.fixture
def source(seeded_engine: Engine) -> Source:
    """`Source`, its tags naming the actors of `name_actors`."""
    built = build_source(seeded_engine)
    name_actors(built)
    return built


# --- round trip and merge ------------------------------------------------------------------


def test_export_import_export_into_an_empty_database_is_byte_identical(
    source: Source, engine: Engine
) -> None:
    # With an orphan and a relation whose evidence passage was lost.
    orphan_a1_and_the_cited_passage(source)
    original = export_text(source.engine)
    assert '"orphaned_at":null' in original and '"passage_id":null' in original
    assert '"actor_key":"lavrov"' in original and '"example":true' in original

    with Session(engine) as session:
        report = import_map(session, original.encode("utf-8"))

    assert export_text(engine) == original
    assert report.created == {
        "positions": 4,
        "topics": len(json.loads(original)["topics"]),
        "actors": 6,
        "documents": 5,
        "passages": len(json.loads(original)["passages"]),
        "claims": 4,
        "relations": 2,
        "annotations": 4,
        "assignments": 0,
        "codebook_codes": 0,
        "team_settings": 0,
    }
    assert "created 4 positions" in str(report) and " topics, 6 actors, 5 documents" in str(report)
    assert "4 claims, 2 relations, 4 annotations." in str(report)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(ClaimStance)).one() == 6
        tags = {a.id: a.actor_key for a in session.exec(select(Annotation))}
    # The removed a4 is not exported, nor is its actor's tag.
    live = {tag: key for tag, key in TAG_ACTORS.items() if tag != "a4"}
    assert {tag: tags[source.annotations[tag]] for tag in live} == live


def test_imported_actors_are_in_the_history_as_created(source: Source, engine: Engine) -> None:
    exported = {a["key"]: a for a in export_map(source.engine)["actors"]}

    with Session(engine) as session:
        import_map(session, export_text(source.engine))

    with Session(engine) as session:
        entries = session.exec(
            select(HistoryEntry).where(HistoryEntry.item_type == ItemType.actor)
        ).all()
    assert sorted(e.item_id for e in entries) == sorted(exported)
    assert {(e.action, e.version, e.before) for e in entries} == {(HistoryAction.create, 1, None)}
    lavrov = next(e.after for e in entries if e.item_id == "lavrov")
    assert lavrov is not None
    assert {name: lavrov[name] for name in exported["lavrov"]} == exported["lavrov"]


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
    assert (again.unchanged["annotations"], again.unchanged["actors"]) == (4, 6)
    assert (again.unchanged["claims"], again.unchanged["relations"]) == (4, 2)
    assert again.notes == []
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


def test_a_newer_orphan_in_the_file_orphans_the_stored_annotation_and_back(
    source: Source, engine: Engine
) -> None:
    placed = export_map(source.engine)
    (index,) = [
        i for i, a in enumerate(placed["annotations"]) if a["id"] == source.annotations["a1"]
    ]
    orphaned = copy.deepcopy(placed)
    orphaned["annotations"][index].update(
        passage_id=None,
        document_start=None,
        document_end=None,
        orphaned_at="2025-08-16T10:00:00Z",
        updated_at="2025-08-16T10:00:00Z",
    )
    with Session(engine) as session:
        import_map(session, json.dumps(placed))
        report = import_map(session, json.dumps(orphaned))
    assert report.updated["annotations"] == 1
    with Session(engine) as session:
        a1 = session.get_one(Annotation, source.annotations["a1"])
        assert (a1.passage_id, a1.orphaned_at) == (None, datetime(2025, 8, 16, 10, tzinfo=UTC))

    placed["annotations"][index]["updated_at"] = "2025-08-17T10:00:00Z"
    with Session(engine) as session:
        import_map(session, json.dumps(placed))
    with Session(engine) as session:
        a1 = session.get_one(Annotation, source.annotations["a1"])
        assert a1.passage_id is not None and a1.orphaned_at is None


def test_an_annotation_cannot_move_to_another_document(source: Source, engine: Engine) -> None:
    data = export_map(source.engine)
    with Session(engine) as session:
        import_map(session, json.dumps(data))
    annotation = next(a for a in data["annotations"] if a["id"] == source.annotations["a1"])
    annotation.update(
        document_id=source.documents[1],
        passage_id=None,
        document_start=None,
        document_end=None,
        orphaned_at="2025-08-16T10:00:00Z",
    )
    with Session(engine) as session, pytest.raises(InvalidInput, match="is already stored here in"):
        import_map(session, json.dumps(data))


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


def test_merging_keeps_stored_actors_as_they_are_here_and_adds_the_missing_ones(
    source: Source, engine: Engine
) -> None:
    # Here Lavrov was added by hand under another name, with no parent and another alias.
    with Session(engine) as session:
        make_position(session, key="russia", name="Russian")
        local = ActorCreate(key="lavrov", name="S. V. Lavrov", aliases=["Minister Lavrov"])
        actors.create_actor(session, local, "bob")

    with Session(engine) as session:
        report = import_map(session, export_text(source.engine))

    with Session(engine) as session:
        lavrov = session.get_one(Actor, "lavrov")
        assert (lavrov.name, lavrov.aliases, lavrov.parent_key) == (
            "S. V. Lavrov",
            ["Minister Lavrov"],
            None,
        )
        assert session.get_one(Actor, "russian-foreign-ministry").parent_key == "russian-government"
        # The file's tags name him all the same.
        assert session.get_one(Annotation, source.annotations["a1"]).actor_key == "lavrov"
    assert (report.created["actors"], report.unchanged["actors"]) == (5, 1)


def test_an_annotation_and_a_new_actor_may_name_an_actor_stored_here_only(
    source: Source, engine: Engine
) -> None:
    # A file made elsewhere, whose registry has only the ministry: Lavrov and the government
    # it names are stored here already.
    data = export_map(source.engine)
    data["actors"] = [a for a in data["actors"] if a["key"] == "russian-foreign-ministry"]
    for annotation in data["annotations"]:
        if annotation["actor_key"] not in (None, "lavrov"):
            annotation["actor_key"] = None
    with Session(engine) as session:
        make_position(session, key="russia", name="Russian")
        actors.create_actor(session, ActorCreate(key="russian-government", name="Kremlin"), None)
        actors.create_actor(session, ActorCreate(key="lavrov", name="Sergey Lavrov"), None)

    with Session(engine) as session:
        report = import_map(session, json.dumps(data))

    with Session(engine) as session:
        ministry = session.get_one(Actor, "russian-foreign-ministry")
        assert ministry.parent_key == "russian-government"
        assert session.get_one(Annotation, source.annotations["a1"]).actor_key == "lavrov"
    assert report.created["actors"] == 1


def test_merging_keeps_whichever_version_of_a_claim_is_newer_with_its_stances(
    source: Source, engine: Engine
) -> None:
    with Session(engine) as session:
        import_map(session, export_text(source.engine))
    later = T0 + timedelta(days=1)
    with Session(source.engine) as session:  # A and B edited there after the first import
        for key in "AB":
            claim = session.get_one(Claim, source.claims[key])
            claim.text, claim.updated_at = f"{claim.text}, edited there", later
            session.add(claim)
        ukraine = select(ClaimStance).where(
            ClaimStance.claim_id == source.claims["A"], ClaimStance.position_key == "ukraine"
        )
        session.delete(session.exec(ukraine).one())
        session.add(
            ClaimStance(claim_id=source.claims["A"], position_key="europe", stance=Stance.rejects)
        )
        session.commit()
    with Session(engine) as session:  # and B edited here later still
        local = session.get_one(Claim, source.claims["B"])
        local.text, local.updated_at = "Edited here", later + timedelta(hours=1)
        session.add(local)
        session.commit()

    with Session(engine) as session:
        report = import_map(session, export_text(source.engine))

    merged = {c["id"]: c for c in export_map(engine)["claims"]}
    claim_a = merged[source.claims["A"]]
    assert claim_a["text"] == "Ukraine will not join NATO, edited there"
    assert claim_a["updated_at"] == "2025-08-16T10:00:00Z"
    # The newer claim's stances replace the older one's.
    assert claim_a["stances"] == [
        {"position_key": "europe", "stance": "rejects"},
        {"position_key": "russia", "stance": "holds"},
    ]
    assert merged[source.claims["B"]]["text"] == "Edited here"
    assert merged[source.claims["B"]]["stances"] == [{"position_key": "russia", "stance": "holds"}]
    assert (report.updated["claims"], report.unchanged["claims"]) == (1, 3)


def test_merging_applies_the_claim_of_the_newer_annotation(source: Source, engine: Engine) -> None:
    with Session(engine) as session:
        import_map(session, export_text(source.engine))
    later = T0 + timedelta(days=1)
    with Session(source.engine) as session:  # there: a1 made evidence for B, a5 for none
        for key, claim_id in (("a1", source.claims["B"]), ("a5", None)):
            annotation = session.get_one(Annotation, source.annotations[key])
            annotation.claim_id, annotation.updated_at = claim_id, later
            session.add(annotation)
        session.commit()
    with Session(engine) as session:  # here, later still: a5 made evidence for C
        local = session.get_one(Annotation, source.annotations["a5"])
        local.claim_id, local.updated_at = source.claims["C"], later + timedelta(hours=1)
        session.add(local)
        session.commit()

    with Session(engine) as session:
        import_map(session, export_text(source.engine))

    with Session(engine) as session:
        assert session.get_one(Annotation, source.annotations["a1"]).claim_id == source.claims["B"]
        assert session.get_one(Annotation, source.annotations["a5"]).claim_id == source.claims["C"]


def test_merging_applies_the_actor_of_the_newer_annotation(source: Source, engine: Engine) -> None:
    with Session(engine) as session:
        import_map(session, export_text(source.engine))
    later = T0 + timedelta(days=1)
    with Session(source.engine) as session:  # there: a1 said by Zelensky, a2 by nobody
        for key, actor_key in (("a1", "zelensky"), ("a2", None)):
            annotation = session.get_one(Annotation, source.annotations[key])
            annotation.actor_key, annotation.updated_at = actor_key, later
            session.add(annotation)
        session.commit()
    with Session(engine) as session:  # here, later still: a2 said by Trump
        local = session.get_one(Annotation, source.annotations["a2"])
        local.actor_key, local.updated_at = "trump", later + timedelta(hours=1)
        session.add(local)
        session.commit()

    with Session(engine) as session:
        import_map(session, export_text(source.engine))

    with Session(engine) as session:
        assert session.get_one(Annotation, source.annotations["a1"]).actor_key == "zelensky"
        assert session.get_one(Annotation, source.annotations["a2"]).actor_key == "trump"


def test_merging_keeps_whichever_version_of_a_relation_is_newer(
    source: Source, engine: Engine
) -> None:
    with Session(engine) as session:
        import_map(session, export_text(source.engine))
    later = T0 + timedelta(days=1)
    with Session(source.engine) as session:
        edited = session.get_one(Relation, source.relations["B supports C"])
        edited.kind, edited.note, edited.updated_at = RelationKind.attacks, "changed there", later
        edited.evidence_passage_id = None
        older = session.get_one(Relation, source.relations["C attacks A"])
        older.note, older.updated_at = "changed there, earlier", later
        session.add_all([edited, older])
        session.commit()
    with Session(engine) as session:
        local = session.get_one(Relation, source.relations["C attacks A"])
        local.note, local.updated_at = "changed here", later + timedelta(hours=1)
        session.add(local)
        session.commit()

    with Session(engine) as session:
        report = import_map(session, export_text(source.engine))

    with Session(engine) as session:
        merged = session.get_one(Relation, source.relations["B supports C"])
        assert (merged.kind, merged.note, merged.evidence_passage_id) == (
            "attacks",
            "changed there",
            None,
        )
        assert session.get_one(Relation, source.relations["C attacks A"]).note == "changed here"
    assert (report.updated["relations"], report.unchanged["relations"]) == (1, 1)


def test_a_relation_between_claims_already_linked_here_is_skipped_and_reported(
    source: Source, engine: Engine
) -> None:
    with Session(engine) as session:
        import_map(session, export_text(source.engine))
    with Session(engine) as session:  # the same two claims, linked here independently
        session.delete(session.get_one(Relation, source.relations["B supports C"]))
        session.commit()
        local = make_relation(
            session,
            session.get_one(Claim, source.claims["B"]),
            session.get_one(Claim, source.claims["C"]),
            "attacks",
        )
        local_id = local.id
    counts = row_counts(engine)

    with Session(engine) as session:
        report = import_map(session, export_text(source.engine))

    assert (report.created["relations"], report.unchanged["relations"]) == (0, 2)
    assert row_counts(engine) == counts
    with Session(engine) as session:
        assert session.get(Relation, source.relations["B supports C"]) is None
        assert session.get_one(Relation, local_id).kind == "attacks"
    assert report.notes == [
        f"relations[0] was not imported: its claims are already linked here by relation "
        f"'{local_id}', which stays as it is."
    ]
    assert str(report).endswith(report.notes[0])


def test_a_stored_relation_cannot_be_moved_to_other_claims(source: Source, engine: Engine) -> None:
    with Session(engine) as session:
        import_map(session, export_text(source.engine))
    data = export_map(source.engine)
    data["relations"][1]["source_id"] = source.claims["D"]

    with Session(engine) as session, pytest.raises(InvalidInput) as refused:
        import_map(session, json.dumps(data))

    assert refused.value.message == (
        f"relations[1]: relation '{source.relations['C attacks A']}' is already stored here "
        f"between other claims ('{source.claims['C']}' → '{source.claims['A']}')"
    )


# --- version 1 files -----------------------------------------------------------------------


def test_the_version_1_sample_is_a_valid_version_1_file() -> None:
    sample = json.loads(V1_SAMPLE.read_text(encoding="utf-8"))
    validator = Draft202012Validator(
        export_schema(1), format_checker=Draft202012Validator.FORMAT_CHECKER
    )

    assert [str(e) for e in validator.iter_errors(sample)] == []
    assert sample["version"] == 1
    # What the sample was made to hold: spans and whole passages, one across a line break.
    spans = [a for a in sample["annotations"] if a["start"] is not None]
    assert spans and len(spans) < len(sample["annotations"])
    assert any(a["document_end"] - a["document_start"] > a["end"] - a["start"] for a in spans)


def test_a_version_1_file_imports_into_an_empty_database(engine: Engine) -> None:
    raw = V1_SAMPLE.read_bytes()
    sample = json.loads(raw)

    with Session(engine) as session:
        report = import_map(session, raw)

    exported = export_map(engine)
    assert (exported["format"], exported["version"]) == ("argmap", FORMAT_VERSION)
    # Version 1 files do not say who made positions, topics and documents, or when they changed.
    unknown_maker = {"created_by": None, "created_at": None, "updated_at": None}
    assert exported["positions"] == [{**p, **unknown_maker} for p in sample["positions"]]
    assert exported["topics"] == [{**t, **unknown_maker} for t in sample["topics"]]
    assert exported["documents"] == [
        {**d, "created_by": None, "updated_at": None} for d in sample["documents"]
    ]
    assert exported["filters"] == {**sample["filters"], "layer": "all"}
    assert exported["passages"] == sample["passages"]
    not_in_version_1 = {"claim_id": None, "actor_key": None, "orphaned_at": None}
    assert exported["annotations"] == [
        {**a, **not_in_version_1, "example": False, "adjudicated": False, "adopted_from": None}
        for a in sample["annotations"]
    ]
    assert exported["claims"] == exported["relations"] == exported["actors"] == []
    assert exported["assignments"] == exported["codebook"] == exported["team_settings"] == []
    assert report.created["annotations"] == len(sample["annotations"]) == 4
    assert (report.created["claims"], report.created["relations"]) == (0, 0)


def test_a_newer_version_1_annotation_keeps_the_claim_it_has_here(engine: Engine) -> None:
    sample = json.loads(V1_SAMPLE.read_bytes())
    with Session(engine) as session:
        import_map(session, json.dumps(sample))
    tagged = sample["annotations"][0]
    with Session(engine) as session:
        claim = make_claim(session, evidence=[session.get_one(Annotation, tagged["id"])])
        claim_id = claim.id
    tagged["note"], tagged["updated_at"] = "edited there", "2999-01-01T00:00:00Z"

    with Session(engine) as session:
        report = import_map(session, json.dumps(sample))

    with Session(engine) as session:
        annotation = session.get_one(Annotation, tagged["id"])
        # The file's newer edit is taken, but a version 1 file knows nothing of claims.
        assert (annotation.note, annotation.claim_id) == ("edited there", claim_id)
    assert report.updated["annotations"] == 1


# --- version 2 files -----------------------------------------------------------------------


def test_the_version_2_sample_is_a_valid_version_2_file() -> None:
    sample = json.loads(V2_SAMPLE.read_text(encoding="utf-8"))
    validator = Draft202012Validator(
        export_schema(2), format_checker=Draft202012Validator.FORMAT_CHECKER
    )

    assert [str(e) for e in validator.iter_errors(sample)] == []
    assert sample["version"] == 2
    # What the sample was made to hold: claims, relations, an orphan and lost evidence.
    assert sample["claims"] and sample["relations"]
    assert any(a["orphaned_at"] is not None for a in sample["annotations"])
    assert any(r["evidence_orphaned_at"] is not None for r in sample["relations"])


def test_a_version_2_file_imports_into_an_empty_database(engine: Engine) -> None:
    raw = V2_SAMPLE.read_bytes()
    sample = json.loads(raw)

    with Session(engine) as session:
        report = import_map(session, raw)

    # Written again as version 4: the same, with no actors, tags that name nobody and are
    # no coder's, and no independent coding.
    text = export_text(engine)
    coder = {"actor_key": None, "adjudicated": False, "adopted_from": None}
    assert json.loads(text) == {
        **sample,
        "version": 4,
        "filters": {**sample["filters"], "layer": "all"},
        "actors": [],
        "annotations": [{**a, **coder} for a in sample["annotations"]],
        "assignments": [],
        "codebook": [],
        "team_settings": [],
    }
    assert '\n"actors":[],\n"documents":[\n' in text
    assert report.created["claims"] == len(sample["claims"]) == 4
    assert report.created["actors"] == 0


def test_a_newer_version_2_annotation_keeps_the_actor_it_has_here(engine: Engine) -> None:
    sample = json.loads(V2_SAMPLE.read_bytes())
    with Session(engine) as session:
        import_map(session, json.dumps(sample))
    tagged = sample["annotations"][1]
    with Session(engine) as session:
        actors.create_actor(session, ActorCreate(key="lavrov", name="Sergey Lavrov"), None)
        annotation = session.get_one(Annotation, tagged["id"])
        annotation.actor_key = "lavrov"
        session.add(annotation)
        session.commit()
    tagged["note"], tagged["updated_at"] = "edited there", "2999-01-01T00:00:00Z"

    with Session(engine) as session:
        report = import_map(session, json.dumps(sample))

    with Session(engine) as session:
        annotation = session.get_one(Annotation, tagged["id"])
        # The file's newer edit is taken, but a version 2 file knows nothing of actors.
        assert (annotation.note, annotation.actor_key) == ("edited there", "lavrov")
    assert report.updated["annotations"] == 1


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


def _orphan(**fields: Any) -> Callable[[dict[str, Any], Target], None]:
    """Make annotations[0] (a whole-passage tag) an orphan, then set `fields` on it."""

    def mutate(data: dict[str, Any], _target: Target) -> None:
        annotation = data["annotations"][0]
        annotation.update(
            passage_id=None,
            document_start=None,
            document_end=None,
            orphaned_at="2025-08-20T10:00:00Z",
        )
        annotation.update(fields)

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


def _self_relation(data: dict[str, Any], _target: Target) -> None:
    relation = data["relations"][0]
    relation["target_id"] = relation["source_id"]


def _stance_twice(data: dict[str, Any], _target: Target) -> None:
    stances = data["claims"][0]["stances"]
    stances.append({**stances[0], "stance": "rejects"})


def _relation_twice(data: dict[str, Any], _target: Target) -> None:
    data["relations"].append({**data["relations"][0], "id": "another-relation"})


def _before_version_4(data: dict[str, Any]) -> None:
    """Take out of a version 4 file what version 4 added (independent coding)."""
    del data["filters"]["layer"], data["assignments"], data["codebook"], data["team_settings"]
    for annotation in data["annotations"]:
        del annotation["adjudicated"], annotation["adopted_from"]


def _claims_in_version_1(data: dict[str, Any], _target: Target) -> None:
    _before_version_4(data)
    data["version"] = 1
    del data["actors"]
    for annotation in data["annotations"]:
        del annotation["claim_id"], annotation["actor_key"]


def _in_version_2(*dropped: str) -> Callable[[dict[str, Any], Target], None]:
    """A version 4 file said to be version 2, without the independent coding and what
    `dropped` names ("actors", the annotations' "actor_key")."""

    def mutate(data: dict[str, Any], _target: Target) -> None:
        _before_version_4(data)
        data["version"] = 2
        if "actors" in dropped:
            del data["actors"]
        if "actor_key" in dropped:
            for annotation in data["annotations"]:
                del annotation["actor_key"]

    return mutate


def _stored_here(actor: ActorCreate) -> Callable[[dict[str, Any], Target], None]:
    """Add `actor` to the database imported into (the file unchanged)."""

    def mutate(_data: dict[str, Any], target: Target) -> None:
        with Session(target.engine) as session:
            actors.create_actor(session, actor, None)

    return mutate


def _actor_twice(data: dict[str, Any], _target: Target) -> None:
    data["actors"].append(copy.deepcopy(data["actors"][0]))


# The file's actors, by key: eu, lavrov, russian-foreign-ministry, russian-government, trump,
# zelensky (lavrov → the ministry → the government).
ACTOR_REFUSALS = {
    "unknown actor of an annotation": (
        _set("annotations.0.actor_key", "nobody"),
        "annotations[0].actor_key: there is no actor 'nobody' in the file or in this database",
    ),
    "alias another actor has here": (
        _stored_here(
            ActorCreate(key="commission", name="European Commission", aliases=["Brussels"])
        ),
        'actors[0].aliases[1]: the name "Brussels" already means the actor \'European '
        "Commission' (commission) here; a name or alias names one actor only",
    ),
    "name another actor has here, in another case": (
        _stored_here(ActorCreate(key="foreign-minister", name="SERGEY LAVROV")),
        "actors[1].name: the name \"Sergey Lavrov\" already means the actor 'SERGEY LAVROV' "
        "(foreign-minister) here",
    ),
    "alias another actor of the file has": (
        _set("actors.5.aliases", ["Zelensky", "Kremlin"]),
        'actors[5].aliases[1]: the name "Kremlin" already means the actor \'Russian '
        "government' (russian-government) in the file at actors[3]",
    ),
    "alias listed twice": (
        _set("actors.0.aliases", ["EU", "eu"]),
        'actors[0].aliases[1]: "eu" is listed twice (also at aliases[0], whatever the case)',
    ),
    "unknown parent": (
        _set("actors.1.parent_key", "martians"),
        "actors[1].parent_key: there is no actor 'martians' in the file or in this database",
    ),
    "parents in a loop": (
        _set("actors.3.parent_key", "lavrov"),
        "actors[1].parent_key: the actors belong to each other in a loop ('lavrov' → "
        "'russian-foreign-ministry' → 'russian-government' → 'lavrov'): an actor cannot belong "
        "to one of its members",
    ),
    "actor its own parent": (
        _set("actors.4.parent_key", "trump"),
        "actors[4].parent_key: an actor cannot belong to itself",
    ),
    "unknown position of an actor": (
        _set("actors.4.position_key", "martians"),
        "actors[4].position_key: there is no position 'martians' in the file or in this",
    ),
    "unknown actor kind": (
        _set("actors.0.kind", "country"),
        "actors[0].kind: 'country' is not one of ['person', 'organization', 'state']",
    ),
    "blank alias": (_set("actors.0.aliases.0", "  "), "actors[0].aliases[0]: '  ' does not match"),
    "actor twice": (
        _actor_twice,
        'actors[6].key: "eu" appears twice in the file (also at actors[0])',
    ),
    "annotation without actor_key": (
        lambda data, _target: data["annotations"][0].pop("actor_key"),
        "annotations[0]: 'actor_key' is a required property",
    ),
    "actors in a version 2 file": (
        _in_version_2("actor_key"),
        "the top level: Additional properties are not allowed ('actors' was unexpected)",
    ),
    "actor_key in a version 2 file": (
        _in_version_2("actors"),
        "]: Additional properties are not allowed ('actor_key' was unexpected)",
    ),
}


REFUSALS = {
    "wrong format": (_set("format", "aif"), 'not an argmap export: "format" must be "argmap"'),
    "newer version": (
        _set("version", 5),
        "version 5 is not supported: this instance reads versions 1, 2, 3 and 4",
    ),
    "version 0": (_set("version", 0), "version 0 is not supported: this instance reads versions"),
    "version as a string": (_set("version", "2"), 'version "2" is not supported'),
    "no version": (
        lambda data, _target: data.pop("version"),
        'the file has no "version" field: an export says which version of the format it is '
        "written in, and this instance reads versions 1, 2, 3 and 4",
    ),
    "claims in a version 1 file": (
        _claims_in_version_1,
        "the top level: Additional properties are not allowed ('claims', 'relations' were",
    ),
    "annotation without claim_id": (
        lambda data, _target: data["annotations"][0].pop("claim_id"),
        "annotations[0]: 'claim_id' is a required property",
    ),
    "unknown stance": (
        _set("claims.0.stances.0.stance", "believes"),
        "claims[0].stances[0].stance: 'believes' is not one of ['holds', 'rejects']",
    ),
    "unknown relation kind": (
        _set("relations.1.kind", "rebuts"),
        "relations[1].kind: 'rebuts' is not one of ['supports', 'attacks']",
    ),
    "self-relation": (
        _self_relation,
        "relations[0].target_id: a claim cannot support or attack itself (source_id and "
        "target_id are both '",
    ),
    "unknown claim in a relation": (
        _set("relations.-1.source_id", "no-such-claim"),
        "relations[1].source_id: there is no claim 'no-such-claim' in the file or in this",
    ),
    "unknown claim of an annotation": (
        _set("annotations.0.claim_id", "no-such-claim"),
        "annotations[0].claim_id: there is no claim 'no-such-claim' in the file or in this",
    ),
    "unknown evidence passage": (
        _set("relations.0.evidence_passage_id", "no-such-passage"),
        "relations[0].evidence_passage_id: there is no passage 'no-such-passage'",
    ),
    "unknown claim topic": (
        _set("claims.0.topic_key", "weather"),
        "claims[0].topic_key: there is no topic 'weather' in the file or in this database",
    ),
    "unknown stance position": (
        _set("claims.1.stances.0.position_key", "martians"),
        "claims[1].stances[0].position_key: there is no position 'martians'",
    ),
    "stance twice in a claim": (
        _stance_twice,
        'claims[0].stances[2].position_key: "russia" appears twice in the file (also at '
        "claims[0].stances[0])",
    ),
    "claim twice": (
        lambda data, _target: data["claims"].append(copy.deepcopy(data["claims"][1])),
        "claims[4].id: ",
    ),
    "the same claims linked twice": (
        _relation_twice,
        "relations[2]: claim '",
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
    "orphan that does not say when": (
        _orphan(orphaned_at=None),
        "annotations[0].orphaned_at: an annotation without a passage is an orphan and must say "
        "when it lost its place",
    ),
    "orphan with a place": (
        _orphan(document_start=0, document_end=10),
        "annotations[0].document_start: must be null for an orphan (it has no place)",
    ),
    "orphan in an unknown document": (
        _orphan(document_id="no-such-document"),
        "annotations[0].document_id: there is no document 'no-such-document' in the file",
    ),
    "placed annotation said to be an orphan": (
        _set("annotations.0.orphaned_at", "2025-08-20T10:00:00Z"),
        "annotations[0].orphaned_at: must be null for an annotation with a passage",
    ),
    "relation with its evidence passage said to be lost": (
        _set("relations.0.evidence_orphaned_at", "2025-08-20T10:00:00Z"),
        "relations[0].evidence_orphaned_at: must be null while the relation has an evidence "
        "passage",
    ),
    **ACTOR_REFUSALS,
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


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        ("annotations.0.note", "N" * 10_000_000, "is longer than the 5,000 characters allowed"),
        ("annotations.0.kind", "agrees" * 200, "is not one of ['states', 'supports', 'opposes']"),
        ("annotations.0.created_at", "2025-08-15" * 100, "is not a 'date-time'"),
        ("documents.0.title", "T" * 600, "is longer than the 500 characters allowed"),
    ],
)
def test_a_refusal_quotes_a_long_value_by_its_start_and_length_then_says_why(
    source: Source, target: Target, path: str, value: str, reason: str
) -> None:
    data = export_map(source.engine)
    _set(path, value)(data, target)

    with Session(target.engine) as session, pytest.raises(InvalidInput) as refused:
        import_map(session, json.dumps(data))

    where = re.sub(r"\.(\d+)", r"[\1]", path)
    start = value[:40] + "…"
    assert refused.value.message == f"{where}: {start!r} ({len(value):,} characters) {reason}"


def test_a_refusal_lists_a_few_of_many_unexpected_members_by_their_start(
    source: Source, target: Target
) -> None:
    data = export_map(source.engine)
    data["annotations"][0].update({f"{n}" * 100: n for n in range(1, 10)})

    with Session(target.engine) as session, pytest.raises(InvalidInput) as refused:
        import_map(session, json.dumps(data))

    listed = ", ".join(f"{(str(n) * 40) + '…'!r} (100 characters)" for n in range(1, 6))
    assert refused.value.message == (
        f"annotations[0]: Additional properties are not allowed ({listed} and 4 more were "
        "unexpected)"
    )


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


def test_a_nul_character_is_refused_with_its_path(source: Source, target: Target) -> None:
    # SQLite stored NUL before it was dropped from typed text; PostgreSQL cannot store it.
    data = export_map(source.engine)
    data["annotations"][0]["note"] = "a\x00b"
    _assert_refused(target, json.dumps(data), "annotations[0].note: holds a NUL character")


def test_a_failure_while_writing_rolls_everything_back(
    source: Source, target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    write = importer.write_plan

    def write_then_fail(session: Session, plan: Any) -> None:
        write(session, plan)  # everything is inserted, then the database objects
        raise IntegrityError("INSERT …", {}, Exception("UNIQUE constraint failed"))

    monkeypatch.setattr(importer, "write_plan", write_then_fail)

    _assert_refused(
        target, export_text(source.engine), "the database refused the import: UNIQUE constraint"
    )

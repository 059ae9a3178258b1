"""Independent coding in the native format (version 4): assignments, the adjudicated layer, the
codebook and the team's settings go out and come back in; version 3 files still come in."""

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.models import (
    Annotation,
    Assignment,
    CodebookEntry,
    CodeFamily,
    Document,
    HistoryEntry,
    Passage,
    TeamSetting,
)
from app.services.blinding import Layer
from app.services.errors import InvalidInput
from app.services.interchange.filters import ExportFilters
from app.services.interchange.importer import import_map
from app.services.interchange.native import export_map
from tests.export_source import T0, Source, build_source, export_text, name_actors
from tests.factories import make_annotation

V3_SAMPLE = Path(__file__).parents[2] / "data" / "export-v3-sample.json"


@pytest.fixture
def source(seeded_engine: Engine) -> Source:
    """`Source`, with two documents in independent coding, an adjudicated tag, a codebook and
    a team setting."""
    built = build_source(seeded_engine)
    name_actors(built)
    with Session(built.engine) as session:
        first, second = built.documents[:2]
        session.add(
            Assignment(
                document_id=first,
                analyst="alice",
                assigned_by="tester",
                assigned_at=T0,
                done_at=T0 + timedelta(days=1),
            )
        )
        session.add(
            Assignment(document_id=second, analyst="bob", assigned_by="tester", assigned_at=T0)
        )
        adopted = session.get_one(Annotation, built.annotations["a1"])
        passage = session.get_one(Passage, adopted.passage_id)
        decision = make_annotation(
            session, passage, "russia", analyst="tester", created_at=T0 + timedelta(hours=2)
        )
        decision.adjudicated, decision.adopted_from = True, adopted.id
        session.add(decision)
        example = session.exec(
            select(Passage.id).where(Passage.document_id == second).order_by(col(Passage.ordinal))
        ).first()
        assert example is not None
        session.add(
            CodebookEntry(
                family=CodeFamily.position,
                key="russia",
                guid="guid-russia",
                definition="The Russian government's stance.",
                include="Statements of its officials.",
                exclude="Russian opposition figures.",
                examples=[passage.id, example],
                updated_by="tester",
                updated_at=T0,
            )
        )
        session.add(
            CodebookEntry(
                family=CodeFamily.kind, key="supports", guid="guid-supports", updated_at=T0
            )
        )
        session.add(TeamSetting(name="show_others_when_done", value="false", updated_at=T0))
        session.commit()
        built.annotations["decision"] = decision.id
    return built


def count(engine: Engine, model: Any) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_independent_coding_goes_out_and_comes_back_byte_identical(
    source: Source, engine: Engine
) -> None:
    original = export_text(source.engine)
    exported = json.loads(original)
    assert sorted((a["analyst"], a["done_at"]) for a in exported["assignments"]) == [
        ("alice", "2025-08-16T10:00:00Z"),
        ("bob", None),
    ]
    decision = next(a for a in exported["annotations"] if a["adjudicated"])
    assert decision["adopted_from"] == source.annotations["a1"]
    assert [(c["family"], c["key"]) for c in exported["codebook"]] == [
        ("kind", "supports"),
        ("position", "russia"),
    ]
    assert exported["team_settings"][0] == {
        "name": "show_others_when_done",
        "value": "false",
        "updated_by": None,
        "updated_at": "2025-08-15T10:00:00Z",
    }

    with Session(engine) as session:
        report = import_map(session, original.encode("utf-8"))

    assert export_text(engine) == original
    created = report.created
    assert (created["assignments"], created["codebook_codes"], created["team_settings"]) == (
        2,
        2,
        1,
    )
    assert "2 assignments, 2 codebook codes, 1 team setting." in str(report)
    # The history records each new row of independent coding, as it does the others.
    with Session(engine) as session:
        recorded = session.exec(
            select(HistoryEntry.item_type, HistoryEntry.item_id)
            .where(col(HistoryEntry.item_type).in_(["assignment", "codebook", "setting"]))
            .order_by(col(HistoryEntry.id))
        ).all()
    assert sorted(item for item, _id in recorded) == [
        "assignment",
        "assignment",
        "codebook",
        "codebook",
        "setting",
    ]
    assert {"position:russia", "kind:supports", "show_others_when_done"} <= {
        item_id for _type, item_id in recorded
    }

    with Session(engine) as session:
        again = import_map(session, original.encode("utf-8"))
    assert (again.unchanged["assignments"], again.unchanged["codebook_codes"]) == (2, 2)
    assert again.created["assignments"] == again.created["team_settings"] == 0


def test_a_stored_assignment_keeps_its_state_when_a_file_has_it_too(source: Source) -> None:
    data = export_map(source.engine)
    bob = next(a for a in data["assignments"] if a["analyst"] == "bob")
    bob["done_at"] = "2030-01-01T00:00:00Z"

    with Session(source.engine) as session:
        report = import_map(session, json.dumps(data))

    assert report.unchanged["assignments"] == 2
    with Session(source.engine) as session:
        stored = session.exec(select(Assignment).where(Assignment.analyst == "bob")).one()
        assert stored.done_at is None


def refused(engine: Engine, data: dict[str, Any]) -> str:
    with Session(engine) as session, pytest.raises(InvalidInput) as refusal:
        import_map(session, json.dumps(data))
    assert count(engine, Document) == count(engine, Assignment) == 0  # nothing half-written
    return refusal.value.message


def test_an_assignment_of_a_document_neither_in_the_file_nor_here_is_refused(
    source: Source, engine: Engine
) -> None:
    data = export_map(source.engine)
    data["assignments"][0]["document_id"] = "no-such-document"
    assert refused(engine, data) == (
        "assignments[0].document_id: there is no document 'no-such-document' in the file or "
        "in this database"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda data: data["assignments"].append(dict(data["assignments"][0])),
            "assignments[2]: document",
        ),
        (
            lambda data: data["codebook"][1]["examples"].append("no-such-passage"),
            "codebook[1].examples[2]: there is no passage 'no-such-passage'",
        ),
        (
            lambda data: data["codebook"][1].update(key="martians"),
            "codebook[1].key: there is no position 'martians'",
        ),
        (
            lambda data: data["codebook"][1].update(guid="guid-supports"),
            "codebook[1].guid: guid-supports appears twice in the file",
        ),
        (
            lambda data: data["team_settings"][0].update(value="maybe"),
            "team_settings[0].value: 'maybe' is not a value of show_others_when_done",
        ),
        (
            lambda data: data["assignments"][0].update(done_at="yesterday"),
            "assignments[0].done_at:",
        ),
    ],
    ids=["twice", "lost example", "unknown code", "guid twice", "bad setting", "bad date"],
)
def test_independent_coding_that_does_not_hold_together_is_refused(
    source: Source, engine: Engine, change: Any, message: str
) -> None:
    data = export_map(source.engine)
    change(data)
    assert refused(engine, data).startswith(message)


def test_a_new_code_may_not_take_the_guid_of_another_stored_here(source: Source) -> None:
    data = export_map(source.engine)
    with Session(source.engine) as session:
        session.delete(session.get_one(CodebookEntry, ("kind", "supports")))
        session.commit()
    data["codebook"][0]["guid"] = "guid-russia"

    with Session(source.engine) as session, pytest.raises(InvalidInput) as refusal:
        import_map(session, json.dumps(data))
    assert refusal.value.message == (
        "codebook[0].guid: guid-russia is the guid of the code position 'russia' here"
    )


def test_the_adjudicated_layer_alone(source: Source) -> None:
    part = export_map(source.engine, ExportFilters(layer=Layer.adjudicated))

    assert [a["id"] for a in part["annotations"]] == [source.annotations["decision"]]
    assert part["filters"]["layer"] == "adjudicated"
    # The layer chooses tags only: the catalog and the documents stay.
    full = export_map(source.engine)
    for name in ("claims", "relations", "documents", "actors", "codebook", "assignments"):
        assert part[name] == full[name], name


def test_a_filtered_file_keeps_the_coding_of_its_documents(source: Source) -> None:
    second = source.documents[1]

    part = export_map(source.engine, ExportFilters(document=second))

    assert [a["analyst"] for a in part["assignments"]] == ["bob"]
    russia = next(c for c in part["codebook"] if c["key"] == "russia")
    passages = {p["id"] for p in part["passages"]}
    # The example in the first document is not in this file; the one in the second is.
    assert len(russia["examples"]) == 1 and set(russia["examples"]) <= passages


def test_a_version_3_file_still_imports(engine: Engine) -> None:
    raw = V3_SAMPLE.read_bytes()
    sample = json.loads(raw)
    assert sample["version"] == 3 and sample["actors"]

    with Session(engine) as session:
        report = import_map(session, raw)

    exported = export_map(engine)
    assert exported["version"] == 4
    assert exported["actors"] == sample["actors"]
    assert exported["annotations"] == [
        {**a, "adjudicated": False, "adopted_from": None} for a in sample["annotations"]
    ]
    assert exported["assignments"] == exported["codebook"] == exported["team_settings"] == []
    assert report.created["annotations"] == len(sample["annotations"])

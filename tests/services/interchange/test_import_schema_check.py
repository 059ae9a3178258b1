"""The importer's quick schema check answers exactly as jsonschema does, on valid exports and on
exports broken in the ways the schema forbids."""

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema.exceptions import best_match  # type: ignore[import-untyped]
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.models import ActorCreate, AnnotationCreate
from app.services import actors
from app.services.interchange.importer.parse import quick_check, schema_validator
from app.services.interchange.native import FORMAT_VERSION, export_map
from app.services.tagging import tag_passage
from tests.export_source import paragraphs_in_id_order

DATA = Path(__file__).parents[2] / "data"

Breakage = Callable[[dict[str, Any]], None]


def _set(table: str, name: str, value: Any) -> Breakage:
    return lambda data: data[table][0].__setitem__(name, value)


BREAKAGES: dict[str, Breakage] = {
    "unknown kind": _set("annotations", "kind", "claims"),
    "float offset": _set("annotations", "start", 1.0),
    "boolean offset": _set("annotations", "start", True),
    "negative offset": _set("annotations", "start", -1),
    "extra field": _set("annotations", "colour", "#000000"),
    "missing field": lambda data: data["annotations"][0].pop("note"),
    "date without time": _set("annotations", "created_at", "2025-08-15"),
    "bad key pattern": _set("annotations", "topic_key", "Not A Key"),
    "not a date-time": _set("annotations", "orphaned_at", "yesterday"),
    "number for a boolean": _set("annotations", "example", 1),
    "bad colour": _set("positions", "colour", "red"),
    "bad date": _set("documents", "published", "2025-13-01"),
    "wrong format name": lambda data: data.__setitem__("format", "other"),
    "wrong version": lambda data: data.__setitem__("version", FORMAT_VERSION + 1),
    "record not an object": lambda data: data["passages"].__setitem__(0, []),
    "unknown actor kind": _set("actors", "kind", "country"),
    "actor key in capitals": _set("actors", "key", "Lavrov"),
    "actor name with a space before it": _set("actors", "name", " Sergey Lavrov"),
    "alias with two spaces": _set("actors", "aliases", ["Sergey  Lavrov"]),
    "blank alias": _set("actors", "aliases", [""]),
    "alias not a string": _set("actors", "aliases", [1]),
    "aliases not a list": _set("actors", "aliases", "Lavrov"),
    "too many aliases": _set("actors", "aliases", [f"alias {n}" for n in range(51)]),
    "actor_key not a key": _set("annotations", "actor_key", "Sergey Lavrov"),
    "annotation without actor_key": lambda data: data["annotations"][0].pop("actor_key"),
}


@pytest.fixture
def exported(seeded_engine: Engine) -> dict[str, Any]:
    """An export of the seed corpus with a whole-passage tag naming an actor and a span tag."""
    with Session(seeded_engine) as session:
        lavrov = ActorCreate(key="lavrov", name="Sergey Lavrov", aliases=["Lavrov"])
        actors.create_actor(session, lavrov, None)
        passage = paragraphs_in_id_order(session)[0]
        whole = AnnotationCreate(passage_id=passage.id, position_key="us", actor_key="lavrov")
        tag_passage(session, whole, "alice")
        span = AnnotationCreate(passage_id=passage.id, position_key="russia", start=0, end=10)
        tag_passage(session, span, "bob")
    return export_map(seeded_engine)


def _jsonschema_accepts(data: dict[str, Any], version: int = FORMAT_VERSION) -> bool:
    return best_match(schema_validator(version).iter_errors(data)) is None


def test_quick_check_accepts_a_real_export(exported: dict[str, Any]) -> None:
    data = exported
    assert data["actors"] and data["annotations"][0]["actor_key"] == "lavrov"
    assert _jsonschema_accepts(data)
    assert quick_check(FORMAT_VERSION)(data)


@pytest.mark.parametrize("version", [1, 2])
def test_quick_check_accepts_the_samples_of_earlier_versions(version: int) -> None:
    sample = json.loads((DATA / f"export-v{version}-sample.json").read_text(encoding="utf-8"))
    assert _jsonschema_accepts(sample, version)
    assert quick_check(version)(sample)
    # And refuses what jsonschema refuses in them: an actor_key, before version 3.
    sample["annotations"][0]["actor_key"] = None
    assert not _jsonschema_accepts(sample, version)
    assert not quick_check(version)(sample)


@pytest.mark.parametrize("breakage", BREAKAGES.values(), ids=BREAKAGES.keys())
def test_quick_check_refuses_what_jsonschema_refuses(
    exported: dict[str, Any], breakage: Breakage
) -> None:
    data = copy.deepcopy(exported)
    breakage(data)
    assert not _jsonschema_accepts(data)
    assert not quick_check(FORMAT_VERSION)(data)

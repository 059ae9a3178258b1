"""The importer's quick schema check answers exactly as jsonschema does, on valid exports and on
exports broken in the ways the schema forbids."""

import copy
from collections.abc import Callable
from typing import Any

import pytest
from jsonschema.exceptions import best_match  # type: ignore[import-untyped]
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.models import AnnotationCreate
from app.services.interchange.importer.parse import quick_check, schema_validator
from app.services.interchange.native import export_map
from app.services.tagging import tag_passage
from tests.export_source import paragraphs_in_id_order

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
    "wrong version": lambda data: data.__setitem__("version", 3),
    "record not an object": lambda data: data["passages"].__setitem__(0, []),
}


@pytest.fixture
def exported(seeded_engine: Engine) -> dict[str, Any]:
    """An export of the seed corpus with a whole-passage tag and a span tag."""
    with Session(seeded_engine) as session:
        passage = paragraphs_in_id_order(session)[0]
        tag_passage(session, AnnotationCreate(passage_id=passage.id, position_key="us"), "alice")
        span = AnnotationCreate(passage_id=passage.id, position_key="russia", start=0, end=10)
        tag_passage(session, span, "bob")
    return export_map(seeded_engine)


def _jsonschema_accepts(data: dict[str, Any]) -> bool:
    return best_match(schema_validator(2).iter_errors(data)) is None


def test_quick_check_accepts_a_real_export(exported: dict[str, Any]) -> None:
    data = exported
    assert _jsonschema_accepts(data)
    assert quick_check(2)(data)


@pytest.mark.parametrize("breakage", BREAKAGES.values(), ids=BREAKAGES.keys())
def test_quick_check_refuses_what_jsonschema_refuses(
    exported: dict[str, Any], breakage: Breakage
) -> None:
    data = copy.deepcopy(exported)
    breakage(data)
    assert not _jsonschema_accepts(data)
    assert not quick_check(2)(data)

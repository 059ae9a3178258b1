"""The W3C Web Annotation export, checked against the W3C test suite's own JSON Schemas.

The schemas live in tests/data/w3c (see its README). There is no single entry schema: an
annotation meets the model's MUST requirements when it is valid against every assertion listed
in annotations/annotationMusts.test, so that is what every exported annotation is checked
against. The suite's samples check that the validator set-up can fail at all.
"""

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import best_match  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.models import Annotation, Claim, Document, Passage, PassageKind, Position, Topic
from app.services.interchange import writing
from app.services.interchange.filters import ExportFilters
from app.services.interchange.native import export_map
from app.services.interchange.w3c import annotation_to_w3c, stream_w3c
from app.services.reanchor import replace_document_text
from app.services.segmentation import join_wrapped_lines
from tests.factories import make_annotation, make_document, make_position

W3C_DIR = Path(__file__).resolve().parents[2] / "data" / "w3c"
ANNOTATION_MUSTS = "annotations/annotationMusts.test"
ANNOTATION_OPTIONALS = "annotations/annotationOptionals.test"
AGENT_OPTIONALS = "annotations/annotationsAgentOptionals.test"
COLLECTION_MUSTS = "collections/collectionMusts.test"
PAGE_MUSTS = "collections/pages/pageMusts.test"

BASE = "http://argmap.test"
T0 = datetime(2025, 8, 15, 10, 0, tzinfo=UTC)
NOTE = "<script>alert('x')</script> Zelensky’s “red lines” — Ärger 🇺🇦\nsecond line"
CLAIM_TEXT = "Ukraine will not join NATO"
CONTEXT_CHARS = 32
# A newline with the spaces around it: where the PDF copy of seed 001 wrapped a line.
LINE_BREAK = re.compile(r"[^\S\n]*\n[^\S\n]*")


# --- the validator -------------------------------------------------------------------------


@cache
def registry() -> Registry[Any]:
    """The shared definitions, under the bare file names the assertions `$ref` them by."""
    return Registry().with_resources(
        (
            path.name,
            Resource.from_contents(
                json.loads(path.read_text(encoding="utf-8")), default_specification=DRAFT4
            ),
        )
        for path in sorted((W3C_DIR / "definitions").glob("*.json"))
    )


@cache
def validator_for(assertion: str) -> Draft4Validator:
    schema = json.loads((W3C_DIR / assertion).read_text(encoding="utf-8"))
    return Draft4Validator(
        schema, registry=registry(), format_checker=Draft4Validator.FORMAT_CHECKER
    )


@cache
def listed(test_file: str) -> tuple[str, ...]:
    """The assertion schemas a `.test` file of the suite lists."""
    assertions: list[str] = json.loads((W3C_DIR / test_file).read_text(encoding="utf-8"))[
        "assertions"
    ]
    return tuple(assertions)


def failures(instance: Any, assertions: tuple[str, ...] | list[str]) -> list[str]:
    """One readable line per assertion `instance` fails: the schema, its message, the detail."""
    problems = []
    for assertion in assertions:
        validator = validator_for(assertion)
        errors = list(validator.iter_errors(instance))
        if errors:
            detail = best_match(errors)
            where = "/".join(str(part) for part in detail.absolute_path) or "(top)"
            problems.append(
                f"{assertion}: {validator.schema.get('errorMessage', '')} "
                f"[at {where}: {detail.message[:200]}]"
            )
    return problems


def must_failures(annotation: Any) -> list[str]:
    """What keeps `annotation` from meeting the model's MUSTs (nothing, if it is valid)."""
    return failures(annotation, listed(ANNOTATION_MUSTS))


def assert_meets_the_musts(annotation: dict[str, Any]) -> None:
    problems = must_failures(annotation)
    assert not problems, f"{annotation.get('id')} breaks MUSTs:\n" + "\n".join(problems)


def read_sample(path: Path) -> Any:
    """A sample of the suite. Several incorrect ones have trailing commas; those are read
    without them so that the schemas, not the JSON parser, get to reject them."""
    text = path.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return json.loads(re.sub(r",(\s*[}\]])", r"\1", text))


# --- the data ------------------------------------------------------------------------------


@dataclass
class Source:
    """The seed corpus with a handful of annotations, as a database to export from."""

    engine: Engine
    ids: dict[str, str]  # annotation ids by role: whole, wrapped, claimed, removed, late
    wrapped: Passage  # the hard-wrapped passage of seed 001 the "wrapped" span lies in
    claim_id: str


def export(engine: Engine, filters: ExportFilters | None = None) -> dict[str, Any]:
    collection: dict[str, Any] = json.loads(
        "".join(stream_w3c(engine, filters or ExportFilters(), BASE))
    )
    return collection


def items_of(collection: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = collection["first"]["items"]
    return items


def item(collection: dict[str, Any], annotation_id: str) -> dict[str, Any]:
    wanted = f"{BASE}/api/annotations/{annotation_id}"
    return next(i for i in items_of(collection) if i["id"] == wanted)


def selectors(annotation: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    by_type = {s["type"]: s for s in annotation["target"]["selector"]}
    return by_type["TextQuoteSelector"], by_type["TextPositionSelector"]


def original_texts(engine: Engine) -> dict[str, str]:
    """The documents' original texts by the target `source` that names them."""
    with Session(engine) as session:
        return {f"{BASE}/documents/{d.id}": d.original_text for d in session.exec(select(Document))}


def paragraphs_of(session: Session, source_prefix: str) -> list[Passage]:
    document = session.exec(
        select(Document).where(col(Document.source_name).startswith(source_prefix))
    ).one()
    query = (
        select(Passage)
        .where(Passage.document_id == document.id, Passage.kind == PassageKind.paragraph)
        .order_by(col(Passage.ordinal))
    )
    return list(session.exec(query))


def span_across_a_wrapped_line(session: Session, passage: Passage) -> tuple[int, int]:
    """A span of `passage.text` across a line break that had spaces around the newline, so
    that the span's document range is longer than the span itself."""
    raw = session.get_one(Document, passage.document_id).original_text[passage.start : passage.end]
    match = next(m for m in LINE_BREAK.finditer(raw) if len(m.group()) > 1)
    cut = len(join_wrapped_lines(raw[: match.start()]))
    return cut - 10, cut + 25


@pytest.fixture
def source(seeded_engine: Engine) -> Source:
    with Session(seeded_engine) as session:
        first = paragraphs_of(session, "000_")[1]
        wrapped = next(p for p in paragraphs_of(session, "001_") if p.end - p.start != len(p.text))
        third = paragraphs_of(session, "002_")[1]
        fourth = paragraphs_of(session, "003_")[1]
        ids: dict[str, str] = {}
        # A whole passage, with a topic.
        ids["whole"] = make_annotation(
            session, first, "russia", "states", topic_key="territory", created_at=T0
        ).id
        # A span across a line break of a hard-wrapped paragraph, with a hostile note.
        start, end = span_across_a_wrapped_line(session, wrapped)
        ids["wrapped"] = make_annotation(
            session,
            wrapped,
            "ukraine",
            "opposes",
            start=start,
            end=end,
            note=NOTE,
            analyst="Ólafur",
            created_at=T0 + timedelta(minutes=5),
            updated_at=T0 + timedelta(minutes=7),
        ).id
        # A span that is evidence for a claim.
        claim = Claim(text=CLAIM_TEXT, topic_key="nato", analyst="Ana")
        session.add(claim)
        session.commit()
        claimed = make_annotation(
            session,
            third,
            "us",
            "supports",
            topic_key="nato",
            start=4,
            end=30,
            created_at=T0 + timedelta(minutes=10),
        )
        claimed.claim_id = claim.id
        session.add(claimed)
        session.commit()
        ids["claimed"] = claimed.id
        # Removed: must not be exported.
        ids["removed"] = make_annotation(
            session,
            fourth,
            "europe",
            "states",
            topic_key="nato",
            created_at=T0 + timedelta(minutes=15),
            deleted_at=T0 + timedelta(minutes=16),
        ).id
        ids["late"] = make_annotation(
            session, fourth, "russia", "opposes", created_at=T0 + timedelta(minutes=20)
        ).id
        session.refresh(wrapped)
        session.expunge(wrapped)
        return Source(engine=seeded_engine, ids=ids, wrapped=wrapped, claim_id=claim.id)


# --- the validator can fail ----------------------------------------------------------------


def test_the_must_list_is_complete_and_every_assertion_is_a_valid_draft4_schema() -> None:
    musts = listed(ANNOTATION_MUSTS)

    assert len(musts) == 54
    for assertion in musts:
        Draft4Validator.check_schema(validator_for(assertion).schema)


@pytest.mark.parametrize(
    "sample",
    sorted(p.name for p in (W3C_DIR / "samples" / "incorrect").glob("*.json")),
)
def test_every_incorrect_sample_fails_a_must(sample: str) -> None:
    path = W3C_DIR / "samples" / "incorrect" / sample
    try:
        annotation = read_sample(path)
    except json.JSONDecodeError:
        # anno1 is "this is not json": rejected before any schema could look at it.
        assert path.read_text(encoding="utf-8").strip() == "this is not json"
        return

    assert must_failures(annotation), f"{sample} passes every MUST"


@pytest.mark.parametrize(
    ("sample", "assertion"),
    [
        ("anno3.json", "annotations/3.1-annotationContextValidated.json"),
        # Needs the "uri" format checker: "not a uri" is a string like any other.
        ("anno6.json", "annotations/3.1-annotationIdValidated.json"),
        ("anno9.json", "annotations/3.1-annotationTypeValidated.json"),
        ("anno10.json", "annotations/3.1-targetKeyFound.json"),
        ("anno19.json", "annotations/3.2.5-notBodyBodyValue.json"),
        # Needs the "date-time" format checker: "yesterday" is a string too.
        ("anno28.json", "annotations/3.3.1-annotationCreatedValidated.json"),
        ("anno37.json", "annotations/3.2-targetObjectsRecognized.json"),
        ("anno38.json", "annotations/specificResource/4.2-fragmentCssXPathSelectorValid.json"),
    ],
)
def test_incorrect_samples_fail_the_assertion_for_their_defect(sample: str, assertion: str) -> None:
    # Most incorrect samples also carry two ids, which fails on its own; naming the assertion
    # shows that the defect each sample is about is caught too.
    annotation = read_sample(W3C_DIR / "samples" / "incorrect" / sample)

    assert assertion in listed(ANNOTATION_MUSTS)
    assert failures(annotation, [assertion])


@pytest.mark.parametrize(
    "sample",
    sorted(p.name for p in (W3C_DIR / "samples" / "correct").glob("anno*.json")),
)
def test_correct_samples_pass_every_must(sample: str) -> None:
    assert_meets_the_musts(read_sample(W3C_DIR / "samples" / "correct" / sample))


def test_the_correct_collection_sample_passes_the_collection_and_page_musts() -> None:
    collection = read_sample(W3C_DIR / "samples" / "correct" / "collection1.json")

    assert failures(collection, listed(COLLECTION_MUSTS) + listed(PAGE_MUSTS)) == []
    assert failures({**collection, "total": -1}, listed(COLLECTION_MUSTS))
    assert failures({**collection, "first": {"type": "AnnotationPage"}}, listed(PAGE_MUSTS))


BREAKAGES: dict[str, Callable[[dict[str, Any]], None]] = {
    "no @context": lambda a: a.pop("@context"),
    "an id that is not a URI": lambda a: a.update(id="annotation 1"),
    "no target": lambda a: a.pop("target"),
    "a created time that is no date-time": lambda a: a.update(created="15 August 2025"),
    "a modified time that is no date-time": lambda a: a.update(modified="2025-08-15"),
    "a textual body with a source": lambda a: a["body"][1].update(source=f"{BASE}/documents"),
    "a body with an id and a purpose": lambda a: a["body"].append(
        {"id": f"{BASE}/positions/us", "purpose": "tagging"}
    ),
    "a quote selector without exact": lambda a: selectors(a)[0].pop("exact"),
    "a position selector with a negative start": lambda a: selectors(a)[1].update(start=-1),
    "a position selector without end": lambda a: selectors(a)[1].pop("end"),
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_breaking_an_exported_annotation_fails_the_musts(source: Source, breakage: str) -> None:
    annotation = copy.deepcopy(item(export(source.engine), source.ids["claimed"]))
    assert_meets_the_musts(annotation)

    BREAKAGES[breakage](annotation)

    assert must_failures(annotation), f"still valid with {breakage}"


# --- every exported annotation meets the model --------------------------------------------


def test_every_exported_annotation_meets_every_must(source: Source) -> None:
    items = items_of(export(source.engine))

    assert len(items) == 4
    for annotation in items:
        assert_meets_the_musts(annotation)


def test_the_collection_meets_the_collection_and_page_musts(source: Source) -> None:
    collection = export(source.engine)

    assert failures(collection, listed(COLLECTION_MUSTS) + listed(PAGE_MUSTS)) == []
    assert collection["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert collection["type"] == "AnnotationCollection"
    assert collection["id"] == f"{BASE}/api/export/w3c"
    assert collection["label"] == "Annotations of the argument map"
    assert collection["total"] == len(items_of(collection)) == 4
    page = collection["first"]
    assert page["type"] == "AnnotationPage"
    assert page["partOf"] == collection["id"]
    assert page["startIndex"] == 0
    assert collection["last"] == page["id"]


# Optional features we implement, each with how to take it away again: an annotation must
# meet the assertion, and fail it without the feature (so that the check can fail). Left out:
# assertions that our annotations meet even without the feature (3.2.1-bodyFormat holds with
# no format at all once a body is a SpecificResource); the body test checks `format` itself.
def _without(*path: str) -> Callable[[dict[str, Any]], None]:
    """Remove the key at `path` (e.g. "creator", "name")."""

    def drop(annotation: dict[str, Any]) -> None:
        parent = annotation
        for key in path[:-1]:
            parent = parent[key]
        parent.pop(path[-1])

    return drop


def _with(value: Any, *path: str) -> Callable[[dict[str, Any]], None]:
    """Set the key at `path` to `value`."""

    def put(annotation: dict[str, Any]) -> None:
        parent = annotation
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = value

    return put


def _without_selector(kind: str) -> Callable[[dict[str, Any]], None]:
    def drop(annotation: dict[str, Any]) -> None:
        target = annotation["target"]
        target["selector"] = [s for s in target["selector"] if s["type"] != kind]

    return drop


def _without_in_bodies(key: str) -> Callable[[dict[str, Any]], None]:
    def drop(annotation: dict[str, Any]) -> None:
        for body in annotation["body"]:
            body.pop(key, None)

    return drop


def _without_quote_context(key: str) -> Callable[[dict[str, Any]], None]:
    def drop(annotation: dict[str, Any]) -> None:
        selectors(annotation)[0].pop(key)

    return drop


def _without_specific_resource_bodies(annotation: dict[str, Any]) -> None:
    annotation["body"] = [b for b in annotation["body"] if b["type"] != "SpecificResource"]


def _target_as_plain_uri(annotation: dict[str, Any]) -> None:
    annotation["target"] = annotation["target"]["source"]


OPTIONAL_FEATURES: dict[str, Callable[[dict[str, Any]], None]] = {
    "annotations/3.3.1-annotationCreatedImplemented.json": _without("created"),
    "annotations/3.3.1-annotationModifiedImplemented.json": _without("modified"),
    "annotations/3.3.1-annotationSingleCreatorImplemented.json": _without("creator"),
    "annotations/3.3.5-annotationMotivationImplemented.json": _without("motivation"),
    "annotations/3.3.5-annotationSingleMotivationImplemented.json": _with(
        ["classifying", "tagging"], "motivation"
    ),
    "annotations/3.1-bodyKeyFound.json": _without("body"),
    "annotations/bodiesTargets/3.3.5-bodyPurpose.json": _without_in_bodies("purpose"),
    "annotations/bodiesTargets/3.2.4-bodyETBTypeTextualBody.json": _without_in_bodies("type"),
    "annotations/bodiesTargets/4-bodySpecificResource.json": _without_specific_resource_bodies,
    "annotations/bodiesTargets/4-targSpecificResource.json": _target_as_plain_uri,
    "annotations/specificResource/4.2-selectorFound.json": _without("target", "selector"),
    "annotations/specificResource/4.2.4-textQuoteSelector.json": _without_selector(
        "TextQuoteSelector"
    ),
    "annotations/specificResource/4.2.4-prefix.json": _without_quote_context("prefix"),
    "annotations/specificResource/4.2.4-suffix.json": _without_quote_context("suffix"),
    "annotations/specificResource/4.2.5-textPositionSelector.json": _without_selector(
        "TextPositionSelector"
    ),
    "annotations/3.3.1-annotationCreatorImplemented.json": _without("creator"),
    "annotations/3.3.2-annotationCreatorAgentTypeImplemented.json": _without("creator", "type"),
    "annotations/3.3.2-annotationCreatorAgentNameImplemented.json": _without("creator", "name"),
    "annotations/3.3.2-annotationCreatorAgentSingleNameImplemented.json": _with(
        ["Ana", "Ana B."], "creator", "name"
    ),
    "annotations/3.3.1-annotationGeneratorImplemented.json": _without("generator"),
    "annotations/3.3.2-annotationGeneratorAgentIdImplemented.json": _without("generator", "id"),
    "annotations/3.3.2-annotationGeneratorAgentTypeImplemented.json": _without("generator", "type"),
    "annotations/3.3.2-annotationGeneratorAgentNameImplemented.json": _without("generator", "name"),
    "annotations/3.3.2-annotationGeneratorAgentSingleNameImplemented.json": _with(
        ["Argument map", "argmap"], "generator", "name"
    ),
}


def test_the_optional_features_we_claim_are_listed_by_the_suite() -> None:
    optional = set(listed(ANNOTATION_OPTIONALS)) | set(listed(AGENT_OPTIONALS))

    assert set(OPTIONAL_FEATURES) <= optional


@pytest.mark.parametrize("assertion", sorted(OPTIONAL_FEATURES))
def test_exported_annotations_implement_the_optional_features_we_claim(
    source: Source, assertion: str
) -> None:
    collection = export(source.engine)
    # Every item has context on both sides of its quote, so prefix and suffix apply to all.
    for annotation in items_of(collection):
        assert failures(annotation, [assertion]) == [], annotation["id"]

    without = copy.deepcopy(item(collection, source.ids["claimed"]))
    OPTIONAL_FEATURES[assertion](without)
    assert failures(without, [assertion]), f"{assertion} holds without the feature"


def test_motivation_and_purposes_are_drawn_from_the_model_s_list(source: Source) -> None:
    # The MUSTs leave purposes alone (only an optional assertion looks at them), so the list
    # is read from the suite's definitions and every value is checked against it.
    definitions = json.loads((W3C_DIR / "definitions" / "annotations.json").read_text())
    recognised = set(definitions["definitions"]["motivationList"]["enum"])

    for annotation in items_of(export(source.engine)):
        assert annotation["motivation"] in recognised
        assert {body["purpose"] for body in annotation["body"]} <= recognised


def test_the_collection_implements_label_total_first_last_part_of_and_start_index(
    source: Source,
) -> None:
    collection = export(source.engine)

    for assertion in (
        "collections/5.1-collectionLabelImplemented.json",
        "collections/5.1-collectionTotalImplemented.json",
        "collections/5.1-collectionFirstImplemented.json",
        "collections/5.1-collectionLastImplemented.json",
        "collections/pages/5.2-pagePartOfImplemented.json",
        "collections/pages/5.2-pageStartIndexImplemented.json",
    ):
        assert failures(collection, [assertion]) == []
    assert failures({**collection, "label": 1}, ["collections/5.1-collectionLabelImplemented.json"])


# --- selectors -----------------------------------------------------------------------------


def test_selectors_quote_the_original_text_with_its_context(source: Source) -> None:
    texts = original_texts(source.engine)

    for annotation in items_of(export(source.engine)):
        text = texts[annotation["target"]["source"]]
        quote, position = selectors(annotation)
        start, end = position["start"], position["end"]
        assert 0 <= start < end <= len(text)
        assert text[start:end] == quote["exact"]
        prefix, suffix = quote.get("prefix", ""), quote.get("suffix", "")
        assert text[:start].endswith(prefix) and len(prefix) == min(CONTEXT_CHARS, start)
        assert text[end:].startswith(suffix) and len(suffix) == min(CONTEXT_CHARS, len(text) - end)


def test_selectors_agree_with_the_native_export(source: Source) -> None:
    native = {a["id"]: a for a in export_map(source.engine)["annotations"]}
    exported = items_of(export(source.engine))

    assert len(exported) == len(native)
    for annotation in exported:
        record = native[annotation["id"].rsplit("/", 1)[1]]
        _, position = selectors(annotation)
        assert (position["start"], position["end"]) == (
            record["document_start"],
            record["document_end"],
        )


def test_a_span_in_a_hard_wrapped_passage_selects_the_original_lines(source: Source) -> None:
    annotation = item(export(source.engine), source.ids["wrapped"])
    quote, position = selectors(annotation)
    with Session(source.engine) as session:
        stored = session.get_one(Annotation, source.ids["wrapped"])

    # The original keeps the line break (with its spaces) that the passage text joined.
    assert quote["exact"] != stored.quote
    assert "\n" in quote["exact"]
    assert join_wrapped_lines(quote["exact"]) == stored.quote
    assert position["end"] - position["start"] > len(stored.quote or "")
    assert annotation["target"]["source"] == f"{BASE}/documents/{source.wrapped.document_id}"


def test_a_whole_passage_tag_selects_the_passage(source: Source) -> None:
    annotation = item(export(source.engine), source.ids["whole"])
    _, position = selectors(annotation)
    with Session(source.engine) as session:
        stored = session.get_one(Annotation, source.ids["whole"])
        passage = session.get_one(Passage, stored.passage_id)

    assert (position["start"], position["end"]) == (passage.start, passage.end)


def test_prefix_and_suffix_are_left_out_at_the_ends_of_the_text(session: Session) -> None:
    make_position(session, "russia", "Russian")
    document = make_document(session, text="Talks in Alaska\n\nKyiv would not give up land.")
    passages = list(
        session.exec(select(Passage).where(Passage.document_id == document.id).order_by("ordinal"))
    )
    position = session.get_one(Position, "russia")

    def exported(annotation: Annotation, passage: Passage) -> dict[str, Any]:
        return annotation_to_w3c(
            annotation, passage, document, document.original_text, position, None, None, BASE
        )

    heading = exported(make_annotation(session, passages[0], "russia"), passages[0])
    last = exported(make_annotation(session, passages[-1], "russia", start=0, end=4), passages[-1])

    assert selectors(heading)[0] == {
        "type": "TextQuoteSelector",
        "exact": "Talks in Alaska",
        "suffix": "\n\nKyiv would not give up land.",
    }
    assert selectors(last)[0] == {
        "type": "TextQuoteSelector",
        "exact": "Kyiv",
        "prefix": "Talks in Alaska\n\n",
        "suffix": " would not give up land.",
    }
    assert selectors(last)[1] == {"type": "TextPositionSelector", "start": 17, "end": 21}
    assert_meets_the_musts(heading)
    assert_meets_the_musts(last)


# --- what an annotation says ---------------------------------------------------------------


def test_an_annotation_carries_its_metadata(source: Source) -> None:
    annotation = item(export(source.engine), source.ids["wrapped"])

    assert annotation["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert annotation["id"] == f"{BASE}/api/annotations/{source.ids['wrapped']}"
    assert annotation["type"] == "Annotation"
    assert annotation["motivation"] == "classifying"
    assert annotation["creator"] == {"type": "Person", "name": "Ólafur"}
    assert annotation["created"] == "2025-08-15T10:05:00Z"
    assert annotation["modified"] == "2025-08-15T10:07:00Z"
    assert annotation["generator"] == {"id": f"{BASE}/", "type": "Software", "name": "Argument map"}
    assert annotation["target"]["type"] == "SpecificResource"
    assert "generated" not in annotation


def test_bodies_name_the_position_kind_topic_and_claim(source: Source) -> None:
    annotation = item(export(source.engine), source.ids["claimed"])
    with Session(source.engine) as session:
        us = session.get_one(Position, "us").name
        nato = session.get_one(Topic, "nato").name

    assert annotation["body"] == [
        {
            "type": "SpecificResource",
            "purpose": "tagging",
            "source": {"id": f"{BASE}/positions/us", "label": us},
        },
        {
            "type": "TextualBody",
            "purpose": "classifying",
            "value": "supports",
            "format": "text/plain",
        },
        {
            "type": "SpecificResource",
            "purpose": "tagging",
            "source": {"id": f"{BASE}/api/topics/nato", "label": nato},
        },
        {
            "type": "SpecificResource",
            "purpose": "linking",
            "source": {"id": f"{BASE}/claims/{source.claim_id}", "label": CLAIM_TEXT},
        },
    ]


def test_a_note_becomes_a_commenting_body_and_absent_parts_no_body(source: Source) -> None:
    collection = export(source.engine)
    with_note = item(collection, source.ids["wrapped"])
    bare = item(collection, source.ids["late"])

    assert [(b["type"], b["purpose"]) for b in with_note["body"]] == [
        ("SpecificResource", "tagging"),
        ("TextualBody", "classifying"),
        ("TextualBody", "commenting"),
    ]
    assert with_note["body"][1]["value"] == "opposes"
    assert with_note["body"][2]["value"] == NOTE
    assert [b["purpose"] for b in bare["body"]] == ["tagging", "classifying"]


# --- the collection ------------------------------------------------------------------------


def test_removed_annotations_are_not_exported(source: Source) -> None:
    collection = export(source.engine)
    exported = {i["id"] for i in items_of(collection)}

    assert f"{BASE}/api/annotations/{source.ids['removed']}" not in exported
    assert exported == {f"{BASE}/api/annotations/{source.ids[r]}" for r in source.ids} - {
        f"{BASE}/api/annotations/{source.ids['removed']}"
    }
    assert collection["total"] == 4


def test_orphans_are_not_exported_having_no_place_in_the_text(source: Source) -> None:
    with Session(source.engine) as session:
        whole = session.get_one(Annotation, source.ids["whole"])
        passage = session.get_one(Passage, whole.passage_id)
        text = session.get_one(Document, passage.document_id).original_text
        replace_document_text(
            session, passage.document_id, text[: passage.start] + text[passage.end :]
        )
        assert session.get_one(Annotation, source.ids["whole"]).orphaned_at is not None

    collection = export(source.engine)

    exported = {i["id"] for i in items_of(collection)}
    assert f"{BASE}/api/annotations/{source.ids['whole']}" not in exported
    assert len(exported) == collection["total"] == 3
    for annotation in items_of(collection):
        assert_meets_the_musts(annotation)


def test_items_come_by_document_then_in_the_order_they_were_made(source: Source) -> None:
    document_order = [d["id"] for d in export_map(source.engine)["documents"]]
    items = items_of(export(source.engine))

    keys = [
        (document_order.index(i["target"]["source"].rsplit("/", 1)[1]), i["created"]) for i in items
    ]
    assert keys == sorted(keys)
    assert len({i["id"] for i in items}) == len(items)


def test_exporting_twice_gives_identical_output_and_chunks_join_up(
    source: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = "".join(stream_w3c(source.engine, ExportFilters(), BASE))
    monkeypatch.setattr(writing, "CHUNK_SIZE", 200)

    chunks = list(stream_w3c(source.engine, ExportFilters(), BASE))

    assert len(chunks) > 3
    assert "".join(chunks) == whole
    assert whole.endswith("\n]}}\n")


def test_the_export_reads_one_snapshot_while_others_write(
    source: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Hand on every line as soon as it is made (the streams share writing.chunked).
    monkeypatch.setattr(writing, "CHUNK_SIZE", 1)
    before = "".join(stream_w3c(source.engine, ExportFilters(), BASE))
    chunks = stream_w3c(source.engine, ExportFilters(), BASE)
    started = [next(chunks)]  # the header: the total is counted, the snapshot taken
    with Session(source.engine) as session:
        make_annotation(session, paragraphs_of(session, "003_")[2], "us", created_at=T0)

    assert "".join([*started, *chunks]) == before
    assert export(source.engine)["total"] == 5


def test_a_base_url_with_a_trailing_slash_gives_the_same_ids(source: Source) -> None:
    assert "".join(stream_w3c(source.engine, ExportFilters(), f"{BASE}/")) == "".join(
        stream_w3c(source.engine, ExportFilters(), BASE)
    )


# --- filters -------------------------------------------------------------------------------


def test_filters_select_by_position_topic_and_document(source: Source) -> None:
    def exported_ids(filters: ExportFilters) -> set[str]:
        return {i["id"].rsplit("/", 1)[1] for i in items_of(export(source.engine, filters))}

    ids = source.ids
    assert exported_ids(ExportFilters(position="russia")) == {ids["whole"], ids["late"]}
    assert exported_ids(ExportFilters(topic="nato")) == {ids["claimed"]}
    assert exported_ids(ExportFilters(document=source.wrapped.document_id)) == {ids["wrapped"]}
    assert exported_ids(ExportFilters(position="russia", topic="territory")) == {ids["whole"]}


def test_a_filtered_collection_names_its_filters(source: Source) -> None:
    collection = export(source.engine, ExportFilters(position="russia", topic="territory"))

    assert collection["id"] == f"{BASE}/api/export/w3c?position=russia&topic=territory"
    assert collection["label"] == (
        "Annotations of the argument map (position russia, topic territory)"
    )
    assert collection["first"]["id"] == f"{collection['id']}#page1"
    assert collection["total"] == 1
    assert failures(collection, listed(COLLECTION_MUSTS) + listed(PAGE_MUSTS)) == []


def test_a_filter_matching_nothing_gives_an_empty_valid_collection(source: Source) -> None:
    # Europe's only annotation was removed.
    collection = export(source.engine, ExportFilters(position="europe"))

    assert collection["total"] == 0
    assert items_of(collection) == []
    assert failures(collection, listed(COLLECTION_MUSTS) + listed(PAGE_MUSTS)) == []

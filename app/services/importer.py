"""Import of the native JSON export (format "argmap", versions 1 and 2), merged by id.

An import is all or nothing. The whole file is checked first — JSON syntax, the published
schema of its version, then what a schema cannot say (hashes, offsets, quotes, references,
clashes with what is stored) — and only then written, in one transaction. Every refusal is an
InvalidInput whose message says where the file is wrong, as a JSON path (`annotations[3].kind:
…`). Every reference must lead to a record in the file or in this database.

Merge rules: rows whose id (or key) is not stored yet are created. Stored positions, topics,
documents and passages keep their local state, since analysts may have renamed a position or
re-classified a passage here; they only have to agree with the file on what cannot change (a
document's text, a passage's place in it). Claims, relations and annotations are the analysts'
work proper, so the newer version wins: a stored one is overwritten when the file's updated_at
is later than its last local change (for an annotation, an edit or a removal). A claim's
stances go with it: the newer claim's stances replace the older one's. A relation's two claims
cannot change; a new relation between two claims that a stored relation already links (made
separately in two instances) is not imported: the stored one stands, and the report says so.

A version 1 file has no claims and no relations, and says nothing about the claims of its
annotations: importing it leaves the claim of a stored annotation as it is.
"""

import gc
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from typing import Any, NamedTuple, cast

import orjson
from jsonschema import Draft202012Validator, validators  # type: ignore[import-untyped]
from jsonschema.exceptions import best_match  # type: ignore[import-untyped]
from sqlalchemy import bindparam, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel, insert, select

from app.audit.entries import insert_rows, record_rows
from app.audit.snapshots import table_of
from app.db import SEARCH_TABLES
from app.models import (
    NOT_A_WEB_URL,
    Annotation,
    Claim,
    ClaimStance,
    Document,
    HistoryAction,
    HistoryEntry,
    Passage,
    Position,
    Relation,
    Topic,
    web_url_or_none,
)
from app.services.corpus import join_wrapped_lines, span_to_document_offsets
from app.services.errors import InvalidInput
from app.services.export import FORMAT_NAME, SCHEMA_FILES, export_schema
from app.services.uploads import (
    all_or_nothing,
    check_unicode,
    json_path,
    load_json,
    quoted,
    select_in,
)

TABLES = ("positions", "topics", "documents", "passages", "claims", "relations", "annotations")
READABLE_VERSIONS = tuple(sorted(SCHEMA_FILES))
# Ids per `IN (…)` query and rows per INSERT: well under SQLite's limit on bound parameters.
INSERT_BATCH = 1000
# Rows an import must bring into a table for its indexes to be built after them.
INDEX_REBUILD_ROWS = 5000
# SQLite's page cache during an import: room for the pages a large file changes (in KiB).
IMPORT_CACHE_KIB = 2 * 1024 * 1024
# Unexpected member names a refusal lists before saying how many more there are.
MAX_LISTED_NAMES = 5

Record = dict[str, Any]


def _zero_counts() -> dict[str, int]:
    return dict.fromkeys(TABLES, 0)


@dataclass
class ImportReport:
    """How many rows of each table the import created, updated or left unchanged.

    `notes` are sentences about records of the file that were left out on purpose.
    """

    created: dict[str, int] = field(default_factory=_zero_counts)
    updated: dict[str, int] = field(default_factory=_zero_counts)
    unchanged: dict[str, int] = field(default_factory=_zero_counts)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """What the import did, in one sentence, without the notes."""
        parts = []
        for label, counts in (
            ("created", self.created),
            ("updated", self.updated),
            ("unchanged", self.unchanged),
        ):
            items = [_plural(count, table) for table, count in counts.items() if count]
            if items:
                parts.append(f"{label} {', '.join(items)}")
        return "Import done: " + ("; ".join(parts) + "." if parts else "the file was empty.")

    def __str__(self) -> str:
        return " ".join([self.summary(), *self.notes])


def _plural(count: int, table: str) -> str:
    return f"{count} {table[:-1] if count == 1 else table}"


def import_map(session: Session, raw: bytes | str) -> ImportReport:
    """Check the export `raw` and merge it into the database, all or nothing.

    Raises InvalidInput, with the database untouched, when anything in the file is wrong.
    """
    data = parse_export(raw)
    with _frozen_for_gc(), all_or_nothing(session), _roomy_page_cache(session):
        plan = _plan(session, data)  # reads only: every check happens before the first write
        _write(session, plan)
    return plan.report


@contextmanager
def _frozen_for_gc() -> Iterator[None]:
    """Keep the garbage collector from going through the parsed file again and again.

    A large file is millions of objects, which each full collection (triggered by the rows
    the import makes) visited: a tenth of a large import's time. They hold no cycles to
    collect; frozen, the collector leaves them (and whatever else exists now) alone until the
    import ends.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextmanager
def _roomy_page_cache(session: Session) -> Iterator[None]:
    """On SQLite, let the transaction keep up to IMPORT_CACHE_KIB of pages in memory.

    With the default cache (a few megabytes), a large import spilled its changed pages to the
    WAL again and again before the commit: that writing was a third of its time. The cache
    only grows as needed, and is set back before the commit (which writes every changed page
    once, whatever the setting) so that the pooled connection does not keep it.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before or 0)}")


def parse_export(raw: bytes | str) -> Record:
    """Parse `raw` and check it against the schema of its format and version.

    A version 1 file comes back in the shape of the current version: no claims, no relations
    (its annotations keep having no claim_id key: it says nothing about their claims).
    """
    data = _parse_conforming(raw)
    if data is None:
        data = _parse_and_explain(raw)
    if data["version"] == 1:
        data["claims"], data["relations"] = [], []
    return data


def _parse_conforming(raw: bytes | str) -> Record | None:
    """The file, if it is a readable export that conforms to its schema; else None.

    orjson parses a large file several times faster than json, and refuses invalid UTF-8 and
    lone surrogates itself, so nothing else needs checking but NUL (`\\u0000`, which it
    accepts). Whatever it refuses, or parses differently (an integer too large for 64 bits
    becomes a float, which no integer field of the schema accepts), and any file that may hold
    a NUL, goes to `_parse_and_explain`, which finds what to say.
    """
    if (b"\\u0000" in raw) if isinstance(raw, bytes) else ("\\u0000" in raw):
        return None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        return None
    version = data.get("version")
    if type(version) is not int or version not in READABLE_VERSIONS:
        return None
    return data if _quick_check(version)(data) else None


def _parse_and_explain(raw: bytes | str) -> Record:
    """The file parsed and checked step by step, refusing it with the first fault found."""
    data = load_json(raw)
    # Clearer than a schema error when someone uploads the wrong kind of file altogether.
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise InvalidInput(f'not an argmap export: "format" must be "{FORMAT_NAME}"')
    version = data.get("version")
    if type(version) is not int or version not in READABLE_VERSIONS:
        *earlier, last = READABLE_VERSIONS
        readable = f"versions {', '.join(map(str, earlier))} and {last}" if earlier else str(last)
        if "version" not in data:
            raise InvalidInput(
                'the file has no "version" field: an export says which version of the format '
                f"it is written in, and this instance reads {readable}"
            )
        raise InvalidInput(
            f"version {quoted(version)} is not supported: this instance reads {readable}"
        )
    # The quick check says whether the file conforms; only a file that does not is handed to
    # jsonschema, to find the error worth reporting.
    quick = _quick_check(version)
    problem = None if quick(data) else best_match(_validator(version).iter_errors(data))
    if problem is not None:
        raise InvalidInput(f"{json_path(problem.absolute_path)}: {_schema_message(problem)}")
    check_unicode(data, [])
    return cast(Record, data)


def _strict_integer(_checker: Any, instance: Any) -> bool:
    # JSON Schema counts 3.0 as an integer; offsets are used to slice text, so only ints will do.
    return isinstance(instance, int) and not isinstance(instance, bool)


@cache
def _validator(version: int) -> Any:
    """A draft 2020-12 validator for the schema of `version`, checking formats too."""
    cls = validators.extend(
        Draft202012Validator,
        type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_integer),
    )
    schema = export_schema(version)
    return cls(_inline_refs(schema, schema["$defs"]), format_checker=cls.FORMAT_CHECKER)


Check = Callable[[Any], bool]
# Keywords that say nothing about validity.
_ANNOTATIONS = frozenset({"description", "title", "$id", "$schema", "$defs"})


@cache
def _quick_check(version: int) -> Check:
    """Whether a file conforms to the schema of `version`, answered many times faster than
    jsonschema (which spent most of a large import's time on it).

    The (inlined) schema is compiled into the source of Python functions, with jsonschema's
    meaning of each keyword and its own format checker: the checks of nested objects are
    inlined and each array is one loop, so a large file costs no function call per value
    (closures per keyword took most of a large import's time). A schema using any keyword the
    compiler does not know gets no quick check (every file then goes to jsonschema).
    """
    schema = export_schema(version)
    inlined = _inline_refs(schema, schema["$defs"])
    try:
        return _CheckWriter(_validator(version).format_checker).compile(inlined)
    except KeyError:
        return lambda _data: False


def _same(a: Any, b: Any) -> bool:
    # As jsonschema compares for enum and const: true and 1 differ, 1 and 1.0 do not.
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)


def _format_check(func: Callable[[Any], Any], raises: Any) -> Check:
    """What FormatChecker.conforms answers for one format, without its lookups.

    The last answer is kept: a record's times often repeat (created_at and updated_at).
    """
    last: tuple[Any, bool] = (object(), False)  # one tuple, read and replaced whole

    def conforms(value: Any) -> bool:
        nonlocal last
        seen, answer = last
        if type(value) is type(seen) and value == seen:
            return answer
        try:
            answer = bool(func(value))
        except raises:
            answer = False
        last = (value, answer)
        return answer

    return conforms


# A Python test per JSON Schema type, of the variable named {v}.
_TYPE_TESTS = {
    "object": "isinstance({v}, dict)",
    "array": "isinstance({v}, list)",
    "string": "isinstance({v}, str)",
    "integer": "(isinstance({v}, int) and not isinstance({v}, bool))",
    "number": "(isinstance({v}, int | float) and not isinstance({v}, bool))",
    "boolean": "isinstance({v}, bool)",
    "null": "{v} is None",
}
# Checked first, in this order: `properties` then reads required members without a lookup.
_FIRST_KEYWORDS = ("type", "required", "additionalProperties")


class _CheckWriter:
    """Writes the source of functions that return False as soon as a value breaks a schema."""

    def __init__(self, formats: Any) -> None:
        self.formats = formats
        self.namespace: dict[str, Any] = {"_same": _same, "_MISSING": object()}
        self.functions: list[str] = []
        self.format_names: dict[str, str] = {}
        self.count = 0

    def compile(self, schema: dict[str, Any]) -> Check:
        entry = self.function(schema)
        exec("\n\n".join(self.functions), self.namespace)
        return cast(Check, self.namespace[entry])

    def name(self, prefix: str, value: Any = None) -> str:
        """A new name in the generated code, bound to `value` if one is given."""
        self.count += 1
        name = f"{prefix}{self.count}"
        if value is not None:
            self.namespace[name] = value
        return name

    def format_check(self, format_name: str) -> str:
        """The name of the one check of this format (so that it sees every value of it)."""
        name = self.format_names.get(format_name)
        if name is None:
            check = _format_check(*self.formats.checkers[format_name])
            name = self.format_names[format_name] = self.name("_format", check)
        return name

    def function(self, node: dict[str, Any]) -> str:
        """Write a function of its own for `node`; returns its name."""
        name, variable = self.name("_check"), self.name("v")
        lines = [f"def {name}({variable}):", *self.block(node, variable, 1), "    return True"]
        self.functions.append("\n".join(lines))
        return name

    def block(self, node: dict[str, Any], v: str, depth: int) -> list[str]:
        """Lines, indented `depth` levels, that return False unless `v` conforms to `node`."""
        pad = "    " * depth
        lines: list[str] = []
        types = node.get("type")
        sure = types if isinstance(types, str) else None  # the type `v` has once checked
        possible = {types} if isinstance(types, str) else set(types or _TYPE_TESTS)

        def if_kind(kind: str) -> str:
            # A keyword constrains only values of its kind: no test when the type says so.
            kinds = {"number", "integer"} if kind == "number" else {kind}
            if possible <= kinds:
                return ""
            if possible <= kinds | {"null"}:
                return f"{v} is not None and "
            return _TYPE_TESTS[kind].format(v=v) + " and "

        def fail_if(condition: str) -> None:
            lines.extend([f"{pad}if {condition}:", f"{pad}    return False"])

        keywords = [k for k in _FIRST_KEYWORDS if k in node]
        keywords += [k for k in node if k not in _FIRST_KEYWORDS and k not in _ANNOTATIONS]
        for keyword in keywords:
            value = node[keyword]
            if keyword == "type":
                tests = [_TYPE_TESTS[t].format(v=v) for t in ([value] if sure else value)]
                fail_if(f"not ({' or '.join(tests)})")
            elif keyword in ("enum", "const"):
                options = value if keyword == "enum" else [value]
                if all(isinstance(option, str) for option in options):
                    allowed = self.name("_allowed", frozenset(options))
                    fail_if(f"not (isinstance({v}, str) and {v} in {allowed})")
                else:
                    listed = self.name("_options", list(options))
                    fail_if(f"not any(_same({v}, option) for option in {listed})")
            elif keyword in ("minLength", "maxLength"):
                length = self.name("_length", value)
                compare = "<" if keyword == "minLength" else ">"
                fail_if(f"{if_kind('string')}len({v}) {compare} {length}")
            elif keyword in ("minimum", "maximum"):
                bound = self.name("_bound", value)
                fail_if(f"{if_kind('number')}{v} {'<' if keyword == 'minimum' else '>'} {bound}")
            elif keyword == "pattern":
                search = self.name("_search", re.compile(value).search)
                fail_if(f"{if_kind('string')}{search}({v}) is None")
            elif keyword == "format":
                if value in self.formats.checkers:  # as conforms(): an unknown format passes
                    fail_if(f"not {self.format_check(value)}({v})")
            elif keyword == "required":
                present = " and ".join(f"{name!r} in {v}" for name in value) or "True"
                fail_if(f"{if_kind('object')}not ({present})")
            elif keyword == "additionalProperties":
                if value is not False or node.get("patternProperties"):
                    raise KeyError(keyword)
                allowed = self.name("_allowed", frozenset(node.get("properties", {})))
                fail_if(f"{if_kind('object')}not {allowed}.issuperset({v})")
            elif keyword == "properties":
                lines += self.properties(node, v, depth, sure == "object")
            elif keyword == "items" and isinstance(value, dict):
                lines += self.items(value, v, depth, sure == "array")
            elif keyword == "anyOf":
                tests = []
                for option in value:
                    if {k: o for k, o in option.items() if k not in _ANNOTATIONS} == {
                        "type": "null"
                    }:
                        tests.append(f"{v} is None")
                    else:
                        tests.append(f"{self.function(option)}({v})")
                fail_if(f"not ({' or '.join(tests)})")
            else:
                raise KeyError(keyword)
        return lines

    def properties(self, node: dict[str, Any], v: str, depth: int, is_object: bool) -> list[str]:
        required = set(node.get("required", ()))
        inner = depth if is_object else depth + 1
        pad = "    " * inner
        lines: list[str] = []
        for name, subschema in node["properties"].items():
            member = self.name("v")
            if name in required:  # checked present above
                checks = self.block(subschema, member, inner)
                if checks:
                    lines += [f"{pad}{member} = {v}[{name!r}]", *checks]
            else:
                checks = self.block(subschema, member, inner + 1)
                if checks:
                    lines += [
                        f"{pad}{member} = {v}.get({name!r}, _MISSING)",
                        f"{pad}if {member} is not _MISSING:",
                        *checks,
                    ]
        if lines and not is_object:
            lines.insert(0, f"{'    ' * depth}if isinstance({v}, dict):")
        return lines

    def items(self, item: dict[str, Any], v: str, depth: int, is_array: bool) -> list[str]:
        element = self.name("v")
        loop = depth if is_array else depth + 1
        checks = self.block(item, element, loop + 1)
        if not checks:
            return []
        lines = [f"{'    ' * loop}for {element} in {v}:", *checks]
        if not is_array:
            lines.insert(0, f"{'    ' * depth}if isinstance({v}, list):")
        return lines


def _inline_refs(node: Any, definitions: dict[str, Any]) -> Any:
    """The schema with each `{"$ref": "#/$defs/x", …}` replaced by definition x (and the rest).

    Resolving a reference is most of jsonschema's work on a large file (several per record);
    inlined, validation is about twice as fast. This works because the published schema only
    puts annotations (a description) beside its references, and none is recursive.
    """
    if isinstance(node, list):
        return [_inline_refs(item, definitions) for item in node]
    if not isinstance(node, dict):
        return node
    inlined = {key: _inline_refs(value, definitions) for key, value in node.items()}
    reference = inlined.pop("$ref", None)
    if isinstance(reference, str) and reference.startswith("#/$defs/"):
        target = _inline_refs(definitions[reference.removeprefix("#/$defs/")], definitions)
        return {**target, **inlined}
    if reference is not None:
        inlined["$ref"] = reference
    return inlined


def _schema_message(problem: Any) -> str:
    """jsonschema's message for `problem` (a ValidationError), with the value it quotes cut
    short, and for a string's length the limit it breaks: the value may be a whole article,
    and the reason comes after it."""
    value, keyword, limit = problem.instance, problem.validator, problem.validator_value
    if isinstance(value, str) and keyword == "maxLength":
        return f"{quoted(value, repr)} is longer than the {limit:,} characters allowed"
    if isinstance(value, str) and keyword == "minLength" and limit > 1:
        return f"{quoted(value, repr)} is shorter than the {limit:,} characters required"
    if keyword == "additionalProperties" and limit is False and isinstance(value, dict):
        # The names it lists are the file's, so they may be long, or many.
        extras = sorted(set(value) - set(problem.schema.get("properties", {})))
        names = ", ".join(quoted(name, repr) for name in extras[:MAX_LISTED_NAMES])
        if len(extras) > MAX_LISTED_NAMES:
            names += f" and {len(extras) - MAX_LISTED_NAMES:,} more"
        verb = "was" if len(extras) == 1 else "were"
        return f"Additional properties are not allowed ({names} {verb} unexpected)"
    message: str = problem.message
    whole, short = repr(value), quoted(value, repr)
    return message.replace(whole, short, 1) if whole != short else message


# --- checking against the database ---------------------------------------------------------


@dataclass
class _Plan:
    """Everything the import will write, worked out before anything is written."""

    report: ImportReport = field(default_factory=ImportReport)
    positions: list[Record] = field(default_factory=list)
    topics: list[Record] = field(default_factory=list)
    documents: list[Record] = field(default_factory=list)
    passages: list[Record] = field(default_factory=list)
    claims: list[Record] = field(default_factory=list)
    claim_updates: list[tuple[Claim, Record]] = field(default_factory=list)
    # The stances of the created and the updated claims (an update replaces all of them).
    stances: list[Record] = field(default_factory=list)
    relations: list[Record] = field(default_factory=list)
    relation_updates: list[tuple[Relation, Record]] = field(default_factory=list)
    annotations: list[Record] = field(default_factory=list)
    annotation_updates: list[tuple[Annotation, Record]] = field(default_factory=list)


def _select_in(session: Session, query: Any, column: Any, values: Iterable[Any]) -> list[Any]:
    """`select_in`, without its queries (one per few hundred values) when `column`'s table is
    empty, as when a whole map is imported into a new instance."""
    if session.exec(select(column).limit(1)).first() is None:
        return []
    return select_in(session, query, column, values)


def _unique(records: list[Record], table: str, field_name: str) -> None:
    seen: dict[Any, int] = {}
    for index, record in enumerate(records):
        value = record[field_name]
        if value in seen:
            raise InvalidInput(
                f"{table}[{index}].{field_name}: {json.dumps(value)} appears twice in the file "
                f"(also at {table}[{seen[value]}])"
            )
        seen[value] = index


def _plan(session: Session, data: Record) -> _Plan:
    plan = _Plan()
    position_keys = _plan_keyed(session, plan, data["positions"], "positions", Position)
    topic_keys = _plan_keyed(session, plan, data["topics"], "topics", Topic)
    document_texts = _plan_documents(session, plan, data["documents"])
    passages = _plan_passages(session, plan, data["passages"], document_texts)
    file_claims = _plan_claims(session, plan, data["claims"], position_keys, topic_keys)
    # The claims the relations and annotations point at: in the file, or else stored here.
    wanted = {r[end] for r in data["relations"] for end in ("source_id", "target_id")}
    wanted |= {r["claim_id"] for r in data["annotations"] if r.get("claim_id") is not None}
    claim_ids = file_claims | set(
        _select_in(session, select(Claim.id), Claim.id, wanted - file_claims)
    )
    _plan_relations(session, plan, data["relations"], claim_ids, passages.keys())
    _plan_annotations(
        session,
        plan,
        data["annotations"],
        passages,
        document_texts,
        position_keys,
        topic_keys,
        claim_ids,
    )
    return plan


def _plan_keyed(
    session: Session,
    plan: _Plan,
    records: list[Record],
    table: str,
    model: type[Position] | type[Topic],
) -> set[str]:
    """Positions or topics: create the missing ones; stored ones keep their local names."""
    _unique(records, table, "key")
    stored = set(session.exec(select(model.key)))
    for index, record in enumerate(records):
        if record["key"] in stored:
            plan.report.unchanged[table] += 1
        else:
            row = dict(record)
            _parse_made(row, f"{table}[{index}]", "created_at", "updated_at")
            getattr(plan, table).append(row)
            plan.report.created[table] += 1
    return stored | {record["key"] for record in records}


def _parse_made(row: Record, where: str, *stamps: str) -> None:
    """Who made the row and when: optional in version 2 files (and absent from version 1)."""
    row["created_by"] = row.get("created_by")
    for name in stamps:
        value = row.get(name)
        row[name] = None if value is None else _parse_datetime(value, f"{where}.{name}")


def _check_url(url: str | None, where: str) -> None:
    """A document's address is shown as a link: refuse one a browser would run (javascript:)."""
    try:
        web_url_or_none(url)
    except ValueError:
        shown = url if url is None or len(url) <= 60 else url[:60] + "…"
        raise InvalidInput(f"{where}: {shown!r}: {NOT_A_WEB_URL}") from None


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plan_documents(session: Session, plan: _Plan, records: list[Record]) -> dict[str, str]:
    """Check hashes and identity; returns the original text of each document in the file."""
    _unique(records, "documents", "id")
    _unique(records, "documents", "sha256")
    # Only ids and hashes: the stored texts are not needed to compare, and may be large.
    identities = select(Document.id, Document.sha256)
    sha_by_id: dict[str, str] = dict(
        _select_in(session, identities, Document.id, (r["id"] for r in records))
    )
    id_by_sha: dict[str, str] = {
        sha: id_
        for id_, sha in _select_in(
            session, identities, Document.sha256, (r["sha256"] for r in records)
        )
    }
    texts: dict[str, str] = {}
    for index, record in enumerate(records):
        where = f"documents[{index}]"
        _check_url(record.get("url"), f"{where}.url")
        actual = _sha256(record["original_text"])
        if actual != record["sha256"]:
            raise InvalidInput(
                f"{where}.sha256: {record['sha256']} is not the SHA-256 of its original_text "
                f"({actual})"
            )
        stored_sha = sha_by_id.get(record["id"])
        same_text_id = id_by_sha.get(record["sha256"])
        if stored_sha is not None and stored_sha != record["sha256"]:
            raise InvalidInput(
                f"{where}: document '{record['id']}' is already stored here with a different "
                f"text (sha256 {stored_sha} here, {record['sha256']} in the file)"
            )
        if stored_sha is None and same_text_id is not None:
            raise InvalidInput(
                f"{where}: its text (sha256 {record['sha256']}) is already stored here as "
                f"document '{same_text_id}', but the file calls it '{record['id']}'"
            )
        if stored_sha is None:
            row = dict(record)
            row["published"] = _parse_date(row["published"], f"{where}.published")
            row["created_at"] = _parse_datetime(row["created_at"], f"{where}.created_at")
            _parse_made(row, where, "updated_at")
            plan.documents.append(row)
            plan.report.created["documents"] += 1
        else:
            plan.report.unchanged["documents"] += 1
        texts[record["id"]] = record["original_text"]
    return texts


class _Place(NamedTuple):
    """A passage as the checks of the annotations need it (lighter than a Passage)."""

    id: str
    document_id: str
    start: int
    end: int
    text: str

    @classmethod
    def of(cls, passage: Passage) -> "_Place":
        return cls(passage.id, passage.document_id, passage.start, passage.end, passage.text)


def _plan_passages(
    session: Session, plan: _Plan, records: list[Record], document_texts: dict[str, str]
) -> dict[str, _Place]:
    """Check each passage against its document's text; returns the file's passages by id."""
    _unique(records, "passages", "id")
    missing = {r["document_id"] for r in records} - document_texts.keys()
    texts = select(Document.id, Document.original_text)
    document_texts.update(_select_in(session, texts, Document.id, missing))
    stored = {
        passage.id: passage
        for passage in _select_in(session, select(Passage), Passage.id, (r["id"] for r in records))
    }
    # (document, ordinal) is unique: a new passage must not take a stored passage's place.
    places = select(Passage.document_id, Passage.ordinal, Passage.id)
    taken = {
        (document_id, ordinal): passage_id
        for document_id, ordinal, passage_id in _select_in(
            session, places, Passage.document_id, {r["document_id"] for r in records}
        )
    }
    passages: dict[str, _Place] = {}
    for index, record in enumerate(records):
        where = f"passages[{index}]"
        text = document_texts.get(record["document_id"])
        if text is None:
            raise InvalidInput(
                f"{where}.document_id: there is no document '{record['document_id']}' in the "
                "file or in this database"
            )
        start, end = record["start"], record["end"]
        if not start <= end <= len(text):
            raise InvalidInput(
                f"{where}: the span {start}–{end} lies outside its document's text "
                f"({len(text)} characters)"
            )
        if join_wrapped_lines(text[start:end]) != record["text"]:
            raise InvalidInput(f"{where}.text: does not match its document's text at {start}–{end}")
        place = (record["document_id"], record["ordinal"])
        existing = stored.get(record["id"])
        if existing is not None:
            if (existing.document_id, existing.ordinal, existing.start, existing.end) != (
                *place,
                start,
                end,
            ):
                raise InvalidInput(
                    f"{where}: passage '{record['id']}' is already stored here at a different "
                    "place in its document"
                )
            # The kind may differ: an analyst here may have re-classified it; that stays.
            plan.report.unchanged["passages"] += 1
        else:
            if place in taken:
                raise InvalidInput(
                    f"{where}.ordinal: document '{place[0]}' already has a passage number "
                    f"{place[1]} ('{taken[place]}')"
                )
            plan.passages.append(dict(record))
            plan.report.created["passages"] += 1
        taken[place] = record["id"]
        passages[record["id"]] = _Place(
            record["id"], record["document_id"], start, end, record["text"]
        )
    return passages


def _plan_claims(
    session: Session,
    plan: _Plan,
    records: list[Record],
    position_keys: set[str],
    topic_keys: set[str],
) -> set[str]:
    """Check each claim's topic and stances; returns the ids of the file's claims."""
    _unique(records, "claims", "id")
    stored = {
        claim.id: claim
        for claim in _select_in(session, select(Claim), Claim.id, (r["id"] for r in records))
    }
    for index, record in enumerate(records):
        where = f"claims[{index}]"
        if record["topic_key"] is not None and record["topic_key"] not in topic_keys:
            raise InvalidInput(
                f"{where}.topic_key: there is no topic '{record['topic_key']}' in the file or "
                "in this database"
            )
        _unique(record["stances"], f"{where}.stances", "position_key")
        for number, stance in enumerate(record["stances"]):
            if stance["position_key"] not in position_keys:
                raise InvalidInput(
                    f"{where}.stances[{number}].position_key: there is no position "
                    f"'{stance['position_key']}' in the file or in this database"
                )
        row = {name: value for name, value in record.items() if name != "stances"}
        row.setdefault("example", False)  # optional in the file; every row needs it for insert
        row["created_at"] = _parse_datetime(row["created_at"], f"{where}.created_at")
        row["updated_at"] = _parse_datetime(row["updated_at"], f"{where}.updated_at")
        existing = stored.get(record["id"])
        if existing is None:
            plan.claims.append(row)
            plan.report.created["claims"] += 1
        elif row["updated_at"] > _aware(existing.updated_at):
            plan.claim_updates.append((existing, row))
            plan.report.updated["claims"] += 1
        else:
            plan.report.unchanged["claims"] += 1
            continue
        plan.stances.extend({"claim_id": record["id"], **stance} for stance in record["stances"])
    return {record["id"] for record in records}


def _plan_relations(
    session: Session,
    plan: _Plan,
    records: list[Record],
    claim_ids: set[str],
    file_passages: Iterable[str],
) -> None:
    """Check each relation's claims and evidence passage, and its pair against stored ones."""
    _unique(records, "relations", "id")
    passage_ids = set(file_passages)
    cited = {r["evidence_passage_id"] for r in records if r["evidence_passage_id"] is not None}
    passage_ids |= set(_select_in(session, select(Passage.id), Passage.id, cited - passage_ids))
    stored = {
        relation.id: relation
        for relation in _select_in(
            session, select(Relation), Relation.id, (r["id"] for r in records)
        )
    }
    # Every stored relation from one of the file's source claims, to find a pair taken.
    links = select(Relation.source_id, Relation.target_id, Relation.id)
    linked = {
        (source, target): relation_id
        for source, target, relation_id in _select_in(
            session, links, Relation.source_id, {r["source_id"] for r in records}
        )
    }
    in_file: dict[tuple[str, str], int] = {}
    for index, record in enumerate(records):
        where = f"relations[{index}]"
        pair = (record["source_id"], record["target_id"])
        if pair[0] == pair[1]:
            raise InvalidInput(
                f"{where}.target_id: a claim cannot support or attack itself (source_id and "
                f"target_id are both '{pair[0]}')"
            )
        for end in ("source_id", "target_id"):
            if record[end] not in claim_ids:
                raise InvalidInput(
                    f"{where}.{end}: there is no claim '{record[end]}' in the file or in this "
                    "database"
                )
        evidence = record["evidence_passage_id"]
        if evidence is not None and evidence not in passage_ids:
            raise InvalidInput(
                f"{where}.evidence_passage_id: there is no passage '{evidence}' in the file or "
                "in this database"
            )
        if pair in in_file:
            raise InvalidInput(
                f"{where}: claim '{pair[0]}' is linked to claim '{pair[1]}' twice in the file "
                f"(also at relations[{in_file[pair]}])"
            )
        in_file[pair] = index
        row = dict(record)
        row.setdefault("example", False)
        row["created_at"] = _parse_datetime(row["created_at"], f"{where}.created_at")
        row["updated_at"] = _parse_datetime(row["updated_at"], f"{where}.updated_at")
        lost = row["evidence_orphaned_at"]
        if lost is not None:
            if evidence is not None:
                raise InvalidInput(
                    f"{where}.evidence_orphaned_at: must be null while the relation has an "
                    "evidence passage"
                )
            row["evidence_orphaned_at"] = _parse_datetime(lost, f"{where}.evidence_orphaned_at")
        existing = stored.get(record["id"])
        if existing is not None:
            if (existing.source_id, existing.target_id) != pair:
                raise InvalidInput(
                    f"{where}: relation '{record['id']}' is already stored here between other "
                    f"claims ('{existing.source_id}' → '{existing.target_id}')"
                )
            if row["updated_at"] > _aware(existing.updated_at):
                plan.relation_updates.append((existing, row))
                plan.report.updated["relations"] += 1
            else:
                plan.report.unchanged["relations"] += 1
        elif pair in linked:
            plan.report.unchanged["relations"] += 1
            plan.report.notes.append(
                f"{where} was not imported: its claims are already linked here by relation "
                f"'{linked[pair]}', which stays as it is."
            )
        else:
            plan.relations.append(row)
            plan.report.created["relations"] += 1


def _plan_annotations(
    session: Session,
    plan: _Plan,
    records: list[Record],
    file_passages: dict[str, _Place],
    document_texts: dict[str, str],
    position_keys: set[str],
    topic_keys: set[str],
    claim_ids: set[str],
) -> None:
    _unique(records, "annotations", "id")
    passages = dict(file_passages)
    missing = {r["passage_id"] for r in records if r["passage_id"] is not None} - passages.keys()
    for passage in _select_in(session, select(Passage), Passage.id, missing):
        passages[passage.id] = _Place.of(passage)
    # Placing a span in its document needs the document's text.
    texts = select(Document.id, Document.original_text)
    missing_texts = {p.document_id for p in passages.values()} - document_texts.keys()
    document_texts.update(_select_in(session, texts, Document.id, missing_texts))
    # An orphan has no passage, only its document.
    orphans_in = {r["document_id"] for r in records if r["passage_id"] is None}
    document_ids = set(document_texts) | set(
        _select_in(session, select(Document.id), Document.id, orphans_in - document_texts.keys())
    )
    verbatim = _verbatim_passages(passages, document_texts)
    stored = {
        annotation.id: annotation
        for annotation in _select_in(
            session, select(Annotation), Annotation.id, (r["id"] for r in records)
        )
    }
    for index, record in enumerate(records):
        where = f"annotations[{index}]"
        if record["passage_id"] is None:
            _check_orphan(where, record, document_ids)
        else:
            _check_place(where, record, passages, document_texts, verbatim)
        if record["position_key"] not in position_keys:
            raise InvalidInput(
                f"{where}.position_key: there is no position '{record['position_key']}' in the "
                "file or in this database"
            )
        if record["topic_key"] is not None and record["topic_key"] not in topic_keys:
            raise InvalidInput(
                f"{where}.topic_key: there is no topic '{record['topic_key']}' in the file or "
                "in this database"
            )
        claim_id = record.get("claim_id")  # absent from a version 1 file
        if claim_id is not None and claim_id not in claim_ids:
            raise InvalidInput(
                f"{where}.claim_id: there is no claim '{claim_id}' in the file or in this database"
            )
        # A new row lists claim_id first, None when a version 1 file says nothing of it (an
        # update then leaves the stored claim alone).
        row = {"claim_id": None, **record} if "claim_id" in record else dict(record)
        del row["document_start"], row["document_end"]
        row.setdefault("example", False)
        created = row["created_at"] = _parse_datetime(row["created_at"], where, "created_at")
        if record["updated_at"] == record["created_at"]:  # as in most files: parsed once
            row["updated_at"] = created
        else:
            row["updated_at"] = _parse_datetime(row["updated_at"], where, "updated_at")
        # Absent from a version 1 file, which has no orphans.
        orphaned_at = row.get("orphaned_at")
        row["orphaned_at"] = (
            _parse_datetime(orphaned_at, where, "orphaned_at") if orphaned_at else None
        )
        existing = stored.get(record["id"])
        if existing is not None and existing.document_id != record["document_id"]:
            raise InvalidInput(
                f"{where}.document_id: annotation '{record['id']}' is already stored here in "
                f"document '{existing.document_id}', not '{record['document_id']}'"
            )
        if existing is None:
            plan.annotations.append(row if "claim_id" in row else {"claim_id": None, **row})
            plan.report.created["annotations"] += 1
        elif row["updated_at"] > _last_change(existing):
            plan.annotation_updates.append((existing, row))
            plan.report.updated["annotations"] += 1
        else:
            plan.report.unchanged["annotations"] += 1


def _check_place(
    where: str,
    record: Record,
    passages: dict[str, _Place],
    document_texts: dict[str, str],
    verbatim: set[str],
) -> None:
    """An annotation with a passage: the passage must exist, in its document, and the span too."""
    passage = passages.get(record["passage_id"])
    if passage is None:
        raise InvalidInput(
            f"{where}.passage_id: there is no passage '{record['passage_id']}' in the file "
            "or in this database"
        )
    if record["document_id"] != passage.document_id:
        raise InvalidInput(
            f"{where}.document_id: '{record['document_id']}' is not the document of passage "
            f"'{passage.id}' ('{passage.document_id}')"
        )
    if record.get("orphaned_at") is not None:
        raise InvalidInput(
            f"{where}.orphaned_at: must be null for an annotation with a passage (an orphan "
            "has passage_id null)"
        )
    _check_span(where, record, passage, document_texts[passage.document_id], passage.id in verbatim)


def _check_orphan(where: str, record: Record, document_ids: set[str]) -> None:
    """An annotation without a passage is an orphan: it says when it lost its place, has no
    offsets, and its document exists."""
    if record.get("orphaned_at") is None:
        raise InvalidInput(
            f"{where}.orphaned_at: an annotation without a passage is an orphan and must say "
            "when it lost its place"
        )
    for name in ("start", "end", "document_start", "document_end"):
        if record[name] is not None:
            raise InvalidInput(f"{where}.{name}: must be null for an orphan (it has no place)")
    if record["document_id"] not in document_ids:
        raise InvalidInput(
            f"{where}.document_id: there is no document '{record['document_id']}' in the file "
            "or in this database"
        )


def _check_span(
    where: str, record: Record, passage: _Place, document_text: str, verbatim: bool
) -> None:
    """The span must lie in the passage, quote it exactly, and sit where the file says."""
    start, end, quote = record["start"], record["end"], record["quote"]
    if start is None and end is None:
        if quote is not None:
            raise InvalidInput(
                f"{where}.quote: must be null for a whole-passage annotation (start and end "
                "are null)"
            )
        expected = (passage.start, passage.end)
    else:
        if start is None or end is None:
            raise InvalidInput(
                f"{where}: start and end must both be numbers (a span) or both null (the "
                "whole passage)"
            )
        if not 0 <= start < end <= len(passage.text):
            raise InvalidInput(
                f"{where}: the span {start}–{end} lies outside its passage's text "
                f"({len(passage.text)} characters) or is empty"
            )
        if quote != passage.text[start:end]:
            raise InvalidInput(
                f"{where}.quote: {quoted(quote)} is not the passage text at {start}–{end} "
                f"({quoted(passage.text[start:end])})"
            )
        expected = _document_offsets(where, passage, start, end, document_text, verbatim)
    actual = (record["document_start"], record["document_end"])
    if actual != tuple(expected):
        raise InvalidInput(
            f"{where}: document_start–document_end is {actual[0]}–{actual[1]}, but the span "
            f"lies at {expected[0]}–{expected[1]} in its document"
        )


def _verbatim_passages(passages: dict[str, _Place], document_texts: dict[str, str]) -> set[str]:
    """The passages whose text is their document's text at their place, unchanged: without a
    line break, which is all that joining lines changes."""
    return {
        passage.id
        for passage in passages.values()
        if "\n" not in passage.text
        and document_texts[passage.document_id][passage.start : passage.end] == passage.text
    }


def _document_offsets(
    where: str, passage: _Place, start: int, end: int, document_text: str, verbatim: bool
) -> tuple[int, int]:
    """Where the span lies in the document, as span_to_document_offsets says; in a verbatim
    passage, simply shifted by the passage's start."""
    if verbatim:
        return passage.start + start, passage.start + end
    try:
        return span_to_document_offsets(
            Passage(**passage._asdict()), start, end, original_text=document_text
        )
    except InvalidInput as error:  # a stored passage that no longer fits its document
        raise InvalidInput(f"{where}: {error.message}") from error


def _last_change(annotation: Annotation) -> datetime:
    """When the stored annotation last changed here: edited, or removed."""
    changed = _aware(annotation.updated_at)
    if annotation.deleted_at is not None:
        changed = max(changed, _aware(annotation.deleted_at))
    return changed


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _parse_datetime(value: str, where: str, name: str | None = None) -> datetime:
    """The time `value` in UTC; `where` (and the field's `name`) say where it is in the file."""
    try:
        parsed = datetime.fromisoformat(value.upper())
    except ValueError as error:
        where = f"{where}.{name}" if name else where
        raise InvalidInput(
            f"{where}: {quoted(value, repr)} is not an ISO 8601 date-time"
        ) from error
    if parsed.tzinfo is None:
        where = f"{where}.{name}" if name else where
        raise InvalidInput(
            f"{where}: {quoted(value, repr)} has no time zone (write it in UTC, ending in Z)"
        )
    return parsed.astimezone(UTC)


def _parse_date(value: str | None, where: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise InvalidInput(f"{where}: {quoted(value, repr)} is not a date (YYYY-MM-DD)") from error


# --- writing -------------------------------------------------------------------------------


def _insert(
    session: Session, model: type[Any], rows: list[Record], snapshots: list[Record] | None = None
) -> None:
    """Insert `rows` and record their creation in the history (`snapshots`, when given, are
    what the entries show of each row instead of the row itself)."""
    # A Core executemany on the session's connection (same transaction): the ORM's bulk path
    # sent one INSERT per row here, several times slower on a large file. The session events
    # do not see Core inserts, so the history entries are written here too, one executemany
    # per batch.
    connection = session.connection()
    statement = insert(model)
    for start in range(0, len(rows), INSERT_BATCH):
        batch = rows[start : start + INSERT_BATCH]
        insert_rows(connection, statement, batch)
        shown = snapshots[start : start + INSERT_BATCH] if snapshots is not None else batch
        record_rows(session, HistoryAction.create, model, shown)


# The trigger of migration 0005 that copies each new row of a table into its FTS5 table:
# `INSERT INTO <fts> (rowid, …) SELECT new.rowid, … WHERE <condition>;`.
_SEARCH_INSERT_TRIGGER = re.compile(
    r"CREATE TRIGGER (?P<name>\w+) AFTER INSERT ON (?P<table>\w+) BEGIN "
    r"(?P<insert>INSERT INTO \w+ \([\w, ]+\) SELECT [\w., ]+) WHERE (?P<condition>[^;]*); END"
)


@contextmanager
def _search_index_filled_after(session: Session, tables: list[str]) -> Iterator[None]:
    """On SQLite, index the rows the block inserts into `tables` for full-text search at its
    end, in one statement per table, instead of row by row.

    The triggers that copy each new row into its FTS5 table (migration 0005) did most of a
    large import's writing; they are dropped for the block and created again after it, as
    they were, in the same transaction: if the import fails, the rollback brings them back
    with everything else. New rows are those above the table's largest rowid before the
    block (SQLite gives each new row the next one). A trigger of another shape than 0005's is
    left alone, doing its work row by row.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite" or not tables:
        yield
        return
    names = [f"{fts}_insert" for fts in SEARCH_TABLES]
    triggers = connection.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name IN :names").bindparams(
            bindparam("names", expanding=True)
        ),
        {"names": names},
    ).scalars()
    deferred: list[tuple[str, str, int]] = []  # (trigger, the statement filling its table, floor)
    for sql in triggers:
        found = _SEARCH_INSERT_TRIGGER.fullmatch(sql)
        if found is None or found["table"] not in tables:
            continue
        table = found["table"]
        floor = connection.exec_driver_sql(f"SELECT max(rowid) FROM {table}").scalar() or 0
        fill = (
            f"{found['insert']} FROM {table} AS new WHERE new.rowid > ? AND ({found['condition']})"
        )
        connection.exec_driver_sql(f"DROP TRIGGER {found['name']}")
        deferred.append((sql, fill, floor))
    yield
    for trigger, fill, floor in deferred:
        connection.exec_driver_sql(fill, (floor,))
        connection.exec_driver_sql(trigger)


@contextmanager
def _indexes_built_after(session: Session, inserted: dict[str, int]) -> Iterator[None]:
    """Build the indexes of each table that the block at least doubles (by `inserted`, its
    rows to come, at least INDEX_REBUILD_ROWS) after its rows are in, instead of row by row;
    on PostgreSQL, check its foreign keys after them too.

    Keeping an index up to date costs a scattered B-tree insert per row (six indexes on tags,
    three on history entries), and on PostgreSQL each foreign key costs a query per row; the
    database builds an index from one sort, and checks a foreign key with one join, much
    faster. A table that already holds more rows than come in keeps its indexes, as a rebuild
    would read them all; so does a table that few rows come into. Indexes and foreign keys are
    dropped and made again from their own definitions in the same transaction: if the import
    fails, the rollback brings them back with everything else. Indexes that enforce a key or
    a unique column stay and check each row.

    On PostgreSQL, dropping them locks the table and the tables its keys refer to until the
    commit: readers of those tables wait for the import to end. The locks are taken at once
    and only if no one holds them (NOWAIT); otherwise the indexes stay and the rows go in one
    by one, so that the import neither waits behind a reader nor deadlocks with one. SQLite's
    readers read on (WAL), and its foreign keys cannot be dropped.
    """
    connection = session.connection()
    tables = [
        table
        for table, count in inserted.items()
        if count >= INDEX_REBUILD_ROWS
        and connection.execute(
            text(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT :limit) AS counted"),
            {"limit": count + 1},
        ).scalar_one()
        <= count
    ]
    postgres = connection.dialect.name == "postgresql"
    if not tables or (postgres and not _locked_now(session, tables)):
        yield
        return
    made_again: list[str] = []
    for table in tables:
        for name, definition in connection.execute(_INDEXES[postgres], {"table": table}).all():
            connection.exec_driver_sql(f'DROP INDEX "{name}"')
            made_again.append(definition)
    if postgres:
        for table in tables:
            for name, definition in connection.execute(_FOREIGN_KEYS, {"table": table}).all():
                connection.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                made_again.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    yield
    for sql in made_again:  # indexes first: checking a foreign key uses them
        connection.exec_driver_sql(sql)


# The indexes of a table that enforce nothing, with their definitions (by `postgres`).
_INDEXES = {
    False: text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :table "
        "AND sql IS NOT NULL"
    ),
    True: text(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index AS x "
        "JOIN pg_class AS i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = to_regclass(:table) AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint AS c WHERE c.conindid = x.indexrelid)"
    ),
}
_FOREIGN_KEYS = text(
    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE conrelid = to_regclass(:table) AND contype = 'f'"
)


def _locked_now(session: Session, tables: list[str]) -> bool:
    """Lock `tables` and the tables their foreign keys refer to for this transaction alone,
    if no one else holds them now (PostgreSQL); False, with nothing locked, if someone does."""
    connection = session.connection()
    referred = connection.execute(
        text(
            "SELECT DISTINCT confrelid::regclass::text FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = ANY(CAST(:tables AS regclass[]))"
        ),
        {"tables": tables},
    ).scalars()
    names = ", ".join(sorted({*tables, *referred}))
    try:
        with session.begin_nested():  # the savepoint is set when its connection is asked for
            session.connection().exec_driver_sql(
                f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE NOWAIT"
            )
    except OperationalError:
        return False
    return True


ANNOTATION_FIELDS = (
    "passage_id",
    "orphaned_at",
    "start",
    "end",
    "quote",
    "position_key",
    "kind",
    "topic_key",
    "claim_id",
    "note",
    "analyst",
    "updated_at",
    "example",
)
CLAIM_FIELDS = ("text", "topic_key", "note", "analyst", "updated_at", "example")
RELATION_FIELDS = (
    "kind",
    "note",
    "evidence_passage_id",
    "evidence_orphaned_at",
    "analyst",
    "updated_at",
    "example",
)


def _update(row: SQLModel, record: Record, names: Iterable[str]) -> None:
    # Only the fields the file has: a version 1 annotation has no claim_id to impose.
    for name in names:
        if name in record:
            setattr(row, name, record[name])


def _write(session: Session, plan: _Plan) -> None:
    """Write the plan, parents before children (foreign keys are enforced).

    New rows go in first, as Core inserts on the session's connection; updates go through
    the ORM and are flushed at the end, when every row they may point at is in.
    """
    created_claims = {row["id"] for row in plan.claims}
    new_stances = [s for s in plan.stances if s["claim_id"] in created_claims]
    # Parents before children; the claims' history entries show their stances.
    inserts: list[tuple[type[SQLModel], list[Record], list[Record] | None]] = [
        (Position, plan.positions, None),
        (Topic, plan.topics, None),
        (Document, plan.documents, None),
        (Passage, plan.passages, None),
        (Claim, plan.claims, _claim_snapshots(plan.claims, new_stances)),
        (ClaimStance, new_stances, None),
        (Relation, plan.relations, None),
        (Annotation, plan.annotations, None),
    ]
    inserted = {table_of(model).name: len(rows) for model, rows, _ in inserts}
    inserted[table_of(HistoryEntry).name] = sum(inserted.values())  # one entry a row
    searched = [table for table in ("passage", "claim", "annotation") if inserted[table]]
    with _indexes_built_after(session, inserted), _search_index_filled_after(session, searched):
        for model, rows, snapshots in inserts:
            _insert(session, model, rows, snapshots)
    for claim, row in plan.claim_updates:
        session.add(claim)
        _update(claim, row, CLAIM_FIELDS)
    _replace_stances(
        session,
        [claim.id for claim, _row in plan.claim_updates],
        [s for s in plan.stances if s["claim_id"] not in created_claims],
    )
    for relation, row in plan.relation_updates:
        session.add(relation)
        _update(relation, row, RELATION_FIELDS)
    for annotation, row in plan.annotation_updates:
        session.add(annotation)
        _update(annotation, row, ANNOTATION_FIELDS)
        # The newer version is live there, so it is live here again.
        annotation.deleted_at = None
    session.flush()


def _claim_snapshots(claims: list[Record], stances: list[Record]) -> list[Record]:
    """The new claims as their history entries show them: with their stances."""
    by_claim: dict[str, list[Record]] = {}
    for stance in sorted(stances, key=lambda s: (s["claim_id"], s["position_key"])):
        by_claim.setdefault(stance["claim_id"], []).append(
            {"position_key": stance["position_key"], "stance": stance["stance"]}
        )
    return [{**row, "stances": by_claim.get(row["id"], [])} for row in claims]


def _replace_stances(session: Session, claim_ids: list[str], stances: list[Record]) -> None:
    """Give the updated claims the file's stances, through the ORM: the history then records
    each claim's stances as they were before the import and after it."""
    wanted = {(s["claim_id"], s["position_key"]): s["stance"] for s in stances}
    for stored in _select_in(session, select(ClaimStance), ClaimStance.claim_id, claim_ids):
        stance = wanted.pop((stored.claim_id, stored.position_key), None)
        if stance is None:
            session.delete(stored)
        else:
            stored.stance = stance
            session.add(stored)
    for (claim_id, position_key), stance in wanted.items():
        session.add(ClaimStance(claim_id=claim_id, position_key=position_key, stance=stance))

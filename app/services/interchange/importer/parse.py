"""Reading an export file and checking it against its version's JSON Schema: a fast compiled
check for a conforming file, jsonschema's own for a refusal that names its path and reason."""

import re
from collections.abc import Callable
from functools import cache
from typing import Any, cast

import orjson
from jsonschema import Draft202012Validator, validators  # type: ignore[import-untyped]
from jsonschema.exceptions import best_match  # type: ignore[import-untyped]

from app.services.errors import InvalidInput
from app.services.interchange.importer.report import (
    MAX_LISTED_NAMES,
    READABLE_VERSIONS,
    Record,
)
from app.services.interchange.native import FORMAT_NAME, export_schema
from app.services.uploads import (
    check_unicode,
    json_path,
    load_json,
    quoted,
)


def parse_export(raw: bytes | str) -> Record:
    """Parse `raw` and check it against the schema of its format and version.

    An earlier version's file comes back in the shape of the current version: a version 1
    file with no claims and no relations, version 1 and 2 files with no actors (their
    annotations keep having no claim_id, or no actor_key, member: the file says nothing
    about their claims, or actors), and files before version 4 with no assignments, codebook
    or team settings (their annotations keep having no adjudicated and adopted_from members).
    """
    data = _parse_conforming(raw)
    if data is None:
        data = _parse_and_explain(raw)
    if data["version"] == 1:
        data["claims"], data["relations"] = [], []
    if data["version"] < 3:
        data["actors"] = []
    if data["version"] < 4:
        data["assignments"], data["codebook"], data["team_settings"] = [], [], []
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
    return data if quick_check(version)(data) else None


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
    quick = quick_check(version)
    problem = None if quick(data) else best_match(schema_validator(version).iter_errors(data))
    if problem is not None:
        raise InvalidInput(f"{json_path(problem.absolute_path)}: {_schema_message(problem)}")
    check_unicode(data, [])
    return cast(Record, data)


def _strict_integer(_checker: Any, instance: Any) -> bool:
    # JSON Schema counts 3.0 as an integer; offsets are used to slice text, so only ints will do.
    return isinstance(instance, int) and not isinstance(instance, bool)


@cache
def schema_validator(version: int) -> Any:
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
def quick_check(version: int) -> Check:
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
        return _CheckWriter(schema_validator(version).format_checker).compile(inlined)
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
            elif keyword in ("minItems", "maxItems"):
                count = self.name("_count", value)
                compare = "<" if keyword == "minItems" else ">"
                fail_if(f"{if_kind('array')}len({v}) {compare} {count}")
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

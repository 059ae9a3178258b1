"""The API reference page: the OpenAPI description shaped for reading (operations grouped by
tag, each with its parameters, body and answers; then the schemas they name), rendered as a
plain page of this app instead of a script-built one, so that it is as accessible as the rest
and works without JavaScript. `/openapi.json` is its machine-readable twin."""

from dataclasses import dataclass, field
from typing import Any

METHOD_ORDER = ("get", "post", "put", "patch", "delete")
SCHEMA_PREFIX = "#/components/schemas/"


@dataclass(frozen=True)
class Field:
    """A parameter, or a property of a schema."""

    name: str
    type: str
    required: bool
    description: str
    where: str = ""  # path, query, header (parameters only)


@dataclass(frozen=True)
class Payload:
    """What a body holds, and as which media type."""

    type: str
    media: str


@dataclass(frozen=True)
class Answer:
    status: str
    description: str
    payloads: list[Payload]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    anchor: str
    summary: str
    description: list[str]
    parameters: list[Field]
    body: list[Payload]  # empty when the operation takes no body
    body_required: bool
    answers: list[Answer]


@dataclass
class Group:
    name: str
    anchor: str
    operations: list[Operation] = field(default_factory=list)


@dataclass(frozen=True)
class Schema:
    name: str
    anchor: str
    description: list[str]
    type: str
    properties: list[Field]


def schema_type(schema: dict[str, Any] | None) -> str:
    """A schema in a few words: a named schema by its name, an array by its items, a choice by
    its alternatives."""
    if not schema:
        return "any"
    if "$ref" in schema:
        return str(schema["$ref"]).removeprefix(SCHEMA_PREFIX)
    for choice in ("anyOf", "oneOf"):
        if choice in schema:
            return " or ".join(dict.fromkeys(schema_type(option) for option in schema[choice]))
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return schema_type(schema["allOf"][0])
    if "enum" in schema:
        return "one of " + ", ".join(str(value) for value in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {schema_type(schema.get('items'))}"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"object of {schema_type(schema['additionalProperties'])}"
    return f"{kind} ({schema['format']})" if "format" in schema else str(kind)


def _payloads(content: dict[str, Any] | None) -> list[Payload]:
    return [
        Payload(schema_type(media.get("schema")), name) for name, media in (content or {}).items()
    ]


def _method_rank(method: str) -> int:
    return METHOD_ORDER.index(method) if method in METHOD_ORDER else len(METHOD_ORDER)


def paragraphs(text: str) -> list[str]:
    """A description's paragraphs, its line breaks within a paragraph joined: they only wrap
    the source's lines."""
    return [" ".join(block.split()) for block in text.split("\n\n") if block.strip()]


def _anchor(*parts: str) -> str:
    text = "".join(c if c.isalnum() else " " for c in " ".join(parts).lower())
    return "-".join(text.split())


def _operation(method: str, path: str, spec: dict[str, Any]) -> Operation:
    parameters = [
        Field(
            name=p["name"],
            type=schema_type(p.get("schema")),
            required=bool(p.get("required")),
            description=p.get("description") or p.get("schema", {}).get("description", ""),
            where=p.get("in", ""),
        )
        for p in spec.get("parameters", [])
    ]
    body = spec.get("requestBody") or {}
    answers = [
        Answer(status, answer.get("description", ""), _payloads(answer.get("content")))
        for status, answer in sorted(spec.get("responses", {}).items())
    ]
    return Operation(
        method=method.upper(),
        path=path,
        anchor=_anchor(method, path),
        summary=spec.get("summary", ""),
        description=paragraphs(spec.get("description", "")),
        parameters=parameters,
        body=_payloads(body.get("content")),
        body_required=bool(body.get("required")),
        answers=answers,
    )


def _schema(name: str, spec: dict[str, Any]) -> Schema:
    required = set(spec.get("required", []))
    properties = [
        Field(
            name=key,
            type=schema_type(value),
            required=key in required,
            description=value.get("description", ""),
        )
        for key, value in spec.get("properties", {}).items()
    ]
    return Schema(
        name=name,
        anchor=_anchor("schema", name),
        description=paragraphs(spec.get("description", "")),
        type=schema_type({k: v for k, v in spec.items() if k != "properties"})
        if not properties
        else "object",
        properties=properties,
    )


def api_reference_context(description: dict[str, Any]) -> dict[str, Any]:
    """The page's context from the app's OpenAPI description."""
    groups: dict[str, Group] = {}
    for path, methods in description.get("paths", {}).items():
        for method in sorted(methods, key=_method_rank):
            spec = methods[method]
            tag = (spec.get("tags") or ["other"])[0]
            group = groups.setdefault(tag, Group(tag, _anchor("tag", tag)))
            group.operations.append(_operation(method, path, spec))
    schemas = description.get("components", {}).get("schemas", {})
    return {
        "info": description.get("info", {}),
        "groups": sorted(groups.values(), key=lambda group: group.name),
        "schemas": [_schema(name, schemas[name]) for name in sorted(schemas)],
        "schema_anchors": {name: _anchor("schema", name) for name in schemas},
    }

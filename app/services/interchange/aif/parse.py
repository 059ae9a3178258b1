"""Reading an AIF file (AIFdb's bare object or OVA's wrapper) into nodes, edges and this
app's extension, every refusal naming its JSON path."""

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError
from pydantic import Field as PydanticField

from app.models import (
    PositionCreate,
    StanceFields,
    TopicCreate,
)
from app.services.errors import InvalidInput
from app.services.interchange.aif.vocabulary import (
    EXTENSION_KEY,
    MAX_CLAIM_TEXT,
    MAX_ID_LENGTH,
    Record,
)
from app.services.uploads import (
    check_unicode,
    json_path,
    load_json,
    quoted,
)


@dataclass(frozen=True)
class AifNode:
    """One node of the file; ids are compared as strings (OVA writes "17", AIFdb 17)."""

    id: str
    type: str
    text: str
    where: str  # its JSON path, for messages


@dataclass
class AifMap:
    """An AIF file, checked: its nodes in file order, edges, warnings and our extension."""

    nodes: dict[str, AifNode]
    edges: list[tuple[str, str]]
    warnings: list[str]
    extension: "AifExtension | None"


class ExtensionClaim(BaseModel):
    model_config = ConfigDict(extra="ignore")

    topic_key: str | None = PydanticField(default=None, max_length=32)
    note: str = PydanticField(default="", max_length=5000)
    analyst: str | None = PydanticField(default=None, min_length=1, max_length=80)
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    stances: list[StanceFields] = PydanticField(default_factory=list, max_length=100)


class ExtensionRelation(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str | None = PydanticField(default=None, min_length=1, max_length=MAX_ID_LENGTH)
    note: str = PydanticField(default="", max_length=5000)
    evidence_passage_id: str | None = PydanticField(default=None, max_length=MAX_ID_LENGTH)
    analyst: str | None = PydanticField(default=None, min_length=1, max_length=80)
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None


class ExtensionEvidence(BaseModel):
    # The other fields describe the tag for readers; the import only needs to find it.
    model_config = ConfigDict(extra="ignore")

    annotation_id: str = PydanticField(min_length=1, max_length=MAX_ID_LENGTH)


class AifExtension(BaseModel):
    """The "argmap" key of an AIF file written by this app."""

    model_config = ConfigDict(extra="ignore")

    format: Literal["argmap-aif"]
    version: Literal[1]
    positions: list[PositionCreate] = PydanticField(default_factory=list)
    topics: list[TopicCreate] = PydanticField(default_factory=list)
    claims: dict[str, ExtensionClaim] = PydanticField(default_factory=dict)
    relations: dict[str, ExtensionRelation] = PydanticField(default_factory=dict)
    evidence: dict[str, ExtensionEvidence] = PydanticField(default_factory=dict)


def parse_aif(raw: bytes | str) -> AifMap:
    """Parse and check an AIF file: the bare AIF object or OVA's `{"AIF": {...}, …}`.

    Raises InvalidInput naming the JSON path of the first problem.
    """
    data = load_json(raw)
    if not isinstance(data, dict):
        raise InvalidInput("the top level: must be a JSON object (AIF JSON has nodes and edges)")
    check_unicode(data, [])
    base: list[str | int] = []
    aif = data
    if "AIF" in data:  # the OVA and xAIF wrapper
        base, aif = ["AIF"], data["AIF"]
        if not isinstance(aif, dict):
            raise InvalidInput("AIF: must be an object with nodes and edges")
    nodes = _read_nodes(aif, base)
    edges = _read_edges(aif, base, nodes)
    warnings = _check_locutions(aif, base, nodes)
    extension = _read_extension(data.get(EXTENSION_KEY), nodes)
    return AifMap(nodes=nodes, edges=edges, warnings=warnings, extension=extension)


def _array(aif: Record, name: str, base: list[str | int], required: bool) -> list[Any]:
    value = aif.get(name)
    if value is None:
        if required:
            raise InvalidInput(f"{json_path([*base, name])}: missing (an AIF map lists its {name})")
        return []  # xAIF writes null for a section it does not use
    if not isinstance(value, list):
        raise InvalidInput(f"{json_path([*base, name])}: must be a list, not {quoted(value)}")
    return value


def _object(value: Any, path: list[str | int]) -> Record:
    if not isinstance(value, dict):
        raise InvalidInput(f"{json_path(path)}: must be an object, not {quoted(value)}")
    return value


def _identifier(record: Record, name: str, path: list[str | int]) -> str:
    """An id: a whole number or a non-empty string, returned as a string."""
    value = record.get(name)
    where = json_path([*path, name])
    if value is None:
        raise InvalidInput(f"{where}: missing")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidInput(f"{where}: must be a number or a string, not {quoted(value)}")
    if isinstance(value, str) and not value.strip():
        raise InvalidInput(f"{where}: must not be empty")
    return str(value)


def _string(record: Record, name: str, path: list[str | int]) -> str:
    value = record.get(name)
    where = json_path([*path, name])
    if value is None:
        raise InvalidInput(f"{where}: missing")
    if not isinstance(value, str):
        raise InvalidInput(f"{where}: must be a string, not {quoted(value)}")
    return value


def _read_nodes(aif: Record, base: list[str | int]) -> dict[str, AifNode]:
    nodes: dict[str, AifNode] = {}
    for index, value in enumerate(_array(aif, "nodes", base, required=True)):
        path = [*base, "nodes", index]
        record = _object(value, path)
        node_id = _identifier(record, "nodeID", path)
        node_type = _string(record, "type", path).strip()
        text = _string(record, "text", path)
        if node_id in nodes:
            raise InvalidInput(
                f"{json_path([*path, 'nodeID'])}: {quoted(node_id, str)} appears twice (also at "
                f"{nodes[node_id].where})"
            )
        if node_type == "I":
            text = text.strip()
            if not text:
                raise InvalidInput(f"{json_path([*path, 'text'])}: an I-node needs text (a claim)")
            if len(text) > MAX_CLAIM_TEXT:
                raise InvalidInput(
                    f"{json_path([*path, 'text'])}: {len(text)} characters, more than a claim's "
                    f"{MAX_CLAIM_TEXT}"
                )
        nodes[node_id] = AifNode(id=node_id, type=node_type, text=text, where=json_path(path))
    return nodes


def _read_edges(
    aif: Record, base: list[str | int], nodes: dict[str, AifNode]
) -> list[tuple[str, str]]:
    edges = []
    for index, value in enumerate(_array(aif, "edges", base, required=False)):
        path = [*base, "edges", index]
        record = _object(value, path)
        ends = []
        for name in ("fromID", "toID"):
            node_id = _identifier(record, name, path)
            if node_id not in nodes:
                raise InvalidInput(
                    f"{json_path([*path, name])}: no node with id {quoted(node_id, str)}"
                )
            ends.append(node_id)
        edges.append((ends[0], ends[1]))
    return edges


def _check_locutions(aif: Record, base: list[str | int], nodes: dict[str, AifNode]) -> list[str]:
    """Check the types in locutions and participants; dangling references become warnings."""
    participants = set()
    for index, value in enumerate(_array(aif, "participants", base, required=False)):
        path = [*base, "participants", index]
        participants.add(_identifier(_object(value, path), "participantID", path))
    warnings = []
    for index, value in enumerate(_array(aif, "locutions", base, required=False)):
        path = [*base, "locutions", index]
        record = _object(value, path)
        node_id = _identifier(record, "nodeID", path)
        if node_id not in nodes:
            warnings.append(
                f"{json_path([*path, 'nodeID'])}: no node with id {quoted(node_id, str)}; "
                "imported anyway (locutions are not stored here)"
            )
        if record.get("personID") is None:
            continue  # a locution without a speaker is allowed
        person_id = _identifier(record, "personID", path)
        if person_id not in participants:
            warnings.append(
                f"{json_path([*path, 'personID'])}: no participant with id "
                f"{quoted(person_id, str)}; imported anyway (locutions and participants are not "
                "stored here)"
            )
    return warnings


def _read_extension(value: Any, nodes: dict[str, AifNode]) -> AifExtension | None:
    """Our "argmap" key: checked as strictly as the native export, since we wrote it."""
    if value is None:
        return None
    try:
        extension = AifExtension.model_validate(_object(value, [EXTENSION_KEY]))
    except ValidationError as error:
        problem = error.errors()[0]
        where = json_path([EXTENSION_KEY, *problem["loc"]])
        raise InvalidInput(f"{where}: {problem['msg']}") from error
    for section, types in (
        ("claims", {"I"}),
        ("relations", {"RA", "CA"}),
        ("evidence", {"L"}),
    ):
        for node_id in getattr(extension, section):
            node = nodes.get(node_id)
            if node is None or node.type not in types:
                raise InvalidInput(
                    f"{json_path([EXTENSION_KEY, section, node_id])}: no {'/'.join(sorted(types))}"
                    f"-node with this id in the nodes"
                )
    return extension

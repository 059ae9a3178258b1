"""The claims and relations as AIF JSON (the Argument Interchange Format of OVA and AIFdb).

Export
------
`export_aif` writes the OVA/xAIF shape, `{"AIF": {...}, "argmap": {...}}`; the object under
"AIF" is the AIFdb JSON (nodes, edges, locutions, participants). The mapping:

- a claim is an I-node: nodeID = the claim id, text = the claim text;
- a live evidence annotation of a claim is an L-node (nodeID "L-<annotation id>") whose text is
  exactly the annotation's quote, or its passage's text for a whole-passage tag (no OVA-style
  "Speaker : " prefix, so that the quote can be found again), anchored to the claim by a YA-node
  ("YA-<annotation id>", text "Default Illocuting": our tags say that a passage expresses a
  claim, not with which illocutionary force) with the edges L → YA → I;
- an orphaned evidence annotation (its quote was not found again when its document's text
  was replaced) has no L-node: an AIF locution is a place in a text, and it has none. Its
  claim is exported all the same;
- each L-node has a locution: personID = its analyst's participant, timestamp = when the tag
  was made, start/end = the span's offsets in its document's original text;
- participants are the analysts of those tags, one each (participantID "1", "2", … in name
  order; firstname = the first word of the name, surname = the rest);
- a supports relation is an RA-node ("RA-<relation id>", "Default Inference") and an attacks
  relation a CA-node ("CA-<relation id>", "Default Conflict"), with the edges
  source I → RA/CA → target I.

What AIF has no place for goes under the top-level key "argmap" (AIF readers ignore unknown
keys): `format` "argmap-aif", `version` 1, the `filters`, every position and topic, and, keyed
by nodeID, `claims` (topic, note, analyst, times, stances per position), `relations` (id, note,
evidence passage, analyst, times) and `evidence` (annotation id, passage, document, passage-
relative span, position, kind, topic, note, analyst). So a re-import into this app loses
nothing of the claims and relations, and can find the evidence tags again where they exist.

The filters are those of the native export, and select the same claims: a claim matches a
document where it has evidence, a position that holds or rejects it or tags evidence for it, a
topic it is on or that evidence for it is tagged with. An evidence tag is included when it
passes every filter, a relation when both its claims are included.

Import
------
`import_aif` reads the bare AIF object or the OVA wrapper, with integer or string ids. Like the
native import it is all or nothing: the whole file is checked first, and every refusal is an
InvalidInput naming a JSON path (`AIF.edges[4].toID: no node with id 17`); then it is written in
one transaction. Dangling references in locutions (a personID without a participant, which the
xaif documentation's own example has) are reported as warnings: locutions are not stored here.

- An I-node becomes a claim, unless it is one already: a claim whose id is the nodeID, else a
  claim with the same text (case-folded, whitespace collapsed). A new claim keeps the nodeID as
  its id when the "argmap" extension describes it (it came from an instance of this app).
- An RA-node gives supports relations and a CA-node attacks relations, one per premise I-node,
  to its single conclusion I-node. One that does not link I-nodes that way, a relation of a
  claim to itself and a pair (source, target) already related are not created.
- L, YA, TA, MA and other nodes are counted as skipped. Evidence annotations are not recreated
  from L-nodes (their passages may not exist here); when the extension names an annotation that
  exists here and is not yet evidence for any claim, it is linked to its claim.
- The extension's positions and topics are created when missing; stored ones keep their local
  names. Stances are added when the position has none on the claim; a stored stance, topic or
  relation kind that disagrees with the file is kept and reported.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError
from pydantic import Field as PydanticField
from sqlalchemy import ColumnElement, and_, or_, true
from sqlmodel import Session, col, select

from app.models import (
    Annotation,
    Claim,
    ClaimStance,
    Document,
    Passage,
    Position,
    PositionCreate,
    Relation,
    RelationKind,
    Stance,
    StanceFields,
    Topic,
    TopicCreate,
    new_id,
    utcnow,
)
from app.services.catalog import get_position, get_topic, list_positions, list_topics
from app.services.corpus import span_to_document_offsets
from app.services.documents import get_document
from app.services.errors import InvalidInput
from app.services.export import ExportFilters, format_datetime
from app.services.uploads import (
    all_or_nothing,
    check_unicode,
    json_path,
    load_json,
    quoted,
    select_in,
)

EXTENSION_KEY = "argmap"
EXTENSION_FORMAT = "argmap-aif"
EXTENSION_VERSION = 1
ILLOCUTION = "Default Illocuting"
SCHEME_TEXT = {RelationKind.supports: "Default Inference", RelationKind.attacks: "Default Conflict"}
NODE_TYPE = {RelationKind.supports: "RA", RelationKind.attacks: "CA"}
RELATION_KIND = {"RA": RelationKind.supports, "CA": RelationKind.attacks}
# The limits of the claims API (ClaimCreate) and of the tables.
MAX_CLAIM_TEXT = 2000
MAX_ID_LENGTH = 64
MAX_ANALYST_LENGTH = 80
# Ids per `IN (…)` query: well under SQLite's limit on bound parameters.
# A file with thousands of dangling locutions should not give a report of megabytes.
MAX_WARNINGS = 100

ENTITIES = ("positions", "topics", "claims", "stances", "relations", "evidence_links")
# Why a node or a relation was not imported, with the phrase the report's message uses.
SKIPPED = {
    "locution_nodes": "L-nodes (locutions)",
    "illocution_nodes": "YA-nodes (illocutions)",
    "transition_nodes": "TA-nodes (transitions)",
    "rephrase_nodes": "MA-nodes (rephrases)",
    "other_nodes": "nodes of other types",
    "unlinked_relation_nodes": "RA/CA-nodes that do not link one or more I-nodes to one I-node",
    "self_relations": "relations of a claim to itself",
}
SKIPPED_NODE_TYPES = {
    "L": "locution_nodes",
    "YA": "illocution_nodes",
    "TA": "transition_nodes",
    "MA": "rephrase_nodes",
}

Record = dict[str, Any]


# --- export --------------------------------------------------------------------------------


def export_aif(session: Session, filters: ExportFilters | None = None) -> dict[str, Any]:
    """The claims and relations (all, or those `filters` select) as an AIF JSON document.

    Unknown filter values raise NotFound. Arrays are in a stable order (by creation time, then
    id), so the same database gives the same document.
    """
    filters = filters or ExportFilters()
    _check_filters(session, filters)
    claim_filter = _claim_condition(filters)
    claims = list(
        session.exec(
            select(Claim).where(claim_filter).order_by(col(Claim.created_at), col(Claim.id))
        )
    )
    included = {claim.id for claim in claims}
    # Later queries are also checked against `included`: a claim added meanwhile by another
    # analyst must not leave an edge pointing at a node that is not in the file.
    claim_ids = select(Claim.id).where(claim_filter)
    stances: dict[str, list[Record]] = defaultdict(list)
    for stance in session.exec(
        select(ClaimStance)
        .where(col(ClaimStance.claim_id).in_(claim_ids))
        .order_by(col(ClaimStance.claim_id), col(ClaimStance.position_key))
    ):
        stances[stance.claim_id].append(
            {"position_key": stance.position_key, "stance": str(stance.stance)}
        )
    relations = [
        relation
        for relation in session.exec(
            select(Relation)
            .where(col(Relation.source_id).in_(claim_ids), col(Relation.target_id).in_(claim_ids))
            .order_by(col(Relation.created_at), col(Relation.id))
        )
        if relation.source_id in included and relation.target_id in included
    ]
    evidence = [
        (annotation, passage)
        for annotation, passage in session.exec(
            select(Annotation, Passage)
            .join(Passage, col(Passage.id) == col(Annotation.passage_id))
            .where(_evidence_condition(filters))
            .order_by(col(Annotation.created_at), col(Annotation.id))
        )
        if annotation.claim_id in included
    ]

    builder = _AifBuilder()
    claim_records: dict[str, Record] = {}
    for claim in claims:
        builder.node(claim.id, claim.text, "I")
        claim_records[claim.id] = {
            "topic_key": claim.topic_key,
            "note": claim.note,
            "analyst": claim.analyst,
            "created_at": format_datetime(claim.created_at),
            "updated_at": format_datetime(claim.updated_at),
            "stances": stances[claim.id],
        }
    evidence_records = _export_evidence(session, builder, evidence)
    relation_records: dict[str, Record] = {}
    for relation in relations:
        kind = RelationKind(relation.kind)
        node_id = f"{NODE_TYPE[kind]}-{relation.id}"
        builder.node(node_id, SCHEME_TEXT[kind], NODE_TYPE[kind])
        builder.edge(relation.source_id, node_id)
        builder.edge(node_id, relation.target_id)
        relation_records[node_id] = {
            "id": relation.id,
            "note": relation.note,
            "evidence_passage_id": relation.evidence_passage_id,
            "analyst": relation.analyst,
            "created_at": format_datetime(relation.created_at),
            "updated_at": format_datetime(relation.updated_at),
        }
    return {
        "AIF": {
            "nodes": builder.nodes,
            "edges": builder.edges,
            "locutions": builder.locutions,
            "participants": builder.participants(),
            "schemefulfillments": [],
            "descriptorfulfillments": [],
        },
        EXTENSION_KEY: {
            "format": EXTENSION_FORMAT,
            "version": EXTENSION_VERSION,
            "filters": {
                "document": filters.document,
                "position": filters.position,
                "topic": filters.topic,
            },
            "positions": [
                {"key": p.key, "name": p.name, "colour": p.colour, "ordinal": p.ordinal}
                for p in list_positions(session)
            ],
            "topics": [
                {"key": t.key, "name": t.name, "description": t.description}
                for t in sorted(list_topics(session), key=lambda topic: topic.key)
            ],
            "claims": claim_records,
            "relations": relation_records,
            "evidence": evidence_records,
        },
    }


@dataclass
class _AifBuilder:
    """Collects nodes, edges, locutions and the analysts who speak in them."""

    nodes: list[Record] = field(default_factory=list)
    edges: list[Record] = field(default_factory=list)
    locutions: list[Record] = field(default_factory=list)
    speakers: dict[str, list[Record]] = field(default_factory=lambda: defaultdict(list))

    def node(self, node_id: str, text: str, node_type: str) -> None:
        self.nodes.append({"nodeID": node_id, "text": text, "type": node_type})

    def edge(self, from_id: str, to_id: str) -> None:
        self.edges.append({"edgeID": str(len(self.edges) + 1), "fromID": from_id, "toID": to_id})

    def locution(self, node_id: str, analyst: str, timestamp: str, start: int, end: int) -> None:
        # The personID is filled in by participants(), once every analyst is known.
        record: Record = {"nodeID": node_id, "personID": None, "timestamp": timestamp}
        record.update(start=start, end=end)
        self.locutions.append(record)
        self.speakers[analyst].append(record)

    def participants(self) -> list[Record]:
        result = []
        for number, analyst in enumerate(sorted(self.speakers), start=1):
            participant_id = str(number)
            firstname, _, surname = analyst.partition(" ")
            result.append(
                {
                    "participantID": participant_id,
                    "firstname": firstname,
                    "surname": surname.strip(),
                }
            )
            for record in self.speakers[analyst]:
                record["personID"] = participant_id
        return result


def _export_evidence(
    session: Session, builder: _AifBuilder, evidence: list[tuple[Annotation, Passage]]
) -> dict[str, Record]:
    """L- and YA-nodes, edges and locutions for the evidence tags; their extension records."""
    spans = {
        passage.document_id for annotation, passage in evidence if annotation.start is not None
    }
    query = select(Document.id, Document.original_text).where(col(Document.id).in_(spans))
    texts = {document_id: text for document_id, text in session.exec(query)}
    records: dict[str, Record] = {}
    for annotation, passage in evidence:
        assert annotation.claim_id is not None  # the query asks for evidence tags only
        if annotation.start is None or annotation.end is None:
            text, (start, end) = passage.text, (passage.start, passage.end)
        else:
            text = passage.text[annotation.start : annotation.end]
            start, end = span_to_document_offsets(
                passage, annotation.start, annotation.end, texts[passage.document_id]
            )
        locution_id, illocution_id = f"L-{annotation.id}", f"YA-{annotation.id}"
        builder.node(locution_id, text, "L")
        builder.node(illocution_id, ILLOCUTION, "YA")
        builder.edge(locution_id, illocution_id)
        builder.edge(illocution_id, annotation.claim_id)
        builder.locution(
            locution_id, annotation.analyst, format_datetime(annotation.created_at), start, end
        )
        records[locution_id] = {
            "annotation_id": annotation.id,
            "passage_id": passage.id,
            "document_id": passage.document_id,
            "start": annotation.start,
            "end": annotation.end,
            "position_key": annotation.position_key,
            "kind": str(annotation.kind),
            "topic_key": annotation.topic_key,
            "note": annotation.note,
            "analyst": annotation.analyst,
        }
    return records


def _check_filters(session: Session, filters: ExportFilters) -> None:
    """Unknown filter values are an error (NotFound), as in the native export."""
    if filters.document is not None:
        get_document(session, filters.document)
    if filters.position is not None:
        get_position(session, filters.position)
    if filters.topic is not None:
        get_topic(session, filters.topic)


def _evidence_condition(filters: ExportFilters) -> ColumnElement[bool]:
    """Live evidence tags that pass every filter (the passage is joined in by the caller)."""
    conditions: list[ColumnElement[bool]] = [
        col(Annotation.deleted_at).is_(None),
        col(Annotation.claim_id).is_not(None),
    ]
    if filters.document is not None:
        conditions.append(col(Passage.document_id) == filters.document)
    if filters.position is not None:
        conditions.append(col(Annotation.position_key) == filters.position)
    if filters.topic is not None:
        conditions.append(col(Annotation.topic_key) == filters.topic)
    return and_(*conditions)


def _claims_with_evidence(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """Claims that a live tag meeting `condition` is evidence for."""
    tagged = (
        select(Annotation.claim_id)
        .join(Passage, col(Passage.id) == col(Annotation.passage_id))
        .where(col(Annotation.deleted_at).is_(None), condition)
    )
    return col(Claim.id).in_(tagged)


def _claim_condition(filters: ExportFilters) -> ColumnElement[bool]:
    """Which claims the export includes: all, or those that match every filter given.

    The same choice as the native export's: a claim matches a document if it has evidence
    there; a position if the position holds or rejects it or it has evidence tagged with that
    position; a topic if it is on that topic or has evidence tagged with it. So the claim of
    every included evidence tag is included too.
    """
    conditions: list[ColumnElement[bool]] = [true()]
    if filters.document is not None:
        conditions.append(_claims_with_evidence(col(Passage.document_id) == filters.document))
    if filters.position is not None:
        held = select(ClaimStance.claim_id).where(ClaimStance.position_key == filters.position)
        conditions.append(
            or_(
                col(Claim.id).in_(held),
                _claims_with_evidence(col(Annotation.position_key) == filters.position),
            )
        )
    if filters.topic is not None:
        conditions.append(
            or_(
                col(Claim.topic_key) == filters.topic,
                _claims_with_evidence(col(Annotation.topic_key) == filters.topic),
            )
        )
    return and_(*conditions)


# --- reading an AIF file -------------------------------------------------------------------


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


class _ExtensionClaim(BaseModel):
    model_config = ConfigDict(extra="ignore")

    topic_key: str | None = PydanticField(default=None, max_length=32)
    note: str = PydanticField(default="", max_length=5000)
    analyst: str | None = PydanticField(default=None, min_length=1, max_length=80)
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    stances: list[StanceFields] = PydanticField(default_factory=list, max_length=100)


class _ExtensionRelation(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str | None = PydanticField(default=None, min_length=1, max_length=MAX_ID_LENGTH)
    note: str = PydanticField(default="", max_length=5000)
    evidence_passage_id: str | None = PydanticField(default=None, max_length=MAX_ID_LENGTH)
    analyst: str | None = PydanticField(default=None, min_length=1, max_length=80)
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None


class _ExtensionEvidence(BaseModel):
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
    claims: dict[str, _ExtensionClaim] = PydanticField(default_factory=dict)
    relations: dict[str, _ExtensionRelation] = PydanticField(default_factory=dict)
    evidence: dict[str, _ExtensionEvidence] = PydanticField(default_factory=dict)


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


# --- import --------------------------------------------------------------------------------


def _plural(count: int, name: str) -> str:
    """`3 claims`, `1 claim`, `2 evidence links` (the names are plural, some snake_case)."""
    name = name.replace("_", " ")
    return f"{count} {name[:-1] if count == 1 else name}"


def _zero_counts(names: Iterable[str]) -> dict[str, int]:
    return dict.fromkeys(names, 0)


@dataclass
class AifImportReport:
    """What an AIF import created, reused (already stored) and skipped, with its warnings."""

    created: dict[str, int] = field(default_factory=lambda: _zero_counts(ENTITIES))
    reused: dict[str, int] = field(default_factory=lambda: _zero_counts(ENTITIES))
    skipped: dict[str, int] = field(default_factory=lambda: _zero_counts(SKIPPED))
    warnings: list[str] = field(default_factory=list)
    omitted_warnings: int = 0

    def warn(self, message: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)
        else:
            self.omitted_warnings += 1

    def __str__(self) -> str:
        parts = []
        for label, counts in (("created", self.created), ("reused", self.reused)):
            items = [_plural(count, name) for name, count in counts.items() if count]
            if items:
                parts.append(f"{label} {', '.join(items)}")
        skipped = [f"{count} {SKIPPED[name]}" for name, count in self.skipped.items() if count]
        if skipped:
            parts.append(f"skipped {', '.join(skipped)}")
        text = f"AIF import done: {'; '.join(parts) or 'the file held nothing to import'}."
        text += (
            " Evidence annotations are not recreated from L-nodes: their passages may not exist"
            " here."
        )
        if self.created["evidence_links"]:
            text += f" Existing tags linked to their claims: {self.created['evidence_links']}."
        total = len(self.warnings) + self.omitted_warnings
        if total:
            text += f" {_plural(total, 'warnings')}: see the list."
        return text

    def listed_warnings(self) -> list[str]:
        """The warnings as the list that the message refers to: the first MAX_WARNINGS, then
        how many more there were."""
        warnings = list(self.warnings)
        if self.omitted_warnings:
            warnings.append(f"… and {self.omitted_warnings} more warnings")
        return warnings

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": dict(self.created),
            "reused": dict(self.reused),
            "skipped": dict(self.skipped),
            "warnings": self.listed_warnings(),
            "message": str(self),
        }


def import_aif(session: Session, raw: bytes | str, analyst: str) -> AifImportReport:
    """Check the AIF file `raw` and merge its claims and relations, all or nothing.

    `analyst` is recorded on what is created, unless the file's extension names one. Raises
    InvalidInput, with the database untouched, when the file (or the name) is wrong.
    """
    analyst = analyst.strip()
    if not analyst or len(analyst) > MAX_ANALYST_LENGTH:
        raise InvalidInput(f"an analyst name (1 to {MAX_ANALYST_LENGTH} characters) is required")
    aif = parse_aif(raw)
    with all_or_nothing(session):
        plan = _Planner(session, aif, analyst).plan()  # reads only: every check comes first
        _write(session, plan)
    return plan.report


def normalise_text(text: str) -> str:
    """The form in which two claim texts count as the same: case-folded, spaces collapsed."""
    return " ".join(text.split()).casefold()


@dataclass
class _Plan:
    """Everything the import will write, worked out before anything is written."""

    report: AifImportReport = field(default_factory=AifImportReport)
    positions: list[Position] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    stances: list[ClaimStance] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    evidence_links: list[tuple[Annotation, str]] = field(default_factory=list)


def _utc(value: datetime | None) -> datetime:
    # SQLite keeps no time zone: every stored time is UTC.
    return value.astimezone(UTC) if value is not None else utcnow()


class _Planner:
    """Works out the plan of one import; reads the database, never writes to it."""

    def __init__(self, session: Session, aif: AifMap, analyst: str) -> None:
        self.session = session
        self.aif = aif
        self.analyst = analyst
        self.extension = aif.extension or AifExtension(format="argmap-aif", version=1)
        self.plan_ = _Plan()
        self.report = self.plan_.report
        for warning in aif.warnings:
            self.report.warn(warning)
        self.claim_of: dict[str, str] = {}  # I-node id → claim id

    def plan(self) -> _Plan:
        positions, topics = self._positions_and_topics()
        self._check_references(positions, topics)
        self._claims()
        self._relations()
        self._evidence()
        self._count_skipped_nodes()
        return self.plan_

    def _positions_and_topics(self) -> tuple[set[str], set[str]]:
        """Create the extension's missing positions and topics; returns every known key."""
        positions = self._keyed(
            "positions",
            set(self.session.exec(select(Position.key))),
            [(p.key, Position.model_validate(p)) for p in self.extension.positions],
        )
        topics = self._keyed(
            "topics",
            set(self.session.exec(select(Topic.key))),
            [(t.key, Topic.model_validate(t)) for t in self.extension.topics],
        )
        return positions, topics

    def _keyed(self, name: str, stored: set[str], entries: Sequence[tuple[str, Any]]) -> set[str]:
        """Plan the `entries` (key, row) not stored yet; stored ones keep their local names."""
        seen: set[str] = set()
        for index, (key, row) in enumerate(entries):
            if key in seen:
                where = json_path([EXTENSION_KEY, name, index, "key"])
                raise InvalidInput(f"{where}: {key!r} appears twice")
            seen.add(key)
            if key in stored:
                self.report.reused[name] += 1
            else:
                getattr(self.plan_, name).append(row)
                self.report.created[name] += 1
        return stored | seen

    def _check_references(self, positions: set[str], topics: set[str]) -> None:
        for node_id, entry in self.extension.claims.items():
            path: list[str | int] = [EXTENSION_KEY, "claims", node_id]
            if entry.topic_key is not None and entry.topic_key not in topics:
                raise InvalidInput(
                    f"{json_path([*path, 'topic_key'])}: there is no topic {entry.topic_key!r} in "
                    "the file or in this database"
                )
            seen: set[str] = set()
            for index, stance in enumerate(entry.stances):
                where = json_path([*path, "stances", index, "position_key"])
                if stance.position_key not in positions:
                    raise InvalidInput(
                        f"{where}: there is no position {stance.position_key!r} in the file or "
                        "in this database"
                    )
                if stance.position_key in seen:
                    raise InvalidInput(f"{where}: {stance.position_key!r} appears twice")
                seen.add(stance.position_key)

    def _claims(self) -> None:
        by_id: dict[str, str] = {}
        by_text: dict[str, str] = {}
        # Oldest first, so that of several stored claims with the same text the oldest is used.
        for claim_id, text in self.session.exec(
            select(Claim.id, Claim.text).order_by(col(Claim.created_at), col(Claim.id))
        ):
            by_id[claim_id] = text
            by_text.setdefault(normalise_text(text), claim_id)
        stored_ids = set(by_id)
        first_node: dict[str, AifNode] = {}  # claim id → the file's first I-node for it
        for node in self.aif.nodes.values():
            if node.type != "I":
                continue
            entry = self.extension.claims.get(node.id)
            key = normalise_text(node.text)
            if node.id in by_id:
                claim_id = node.id
            elif key in by_text:
                claim_id = by_text[key]
            else:
                claim_id = self._new_claim(node, entry)
                by_id[claim_id] = node.text
                by_text[key] = claim_id
                first_node[claim_id] = node
                self.claim_of[node.id] = claim_id
                continue
            self.claim_of[node.id] = claim_id
            self.report.reused["claims"] += 1
            if claim_id in first_node:
                self.report.warn(
                    f"{node.where}: the same claim as {first_node[claim_id].where} (same text)"
                )
            if entry is not None and entry.topic_key is not None and claim_id in stored_ids:
                self._compare_topic(node, claim_id, entry.topic_key)
        self._stances()

    def _new_claim(self, node: AifNode, entry: _ExtensionClaim | None) -> str:
        # A node this app exported keeps its claim id, so that ids stay stable across
        # instances; any other tool's ids ("17") mean nothing here.
        claim_id = node.id if entry is not None and len(node.id) <= MAX_ID_LENGTH else new_id()
        entry = entry or _ExtensionClaim()
        created = _utc(entry.created_at)
        self.plan_.claims.append(
            Claim(
                id=claim_id,
                text=node.text,
                topic_key=entry.topic_key,
                note=entry.note,
                analyst=entry.analyst or self.analyst,
                created_at=created,
                updated_at=_utc(entry.updated_at) if entry.updated_at else created,
            )
        )
        self.report.created["claims"] += 1
        return claim_id

    def _compare_topic(self, node: AifNode, claim_id: str, topic_key: str) -> None:
        stored = self.session.get_one(Claim, claim_id).topic_key
        if stored != topic_key:
            self.report.warn(
                f"{node.where}: claim {claim_id} has the topic {stored!r} here, the file says "
                f"{topic_key!r}; kept {stored!r}"
            )

    def _stances(self) -> None:
        stances: dict[tuple[str, str], Stance] = {
            (s.claim_id, s.position_key): Stance(s.stance)
            for s in select_in(
                self.session, select(ClaimStance), ClaimStance.claim_id, self.claim_of.values()
            )
        }
        for node_id, entry in self.extension.claims.items():
            claim_id = self.claim_of[node_id]
            for index, stance in enumerate(entry.stances):
                known = stances.get((claim_id, stance.position_key))
                if known is None:
                    stances[(claim_id, stance.position_key)] = stance.stance
                    self.plan_.stances.append(
                        ClaimStance(
                            claim_id=claim_id,
                            position_key=stance.position_key,
                            stance=stance.stance,
                        )
                    )
                    self.report.created["stances"] += 1
                    continue
                self.report.reused["stances"] += 1
                if known != stance.stance:
                    where = json_path([EXTENSION_KEY, "claims", node_id, "stances", index])
                    self.report.warn(
                        f"{where}: the position {stance.position_key!r} {known} claim "
                        f"{claim_id} here, the file says it {stance.stance}; kept {known}"
                    )

    def _relations(self) -> None:
        incoming: dict[str, list[str]] = defaultdict(list)
        outgoing: dict[str, list[str]] = defaultdict(list)
        for from_id, to_id in self.aif.edges:
            outgoing[from_id].append(to_id)
            incoming[to_id].append(from_id)
        kinds: dict[tuple[str, str], RelationKind] = {
            (source, target): RelationKind(kind)
            for source, target, kind in select_in(
                self.session,
                select(Relation.source_id, Relation.target_id, Relation.kind),
                Relation.source_id,
                self.claim_of.values(),
            )
        }
        taken_ids = {
            relation_id
            for relation_id in select_in(
                self.session,
                select(Relation.id),
                Relation.id,
                (entry.id for entry in self.extension.relations.values() if entry.id),
            )
        }
        passages = set(
            select_in(
                self.session,
                select(Passage.id),
                Passage.id,
                (
                    entry.evidence_passage_id
                    for entry in self.extension.relations.values()
                    if entry.evidence_passage_id
                ),
            )
        )
        for node in self.aif.nodes.values():
            if node.type not in RELATION_KIND:
                continue
            premises = self._neighbours(incoming[node.id])
            conclusions = self._neighbours(outgoing[node.id])
            if not premises or len(conclusions) != 1:
                self.report.skipped["unlinked_relation_nodes"] += 1
                self.report.warn(
                    f"{node.where}: the {node.type}-node {node.id} links {len(premises)} "
                    f"I-node(s) to {len(conclusions)} I-node(s), not one or more to one; "
                    "not imported"
                )
                continue
            entry = self.extension.relations.get(node.id) or _ExtensionRelation()
            if entry.evidence_passage_id is not None and entry.evidence_passage_id not in passages:
                self.report.warn(
                    f"{json_path([EXTENSION_KEY, 'relations', node.id, 'evidence_passage_id'])}: "
                    f"there is no passage {entry.evidence_passage_id!r} here; the relation is "
                    "imported without it"
                )
                entry = entry.model_copy(update={"evidence_passage_id": None})
            target = self.claim_of[conclusions[0]]
            for premise in premises:
                self._relation(node, entry, self.claim_of[premise], target, kinds, taken_ids)

    def _neighbours(self, node_ids: list[str]) -> list[str]:
        """The I-nodes among `node_ids`, each once (an edge may be written twice)."""
        return list(dict.fromkeys(n for n in node_ids if self.aif.nodes[n].type == "I"))

    def _relation(
        self,
        node: AifNode,
        entry: _ExtensionRelation,
        source: str,
        target: str,
        kinds: dict[tuple[str, str], RelationKind],
        taken_ids: set[str],
    ) -> None:
        kind = RELATION_KIND[node.type]
        if source == target:
            self.report.skipped["self_relations"] += 1
            self.report.warn(
                f"{node.where}: the {node.type}-node {node.id} relates claim {source} to itself "
                "(its premise and conclusion have the same text); not imported"
            )
            return
        known = kinds.get((source, target))
        if known is not None:
            self.report.reused["relations"] += 1
            if known != kind:
                self.report.warn(
                    f"{node.where}: claim {source} already {known} claim {target} here, the "
                    f"{node.type}-node {node.id} says it {kind}; kept {known}"
                )
            return
        kinds[(source, target)] = kind
        # The first relation of a node this app exported keeps its id.
        relation_id = entry.id if entry.id and entry.id not in taken_ids else new_id()
        taken_ids.add(relation_id)
        created = _utc(entry.created_at)
        self.plan_.relations.append(
            Relation(
                id=relation_id,
                source_id=source,
                target_id=target,
                kind=kind,
                note=entry.note,
                evidence_passage_id=entry.evidence_passage_id,
                analyst=entry.analyst or self.analyst,
                created_at=created,
                updated_at=_utc(entry.updated_at) if entry.updated_at else created,
            )
        )
        self.report.created["relations"] += 1

    def _evidence(self) -> None:
        """Link the tags the extension names, where they exist here, to their claims."""
        if not self.extension.evidence:
            return
        annotations = {
            annotation.id: annotation
            for annotation in select_in(
                self.session,
                select(Annotation),
                Annotation.id,
                (entry.annotation_id for entry in self.extension.evidence.values()),
            )
        }
        outgoing: dict[str, list[str]] = defaultdict(list)
        for from_id, to_id in self.aif.edges:
            outgoing[from_id].append(to_id)
        for node_id, entry in self.extension.evidence.items():
            annotation = annotations.get(entry.annotation_id)
            if annotation is None:
                continue  # the usual case in another instance; the message says so
            # The claim is the I-node the L-node's YA-node anchors it to (L → YA → I).
            anchored = {
                claim_node
                for ya in outgoing[node_id]
                if self.aif.nodes[ya].type == "YA"
                for claim_node in outgoing[ya]
                if self.aif.nodes[claim_node].type == "I"
            }
            where = json_path([EXTENSION_KEY, "evidence", node_id])
            if len(anchored) != 1:
                self.report.warn(
                    f"{where}: its L-node is anchored to {len(anchored)} I-nodes, not one; the "
                    f"tag {annotation.id} was left as it is"
                )
                continue
            claim_id = self.claim_of[anchored.pop()]
            if annotation.claim_id == claim_id:
                self.report.reused["evidence_links"] += 1
            elif annotation.claim_id is None:
                self.plan_.evidence_links.append((annotation, claim_id))
                self.report.created["evidence_links"] += 1
            else:
                self.report.warn(
                    f"{where}: the tag {annotation.id} is evidence for claim "
                    f"{annotation.claim_id} here, the file says claim {claim_id}; left as it is"
                )

    def _count_skipped_nodes(self) -> None:
        for node in self.aif.nodes.values():
            if node.type == "I" or node.type in RELATION_KIND:
                continue
            self.report.skipped[SKIPPED_NODE_TYPES.get(node.type, "other_nodes")] += 1


def _write(session: Session, plan: _Plan) -> None:
    """Write the plan, parents before children (foreign keys are enforced)."""
    for rows in (plan.positions, plan.topics, plan.claims, plan.stances, plan.relations):
        session.add_all(rows)
        # The models declare no relationships, so the unit of work does not order the
        # inserts by foreign key; a flush per table does.
        session.flush()
    now = utcnow()
    for annotation, claim_id in plan.evidence_links:
        annotation.claim_id = claim_id
        annotation.updated_at = now
        session.add(annotation)
    session.flush()

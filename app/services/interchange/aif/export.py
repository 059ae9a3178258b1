"""The claims and relations written as AIF JSON (see the package's docstring for the mapping)."""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from app.models import (
    Annotation,
    Claim,
    ClaimStance,
    Document,
    Passage,
    Relation,
    RelationKind,
)
from app.services.catalog import list_positions, list_topics
from app.services.interchange.aif.vocabulary import (
    EXTENSION_FORMAT,
    EXTENSION_KEY,
    EXTENSION_VERSION,
    ILLOCUTION,
    NODE_TYPE,
    SCHEME_TEXT,
    Record,
)
from app.services.interchange.filters import (
    ExportFilters,
    annotation_condition,
    check_filters,
    claim_condition,
    relation_condition,
)
from app.services.interchange.writing import format_datetime
from app.services.segmentation import span_to_document_offsets


def export_aif(session: Session, filters: ExportFilters | None = None) -> dict[str, Any]:
    """The claims and relations (all, or those `filters` select) as an AIF JSON document.

    Unknown filter values raise NotFound. Arrays are in a stable order (by creation time, then
    id), so the same database gives the same document.
    """
    filters = filters or ExportFilters()
    check_filters(session, filters)
    # Evidence is read through its passage: see claim_condition for what that changes.
    claim_filter = claim_condition(filters, evidence_needs_passage=True)
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
            .where(relation_condition(filters, evidence_needs_passage=True))
            .order_by(col(Relation.created_at), col(Relation.id))
        )
        if relation.source_id in included and relation.target_id in included
    ]
    evidence = [
        (annotation, passage)
        for annotation, passage in session.exec(
            select(Annotation, Passage)
            .join(Passage, col(Passage.id) == col(Annotation.passage_id))
            .where(
                annotation_condition(filters, document_of_passage=True),
                col(Annotation.claim_id).is_not(None),
            )
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
            "filters": filters.as_record(),
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

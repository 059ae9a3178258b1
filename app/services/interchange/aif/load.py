"""Merging a parsed AIF map into the database, all or nothing: the plan first (every check),
then the writes."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from app.models import (
    Annotation,
    Claim,
    ClaimStance,
    Passage,
    Position,
    Relation,
    RelationKind,
    Stance,
    Topic,
    new_id,
    utcnow,
)
from app.services.errors import InvalidInput
from app.services.interchange.aif.parse import (
    AifExtension,
    AifMap,
    AifNode,
    ExtensionClaim,
    ExtensionRelation,
    parse_aif,
)
from app.services.interchange.aif.vocabulary import (
    ENTITIES,
    EXTENSION_KEY,
    MAX_ANALYST_LENGTH,
    MAX_ID_LENGTH,
    MAX_WARNINGS,
    RELATION_KIND,
    SKIPPED,
    SKIPPED_NODE_TYPES,
)
from app.services.uploads import (
    all_or_nothing,
    json_path,
    plural,
    select_in,
    zero_counts,
)


@dataclass
class AifImportReport:
    """What an AIF import created, reused (already stored) and skipped, with its warnings."""

    created: dict[str, int] = field(default_factory=lambda: zero_counts(ENTITIES))
    reused: dict[str, int] = field(default_factory=lambda: zero_counts(ENTITIES))
    skipped: dict[str, int] = field(default_factory=lambda: zero_counts(SKIPPED))
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
            items = [plural(count, name) for name, count in counts.items() if count]
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
            text += f" {plural(total, 'warnings')}: see the list."
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


def claim_text_key(text: str) -> str:
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
            by_text.setdefault(claim_text_key(text), claim_id)
        stored_ids = set(by_id)
        first_node: dict[str, AifNode] = {}  # claim id → the file's first I-node for it
        for node in self.aif.nodes.values():
            if node.type != "I":
                continue
            entry = self.extension.claims.get(node.id)
            key = claim_text_key(node.text)
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

    def _new_claim(self, node: AifNode, entry: ExtensionClaim | None) -> str:
        # A node this app exported keeps its claim id, so that ids stay stable across
        # instances; any other tool's ids ("17") mean nothing here.
        claim_id = node.id if entry is not None and len(node.id) <= MAX_ID_LENGTH else new_id()
        entry = entry or ExtensionClaim()
        self.plan_.claims.append(
            Claim(id=claim_id, text=node.text, topic_key=entry.topic_key, **self._made(entry))
        )
        self.report.created["claims"] += 1
        return claim_id

    def _made(self, entry: ExtensionClaim | ExtensionRelation) -> dict[str, Any]:
        """A new claim's or relation's note, who made it and when: as the extension says, else
        the importing analyst, now."""
        created = _utc(entry.created_at)
        return {
            "note": entry.note,
            "analyst": entry.analyst or self.analyst,
            "created_at": created,
            "updated_at": _utc(entry.updated_at) if entry.updated_at else created,
        }

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
            entry = self.extension.relations.get(node.id) or ExtensionRelation()
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
        entry: ExtensionRelation,
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
        self.plan_.relations.append(
            Relation(
                id=relation_id,
                source_id=source,
                target_id=target,
                kind=kind,
                evidence_passage_id=entry.evidence_passage_id,
                **self._made(entry),
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

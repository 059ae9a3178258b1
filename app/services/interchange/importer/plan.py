"""Checking an export against the database and working out every row to write, before
anything is written (reads only)."""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlmodel import Session, select

from app.models import (
    NOT_A_WEB_URL,
    Actor,
    Annotation,
    Claim,
    Document,
    Passage,
    Position,
    Relation,
    Topic,
    web_url_or_none,
)
from app.services.errors import InvalidInput
from app.services.interchange.importer.actors import check_actors
from app.services.interchange.importer.coding import (
    plan_assignments,
    plan_codebook,
    plan_team_settings,
)
from app.services.interchange.importer.places import (
    Place,
    check_orphan,
    check_place,
    verbatim_passages,
)
from app.services.interchange.importer.report import (
    ImportReport,
    Record,
)
from app.services.segmentation import join_wrapped_lines
from app.services.uploads import (
    quoted,
    select_in,
)

# A table whose rows are found by their `id`.
_Row = TypeVar("_Row", Passage, Claim, Relation, Annotation)


@dataclass
class ImportPlan:
    """Everything the import will write, worked out before anything is written."""

    report: ImportReport = field(default_factory=ImportReport)
    positions: list[Record] = field(default_factory=list)
    topics: list[Record] = field(default_factory=list)
    # Each parent before its members.
    actors: list[Record] = field(default_factory=list)
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
    # Independent coding (version 4 files): only new rows; stored ones stay as they are.
    assignments: list[Record] = field(default_factory=list)
    codebook: list[Record] = field(default_factory=list)
    team_settings: list[Record] = field(default_factory=list)


def select_stored(session: Session, query: Any, column: Any, values: Iterable[Any]) -> list[Any]:
    """`select_in`, without its queries (one per few hundred values) when `column`'s table is
    empty, as when a whole map is imported into a new instance."""
    if session.exec(select(column).limit(1)).first() is None:
        return []
    return select_in(session, query, column, values)


def _stored_by_id(session: Session, model: type[_Row], records: list[Record]) -> dict[str, _Row]:
    """The stored rows of `model` (keyed by `id`) that the file's `records` name, by id."""
    rows = select_stored(session, select(model), model.id, (r["id"] for r in records))
    return {row.id: row for row in rows}


def _by_pair(session: Session, query: Any, column: Any, values: Iterable[Any]) -> dict[Any, Any]:
    """`query`'s rows (a, b, c) whose `column` is among `values`, as {(a, b): c}."""
    return {(a, b): c for a, b, c in select_stored(session, query, column, values)}


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


def plan_import(session: Session, data: Record) -> ImportPlan:
    plan = ImportPlan()
    position_keys = _plan_keyed(session, plan, data["positions"], "positions", Position)
    topic_keys = _plan_keyed(session, plan, data["topics"], "topics", Topic)
    actor_keys = _plan_actors(session, plan, data["actors"], position_keys)
    document_texts = _plan_documents(session, plan, data["documents"])
    passages = _plan_passages(session, plan, data["passages"], document_texts)
    file_claims = _plan_claims(session, plan, data["claims"], position_keys, topic_keys)
    # The claims the relations and annotations point at: in the file, or else stored here.
    wanted = {r[end] for r in data["relations"] for end in ("source_id", "target_id")}
    wanted |= {r["claim_id"] for r in data["annotations"] if r.get("claim_id") is not None}
    claim_ids = file_claims | set(
        select_stored(session, select(Claim.id), Claim.id, wanted - file_claims)
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
        actor_keys,
        claim_ids,
    )
    report = plan.report
    plan.assignments = plan_assignments(
        session, report, data["assignments"], document_texts.keys(), _parse_datetime
    )
    catalog = (position_keys, topic_keys)
    plan.codebook = plan_codebook(
        session, report, data["codebook"], catalog, passages.keys(), _parse_datetime
    )
    plan.team_settings = plan_team_settings(session, report, data["team_settings"], _parse_datetime)
    return plan


def _plan_keyed(
    session: Session,
    plan: ImportPlan,
    records: list[Record],
    table: str,
    model: type[Position] | type[Topic] | type[Actor],
) -> set[str]:
    """Positions, topics or actors: create the missing ones; stored ones keep their local
    names (and an actor its aliases and links), as analysts here may have changed them."""
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


def _plan_actors(
    session: Session, plan: ImportPlan, records: list[Record], position_keys: set[str]
) -> set[str]:
    """Actors (none in version 1 and 2 files): created like positions and topics, once their
    links and names are checked (`check_actors`); returns the keys of every actor an
    annotation may name."""
    keys = _plan_keyed(session, plan, records, "actors", Actor)
    for row in plan.actors:
        row.setdefault("example", False)  # optional in the file; every row needs it for insert
    plan.actors = check_actors(session, records, plan.actors, position_keys, keys)
    return keys


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


def _plan_documents(session: Session, plan: ImportPlan, records: list[Record]) -> dict[str, str]:
    """Check hashes and identity; returns the original text of each document in the file."""
    _unique(records, "documents", "id")
    _unique(records, "documents", "sha256")
    # Only ids and hashes: the stored texts are not needed to compare, and may be large.
    identities = select(Document.id, Document.sha256)
    sha_by_id: dict[str, str] = dict(
        select_stored(session, identities, Document.id, (r["id"] for r in records))
    )
    id_by_sha: dict[str, str] = {
        sha: id_
        for id_, sha in select_stored(
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


def _plan_passages(
    session: Session, plan: ImportPlan, records: list[Record], document_texts: dict[str, str]
) -> dict[str, Place]:
    """Check each passage against its document's text; returns the file's passages by id."""
    _unique(records, "passages", "id")
    missing = {r["document_id"] for r in records} - document_texts.keys()
    texts = select(Document.id, Document.original_text)
    document_texts.update(select_stored(session, texts, Document.id, missing))
    stored = _stored_by_id(session, Passage, records)
    # (document, ordinal) is unique: a new passage must not take a stored passage's place.
    places = select(Passage.document_id, Passage.ordinal, Passage.id)
    taken = _by_pair(session, places, Passage.document_id, {r["document_id"] for r in records})
    passages: dict[str, Place] = {}
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
        passages[record["id"]] = Place(
            record["id"], record["document_id"], start, end, record["text"]
        )
    return passages


def _plan_claims(
    session: Session,
    plan: ImportPlan,
    records: list[Record],
    position_keys: set[str],
    topic_keys: set[str],
) -> set[str]:
    """Check each claim's topic and stances; returns the ids of the file's claims."""
    _unique(records, "claims", "id")
    stored = _stored_by_id(session, Claim, records)
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
    plan: ImportPlan,
    records: list[Record],
    claim_ids: set[str],
    file_passages: Iterable[str],
) -> None:
    """Check each relation's claims and evidence passage, and its pair against stored ones."""
    _unique(records, "relations", "id")
    passage_ids = set(file_passages)
    cited = {r["evidence_passage_id"] for r in records if r["evidence_passage_id"] is not None}
    passage_ids |= set(select_stored(session, select(Passage.id), Passage.id, cited - passage_ids))
    stored = _stored_by_id(session, Relation, records)
    # Every stored relation from one of the file's source claims, to find a pair taken.
    links = select(Relation.source_id, Relation.target_id, Relation.id)
    linked = _by_pair(session, links, Relation.source_id, {r["source_id"] for r in records})
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
    plan: ImportPlan,
    records: list[Record],
    file_passages: dict[str, Place],
    document_texts: dict[str, str],
    position_keys: set[str],
    topic_keys: set[str],
    actor_keys: set[str],
    claim_ids: set[str],
) -> None:
    _unique(records, "annotations", "id")
    passages = dict(file_passages)
    missing = {r["passage_id"] for r in records if r["passage_id"] is not None} - passages.keys()
    for passage in select_stored(session, select(Passage), Passage.id, missing):
        passages[passage.id] = Place.of(passage)
    # Placing a span in its document needs the document's text.
    texts = select(Document.id, Document.original_text)
    missing_texts = {p.document_id for p in passages.values()} - document_texts.keys()
    document_texts.update(select_stored(session, texts, Document.id, missing_texts))
    # An orphan has no passage, only its document.
    orphans_in = {r["document_id"] for r in records if r["passage_id"] is None}
    document_ids = set(document_texts) | set(
        select_stored(session, select(Document.id), Document.id, orphans_in - document_texts.keys())
    )
    verbatim = verbatim_passages(passages, document_texts)
    stored = _stored_by_id(session, Annotation, records)
    for index, record in enumerate(records):
        where = f"annotations[{index}]"
        if record["passage_id"] is None:
            check_orphan(where, record, document_ids)
        else:
            check_place(where, record, passages, document_texts, verbatim)
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
        actor_key = record.get("actor_key")  # absent from version 1 and 2 files
        if actor_key is not None and actor_key not in actor_keys:
            raise InvalidInput(
                f"{where}.actor_key: there is no actor '{actor_key}' in the file or in this "
                "database"
            )
        claim_id = record.get("claim_id")  # absent from a version 1 file
        if claim_id is not None and claim_id not in claim_ids:
            raise InvalidInput(
                f"{where}.claim_id: there is no claim '{claim_id}' in the file or in this database"
            )
        # A new row lists claim_id first, None when a version 1 file says nothing of it (an
        # update then leaves the stored claim alone); likewise actor_key in version 1 and 2.
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
            new = row if "claim_id" in row else {"claim_id": None, **row}
            new.setdefault("actor_key", None)  # a version 1 or 2 file names no actors
            # Optional in a version 4 file, absent before it: every row needs them for insert.
            new.setdefault("adjudicated", False)
            new.setdefault("adopted_from", None)
            plan.annotations.append(new)
            plan.report.created["annotations"] += 1
        elif row["updated_at"] > _last_change(existing):
            plan.annotation_updates.append((existing, row))
            plan.report.updated["annotations"] += 1
        else:
            plan.report.unchanged["annotations"] += 1


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

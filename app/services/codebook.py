"""The codebook: the definition of every code an analyst chooses from (each position, kind of
tag, topic and actor type), with what falls in and out of it and example passages.

Every code of the catalog is in the codebook, defined or not: positions and topics come from
their tables, kinds and actor types from their enums; a code nobody has defined yet has empty
fields and no entry row. Editing a code's definition makes its entry; each change is recorded
in the history (item type `codebook`, id "family:key") with the entry before and after.

Codebooks travel as REFI-QDA codebooks (.qdc, app/services/interchange/qdc.py) and as CSV
(app/services/interchange/codebook_csv.py); both come back in through `import_codes`, which
changes everything or nothing.
"""

import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func
from sqlmodel import Session, SQLModel, col, select

from app.audit.entries import Change, write_changes
from app.audit.snapshots import current_values
from app.models import (
    ActorKind,
    AnnotationKind,
    CodebookEntry,
    CodebookEntryUpdate,
    CodeFamily,
    HistoryAction,
    HistoryEntry,
    ItemType,
    Passage,
    Position,
    PositionCreate,
    Topic,
    TopicCreate,
    utcnow,
)
from app.models.catalog import KEY_PATTERN, MAX_ORDINAL
from app.services import catalog
from app.services.documents import document_labels, passage_citation
from app.services.errors import Conflict, InvalidInput, NotFound, VersionConflict

# How each family is named in the codebook and in the codebooks it exports.
FAMILY_NAMES: dict[CodeFamily, str] = {
    CodeFamily.position: "Positions",
    CodeFamily.kind: "Kinds",
    CodeFamily.topic: "Topics",
    CodeFamily.actor_type: "Actor types",
}
# What each family's codes are, for the page and for messages.
FAMILY_NOUNS: dict[CodeFamily, str] = {
    CodeFamily.position: "position",
    CodeFamily.kind: "kind of tag",
    CodeFamily.topic: "topic",
    CodeFamily.actor_type: "actor type",
}
# The GUIDs of codes without an entry, and of the families, are derived from their names in
# this namespace, so that every export names the same code with the same GUID.
GUID_NAMESPACE = uuid.UUID("6f1c3b0e-8a4e-5d2b-9c61-2f0a6a3e7d15")
MAX_NAME = 100
_KEY = re.compile(KEY_PATTERN)


def family_guid(family: CodeFamily) -> str:
    """The fixed GUID of a family's parent code in the exported codebooks."""
    return str(uuid.uuid5(GUID_NAMESPACE, f"family:{family.value}"))


def code_guid(family: CodeFamily, key: str) -> str:
    """The GUID of a code that has no entry yet (its entry keeps it once made)."""
    return str(uuid.uuid5(GUID_NAMESPACE, f"{family.value}:{key}"))


def item_id(family: CodeFamily, key: str) -> str:
    """The id of a codebook entry in the history: "family:key"."""
    return f"{family.value}:{key}"


@dataclass(frozen=True)
class Example:
    """A passage quoted as an example of a code, with its citation."""

    passage_id: str
    document_id: str
    citation: str
    text: str


@dataclass(frozen=True)
class Code:
    """One code of the codebook, with its entry's fields (empty when it has no entry)."""

    family: CodeFamily
    key: str
    name: str
    guid: str
    colour: str | None = None
    definition: str = ""
    include: str = ""
    exclude: str = ""
    examples: list[Example] = field(default_factory=list)
    version: int | None = None  # None: nobody has defined it yet
    updated_by: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class CatalogCode:
    family: CodeFamily
    key: str
    name: str
    colour: str | None = None


def catalog_codes(session: Session) -> list[CatalogCode]:
    """Every code of the catalog, family by family, in the catalog's order."""
    codes = [
        CatalogCode(CodeFamily.position, p.key, p.name, p.colour)
        for p in catalog.list_positions(session)
    ]
    codes += [CatalogCode(CodeFamily.kind, k.value, k.value) for k in AnnotationKind]
    codes += [CatalogCode(CodeFamily.topic, t.key, t.name) for t in catalog.list_topics(session)]
    codes += [CatalogCode(CodeFamily.actor_type, a.value, a.value) for a in ActorKind]
    return codes


def _entries(session: Session) -> dict[tuple[CodeFamily, str], CodebookEntry]:
    return {(CodeFamily(e.family), e.key): e for e in session.exec(select(CodebookEntry))}


def _examples(session: Session, passage_ids: Iterable[str]) -> dict[str, Example]:
    wanted = sorted(set(passage_ids))
    if not wanted:
        return {}
    passages = list(session.exec(select(Passage).where(col(Passage.id).in_(wanted))))
    labels = document_labels(session, {p.document_id for p in passages})
    return {
        p.id: Example(
            p.id, p.document_id, passage_citation(labels[p.document_id], p.ordinal), p.text
        )
        for p in passages
    }


def list_codes(session: Session) -> list[Code]:
    """The whole codebook: every code of the catalog with its definition, rules and examples
    (passages since deleted with their document are left out)."""
    entries = _entries(session)
    examples = _examples(session, (p for e in entries.values() for p in e.examples))
    codes = []
    for code in catalog_codes(session):
        entry = entries.get((code.family, code.key))
        if entry is None:
            codes.append(
                Code(
                    code.family, code.key, code.name, code_guid(code.family, code.key), code.colour
                )
            )
            continue
        codes.append(
            Code(
                code.family,
                code.key,
                code.name,
                entry.guid,
                code.colour,
                entry.definition,
                entry.include,
                entry.exclude,
                [examples[p] for p in entry.examples if p in examples],
                entry.version,
                entry.updated_by,
                entry.updated_at,
            )
        )
    return codes


def get_code(session: Session, family: CodeFamily, key: str) -> Code:
    """One code of the codebook; NotFound if the catalog has no such code."""
    for code in list_codes(session):
        if code.family is family and code.key == key:
            return code
    raise NotFound(f"There is no {FAMILY_NOUNS[family]} '{key}' to define.")


def definitions(session: Session) -> dict[str, dict[str, str]]:
    """Each defined code's definition, by family value and key (for the tag form)."""
    found: dict[str, dict[str, str]] = {family.value: {} for family in CodeFamily}
    for entry in session.exec(select(CodebookEntry).where(CodebookEntry.definition != "")):
        found[CodeFamily(entry.family).value][entry.key] = entry.definition
    return found


# --- editing -------------------------------------------------------------------------------


def _snapshot(entry: CodebookEntry) -> dict[str, Any]:
    return current_values(entry)


def _record(
    session: Session,
    entry: CodebookEntry,
    action: HistoryAction,
    before: dict[str, Any] | None,
) -> None:
    family = CodeFamily(entry.family)
    write_changes(
        session,
        [
            Change(
                ItemType.codebook,
                item_id(family, entry.key),
                action,
                before=before,
                after=_snapshot(entry),
                version=entry.version,
            )
        ],
    )


def _check_examples(session: Session, passage_ids: Sequence[str]) -> None:
    wanted = set(passage_ids)
    if not wanted:
        return
    found = set(session.exec(select(Passage.id).where(col(Passage.id).in_(sorted(wanted)))))
    missing = sorted(wanted - found)
    if missing:
        raise InvalidInput(
            "These examples are not passages of any document: " + ", ".join(missing) + "."
        )


def _last_changed_by(session: Session, family: CodeFamily, key: str) -> str | None:
    return session.exec(
        select(HistoryEntry.actor)
        .where(
            HistoryEntry.item_type == ItemType.codebook.value,
            HistoryEntry.item_id == item_id(family, key),
        )
        .order_by(col(HistoryEntry.id).desc())
    ).first()


def update_entry(
    session: Session,
    family: CodeFamily,
    key: str,
    data: CodebookEntryUpdate,
    actor: str | None,
) -> Code:
    """Change a code's definition, rules or examples (the fields given), making its entry if
    it has none. With `data.version` the change is refused (VersionConflict) if the entry is
    at another version (an undefined code is at none: any version sent is stale)."""
    code = get_code(session, family, key)
    if data.version is not None and data.version != code.version:
        raise VersionConflict(
            item_type=ItemType.codebook.value,
            item_id=item_id(family, key),
            label="codebook entry",
            current=code_record(code),
            current_version=code.version or 0,
            your_version=data.version,
            changed_by=_last_changed_by(session, family, key),
        )
    if data.examples is not None:
        _check_examples(session, data.examples)
    changes = data.model_dump(exclude_unset=True, exclude_none=True, exclude={"version"})
    if "examples" in changes:
        changes["examples"] = list(dict.fromkeys(changes["examples"]))
    entry = session.get(CodebookEntry, (family.value, key))
    if entry is None:
        entry = CodebookEntry(family=family, key=key, guid=code.guid)
        _apply(entry, changes, actor)
        session.add(entry)
        session.flush()
        _record(session, entry, HistoryAction.create, None)
    else:
        before = _snapshot(entry)
        _apply(entry, changes, actor)
        if _snapshot(entry) != before:
            entry.updated_at = utcnow()
            session.add(entry)
            session.flush()
            _record(session, entry, HistoryAction.update, before)
    session.commit()
    return get_code(session, family, key)


def _apply(entry: CodebookEntry, changes: dict[str, Any], actor: str | None) -> None:
    for name, value in changes.items():
        setattr(entry, name, value)
    entry.updated_by = actor


def code_record(code: Code) -> dict[str, Any]:
    """A code as the JSON twins give it."""
    return {
        "family": code.family.value,
        "key": code.key,
        "name": code.name,
        "guid": code.guid,
        "colour": code.colour,
        "definition": code.definition,
        "include": code.include,
        "exclude": code.exclude,
        "examples": [
            {
                "passage_id": e.passage_id,
                "document_id": e.document_id,
                "citation": e.citation,
                "text": e.text,
            }
            for e in code.examples
        ],
        "version": code.version,
        "updated_by": code.updated_by,
        "updated_at": code.updated_at,
    }


# --- importing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedCode:
    """One code read from a codebook file. `family` None: a code outside our families (a
    flat codebook from another program), which becomes a topic. `key` None: found by its
    guid or name, else made from the name."""

    name: str
    family: CodeFamily | None = None
    key: str | None = None
    guid: str | None = None
    colour: str | None = None
    definition: str = ""
    include: str = ""
    exclude: str = ""


@dataclass(frozen=True)
class ImportSummary:
    created: int  # entries made
    updated: int  # entries changed
    unchanged: int
    new_codes: list[str]  # positions and topics added to the catalog, as "family:key"


def slug(name: str) -> str:
    """A key made of a code's name: "Security guarantees" → "security-guarantees"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    key = words[:32].rstrip("-")
    if key and not key[0].isalpha():
        key = ("c-" + key)[:32].rstrip("-")
    return key


@dataclass
class _Plan:
    family: CodeFamily
    key: str
    code: ImportedCode
    entry: CodebookEntry | None
    new_catalog: bool

    @property
    def key_of(self) -> tuple[CodeFamily, str]:
        return self.family, self.key


def import_codes(
    session: Session, codes: Sequence[ImportedCode], actor: str | None
) -> ImportSummary:
    """Bring codes read from a codebook file into the codebook, all or nothing.

    A code is matched to an entry by its guid, else to a code of the catalog by its key (when
    the file gives one) or name; a position or topic not in the catalog is added to it. A code
    whose key is another code's (with another guid) is a clash: nothing is changed and the
    Conflict lists every clashing key. Kinds and actor types are fixed: an unknown one is
    refused.
    """
    entries = _entries(session)
    by_guid = {e.guid.lower(): e for e in entries.values()}
    known = {(c.family, c.key): c for c in catalog_codes(session)}
    by_name = {(c.family, c.name.casefold()): c.key for c in known.values()}
    plans: list[_Plan] = []
    clashes: list[str] = []
    problems: list[str] = []
    seen: dict[tuple[CodeFamily, str], str] = {}
    guids_seen: set[str] = set()
    for code in codes:
        family = code.family or CodeFamily.topic
        if code.guid:
            if not _is_guid(code.guid):
                problems.append(f"the code '{code.name}' has a guid that is no GUID")
                continue
            if code.guid.lower() in guids_seen:
                problems.append(f"the guid of the code '{code.name}' is another code's in the file")
                continue
            guids_seen.add(code.guid.lower())
        entry = by_guid.get(code.guid.lower()) if code.guid else None
        if entry is not None and CodeFamily(entry.family) is not family:
            clashes.append(
                f"{family.value}:{code.name} (its guid is the {entry.family} {entry.key})"
            )
            continue
        if entry is not None:
            key = entry.key
        else:
            key = code.key or by_name.get((family, code.name.casefold())) or slug(code.name)
        if not _KEY.fullmatch(key):
            problems.append(f"the code '{code.name}' gives no usable key ('{key}')")
            continue
        if (family, key) in seen:
            problems.append(
                f"the codes '{seen[(family, key)]}' and '{code.name}' have one key, '{key}'"
            )
            continue
        seen[(family, key)] = code.name
        if entry is None:
            entry = entries.get((family, key))
            if entry is not None and code.guid and entry.guid.lower() != code.guid.lower():
                clashes.append(f"{family.value}:{key}")
                continue
        new_catalog = (family, key) not in known
        if new_catalog and family in (CodeFamily.kind, CodeFamily.actor_type):
            problems.append(
                f"there is no {FAMILY_NOUNS[family]} '{key}' (they are fixed: "
                + ", ".join(c.key for c in known.values() if c.family is family)
                + ")"
            )
            continue
        plans.append(_Plan(family, key, code, entry, new_catalog))
    if problems:
        raise InvalidInput("Nothing was imported: " + "; ".join(problems) + ".")
    if clashes:
        raise Conflict(
            "Nothing was imported: these codes have the key of another code in the codebook "
            "(with another guid): " + ", ".join(clashes) + "."
        )
    return _apply_plans(session, plans, actor)


def _is_guid(text: str) -> bool:
    """Whether `text` is a GUID as REFI-QDA writes them (braces allowed, any case)."""
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return len(text) <= 38


def _apply_plans(session: Session, plans: list[_Plan], actor: str | None) -> ImportSummary:
    created = updated = unchanged = 0
    new_codes: list[str] = []
    for plan in plans:
        code = plan.code
        if plan.new_catalog:
            _add_to_catalog(session, plan)
            new_codes.append(item_id(plan.family, plan.key))
        fields = {"definition": code.definition, "include": code.include, "exclude": code.exclude}
        entry = plan.entry
        guid = (plan.code.guid or "").lower()
        if entry is None and not any(fields.values()) and guid in ("", code_guid(*plan.key_of)):
            unchanged += 1  # nothing to define, and its GUID is the one derived from its key
            continue
        if entry is None:
            entry = CodebookEntry(
                family=plan.family,
                key=plan.key,
                guid=code.guid or code_guid(plan.family, plan.key),
            )
            _apply(entry, fields, actor)
            session.add(entry)
            session.flush()
            _record(session, entry, HistoryAction.create, None)
            created += 1
            continue
        before = _snapshot(entry)
        if all(getattr(entry, name) == value for name, value in fields.items()):
            unchanged += 1
            continue
        _apply(entry, fields, actor)
        entry.updated_at = utcnow()
        session.add(entry)
        session.flush()
        _record(session, entry, HistoryAction.update, before)
        updated += 1
    session.commit()
    return ImportSummary(created, updated, unchanged, new_codes)


def _add_to_catalog(session: Session, plan: _Plan) -> None:
    """Add an imported position or topic to the catalog, in the import's transaction (the
    catalog's own services commit each one)."""
    name = plan.code.name.strip()[:MAX_NAME]
    try:
        if plan.family is CodeFamily.position:
            last = session.exec(select(func.max(Position.ordinal))).one()
            colour = plan.code.colour or "#666666"
            data: SQLModel = PositionCreate(
                key=plan.key, name=name, colour=colour, ordinal=min((last or 0) + 1, MAX_ORDINAL)
            )
            session.add(Position.model_validate(data))
        else:
            description = plan.code.definition[:2000]
            data = TopicCreate(key=plan.key, name=name, description=description)
            session.add(Topic.model_validate(data))
    except ValidationError as error:
        raise InvalidInput(
            f"Nothing was imported: the code '{plan.code.name}' cannot be a "
            f"{FAMILY_NOUNS[plan.family]} ({error.errors()[0]['msg']})."
        ) from None
    session.flush()

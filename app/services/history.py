"""The history of the map, read back: the activity feed with its filters and pages, one item's
history with what changed at each step, undoing a deletion, and the whole history as a file.

The entries themselves are written as the changes happen, by the session events in
app/history.py.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, insert, or_
from sqlmodel import Session, SQLModel, col, select

from app.audit import entries, snapshots
from app.models import (
    Actor,
    Annotation,
    Claim,
    ClaimStance,
    Document,
    HistoryAction,
    HistoryEntry,
    ItemType,
    Passage,
    Position,
    Relation,
    Topic,
    passage_id_for,
    utcnow,
)
from app.services.blinding import SEES_ALL, Blinding
from app.services.corpus import text_sha256
from app.services.errors import Conflict, InvalidInput, NotFound
from app.services.history_visibility import entry_hidden, visible_entries
from app.services.segmentation import segment_document

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
LABEL_LENGTH = 80
VALUE_LENGTH = 300
# What the entry itself already says (which item, when, which version), or noise in a diff.
HIDDEN_FIELDS = frozenset({"id", "key", "version", "created_at", "updated_at", "sha256"})
# Lines are handed on in chunks of about this many characters (as the map exports do).
# What the pages call each type of item.
NOUNS = snapshots.NOUNS

Snapshot = dict[str, Any]


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryFilters:
    """Which entries to show; every filter given must hold. `until` is exclusive. `blinding` is
    who asks, not a choice: the entries about the tags it hides are left out."""

    item_type: ItemType | None = None
    item_id: str | None = None
    id_contains: str | None = None
    actor: str | None = None
    action: HistoryAction | None = None
    since: datetime | None = None
    until: datetime | None = None
    blinding: Blinding = SEES_ALL


@dataclass(frozen=True)
class FieldChange:
    """One field of an item, as shown before and after a change (None: no value, or no item)."""

    name: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class HistoryItem:
    """An entry with what a reader needs: the item's short label and the fields that changed
    (for a creation or a deletion, the fields it had)."""

    entry: HistoryEntry
    label: str
    changes: list[FieldChange]


@dataclass(frozen=True)
class HistoryPage:
    """A page of the feed, newest first. `newer` and `older` are the entry ids to page from
    (`after=newer`, `before=older`), or None when there is nothing that way."""

    items: list[HistoryItem]
    newer: int | None
    older: int | None


def _conditions(filters: HistoryFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.item_type is not None:
        conditions.append(col(HistoryEntry.item_type) == filters.item_type.value)
    if filters.item_id is not None:
        conditions.append(col(HistoryEntry.item_id) == filters.item_id)
    if filters.id_contains:
        conditions.append(col(HistoryEntry.item_id).contains(filters.id_contains, autoescape=True))
    if filters.actor is not None:
        conditions.append(col(HistoryEntry.actor) == filters.actor)
    if filters.action is not None:
        conditions.append(col(HistoryEntry.action) == filters.action.value)
    if filters.since is not None:
        conditions.append(col(HistoryEntry.at) >= filters.since)
    if filters.until is not None:
        conditions.append(col(HistoryEntry.at) < filters.until)
    seen = visible_entries(filters.blinding)
    if seen is not None:
        conditions.append(seen)
    return conditions


def _any(session: Session, conditions: list[ColumnElement[bool]]) -> bool:
    found = session.exec(select(HistoryEntry.id).where(*conditions).limit(1)).first()
    return found is not None


def list_history(
    session: Session,
    filters: HistoryFilters = HistoryFilters(),
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int = PAGE_SIZE,
) -> HistoryPage:
    """A page of the entries matching `filters`, newest first: the newest ones, those just
    older than entry `before`, or those just newer than entry `after` (keyset paging, so a
    page stays put while new entries arrive). At most MAX_PAGE_SIZE entries a page."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    conditions = _conditions(filters)
    query = select(HistoryEntry).where(*conditions)
    if after is not None:
        rows = list(
            session.exec(
                query.where(col(HistoryEntry.id) > after)
                .order_by(col(HistoryEntry.id))
                .limit(limit)
            )
        )
        rows.reverse()
    else:
        if before is not None:
            query = query.where(col(HistoryEntry.id) < before)
        rows = list(session.exec(query.order_by(col(HistoryEntry.id).desc()).limit(limit)))
    if not rows:
        return HistoryPage([], None, None)
    newest, oldest = rows[0].id, rows[-1].id
    assert newest is not None and oldest is not None
    newer = newest if _any(session, [*conditions, col(HistoryEntry.id) > newest]) else None
    older = oldest if _any(session, [*conditions, col(HistoryEntry.id) < oldest]) else None
    return HistoryPage(present_entries(session, rows), newer, older)


def item_history(
    session: Session, item_type: ItemType, item_id: str, blinding: Blinding = SEES_ALL
) -> list[HistoryItem]:
    """Every entry of one item, newest first; NotFound if it has none, or if it is a tag the
    reader's `blinding` hides."""
    seen = visible_entries(blinding)
    rows = list(
        session.exec(
            select(HistoryEntry)
            .where(HistoryEntry.item_type == item_type.value, HistoryEntry.item_id == item_id)
            .where(*([] if seen is None else [seen]))
            .order_by(col(HistoryEntry.id).desc())
        )
    )
    if not rows:
        raise NotFound(f"There is no history for the {snapshots.NOUNS[item_type]} '{item_id}'.")
    return present_entries(session, rows)


def item_exists(session: Session, item_type: ItemType, item_id: str) -> bool:
    """Whether the item is in the map now (a removed tag is not)."""
    model = snapshots.MODELS.get(item_type)
    if model is None:  # recorded by their services, not restored from the history
        return True
    item = session.get(model, item_id)
    if isinstance(item, Annotation):
        return item.deleted_at is None
    return item is not None


def restorable_entry(items: Sequence[HistoryItem], exists: bool) -> int | None:
    """The entry whose deletion can be undone from an item's history (newest first): its
    newest entry, when that is a deletion and the item is not back."""
    if exists or not items or items[0].entry.action != HistoryAction.delete:
        return None
    return items[0].entry.id


def list_actors(session: Session) -> list[str]:
    """Everyone who has changed something, by name."""
    query = select(HistoryEntry.actor).where(col(HistoryEntry.actor).is_not(None)).distinct()
    return sorted(actor for actor in session.exec(query) if actor is not None)


# --- presenting ----------------------------------------------------------------------------


def short(text: str, limit: int = LABEL_LENGTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def present_entries(session: Session, entries: Sequence[HistoryEntry]) -> list[HistoryItem]:
    """The entries with their labels and changes; the passages and claims that labels quote
    are looked up in two queries, whatever the number of entries."""
    snapshots = [entry.after or entry.before or {} for entry in entries]
    passage_ids = {
        s["passage_id"]
        for e, s in zip(entries, snapshots, strict=True)
        if e.item_type == ItemType.annotation and not s.get("quote") and s.get("passage_id")
    }
    claim_ids = {
        s[end]
        for e, s in zip(entries, snapshots, strict=True)
        if e.item_type == ItemType.relation
        for end in ("source_id", "target_id")
        if s.get(end)
    }
    passages: dict[str, str] = {}
    if passage_ids:
        passages = dict(
            session.exec(
                select(Passage.id, Passage.text).where(col(Passage.id).in_(passage_ids))
            ).all()
        )
    claims: dict[str, str] = {}
    if claim_ids:
        claims = dict(
            session.exec(select(Claim.id, Claim.text).where(col(Claim.id).in_(claim_ids))).all()
        )
    return [
        HistoryItem(entry, _label(entry, snapshot, passages, claims), changed_fields(entry))
        for entry, snapshot in zip(entries, snapshots, strict=True)
    ]


def _label(
    entry: HistoryEntry, snapshot: Snapshot, passages: dict[str, str], claims: dict[str, str]
) -> str:
    """A short name for the item, from its snapshot: a tag's quote (or its passage's opening
    words), a claim's text, a relation's two claims, a position's or topic's name, a
    document's title."""
    item_type = ItemType(entry.item_type)
    if item_type is ItemType.annotation:
        quoted = snapshot.get("quote") or passages.get(snapshot.get("passage_id") or "")
        return f"“{short(quoted)}”" if quoted else "a whole passage"
    if item_type is ItemType.claim:
        return short(str(snapshot.get("text") or entry.item_id))
    if item_type is ItemType.relation:
        ends = [
            f"“{short(claims[value], 40)}”" if value in claims else "a deleted claim"
            for value in (snapshot.get("source_id"), snapshot.get("target_id"))
        ]
        return f"{ends[0]} {snapshot.get('kind', 'supports')} {ends[1]}"
    if item_type is ItemType.document:
        return short(str(snapshot.get("title") or snapshot.get("source_name") or entry.item_id))
    return short(str(snapshot.get("name") or entry.item_id))


def _shown(name: str, value: Any) -> str | None:
    """A field's value as a reader sees it (None for no value)."""
    if value is None or value == "":
        return None
    if name == "original_text":
        return f"{len(value):,} characters of text"
    if name == "stances":
        stances = ", ".join(f"{s['position_key']} {s['stance']}" for s in value)
        return stances or "none"
    if name == "evidence":
        return f"{len(value)} tag{'s' if len(value) != 1 else ''}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return short(str(value), VALUE_LENGTH)


def changed_fields(entry: HistoryEntry) -> list[FieldChange]:
    """The fields an entry changed, before and after; for a creation (or a re-insertion) the
    fields the item was given, for a deletion those it had."""
    before, after = entry.before, entry.after
    if before is None or after is None:
        shown = after if before is None else before
        changes = []
        for name, value in (shown or {}).items():
            if name in HIDDEN_FIELDS or value in (None, "", [], False):
                continue
            text = _shown(name, value)
            changes.append(
                FieldChange(name, None, text) if before is None else FieldChange(name, text, None)
            )
        return changes
    names = [
        name
        for name in dict.fromkeys([*before, *after])
        if name not in HIDDEN_FIELDS and before.get(name) != after.get(name)
    ]
    return [
        FieldChange(name, _shown(name, before.get(name)), _shown(name, after.get(name)))
        for name in names
    ]


def entry_record(entry: HistoryEntry) -> dict[str, Any]:
    """An entry as plain JSON values."""
    return {
        "id": entry.id,
        "at": snapshots.json_safe(entry.at),
        "actor": entry.actor,
        "action": str(entry.action),
        "item_type": str(entry.item_type),
        "item_id": entry.item_id,
        "version": entry.version,
        "before": entry.before,
        "after": entry.after,
    }


# --- restoring -----------------------------------------------------------------------------


def get_entry(session: Session, entry_id: int, blinding: Blinding = SEES_ALL) -> HistoryEntry:
    """The entry; NotFound if there is none or if it is about a tag the reader's `blinding`
    hides."""
    entry = session.get(HistoryEntry, entry_id)
    if entry is None or entry_hidden(entry, blinding):
        raise NotFound(f"There is no history entry number {entry_id}.")
    return entry


def _without_lost_links(session: Session, before: Snapshot) -> Snapshot:
    """An actor's snapshot without the parent or position deleted since."""
    for link, model in (("parent_key", Actor), ("position_key", Position)):
        key = before.get(link)
        if key is not None and session.get(model, key) is None:
            before[link] = None
    return before


def restore(session: Session, entry_id: int, blinding: Blinding = SEES_ALL) -> HistoryEntry:
    """Bring back the item whose deletion entry `entry_id` records, as it was before; commit
    and return the entry that records the restoration.

    - A removed tag comes back; one deleted with its document is inserted again if its
      passage exists (InvalidInput otherwise: restore the document first).
    - A claim comes back with its stances, and its evidence tags that are live and back no
      other claim become its evidence again.
    - A relation comes back if both its claims exist and no other relation links them.
    - A position, topic or document comes back as it was; a document with its passages,
      segmented again from its text (their ids derive from it, so its tags can be restored
      after it).

    A link to an item that is gone meanwhile (a topic, a tag's claim, a relation's evidence
    passage, a stance's position) is left out. Restoring an item that exists again, or from
    an entry that is not a deletion, is a Conflict. The restored item gets the next version
    after the one deleted. An entry about a tag the reader's `blinding` hides is not found.
    """
    entry = get_entry(session, entry_id, blinding)
    if entry.action != HistoryAction.delete or entry.before is None:
        # The entry is there but cannot be acted on: a clash with its state, not bad input.
        raise Conflict(f"Only a deletion can be undone; entry {entry_id} records a {entry.action}.")
    item_type = ItemType(entry.item_type)
    before = dict(entry.before)
    if item_type is ItemType.annotation:
        _restore_annotation(session, entry.item_id, before)
    elif item_type is ItemType.claim:
        _restore_claim(session, entry.item_id, before)
    elif item_type is ItemType.relation:
        _restore_relation(session, entry.item_id, before)
    elif item_type is ItemType.document:
        _restore_document(session, entry.item_id, before)
    elif item_type is ItemType.actor:
        _refuse_if_present(session, item_type, entry.item_id)
        _reinsert(session, Actor, _without_lost_links(session, before))
    elif item_type in snapshots.MODELS:
        _refuse_if_present(session, item_type, entry.item_id)
        _reinsert(session, snapshots.MODELS[item_type], before)
    else:
        raise Conflict(f"A deleted {snapshots.NOUNS[item_type]} is not restored from the history.")
    session.commit()
    return latest_entry(session, item_type, entry.item_id)


def latest_entry(session: Session, item_type: ItemType, item_id: str) -> HistoryEntry:
    found = session.exec(
        select(HistoryEntry)
        .where(HistoryEntry.item_type == item_type.value, HistoryEntry.item_id == item_id)
        .order_by(col(HistoryEntry.id).desc())
        .limit(1)
    ).first()
    if found is None:
        raise NotFound(f"There is no history for the {snapshots.NOUNS[item_type]} '{item_id}'.")
    return found


def _already_restored(item_type: ItemType) -> Conflict:
    return Conflict(f"This {snapshots.NOUNS[item_type]} exists again: it was already restored.")


def _refuse_if_present(session: Session, item_type: ItemType, item_id: str) -> None:
    if session.get(snapshots.MODELS[item_type], item_id) is not None:
        raise _already_restored(item_type)


def _existing(session: Session, model: type[SQLModel], key: Any) -> Any:
    """`key` if the row it names exists, else None (a link to something gone is dropped)."""
    return key if key is not None and session.get(model, key) is not None else None


def _reinsert(
    session: Session, model: type[SQLModel], snapshot: Snapshot, extra: Snapshot | None = None
) -> Snapshot:
    """Insert the row `snapshot` describes again, as the item's next version, and record the
    restoration (with `extra` added to the entry's snapshot); return the row as inserted."""
    names = snapshots.column_names(model)
    # Validating parses the snapshot's JSON values back into times, dates and enums.
    item = model.model_validate({name: snapshot[name] for name in names if name in snapshot})
    row = {name: getattr(item, name) for name in names}
    row["version"] = int(snapshot.get("version") or 0) + 1
    if "updated_at" in row:
        row["updated_at"] = utcnow()
    # A Core insert: the ORM would start the version at 1 again.
    session.connection().execute(insert(snapshots.table_of(model)), [row])
    entries.record_rows(session, HistoryAction.restore, model, [{**row, **(extra or {})}])
    return row


def _restore_annotation(session: Session, annotation_id: str, before: Snapshot) -> None:
    existing = session.get(Annotation, annotation_id)
    if existing is not None:
        if existing.deleted_at is None:
            raise _already_restored(ItemType.annotation)
        # A removed tag: the session events record clearing `deleted_at` as its restoration.
        existing.deleted_at = None
        existing.updated_at = utcnow()
        session.add(existing)
        return
    passage_id = before.get("passage_id")
    place = (
        _existing(session, Passage, passage_id)
        if passage_id is not None
        else _existing(session, Document, before.get("document_id"))
    )
    if place is None:
        raise InvalidInput(
            "This tag's passage was deleted with its document: restore the document first."
        )
    if _existing(session, Position, before.get("position_key")) is None:
        raise InvalidInput(
            f"This tag's position '{before.get('position_key')}' was deleted: restore the "
            "position first."
        )
    _reinsert(
        session,
        Annotation,
        {
            **before,
            "deleted_at": None,
            "topic_key": _existing(session, Topic, before.get("topic_key")),
            "claim_id": _existing(session, Claim, before.get("claim_id")),
        },
    )


def _restore_claim(session: Session, claim_id: str, before: Snapshot) -> None:
    _refuse_if_present(session, ItemType.claim, claim_id)
    positions = set(session.exec(select(Position.key)))
    stances = [s for s in before.get("stances") or [] if s.get("position_key") in positions]
    topic_key = _existing(session, Topic, before.get("topic_key"))
    _reinsert(session, Claim, {**before, "topic_key": topic_key}, {"stances": stances})
    if stances:
        session.connection().execute(
            insert(snapshots.table_of(ClaimStance)),
            [{"claim_id": claim_id, **stance} for stance in stances],
        )
    evidence = before.get("evidence") or []
    if evidence:
        now = utcnow()
        for annotation in session.exec(
            select(Annotation).where(
                col(Annotation.id).in_(evidence),
                col(Annotation.deleted_at).is_(None),
                col(Annotation.claim_id).is_(None),
            )
        ):
            annotation.claim_id = claim_id
            annotation.updated_at = now
            session.add(annotation)


def _restore_relation(session: Session, relation_id: str, before: Snapshot) -> None:
    _refuse_if_present(session, ItemType.relation, relation_id)
    source, target = before.get("source_id"), before.get("target_id")
    if _existing(session, Claim, source) is None or _existing(session, Claim, target) is None:
        raise InvalidInput(
            "One of the two claims this relation linked was deleted: restore that claim first."
        )
    linked = session.exec(
        select(Relation.id).where(
            or_(
                and_(col(Relation.source_id) == source, col(Relation.target_id) == target),
                and_(col(Relation.source_id) == target, col(Relation.target_id) == source),
            )
        )
    ).first()
    if linked is not None:
        raise Conflict(
            "These two claims are linked by another relation now; two claims can have one "
            "relation only."
        )
    evidence = _existing(session, Passage, before.get("evidence_passage_id"))
    _reinsert(session, Relation, {**before, "evidence_passage_id": evidence})


def _restore_document(session: Session, document_id: str, before: Snapshot) -> None:
    _refuse_if_present(session, ItemType.document, document_id)
    text = before.get("original_text")
    if not isinstance(text, str) or not text:
        raise InvalidInput("This entry does not hold the document's text; it cannot be restored.")
    sha256 = text_sha256(text)
    twin = session.exec(select(Document.id).where(Document.sha256 == sha256)).first()
    if twin is not None:
        raise Conflict(f"This text is in the corpus again, as document '{twin}'.")
    _reinsert(session, Document, {**before, "sha256": sha256})
    # Segmented as when it was added; passage ids derive from the document's id and offsets.
    passages = [
        {
            "id": passage_id_for(document_id, segment.start, segment.end),
            "document_id": document_id,
            "ordinal": ordinal,
            "kind": segment.kind.value,
            "text": segment.text,
            "start": segment.start,
            "end": segment.end,
        }
        for ordinal, segment in enumerate(segment_document(text))
    ]
    if passages:
        session.connection().execute(insert(snapshots.table_of(Passage)), passages)

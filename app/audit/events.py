"""The session events that record every change in the transaction that makes it, and the
ownership rule they enforce (see the package's docstring)."""

from itertools import chain

from sqlalchemy import (
    event,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction
from sqlmodel import SQLModel

from app.audit.entries import (
    ACTOR,
    MAY_EDIT_ANY,
    WRITTEN,
    Change,
    write_changes,
)
from app.audit.ownership import may_change_work
from app.audit.snapshots import (
    ITEM_TYPES,
    NOUNS,
    Snapshot,
    claim_evidence,
    claim_stances,
    current_values,
    item_id_of,
    live_annotations_of_documents,
    relations_of_claims,
    stored_values,
)
from app.models import (
    Annotation,
    Claim,
    ClaimStance,
    Document,
    HistoryAction,
    ItemType,
    Position,
    Relation,
    Topic,
    utcnow,
)
from app.services.errors import Forbidden

# Kept in `session.info` by the events themselves.
_PREPARED = "history_prepared"  # the changes before_flush found, for after_flush to write

# Changing one of these (or deleting the item) is editing the analyst's own work.
OWNED_FIELDS: dict[type[SQLModel], frozenset[str]] = {
    Annotation: frozenset(
        {
            "position_key",
            "kind",
            "topic_key",
            "actor_key",
            "note",
            "start",
            "end",
            "quote",
            "deleted_at",
        }
    ),
    Claim: frozenset({"text", "topic_key", "note"}),
    Relation: frozenset({"kind", "note", "evidence_passage_id"}),
}

# --- the session events --------------------------------------------------------------------


def _check_owner(
    session: Session, obj: SQLModel, before: Snapshot, changed: set[str] | None
) -> None:
    """Refuse a change (`changed` fields) or a deletion (None) of another analyst's work."""
    owned = OWNED_FIELDS.get(type(obj))
    if owned is None or (changed is not None and not changed & owned):
        return
    owner = before.get("analyst")
    if may_change_work(owner, session.info.get(ACTOR), bool(session.info.get(MAY_EDIT_ANY))):
        return
    raise Forbidden(
        f"This {NOUNS[ITEM_TYPES[type(obj)]]} is {owner}'s work: only they, or someone allowed "
        "to edit everyone's work, may change or delete it."
    )


def _touch_claims_of_changed_stances(session: Session) -> list[Claim]:
    """Make a change to a claim's stances a change of the claim.

    A claim that is not changing otherwise gets a new `updated_at` (so that its version goes
    up and the change is recorded), unless this transaction already has an entry for it: that
    entry is brought up to date instead (the claims returned), so that a claim created with
    its stances is one `create`.
    """
    claim_ids = {
        stance.claim_id
        for stance in chain(session.new, session.dirty, session.deleted)
        if isinstance(stance, ClaimStance)
        and (stance not in session.dirty or session.is_modified(stance))
    }
    written = session.info.get(WRITTEN, {})
    refresh: list[Claim] = []
    with session.no_autoflush:
        for claim_id in sorted(claim_ids):
            claim = session.get(Claim, claim_id)
            if claim is None or claim in session.new or claim in session.deleted:
                continue
            if session.is_modified(claim):
                continue  # its own change is recorded, stances and all
            if (ItemType.claim, claim_id) in written:
                refresh.append(claim)
            else:
                claim.updated_at = utcnow()
    return refresh


def _update_action(obj: SQLModel, before: Snapshot, after: Snapshot) -> HistoryAction:
    if isinstance(obj, Annotation):
        if before["deleted_at"] is None and after["deleted_at"] is not None:
            return HistoryAction.delete
        if before["deleted_at"] is not None and after["deleted_at"] is None:
            return HistoryAction.restore
    return HistoryAction.update


def _before_flush(session: Session, _context: UOWTransaction, _instances: object) -> None:
    refresh = _touch_claims_of_changed_stances(session)
    changes: list[Change] = []
    for obj in session.new:
        item_type = ITEM_TYPES.get(type(obj))
        if isinstance(obj, Position | Topic | Document) and obj.created_by is None:
            obj.created_by = session.info.get(ACTOR)
        if item_type is not None:
            item_id = item_id_of(item_type, current_values(obj))
            changes.append(Change(item_type, item_id, HistoryAction.create, obj=obj))
    for obj in session.dirty:
        item_type = ITEM_TYPES.get(type(obj))
        if item_type is None or obj in session.deleted or not session.is_modified(obj):
            continue
        if isinstance(obj, Position | Topic | Document):
            obj.updated_at = utcnow()
        before = stored_values(session, obj)
        now = current_values(obj)
        action = _update_action(obj, before, now)
        # Undoing a removal is open to every analyst: it only brings back what someone made.
        if action != HistoryAction.restore:
            _check_owner(session, obj, before, {n for n in now if now[n] != before[n]})
        changes.append(Change(item_type, item_id_of(item_type, before), action, before, obj=obj))
    for obj in session.deleted:
        item_type = ITEM_TYPES.get(type(obj))
        if item_type is not None:
            before = stored_values(session, obj)
            _check_owner(session, obj, before, None)
            item_id = item_id_of(item_type, before)
            changes.append(
                Change(item_type, item_id, HistoryAction.delete, before, version=before["version"])
            )
    for claim in refresh:
        changes.append(
            Change(ItemType.claim, claim.id, HistoryAction.update, obj=claim, refresh_only=True)
        )
    if changes:
        changes.extend(_details_and_cascades(session.connection(), changes))
    session.info[_PREPARED] = changes


def _details_and_cascades(connection: Connection, changes: list[Change]) -> list[Change]:
    """Add the stances (and for a deletion the evidence) to the claims' before-snapshots, and
    return the deletions the database will cascade to."""
    claims = [c for c in changes if c.item_type is ItemType.claim and c.before is not None]
    stances = claim_stances(connection, (c.item_id for c in claims))
    deleted = {(c.item_type, c.item_id) for c in changes if c.obj is None}
    deleted_claims = [item_id for item_type, item_id in deleted if item_type is ItemType.claim]
    evidence = claim_evidence(connection, deleted_claims)
    for change in claims:
        assert change.before is not None
        change.before["stances"] = stances.get(change.item_id, [])
        if change.obj is None:
            change.before["evidence"] = evidence.get(change.item_id, [])
    cascaded: list[Change] = []
    deleted_documents = [
        item_id for item_type, item_id in deleted if item_type is ItemType.document
    ]
    for item_type, rows in (
        (ItemType.relation, relations_of_claims(connection, deleted_claims)),
        (ItemType.annotation, live_annotations_of_documents(connection, deleted_documents)),
    ):
        for row in rows:
            if (item_type, row["id"]) not in deleted:
                cascaded.append(
                    Change(item_type, row["id"], HistoryAction.delete, row, version=row["version"])
                )
    return cascaded


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    changes: list[Change] = session.info.pop(_PREPARED, None) or []
    if not changes:
        return
    for change in changes:
        if change.obj is not None:
            change.after = current_values(change.obj)
            change.version = change.after["version"]
    claims = [c for c in changes if c.item_type is ItemType.claim and c.after is not None]
    stances = claim_stances(session.connection(), (c.item_id for c in claims))
    for change in claims:
        assert change.after is not None
        change.after["stances"] = stances.get(change.item_id, [])
    write_changes(session, changes)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # Entries written in a transaction (or savepoint) that ended are not brought up to date
    # any more: the next change of the item gets an entry of its own. (Each flush runs in a
    # subtransaction of its own, which ends too; those do not count.)
    if transaction.parent is None or transaction.nested:
        session.info.pop(WRITTEN, None)
        session.info.pop(_PREPARED, None)


def install() -> None:
    """Listen to every session's flushes (once; importing this module does it)."""
    for name, listener in (
        ("before_flush", _before_flush),
        ("after_flush", _after_flush),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


install()

"""The audit trail: the history of every change to the map (who changed which item, when,
and how it was before and after), and the ownership rule for analysts' work.

`snapshots` turns rows into what the history stores, `entries` writes the entries (also for
bulk writes), and `events` are the session events that find the changes and check ownership.

Session events record, in the transaction that makes the change, one `HistoryEntry` per
creation, change, deletion or restoration of a tracked item (tags, claims, relations,
positions, topics, documents). Each entry holds JSON snapshots of the row before and after
(times as ISO 8601 strings in UTC, enums as their values); a claim's snapshots also list its
stances, so that changing a stance alone shows as a change of its claim. What the database
deletes by itself (ON DELETE CASCADE) is recorded too: a deleted claim's relations and a
deleted document's live tags, and a deleted claim's snapshot lists its evidence tags, so that
undoing the deletion can link them again. Writes that bypass the ORM (the importer's bulk
inserts, clearing the example data) record theirs with `record_rows` and `record_deletions`.

An item changed in several flushes of one transaction gets one entry: a claim created and then
given its stances and evidence before the commit has a single `create` entry showing all of it.

Removing a tag is a soft delete (`deleted_at` set) and is recorded as a `delete`; clearing
`deleted_at` is a `restore`. The entry's version is the item's version after the change; for a
deletion that removes the row, the version it had.

The same hook enforces ownership: when `session.info["actor"]` names a user and
`session.info["may_edit_any"]` is false, changing or deleting a tag, claim or relation made by
another analyst raises Forbidden. Only the fields that are the analyst's own work count (see
`OWNED_FIELDS`); links between items (a tag's claim, a relation's ends), stances and the
re-anchoring bookkeeping are shared structure that anyone may change.
"""

"""add full text search

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 02:40:00.000000

Full-text search over passages (text), claims (text and note) and annotations (note).

SQLite: one FTS5 table per searched table, each holding a copy of the searched columns and the
row's id (UNINDEXED), with the same rowid as the row it indexes; triggers keep them in step with
every insert, update and delete, bulk inserts included. A copy rather than an external-content
table: the searched tables have string ids, and an external-content table would read its text
back through the implicit rowid, which SQLite does not promise to keep; results here are joined
by id and never show another row's text.

PostgreSQL: GIN expression indexes over `to_tsvector('simple', …)`; the queries in
app/services/search.py repeat exactly these expressions so that they use the indexes.

Neither exists in the models: app.db.include_in_schema_comparison keeps them out of the
comparison of the models with the migrated schema.

A later migration that rebuilds `passage`, `claim` or `annotation` on SQLite (batch mode)
drops their triggers with the table, and must create them again.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKENIZE = "unicode61 remove_diacritics 2"

# FTS5 table → (indexed table, searched columns, the condition for a row to be indexed)
SQLITE_INDEXES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "passage_fts": ("passage", ("text",), "1"),
    "claim_fts": ("claim", ("text", "note"), "1"),
    "annotation_note_fts": ("annotation", ("note",), "{row}.note <> ''"),
}

# index name → (table, the text expression indexed)
POSTGRES_INDEXES: dict[str, tuple[str, str]] = {
    "ix_passage_text_search": ("passage", "text"),
    "ix_claim_text_search": ("claim", "text || ' ' || note"),
    "ix_annotation_note_search": ("annotation", "note"),
}


def _sqlite_upgrade() -> None:
    for fts, (table, columns, condition) in SQLITE_INDEXES.items():
        names = ", ".join(columns)
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5(id UNINDEXED, {names}, tokenize='{TOKENIZE}')"
        )
        new_values = ", ".join(f"new.{c}" for c in columns)
        insert = (
            f"INSERT INTO {fts} (rowid, id, {names}) SELECT new.rowid, new.id, {new_values} "
            f"WHERE {condition.format(row='new')};"
        )
        delete = f"DELETE FROM {fts} WHERE rowid = old.rowid;"
        op.execute(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {insert} END")
        op.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {delete} END")
        op.execute(
            f"CREATE TRIGGER {fts}_update AFTER UPDATE OF id, {names} ON {table} "
            f"BEGIN {delete} {insert} END"
        )
        op.execute(
            f"INSERT INTO {fts} (rowid, id, {names}) SELECT rowid, id, {names} FROM {table} "
            f"WHERE {condition.format(row=table)}"
        )


def _sqlite_downgrade() -> None:
    for fts in SQLITE_INDEXES:
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {fts}_{event}")
        op.execute(f"DROP TABLE IF EXISTS {fts}")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_upgrade()
    elif dialect == "postgresql":
        for name, (table, expression) in POSTGRES_INDEXES.items():
            op.execute(
                f"CREATE INDEX {name} ON {table} USING gin (to_tsvector('simple', {expression}))"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_downgrade()
    elif dialect == "postgresql":
        for name in POSTGRES_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")

"""store search vectors

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 07:55:00.000000

PostgreSQL: each searched table gets a stored generated column `search_vector`, the
`to_tsvector('simple', …)` of the same text that 0005 indexed, and a GIN index on that column
replaces 0005's expression index. A search ranks every matching row, not only the page shown:
with the vector computed from the text again for each of them, that was most of a search's
time (about 4,000 rows a query in a corpus of 500,000 tags). PostgreSQL itself keeps a
generated column in step with every insert and update, bulk inserts included.
app/services/search.py matches and ranks with these columns.

SQLite: nothing; its FTS5 tables (0005) already hold what ranking needs.

Like 0005's objects, neither the columns nor their indexes are in the models:
app.db.include_in_schema_comparison leaves them out of the comparison.

Adding a stored generated column rewrites the table: on a large corpus, expect the upgrade to
hold each table's lock for some seconds.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMN = "search_vector"

# table → (the new index on its column, the text expression indexed, 0005's index)
POSTGRES_VECTORS: dict[str, tuple[str, str, str]] = {
    "passage": ("ix_passage_search_vector", "text", "ix_passage_text_search"),
    "claim": ("ix_claim_search_vector", "text || ' ' || note", "ix_claim_text_search"),
    "annotation": ("ix_annotation_search_vector", "note", "ix_annotation_note_search"),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, (index, expression, old_index) in POSTGRES_VECTORS.items():
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN {COLUMN} tsvector "
            f"GENERATED ALWAYS AS (to_tsvector('simple', {expression})) STORED"
        )
        op.execute(f"CREATE INDEX {index} ON {table} USING gin ({COLUMN})")
        op.execute(f"DROP INDEX IF EXISTS {old_index}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, (_index, expression, old_index) in POSTGRES_VECTORS.items():
        op.execute(
            f"CREATE INDEX {old_index} ON {table} USING gin (to_tsvector('simple', {expression}))"
        )
        # The column's index goes with it.
        op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {COLUMN}")

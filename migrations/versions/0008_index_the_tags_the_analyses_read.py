"""index the tags the analyses read

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 22:00:00.000000

The matrix and the statements of the discourse networks read every live tag. Without indexes
made for them SQLite walked `ix_annotation_deleted_at` (`deleted_at IS NULL` holds for nearly
every tag) and looked each tag up in the table; both databases read the whole table.

- ix_annotation_deleted_at is dropped: nothing looks removed tags up by their date.
- ix_annotation_actor_key becomes ix_annotation_actor_live (actor_key, deleted_at,
  document_id): it still serves the actor's foreign key, and counts the live tags naming
  nobody (in the documents a date filter keeps) from the index alone.
- Partial indexes of the live (and placed) tags, with the columns each query reads, so that
  the query reads the index alone: the matrix's cells, the claims' evidence, the evidence that
  lost its place, and the tags that name an actor (the statements).

Their definitions are in `app/models/annotations.py` (ANNOTATION_INDEXES); they are written
out here, as a migration must not change when the models do. SQLite picks them without
statistics (no ANALYZE: statistics taken on a small map would mislead it once the map grows).
On the 500,000-tag benchmark corpus, in process: the matrix 2.6 s → 0.9 s, the tags a
statement is read from 0.3 s → 0.03 s, the count of tags naming nobody 0.3 s → 0.04 s (in a
30-day window 0.3 s → 0.008 s).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "deleted_at IS NULL"
PLACED = f"{LIVE} AND orphaned_at IS NULL"

PARTIAL_INDEXES = {
    "ix_annotation_matrix_cells": (
        ["position_key", "topic_key", "kind", "claim_id", "deleted_at", "orphaned_at"],
        PLACED,
    ),
    "ix_annotation_live_evidence": (
        [
            "claim_id",
            "position_key",
            "kind",
            "document_id",
            "topic_key",
            "deleted_at",
            "orphaned_at",
        ],
        f"{PLACED} AND claim_id IS NOT NULL",
    ),
    "ix_annotation_orphaned_evidence": (
        ["claim_id", "deleted_at", "orphaned_at"],
        f"{LIVE} AND orphaned_at IS NOT NULL",
    ),
    "ix_annotation_live_speakers": (
        [
            "actor_key",
            "claim_id",
            "topic_key",
            "kind",
            "position_key",
            "document_id",
            "passage_id",
            "id",
            "deleted_at",
        ],
        f"{LIVE} AND actor_key IS NOT NULL",
    ),
}


def upgrade() -> None:
    op.drop_index("ix_annotation_deleted_at", table_name="annotation")
    op.drop_index("ix_annotation_actor_key", table_name="annotation")
    op.create_index(
        "ix_annotation_actor_live", "annotation", ["actor_key", "deleted_at", "document_id"]
    )
    for name, (columns, where) in PARTIAL_INDEXES.items():
        op.create_index(
            name,
            "annotation",
            columns,
            sqlite_where=sa.text(where),
            postgresql_where=sa.text(where),
        )


def downgrade() -> None:
    for name in reversed(PARTIAL_INDEXES):
        op.drop_index(name, table_name="annotation")
    op.drop_index("ix_annotation_actor_live", table_name="annotation")
    op.create_index("ix_annotation_actor_key", "annotation", ["actor_key"])
    op.create_index("ix_annotation_deleted_at", "annotation", ["deleted_at"])

"""index the tags agreement reads

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 01:00:00.000000

The agreement report reads every tag that is an analyst's coding (live, in its place, not
example data): its passage, document, analyst, position and kind, and the distinct analysts
among them. No index held those columns, so SQLite walked `ix_annotation_passage_id` and looked
each tag up in the table (2.7 s for the 500,000 tags of the benchmark corpus), and read them
all again to find the analysts (1.5 s).

ix_annotation_codings is a partial index of the placed, live tags with every column the report
reads, led by the analyst: the report reads the index alone, the analysts come from it in
order, and a choice of analysts is a range of it. Its definition is in
`app/models/annotations.py` (ANNOTATION_INDEXES); it is written out here, as a migration must
not change when the models do.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CODINGS = "deleted_at IS NULL AND orphaned_at IS NULL AND passage_id IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "ix_annotation_codings",
        "annotation",
        [
            "analyst",
            "passage_id",
            "position_key",
            "kind",
            "document_id",
            "example",
            "deleted_at",
            "orphaned_at",
        ],
        sqlite_where=sa.text(CODINGS),
        postgresql_where=sa.text(CODINGS),
    )


def downgrade() -> None:
    op.drop_index("ix_annotation_codings", table_name="annotation")

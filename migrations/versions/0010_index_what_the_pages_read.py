"""index what the pages read

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 01:00:00.000000

The pages and their JSON twins, on the 500,000-tag benchmark corpus, read far more rows than
they show; with the services changed to count only what they show, these indexes let SQLite
read the rest from an index instead of the table:

- ix_annotation_live_positions (position_key, topic_key, document_id, passage_id), live tags:
  a position's page counts its tags by topic and by document and finds a page of them by
  topic and document; the positions' page counts each position's tags (a position's page
  1.3 s → 0.05 s in process).
- ix_annotation_live_documents (document_id, passage_id), live tags: the documents' lists
  count each shown document's tags and tagged passages from the index alone (50 documents'
  12,500 tags were looked up in the table one by one: 40-70 ms → 3-5 ms).
- ix_annotation_live_created (created_at, id), live tags: the list of tags (`/api/annotations`),
  oldest first, a page at a time, no longer sorts every live tag.
- ix_annotation_example (example): how many tags are example data, asked by every page with
  the starter map's banner, was a scan of the table (0.15-0.2 s).
- ix_claim_stance_claim_id (claim_id): the stances of the claims a page shows (and the
  cascade when a claim is deleted); the primary key starts with the position, so each was a
  scan of every stance (8-11 ms for a page of claims → 0.1 ms).
- ix_document_created (created_at, id): the documents in their order, read from the index;
  a document's row holds its whole text, so sorting the rows read every text.

Their definitions are in `app/models/` (ANNOTATION_INDEXES, Document); they are written out
here, as a migration must not change when the models do. As in 0008, `deleted_at` is listed
as a column of the partial indexes so that SQLite before 3.45 counts them as covering; no
ANALYZE. Plain CREATE INDEX statements: no table is rebuilt.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "deleted_at IS NULL"

PARTIAL_INDEXES = {
    "ix_annotation_live_positions": (
        ["position_key", "topic_key", "document_id", "passage_id", "deleted_at"],
        LIVE,
    ),
    "ix_annotation_live_documents": (["document_id", "passage_id", "deleted_at"], LIVE),
    "ix_annotation_live_created": (["created_at", "id", "deleted_at"], LIVE),
}


def upgrade() -> None:
    for name, (columns, where) in PARTIAL_INDEXES.items():
        op.create_index(
            name,
            "annotation",
            columns,
            sqlite_where=sa.text(where),
            postgresql_where=sa.text(where),
        )
    op.create_index("ix_annotation_example", "annotation", ["example"])
    op.create_index("ix_claim_stance_claim_id", "claim_stance", ["claim_id"])
    op.create_index("ix_document_created", "document", ["created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_document_created", table_name="document")
    op.drop_index("ix_claim_stance_claim_id", table_name="claim_stance")
    op.drop_index("ix_annotation_example", table_name="annotation")
    for name in reversed(PARTIAL_INDEXES):
        op.drop_index(name, table_name="annotation")

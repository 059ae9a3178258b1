"""add independent coding, the adjudicated layer and the codebook

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 06:30:00.000000

- assignment: a document given to an analyst (their username) to code independently, who gave
  it and when, and when the coder marked it done; one per document and analyst.
- team_setting: the team's settings by name (whether a coder sees the others' tags once done).
- codebook_entry: the definition of a position, kind, topic or actor type (family and key),
  with a GUID for REFI-QDA codebooks, inclusion and exclusion rules, example passages (a JSON
  list of ids) and a version like every edited row.
- annotation.adjudicated, annotation.adopted_from: a tag of the adjudicated layer, and the
  coder's tag it was accepted from.
- app_user.may_adjudicate: an analyst who may adjudicate.

Columns are added with plain ALTER TABLE … ADD COLUMN (no batch rebuild of `annotation`, which
would drop the full-text search triggers of 0005).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assignment",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("analyst", sa.String(length=40), nullable=False),
        sa.Column("assigned_by", sa.String(length=80), nullable=True),
        sa.Column("assigned_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("done_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id", "analyst", name="uq_assignment_coder"),
    )
    op.create_index("ix_assignment_document_id", "assignment", ["document_id"], unique=False)
    op.create_index("ix_assignment_analyst", "assignment", ["analyst"], unique=False)
    op.create_table(
        "team_setting",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "codebook_entry",
        sa.Column("family", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("guid", sa.String(length=64), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("include", sa.Text(), nullable=False),
        sa.Column("exclude", sa.Text(), nullable=False),
        sa.Column("examples", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("family", "key"),
        sa.UniqueConstraint("guid"),
    )
    op.add_column(
        "annotation", sa.Column("adjudicated", sa.Boolean(), server_default="0", nullable=False)
    )
    op.add_column("annotation", sa.Column("adopted_from", sa.String(length=64), nullable=True))
    op.add_column(
        "app_user", sa.Column("may_adjudicate", sa.Boolean(), server_default="0", nullable=False)
    )


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35 and later), for the reason given above.
    op.drop_column("app_user", "may_adjudicate")
    op.drop_column("annotation", "adopted_from")
    op.drop_column("annotation", "adjudicated")
    op.drop_table("codebook_entry")
    op.drop_table("team_setting")
    op.drop_index("ix_assignment_analyst", table_name="assignment")
    op.drop_index("ix_assignment_document_id", table_name="assignment")
    op.drop_table("assignment")

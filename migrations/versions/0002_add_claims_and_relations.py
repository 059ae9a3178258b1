"""add claims and relations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 00:13:57.349419
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "claim",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("topic_key", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("analyst", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["topic_key"],
            ["topic.key"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_topic_key"), ["topic_key"], unique=False)

    op.create_table(
        "claim_stance",
        sa.Column("position_key", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("stance", sa.String(length=16), nullable=False),
        sa.Column("claim_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["position_key"],
            ["position.key"],
        ),
        sa.PrimaryKeyConstraint("position_key", "claim_id"),
    )
    op.create_table(
        "relation",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("evidence_passage_id", sa.String(length=64), nullable=True),
        sa.Column("analyst", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint("source_id <> target_id", name="relation_not_to_itself"),
        sa.ForeignKeyConstraint(["evidence_passage_id"], ["passage.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["source_id"], ["claim.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["target_id"], ["claim.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "target_id"),
    )
    with op.batch_alter_table("relation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_relation_source_id"), ["source_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_relation_target_id"), ["target_id"], unique=False)

    with op.batch_alter_table("annotation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_id", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_annotation_claim_id"), ["claim_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_annotation_claim_id_claim", "claim", ["claim_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("annotation", schema=None) as batch_op:
        batch_op.drop_constraint("fk_annotation_claim_id_claim", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_annotation_claim_id"))
        batch_op.drop_column("claim_id")

    with op.batch_alter_table("relation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relation_target_id"))
        batch_op.drop_index(batch_op.f("ix_relation_source_id"))

    op.drop_table("relation")
    op.drop_table("claim_stance")
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_topic_key"))

    op.drop_table("claim")

"""re-anchoring: annotations know their document and may be orphans; example flags

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 00:37:02.440167

- annotation.document_id: the annotation's document, filled in from its passage. An
  annotation whose quote is not found again when its document's text is replaced becomes an
  orphan: it keeps its document and quote but has no passage, so passage_id becomes nullable
  (ON DELETE SET NULL instead of CASCADE) and orphaned_at records when it lost its place.
- relation.evidence_orphaned_at: when a relation's evidence passage was lost that way.
- annotation, claim and relation get an `example` flag (the starter map).

On SQLite, `claim` must not be rebuilt by a batch operation: with foreign keys on, dropping
the old table would delete the stances and relations that point at it. Its new column is
added with ALTER TABLE (a plain string server default keeps the batch from rebuilding), and
the downgrade drops it with ALTER TABLE too.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 0001 left the annotation → passage foreign key unnamed; on SQLite this convention names the
# reflected one so that a batch operation can drop it.
NAMING_CONVENTION = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
PASSAGE_FK = "fk_annotation_passage_id_passage"
DOCUMENT_FK = "fk_annotation_document_id_document"


def _passage_fk_name() -> str:
    """The name of the annotation → passage foreign key as it is in this database
    (PostgreSQL named the unnamed one of 0001 itself; SQLite reports no name)."""
    for foreign_key in sa.inspect(op.get_bind()).get_foreign_keys("annotation"):
        if foreign_key["referred_table"] == "passage":
            return foreign_key["name"] or PASSAGE_FK
    raise RuntimeError("annotation has no foreign key to passage")


def _example_column() -> sa.Column[bool]:
    return sa.Column("example", sa.Boolean(), server_default="0", nullable=False)


def upgrade() -> None:
    with op.batch_alter_table("annotation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("document_id", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("orphaned_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(_example_column())

    op.execute(
        "UPDATE annotation SET document_id = "
        "(SELECT passage.document_id FROM passage WHERE passage.id = annotation.passage_id)"
    )

    old_passage_fk = _passage_fk_name()
    with op.batch_alter_table(
        "annotation", schema=None, naming_convention=NAMING_CONVENTION
    ) as batch_op:
        batch_op.alter_column("document_id", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("passage_id", existing_type=sa.String(length=64), nullable=True)
        batch_op.create_index(
            batch_op.f("ix_annotation_document_id"), ["document_id"], unique=False
        )
        batch_op.drop_constraint(old_passage_fk, type_="foreignkey")
        batch_op.create_foreign_key(
            DOCUMENT_FK, "document", ["document_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_foreign_key(
            PASSAGE_FK, "passage", ["passage_id"], ["id"], ondelete="SET NULL"
        )

    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.add_column(_example_column())

    with op.batch_alter_table("relation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("evidence_orphaned_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(_example_column())


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35 and later): no rebuild of `claim`.
    op.drop_column("relation", "example")
    op.drop_column("relation", "evidence_orphaned_at")
    op.drop_column("claim", "example")

    # The old schema has no place for an orphan: it needs a passage.
    op.execute("DELETE FROM annotation WHERE passage_id IS NULL")
    with op.batch_alter_table(
        "annotation", schema=None, naming_convention=NAMING_CONVENTION
    ) as batch_op:
        batch_op.drop_constraint(PASSAGE_FK, type_="foreignkey")
        batch_op.drop_constraint(DOCUMENT_FK, type_="foreignkey")
        batch_op.create_foreign_key(
            PASSAGE_FK, "passage", ["passage_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.drop_index(batch_op.f("ix_annotation_document_id"))
        batch_op.alter_column("passage_id", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column("example")
        batch_op.drop_column("orphaned_at")
        batch_op.drop_column("document_id")

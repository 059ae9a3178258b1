"""add actors and the actor of a tag

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 16:10:00.000000

- actor: the people, organizations and states whose words a tag reports, under a short key,
  with a kind, other names (aliases, a JSON list), an optional parent actor and position, an
  `example` flag (the starter registry) and a version like every edited row.
- annotation.actor_key: the actor a tag reports, if named (nullable: older tags keep working).

On SQLite the new column is added with a plain ALTER TABLE … ADD COLUMN … REFERENCES, never
by rebuilding `annotation` in a batch: the rebuild would drop the full-text search triggers
that 0005 put on it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTOR_FK = "fk_annotation_actor_key_actor"


def upgrade() -> None:
    op.create_table(
        "actor",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("parent_key", sa.String(length=32), nullable=True),
        sa.Column("position_key", sa.String(length=32), nullable=True),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("example", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(["parent_key"], ["actor.key"]),
        sa.ForeignKeyConstraint(["position_key"], ["position.key"]),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_actor_parent_key", "actor", ["parent_key"], unique=False)
    op.create_index("ix_actor_position_key", "actor", ["position_key"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        # Alembic would ask for a batch rebuild to add the foreign key; SQLite takes it inline.
        op.execute("ALTER TABLE annotation ADD COLUMN actor_key VARCHAR(32) REFERENCES actor (key)")
    else:
        op.add_column("annotation", sa.Column("actor_key", sa.String(length=32), nullable=True))
        op.create_foreign_key(ACTOR_FK, "annotation", "actor", ["actor_key"], ["key"])
    op.create_index("ix_annotation_actor_key", "annotation", ["actor_key"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_annotation_actor_key", table_name="annotation")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(ACTOR_FK, "annotation", type_="foreignkey")
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35 and later), for the reason given above.
    op.drop_column("annotation", "actor_key")
    op.drop_index("ix_actor_position_key", table_name="actor")
    op.drop_index("ix_actor_parent_key", table_name="actor")
    op.drop_table("actor")

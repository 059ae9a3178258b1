"""Claims, the stances positions take on them, and the relations between claims."""

from datetime import datetime
from enum import StrEnum

from pydantic import field_validator
from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.fields import (
    NOT_BLANK,
    VersionedUpdate,
    new_id,
    strip_required,
    utcnow,
    version_column,
    without_nul,
)


class Stance(StrEnum):
    """How a position stands to a claim."""

    holds = "holds"
    rejects = "rejects"


class RelationKind(StrEnum):
    supports = "supports"
    attacks = "attacks"


# --- stances -------------------------------------------------------------------------------


class StanceFields(SQLModel):
    position_key: str = Field(max_length=32)
    stance: Stance = Stance.holds


class ClaimStance(StanceFields, table=True):
    """A position holding (or rejecting) a claim."""

    __tablename__ = "claim_stance"
    # The stances of the claims shown, and the claim's foreign key: the primary key starts
    # with the position, so these were a scan of every stance (migration 0010).
    __table_args__ = (Index("ix_claim_stance_claim_id", "claim_id"),)

    claim_id: str = Field(
        sa_column=Column(String(64), ForeignKey("claim.id", ondelete="CASCADE"), primary_key=True)
    )
    position_key: str = Field(foreign_key="position.key", primary_key=True, max_length=32)
    stance: Stance = Field(sa_type=String(16))


# --- claims --------------------------------------------------------------------------------


class ClaimFields(SQLModel):
    text: str = Field(min_length=1, max_length=2000, schema_extra={"json_schema_extra": NOT_BLANK})
    topic_key: str | None = Field(default=None, max_length=32)
    note: str = Field(default="", max_length=5000)

    _nul = field_validator("text", "note", mode="before")(without_nul)


_claim_version = version_column()


class Claim(SQLModel, table=True):
    """A proposition in the analyst's words, held or rejected by positions, with evidence."""

    __mapper_args__ = {"version_id_col": _claim_version}

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    text: str = Field(sa_column=Column(Text, nullable=False))
    topic_key: str | None = Field(default=None, foreign_key="topic.key", index=True, max_length=32)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    analyst: str = Field(max_length=80)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_claim_version)
    example: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})


class ClaimCreate(ClaimFields):
    stances: list[StanceFields] = Field(default_factory=list, max_length=100)
    # Annotations to attach as evidence at once.
    annotation_ids: list[str] = Field(default_factory=list, max_length=1000)

    _text = field_validator("text")(strip_required)


class ClaimUpdate(VersionedUpdate):
    text: str | None = Field(default=None, min_length=1, max_length=2000)
    topic_key: str | None = Field(default=None, max_length=32)
    note: str | None = Field(default=None, max_length=5000)
    # When given, replaces the claim's stances.
    stances: list[StanceFields] | None = Field(default=None, max_length=100)

    _nul = field_validator("text", "note", mode="before")(without_nul)


class ClaimPublic(ClaimFields):
    id: str
    analyst: str
    created_at: datetime
    updated_at: datetime
    version: int = 1
    stances: list[StanceFields] = Field(default_factory=list)
    evidence_count: int = 0
    document_count: int = 0


# --- relations -----------------------------------------------------------------------------


class RelationFields(SQLModel):
    source_id: str = Field(max_length=64)
    target_id: str = Field(max_length=64)
    kind: RelationKind
    note: str = Field(default="", max_length=5000)
    evidence_passage_id: str | None = Field(default=None, max_length=64)

    _nul = field_validator("note", mode="before")(without_nul)


_relation_version = version_column()


class Relation(SQLModel, table=True):
    """Claim-to-claim support or attack: `source` supports or attacks `target`."""

    __table_args__ = (
        UniqueConstraint("source_id", "target_id"),
        CheckConstraint("source_id <> target_id", name="relation_not_to_itself"),
    )
    __mapper_args__ = {"version_id_col": _relation_version}

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    source_id: str = Field(
        sa_column=Column(
            String(64), ForeignKey("claim.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    target_id: str = Field(
        sa_column=Column(
            String(64), ForeignKey("claim.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    kind: RelationKind = Field(sa_type=String(16))
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    evidence_passage_id: str | None = Field(
        default=None,
        sa_column=Column(String(64), ForeignKey("passage.id", ondelete="SET NULL"), nullable=True),
    )
    analyst: str = Field(max_length=80)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # When the evidence passage was lost because the document's text was replaced and the
    # passage's text is nowhere in the new one; the relation needs review until it is set again.
    evidence_orphaned_at: datetime | None = None
    version: int = Field(default=1, sa_column=_relation_version)
    example: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})


class RelationCreate(RelationFields):
    pass


class RelationUpdate(VersionedUpdate):
    kind: RelationKind | None = None
    note: str | None = Field(default=None, max_length=5000)
    evidence_passage_id: str | None = Field(default=None, max_length=64)

    _nul = field_validator("note", mode="before")(without_nul)


class RelationPublic(RelationFields):
    id: str
    analyst: str
    created_at: datetime
    updated_at: datetime
    evidence_orphaned_at: datetime | None = None
    version: int = 1

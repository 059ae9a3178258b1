"""Tables and their Create/Update/Public families.

Identifiers are strings so that they stay stable across instances: documents and passages get
deterministic ids derived from their content, annotations random UUIDs, positions and topics a
short key chosen by a person. That is what lets an export be merged into another database.
"""

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import StringConstraints, field_validator
from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

KEY_PATTERN = r"^[a-z][a-z0-9_-]{0,31}$"
COLOUR_PATTERN = r"^#[0-9a-fA-F]{6}$"
Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN, max_length=32)]
Colour = Annotated[str, StringConstraints(pattern=COLOUR_PATTERN, max_length=7)]

# Fixed namespace so that the same seed text gets the same ids on every machine.
ID_NAMESPACE = uuid.UUID("6f1d8a52-3c1e-4f55-9d43-2f5b0c8e7a10")


def utcnow() -> datetime:
    """Current time in UTC (to the microsecond, so that tags made in one second keep order)."""
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


def document_id_for(sha256: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"document:{sha256}"))


def passage_id_for(document_id: str, start: int, end: int) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"passage:{document_id}:{start}:{end}"))


class PassageKind(StrEnum):
    paragraph = "paragraph"
    heading = "heading"
    pullquote = "pullquote"
    boilerplate = "boilerplate"


class AnnotationKind(StrEnum):
    states = "states"
    supports = "supports"
    opposes = "opposes"


class Stance(StrEnum):
    """How a position stands to a claim."""

    holds = "holds"
    rejects = "rejects"


class RelationKind(StrEnum):
    supports = "supports"
    attacks = "attacks"


def _strip_required(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


# --- documents -----------------------------------------------------------------------------


class DocumentMeta(SQLModel):
    # None where the text itself does not state it ("unknown" in the seed manifest).
    title: str | None = Field(default=None, max_length=500)
    outlet: str | None = Field(default=None, max_length=200)
    author: str | None = Field(default=None, max_length=200)
    published: date | None = None
    url: str | None = Field(default=None, max_length=2000)


class Document(DocumentMeta, table=True):
    id: str = Field(primary_key=True, max_length=64)
    original_text: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(max_length=64, unique=True)
    source_name: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class DocumentCreate(DocumentMeta):
    text: str = Field(min_length=1, max_length=2_000_000)
    source_name: str | None = Field(default=None, max_length=200)


class DocumentUpdate(SQLModel):
    title: str | None = Field(default=None, max_length=500)
    outlet: str | None = Field(default=None, max_length=200)
    author: str | None = Field(default=None, max_length=200)
    published: date | None = None
    url: str | None = Field(default=None, max_length=2000)


class DocumentPublic(DocumentMeta):
    id: str
    sha256: str
    source_name: str | None
    created_at: datetime
    passage_count: int = 0
    tagged_passage_count: int = 0
    annotation_count: int = 0


# --- passages ------------------------------------------------------------------------------


class Passage(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("document_id", "ordinal"),)

    id: str = Field(primary_key=True, max_length=64)
    document_id: str = Field(
        sa_column=Column(
            String(64), ForeignKey("document.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    ordinal: int
    kind: PassageKind = Field(sa_type=String(16))
    text: str = Field(sa_column=Column(Text, nullable=False))
    # Offsets into Document.original_text: original_text[start:end] is this passage.
    start: int
    end: int


class PassageUpdate(SQLModel):
    kind: PassageKind


class PassagePublic(SQLModel):
    id: str
    document_id: str
    ordinal: int
    kind: PassageKind
    text: str
    start: int
    end: int


# --- positions and topics ------------------------------------------------------------------


class PositionBase(SQLModel):
    name: str = Field(min_length=1, max_length=100)
    colour: Colour = Field(default="#666666", max_length=7)
    ordinal: int = Field(default=0, ge=0, le=10_000)

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        return _strip_required(value)


class Position(PositionBase, table=True):
    key: str = Field(primary_key=True, max_length=32)


class PositionCreate(PositionBase):
    key: Key


class PositionUpdate(SQLModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    colour: Colour | None = Field(default=None, max_length=7)
    ordinal: int | None = Field(default=None, ge=0, le=10_000)


class PositionPublic(PositionBase):
    key: str


class TopicBase(SQLModel):
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        return _strip_required(value)


class Topic(TopicBase, table=True):
    key: str = Field(primary_key=True, max_length=32)


class TopicCreate(TopicBase):
    key: Key


class TopicUpdate(SQLModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=2000)


class TopicPublic(TopicBase):
    key: str


# --- annotations ---------------------------------------------------------------------------


class AnnotationFields(SQLModel):
    position_key: str = Field(max_length=32)
    kind: AnnotationKind = AnnotationKind.states
    topic_key: str | None = Field(default=None, max_length=32)
    note: str = Field(default="", max_length=5000)
    # The claim this passage is evidence for, if any.
    claim_id: str | None = Field(default=None, max_length=64)


class Annotation(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    document_id: str = Field(
        sa_column=Column(
            String(64), ForeignKey("document.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    # None for an orphan: a tag whose quote was not found again when its document's text was
    # replaced by a corrected version (see app/services/reanchor.py).
    passage_id: str | None = Field(
        default=None,
        sa_column=Column(
            String(64), ForeignKey("passage.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    # An exact span inside the passage text (offsets relative to Passage.text), or none for
    # the whole passage. An orphan keeps the text it quoted in `quote`, with no offsets.
    start: int | None = None
    end: int | None = None
    quote: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    position_key: str = Field(foreign_key="position.key", index=True, max_length=32)
    kind: AnnotationKind = Field(sa_type=String(16))
    topic_key: str | None = Field(default=None, foreign_key="topic.key", index=True, max_length=32)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    claim_id: str | None = Field(
        default=None,
        sa_column=Column(
            String(64), ForeignKey("claim.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    analyst: str = Field(max_length=80)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # Removal is a soft delete so that it can be undone.
    deleted_at: datetime | None = Field(default=None, index=True)
    # When the tag lost its place in its document's text (None while it has one).
    orphaned_at: datetime | None = None
    # Part of the starter map of examples (so it can be told apart and cleared in one go).
    # The server default '0' reads as false on SQLite and PostgreSQL alike.
    example: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})


class AnnotationCreate(AnnotationFields):
    passage_id: str = Field(max_length=64)
    start: int | None = Field(default=None, ge=0)
    end: int | None = Field(default=None, ge=0)
    analyst: str | None = Field(default=None, max_length=80)


class AnnotationUpdate(SQLModel):
    position_key: str | None = Field(default=None, max_length=32)
    kind: AnnotationKind | None = None
    topic_key: str | None = Field(default=None, max_length=32)
    note: str | None = Field(default=None, max_length=5000)
    claim_id: str | None = Field(default=None, max_length=64)


class AnnotationPublic(AnnotationFields):
    id: str
    passage_id: str | None
    document_id: str
    start: int | None
    end: int | None
    quote: str | None
    analyst: str
    created_at: datetime
    updated_at: datetime
    orphaned_at: datetime | None = None


# --- claims and relations ------------------------------------------------------------------


def _text_not_blank(value: str) -> str:
    return _strip_required(value)


class StanceFields(SQLModel):
    position_key: str = Field(max_length=32)
    stance: Stance = Stance.holds


class ClaimStance(StanceFields, table=True):
    """A position holding (or rejecting) a claim."""

    __tablename__ = "claim_stance"

    claim_id: str = Field(
        sa_column=Column(String(64), ForeignKey("claim.id", ondelete="CASCADE"), primary_key=True)
    )
    position_key: str = Field(foreign_key="position.key", primary_key=True, max_length=32)
    stance: Stance = Field(sa_type=String(16))


class ClaimFields(SQLModel):
    text: str = Field(min_length=1, max_length=2000)
    topic_key: str | None = Field(default=None, max_length=32)
    note: str = Field(default="", max_length=5000)


class Claim(SQLModel, table=True):
    """A proposition in the analyst's words, held or rejected by positions, with evidence."""

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    text: str = Field(sa_column=Column(Text, nullable=False))
    topic_key: str | None = Field(default=None, foreign_key="topic.key", index=True, max_length=32)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    analyst: str = Field(max_length=80)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    example: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})


class ClaimCreate(ClaimFields):
    stances: list[StanceFields] = Field(default_factory=list, max_length=100)
    # Annotations to attach as evidence at once.
    annotation_ids: list[str] = Field(default_factory=list, max_length=1000)
    analyst: str | None = Field(default=None, max_length=80)

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return _text_not_blank(value)


class ClaimUpdate(SQLModel):
    text: str | None = Field(default=None, min_length=1, max_length=2000)
    topic_key: str | None = Field(default=None, max_length=32)
    note: str | None = Field(default=None, max_length=5000)
    # When given, replaces the claim's stances.
    stances: list[StanceFields] | None = Field(default=None, max_length=100)


class ClaimPublic(ClaimFields):
    id: str
    analyst: str
    created_at: datetime
    updated_at: datetime
    stances: list[StanceFields] = Field(default_factory=list)
    evidence_count: int = 0
    document_count: int = 0


class RelationFields(SQLModel):
    source_id: str = Field(max_length=64)
    target_id: str = Field(max_length=64)
    kind: RelationKind
    note: str = Field(default="", max_length=5000)
    evidence_passage_id: str | None = Field(default=None, max_length=64)


class Relation(SQLModel, table=True):
    """Claim-to-claim support or attack: `source` supports or attacks `target`."""

    __table_args__ = (
        UniqueConstraint("source_id", "target_id"),
        CheckConstraint("source_id <> target_id", name="relation_not_to_itself"),
    )

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
    example: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})


class RelationCreate(RelationFields):
    analyst: str | None = Field(default=None, max_length=80)


class RelationUpdate(SQLModel):
    kind: RelationKind | None = None
    note: str | None = Field(default=None, max_length=5000)
    evidence_passage_id: str | None = Field(default=None, max_length=64)


class RelationPublic(RelationFields):
    id: str
    analyst: str
    created_at: datetime
    updated_at: datetime
    evidence_orphaned_at: datetime | None = None

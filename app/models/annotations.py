"""Annotations (tags): a passage, or a span of it, marked as stating, supporting or opposing a
position, perhaps as evidence for a claim."""

from datetime import datetime
from enum import StrEnum

from pydantic import StrictInt, field_validator
from sqlalchemy import Column, ForeignKey, Index, String, Text, text
from sqlmodel import Field, SQLModel

from app.models.fields import (
    MAX_INTEGER,
    VersionedUpdate,
    new_id,
    utcnow,
    version_column,
    without_nul,
)


class AnnotationKind(StrEnum):
    states = "states"
    supports = "supports"
    opposes = "opposes"


class AnnotationFields(SQLModel):
    position_key: str = Field(max_length=32)
    kind: AnnotationKind = AnnotationKind.states
    topic_key: str | None = Field(default=None, max_length=32)
    # The person or body whose stance the tag reports (see app/models/actors.py), if named.
    actor_key: str | None = Field(default=None, max_length=32)
    note: str = Field(default="", max_length=5000)
    # The claim this passage is evidence for, if any.
    claim_id: str | None = Field(default=None, max_length=64)

    _nul = field_validator("note", mode="before")(without_nul)


_annotation_version = version_column()

# The tags every analysis reads: live ones (not removed), and for the matrix those that kept
# their place in the text. `deleted_at` and `orphaned_at` are NULL in every entry of these
# indexes; they are listed as columns all the same so that SQLite (before 3.45) counts the
# index as covering the query, which names them in its WHERE clause.
_LIVE = "deleted_at IS NULL"
_PLACED = f"{_LIVE} AND orphaned_at IS NULL"


def _partial_index(name: str, columns: tuple[str, ...], where: str) -> Index:
    """An index of the rows `where` holds for, on SQLite and PostgreSQL alike."""
    return Index(name, *columns, sqlite_where=text(where), postgresql_where=text(where))


# Which query each index serves (migrations 0008, 0009 and 0010 have the measurements).
ANNOTATION_INDEXES = (
    # The tags of an actor, and those naming none (statements count them as left out, in
    # the documents a date filter keeps); also the lookups of the actor's foreign key.
    Index("ix_annotation_actor_live", "actor_key", "deleted_at", "document_id"),
    # The matrix: every placed tag by position, topic and kind.
    _partial_index(
        "ix_annotation_matrix_cells",
        ("position_key", "topic_key", "kind", "claim_id", "deleted_at", "orphaned_at"),
        _PLACED,
    ),
    # The matrix: claims' evidence by position and kind, in how many documents, and the
    # tags without a topic of their own (they count under their claim's).
    _partial_index(
        "ix_annotation_live_evidence",
        (
            "claim_id",
            "position_key",
            "kind",
            "document_id",
            "topic_key",
            "deleted_at",
            "orphaned_at",
        ),
        f"{_PLACED} AND claim_id IS NOT NULL",
    ),
    # Claims whose evidence lost its place (they need review): few rows.
    _partial_index(
        "ix_annotation_orphaned_evidence",
        ("claim_id", "deleted_at", "orphaned_at"),
        f"{_LIVE} AND orphaned_at IS NOT NULL",
    ),
    # Agreement: the tags that are an analyst's coding (placed and live; example data is
    # left out by the query), with every column the report reads, by analyst.
    _partial_index(
        "ix_annotation_codings",
        (
            "analyst",
            "passage_id",
            "position_key",
            "kind",
            "document_id",
            "example",
            "deleted_at",
            "orphaned_at",
        ),
        f"{_PLACED} AND passage_id IS NOT NULL",
    ),
    # Statements: the tags that name an actor, with every column a statement reads.
    _partial_index(
        "ix_annotation_live_speakers",
        (
            "actor_key",
            "claim_id",
            "topic_key",
            "kind",
            "position_key",
            "document_id",
            "passage_id",
            "id",
            "deleted_at",
        ),
        f"{_LIVE} AND actor_key IS NOT NULL",
    ),
    # A position's page: its tags counted by topic and by document, and a page of them found
    # by topic and document; the number of live tags of each position (migration 0010).
    _partial_index(
        "ix_annotation_live_positions",
        ("position_key", "topic_key", "document_id", "passage_id", "deleted_at"),
        _LIVE,
    ),
    # The documents' lists: each document's live tags and tagged passages counted from the
    # index alone; a document's passages with their tags (migration 0010).
    _partial_index(
        "ix_annotation_live_documents", ("document_id", "passage_id", "deleted_at"), _LIVE
    ),
    # The list of tags, oldest first, a page at a time: without it every live tag was sorted.
    _partial_index("ix_annotation_live_created", ("created_at", "id", "deleted_at"), _LIVE),
    # How many tags are example data (every page's banner asks): few or none.
    Index("ix_annotation_example", "example"),
)


class Annotation(SQLModel, table=True):
    __mapper_args__ = {"version_id_col": _annotation_version}
    __table_args__ = ANNOTATION_INDEXES

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
    actor_key: str | None = Field(
        default=None,
        sa_column=Column(String(32), ForeignKey("actor.key"), nullable=True),
    )
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
    # Not indexed: nothing looks removed tags up by it, and SQLite would read every live tag
    # through an index on it (`deleted_at IS NULL` holds for nearly all of them).
    deleted_at: datetime | None = None
    # When the tag lost its place in its document's text (None while it has one).
    orphaned_at: datetime | None = None
    version: int = Field(default=1, sa_column=_annotation_version)
    # Part of the starter map of examples (so it can be told apart and cleared in one go).
    # The server default '0' reads as false on SQLite and PostgreSQL alike.
    example: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    # Part of the adjudicated layer: a curator's decision on a document the coders coded
    # independently (app/models/coding.py), not one more coder's coding.
    adjudicated: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    # The coder's tag the curator accepted this one from, if any (kept when that tag goes).
    adopted_from: str | None = Field(default=None, max_length=64)


class AnnotationCreate(AnnotationFields):
    passage_id: str = Field(max_length=64)
    start: StrictInt | None = Field(default=None, ge=0, le=MAX_INTEGER)
    end: StrictInt | None = Field(default=None, ge=0, le=MAX_INTEGER)


class AnnotationUpdate(VersionedUpdate):
    position_key: str | None = Field(default=None, max_length=32)
    kind: AnnotationKind | None = None
    topic_key: str | None = Field(default=None, max_length=32)
    actor_key: str | None = Field(default=None, max_length=32)
    note: str | None = Field(default=None, max_length=5000)
    claim_id: str | None = Field(default=None, max_length=64)

    _nul = field_validator("note", mode="before")(without_nul)


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
    version: int = 1
    adjudicated: bool = False
    adopted_from: str | None = None

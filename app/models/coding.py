"""Independent coding and its codebook: which analyst codes which document on their own, the
team's rule for when coders see each other's work, and the definitions coders code by.

- An **assignment** gives one document to one analyst to code independently. Until they mark
  it done, they see only their own tags on that document (app/services/blinding.py); once it
  is done, the team's setting says whether they may see the others'.
- The **adjudicated layer** is made of tags like any other (app/models/annotations.py), made
  by a curator and flagged `adjudicated`.
- A **codebook entry** defines one position, kind of tag, topic or actor type: what it means,
  what falls in and out of it, and passages that are examples of it.
"""

from datetime import datetime
from enum import StrEnum

from pydantic import field_validator
from sqlalchemy import JSON, Column, ForeignKey, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.fields import VersionedUpdate, new_id, utcnow, version_column, without_nul

# --- assignments ---------------------------------------------------------------------------


class Assignment(SQLModel, table=True):
    """One document given to one analyst to code independently."""

    __table_args__ = (UniqueConstraint("document_id", "analyst", name="uq_assignment_coder"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    document_id: str = Field(
        sa_column=Column(
            String(64), ForeignKey("document.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    # The coder's username (the name their tags record).
    analyst: str = Field(max_length=40, index=True)
    assigned_by: str | None = Field(default=None, max_length=80)
    assigned_at: datetime = Field(default_factory=utcnow)
    # When the coder marked the document done; None while they code it.
    done_at: datetime | None = None


class TeamSetting(SQLModel, table=True):
    """One of the team's settings, by name (see app/services/team_settings.py)."""

    __tablename__ = "team_setting"

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=200)
    updated_by: str | None = Field(default=None, max_length=80)
    updated_at: datetime = Field(default_factory=utcnow)


# --- the codebook --------------------------------------------------------------------------


class CodeFamily(StrEnum):
    """What a codebook entry defines: the catalog it belongs to."""

    position = "position"
    kind = "kind"  # a tag's kind: states, supports, opposes
    topic = "topic"
    actor_type = "actor_type"  # an actor's kind: person, organization, state


_codebook_version = version_column()


class CodebookEntry(SQLModel, table=True):
    """The definition of one code: a position, kind, topic or actor type, by its key."""

    __tablename__ = "codebook_entry"
    __mapper_args__ = {"version_id_col": _codebook_version}

    family: CodeFamily = Field(sa_type=String(16), primary_key=True)
    key: str = Field(primary_key=True, max_length=32)
    # The code's identity in REFI-QDA codebooks (.qdc): kept across exports and imports.
    guid: str = Field(default_factory=new_id, max_length=64, unique=True)
    definition: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    include: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    exclude: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # Ids of passages that are examples of the code.
    examples: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_by: str | None = Field(default=None, max_length=80)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_codebook_version)


class CodebookEntryUpdate(VersionedUpdate):
    """A code's definition as written in the codebook; fields left out stay as they are."""

    definition: str | None = Field(default=None, max_length=5000)
    include: str | None = Field(default=None, max_length=5000)
    exclude: str | None = Field(default=None, max_length=5000)
    examples: list[str] | None = Field(default=None, max_length=50)

    _nul = field_validator("definition", "include", "exclude", mode="before")(without_nul)

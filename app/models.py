"""Tables and their Create/Update/Public families.

Identifiers are strings so that they stay stable across instances: documents and passages get
deterministic ids derived from their content, annotations random UUIDs, positions and topics a
short key chosen by a person. That is what lets an export be merged into another database.
"""

import re
import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    StrictBool,
    StrictInt,
    StringConstraints,
    field_validator,
)
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

# The bound of every integer input: a bigger one would overflow in the query (SQLite and
# PostgreSQL's BIGINT stop at 2^63 - 1) instead of being refused. It is the largest integer a
# JSON number holds exactly (2^53 - 1), so that the bound a client reads in the API's schema
# is the bound it gets.
MAX_INTEGER = 2**53 - 1
# Users and history entries are numbered by INTEGER columns, which stop at 2^31 - 1 on
# PostgreSQL: a bigger number in a lookup is refused instead of failing in the query.
MAX_ROW_NUMBER = 2**31 - 1

KEY_PATTERN = r"^[a-z][a-z0-9_-]{0,31}$"
COLOUR_PATTERN = r"^#[0-9a-fA-F]{6}$"
Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN, max_length=32)]
Colour = Annotated[str, StringConstraints(pattern=COLOUR_PATTERN, max_length=7)]

# A document's address is shown as a link, so only a web address may be stored: never
# `javascript:`, `data:` or another scheme a browser would run or open.
WEB_URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#]+\S*$"
NOT_A_WEB_URL = "only http:// and https:// addresses are accepted"


def web_url_or_none(value: str | None) -> str | None:
    """`value` if it is an http(s) address, None if it is blank; refuses anything else."""
    if value is None or value == "":
        return None
    if not re.fullmatch(WEB_URL_PATTERN, value):
        raise ValueError(NOT_A_WEB_URL)
    return value


# Text that must say something: the services refuse a blank one with a sentence of their own,
# and the schema tells clients so.
NOT_BLANK: dict[str, Any] = {"pattern": r"\S"}


def date_not_number(value: Any) -> Any:
    """Refuse a number as a date: pydantic would read 0 as 1970-01-01."""
    if isinstance(value, int | float):
        raise ValueError("a date is written as text, YYYY-MM-DD")
    return value


PublicationDate = Annotated[date | None, BeforeValidator(date_not_number)]

WebUrl = Annotated[str | None, AfterValidator(web_url_or_none)]
WEB_URL_SCHEMA = {"pattern": f"^$|{WEB_URL_PATTERN}"}

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


def version_column() -> Column[int]:
    """The version an edit must name: SQLAlchemy adds `AND version = n` to every UPDATE and
    DELETE of the row and bumps it, so an edit based on an old copy matches no row and fails
    instead of overwriting someone else's change."""
    return Column("version", Integer, nullable=False, server_default="1")


def _without_nul(value: object) -> object:
    """NUL means nothing in a name or a note, PostgreSQL cannot store it, and a page would only
    show it as a symbol: it is dropped from the text users type."""
    return value.replace("\x00", "") if isinstance(value, str) else value


def _strip_required(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


VERSION_HELP = "The version you last saw; the edit is refused with 409 if someone changed it since."

# --- documents -----------------------------------------------------------------------------


class DocumentMeta(SQLModel):
    # None where the text itself does not state it ("unknown" in the seed manifest).
    title: str | None = Field(default=None, max_length=500)
    outlet: str | None = Field(default=None, max_length=200)
    author: str | None = Field(default=None, max_length=200)
    published: PublicationDate = None
    url: WebUrl = Field(
        default=None, max_length=2000, schema_extra={"json_schema_extra": WEB_URL_SCHEMA}
    )

    _nul = field_validator("title", "outlet", "author", "url", mode="before")(_without_nul)


_document_version = version_column()


class Document(DocumentMeta, table=True):
    __mapper_args__ = {"version_id_col": _document_version}

    id: str = Field(primary_key=True, max_length=64)
    original_text: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(max_length=64, unique=True)
    source_name: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str | None = Field(default=None, max_length=80)
    updated_at: datetime | None = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_document_version)


class DocumentCreate(DocumentMeta):
    text: str = Field(min_length=1, max_length=2_000_000)
    source_name: str | None = Field(default=None, max_length=200)

    _source_nul = field_validator("source_name", mode="before")(_without_nul)

    @field_validator("text")
    @classmethod
    def _text_has_no_nul(cls, value: str) -> str:
        # Refused rather than dropped: the text is the source, kept exactly as given.
        if "\x00" in value:
            raise ValueError("holds NUL characters: binary data, not text")
        return value


class DocumentUpdate(SQLModel):
    version: StrictInt | None = Field(default=None, ge=1, le=MAX_INTEGER, description=VERSION_HELP)
    title: str | None = Field(default=None, max_length=500)
    outlet: str | None = Field(default=None, max_length=200)
    author: str | None = Field(default=None, max_length=200)
    published: PublicationDate = None
    url: WebUrl = Field(
        default=None, max_length=2000, schema_extra={"json_schema_extra": WEB_URL_SCHEMA}
    )

    _nul = field_validator("title", "outlet", "author", "url", mode="before")(_without_nul)


class DocumentPublic(DocumentMeta):
    id: str
    sha256: str
    source_name: str | None
    created_at: datetime
    created_by: str | None = None
    updated_at: datetime | None = None
    version: int = 1
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


# A position's place in lists and the legend; past the last place, new ones share it.
MAX_ORDINAL = 10_000


class PositionBase(SQLModel):
    name: str = Field(min_length=1, max_length=100)
    colour: Colour = Field(default="#666666", max_length=7)
    ordinal: StrictInt = Field(default=0, ge=0, le=MAX_ORDINAL)

    _nul = field_validator("name", mode="before")(_without_nul)

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        return _strip_required(value)


_position_version = version_column()


class Position(PositionBase, table=True):
    __mapper_args__ = {"version_id_col": _position_version}

    key: str = Field(primary_key=True, max_length=32)
    created_by: str | None = Field(default=None, max_length=80)
    created_at: datetime | None = Field(default_factory=utcnow)
    updated_at: datetime | None = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_position_version)


class PositionCreate(PositionBase):
    key: Key
    # Unset, the new position comes after the others (see catalog.create_position).
    ordinal: StrictInt | None = Field(default=None, ge=0, le=MAX_ORDINAL)  # type: ignore[assignment]

    @field_validator("key", mode="before")
    @classmethod
    def _key_in_lower_case(cls, value: Any) -> Any:
        """A key is typed as "China" as often as "china": both mean the key `china`."""
        return value.strip().lower() if isinstance(value, str) else value


class PositionUpdate(SQLModel):
    version: StrictInt | None = Field(default=None, ge=1, le=MAX_INTEGER, description=VERSION_HELP)
    name: str | None = Field(default=None, min_length=1, max_length=100)
    colour: Colour | None = Field(default=None, max_length=7)
    ordinal: StrictInt | None = Field(default=None, ge=0, le=MAX_ORDINAL)

    _nul = field_validator("name", mode="before")(_without_nul)


class PositionPublic(PositionBase):
    key: str
    created_by: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 1


class TopicBase(SQLModel):
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)

    _nul = field_validator("name", "description", mode="before")(_without_nul)

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        return _strip_required(value)


_topic_version = version_column()


class Topic(TopicBase, table=True):
    __mapper_args__ = {"version_id_col": _topic_version}

    key: str = Field(primary_key=True, max_length=32)
    created_by: str | None = Field(default=None, max_length=80)
    created_at: datetime | None = Field(default_factory=utcnow)
    updated_at: datetime | None = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_topic_version)


class TopicCreate(TopicBase):
    key: Key


class TopicUpdate(SQLModel):
    version: StrictInt | None = Field(default=None, ge=1, le=MAX_INTEGER, description=VERSION_HELP)
    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=2000)

    _nul = field_validator("name", "description", mode="before")(_without_nul)


class TopicPublic(TopicBase):
    key: str
    created_by: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 1


# --- annotations ---------------------------------------------------------------------------


class AnnotationFields(SQLModel):
    position_key: str = Field(max_length=32)
    kind: AnnotationKind = AnnotationKind.states
    topic_key: str | None = Field(default=None, max_length=32)
    note: str = Field(default="", max_length=5000)
    # The claim this passage is evidence for, if any.
    claim_id: str | None = Field(default=None, max_length=64)

    _nul = field_validator("note", mode="before")(_without_nul)


_annotation_version = version_column()


class Annotation(SQLModel, table=True):
    __mapper_args__ = {"version_id_col": _annotation_version}

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
    version: int = Field(default=1, sa_column=_annotation_version)
    example: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})


class AnnotationCreate(AnnotationFields):
    passage_id: str = Field(max_length=64)
    start: StrictInt | None = Field(default=None, ge=0, le=MAX_INTEGER)
    end: StrictInt | None = Field(default=None, ge=0, le=MAX_INTEGER)


class AnnotationUpdate(SQLModel):
    version: StrictInt | None = Field(default=None, ge=1, le=MAX_INTEGER, description=VERSION_HELP)
    position_key: str | None = Field(default=None, max_length=32)
    kind: AnnotationKind | None = None
    topic_key: str | None = Field(default=None, max_length=32)
    note: str | None = Field(default=None, max_length=5000)
    claim_id: str | None = Field(default=None, max_length=64)

    _nul = field_validator("note", mode="before")(_without_nul)


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
    text: str = Field(min_length=1, max_length=2000, schema_extra={"json_schema_extra": NOT_BLANK})
    topic_key: str | None = Field(default=None, max_length=32)
    note: str = Field(default="", max_length=5000)

    _nul = field_validator("text", "note", mode="before")(_without_nul)


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

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return _text_not_blank(value)


class ClaimUpdate(SQLModel):
    version: StrictInt | None = Field(default=None, ge=1, le=MAX_INTEGER, description=VERSION_HELP)
    text: str | None = Field(default=None, min_length=1, max_length=2000)
    topic_key: str | None = Field(default=None, max_length=32)
    note: str | None = Field(default=None, max_length=5000)
    # When given, replaces the claim's stances.
    stances: list[StanceFields] | None = Field(default=None, max_length=100)

    _nul = field_validator("text", "note", mode="before")(_without_nul)


class ClaimPublic(ClaimFields):
    id: str
    analyst: str
    created_at: datetime
    updated_at: datetime
    version: int = 1
    stances: list[StanceFields] = Field(default_factory=list)
    evidence_count: int = 0
    document_count: int = 0


class RelationFields(SQLModel):
    source_id: str = Field(max_length=64)
    target_id: str = Field(max_length=64)
    kind: RelationKind
    note: str = Field(default="", max_length=5000)
    evidence_passage_id: str | None = Field(default=None, max_length=64)

    _nul = field_validator("note", mode="before")(_without_nul)


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


class RelationUpdate(SQLModel):
    version: StrictInt | None = Field(default=None, ge=1, le=MAX_INTEGER, description=VERSION_HELP)
    kind: RelationKind | None = None
    note: str | None = Field(default=None, max_length=5000)
    evidence_passage_id: str | None = Field(default=None, max_length=64)

    _nul = field_validator("note", mode="before")(_without_nul)


class RelationPublic(RelationFields):
    id: str
    analyst: str
    created_at: datetime
    updated_at: datetime
    evidence_orphaned_at: datetime | None = None
    version: int = 1


# --- accounts ------------------------------------------------------------------------------

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,39}$"
Username = Annotated[str, StringConstraints(pattern=USERNAME_PATTERN, max_length=40)]


class Role(StrEnum):
    """What a user may do; each role may do everything the ones before it may."""

    viewer = "viewer"  # read and export
    analyst = "analyst"  # tag, claim, relate; edit their own work (others' if allowed)
    admin = "admin"  # users, positions, topics, documents, and anyone's work

    @property
    def rank(self) -> int:
        return list(Role).index(self)


class User(SQLModel, table=True):
    # "user" is a reserved word in PostgreSQL.
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=40, unique=True)
    display_name: str = Field(max_length=80)
    password_hash: str = Field(max_length=255)
    role: Role = Field(sa_type=String(16))
    # An analyst who may also edit and delete other analysts' work.
    may_edit_others: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    # Set for a password someone else chose (the first admin's one-time password).
    must_change_password: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow)
    disabled_at: datetime | None = None


class UserCreate(SQLModel):
    username: Username
    display_name: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=10, max_length=200)
    role: Role = Role.analyst
    may_edit_others: StrictBool = False

    _nul = field_validator("display_name", mode="before")(_without_nul)

    @field_validator("display_name")
    @classmethod
    def _display_name(cls, value: str) -> str:
        return _strip_required(value)


class UserUpdate(SQLModel):
    display_name: str | None = Field(default=None, min_length=1, max_length=80)
    role: Role | None = None
    may_edit_others: StrictBool | None = None
    disabled: StrictBool | None = None

    _nul = field_validator("display_name", mode="before")(_without_nul)


class UserPublic(SQLModel):
    id: int
    username: str
    display_name: str
    role: Role
    may_edit_others: bool
    created_at: datetime
    disabled_at: datetime | None


class LoginSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is kept here, so
    signing out (or disabling the user) ends the session at once."""

    __tablename__ = "login_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class ApiToken(SQLModel, table=True):
    """A personal token for API clients (`Authorization: Bearer …`); kept as its SHA-256."""

    __tablename__ = "api_token"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    name: str = Field(max_length=80)
    token_hash: str = Field(max_length=64, unique=True)
    # The first characters, so the owner can tell tokens apart on their page.
    prefix: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


class ApiTokenCreate(SQLModel):
    name: str = Field(min_length=1, max_length=80)

    _nul = field_validator("name", mode="before")(_without_nul)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _strip_required(value)


class ApiTokenPublic(SQLModel):
    id: str
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


class LoginFailure(SQLModel, table=True):
    """A failed sign-in, counted per account and per address to slow down password guessing."""

    __tablename__ = "login_failure"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, index=True)
    address: str = Field(max_length=64, index=True)
    at: datetime = Field(default_factory=utcnow, index=True)


# --- history -------------------------------------------------------------------------------


class HistoryAction(StrEnum):
    create = "create"
    update = "update"
    delete = "delete"
    restore = "restore"


class ItemType(StrEnum):
    annotation = "annotation"
    claim = "claim"
    relation = "relation"
    position = "position"
    topic = "topic"
    document = "document"


class HistoryEntry(SQLModel, table=True):
    """One change to one item: who, when, what, and the item before and after (as JSON)."""

    __tablename__ = "history"
    __table_args__ = (Index("ix_history_item", "item_type", "item_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    # The username, or None for a change made from the command line.
    actor: str | None = Field(default=None, max_length=80, index=True)
    action: HistoryAction = Field(sa_type=String(16))
    item_type: ItemType = Field(sa_type=String(16))
    item_id: str = Field(max_length=64)
    # The item's version after the change (before it, for a delete).
    version: int | None = None
    before: dict[str, object] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, object] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class HistoryPublic(SQLModel):
    id: int
    at: datetime
    actor: str | None
    action: HistoryAction
    item_type: ItemType
    item_id: str
    version: int | None
    before: dict[str, object] | None
    after: dict[str, object] | None

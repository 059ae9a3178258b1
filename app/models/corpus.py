"""Documents and the passages they are cut into.

A document's id is derived from its text and a passage's from its place in it, so the same
text gets the same ids on every machine.
"""

import re
import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, field_validator
from sqlalchemy import Column, ForeignKey, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.fields import VersionedUpdate, utcnow, version_column, without_nul

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


def document_id_for(sha256: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"document:{sha256}"))


def passage_id_for(document_id: str, start: int, end: int) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"passage:{document_id}:{start}:{end}"))


class PassageKind(StrEnum):
    paragraph = "paragraph"
    heading = "heading"
    pullquote = "pullquote"
    boilerplate = "boilerplate"


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

    _nul = field_validator("title", "outlet", "author", "url", mode="before")(without_nul)


_document_version = version_column()


class Document(DocumentMeta, table=True):
    __mapper_args__ = {"version_id_col": _document_version}
    # The documents in their order (oldest first), read from the index alone: a row holds
    # the whole original text, so sorting the rows read every text (migration 0010).
    __table_args__ = (Index("ix_document_created", "created_at", "id"),)

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

    _source_nul = field_validator("source_name", mode="before")(without_nul)

    @field_validator("text")
    @classmethod
    def _text_has_no_nul(cls, value: str) -> str:
        # Refused rather than dropped: the text is the source, kept exactly as given.
        if "\x00" in value:
            raise ValueError("holds NUL characters: binary data, not text")
        return value


# The metadata to change (each field is optional already), after the version it is based on.
# A comment, not a docstring: a docstring would become the schema's description.
class DocumentUpdate(DocumentMeta, VersionedUpdate):
    pass


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

"""The corpus: adding documents with their passages, and loading the seed folder.

How a text is split into passages is in `app.services.segmentation`.
"""

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from sqlmodel import Session, select

from app.models import (
    Document,
    DocumentCreate,
    Passage,
    Position,
    PositionCreate,
    Topic,
    TopicCreate,
    document_id_for,
    passage_id_for,
)
from app.services.errors import Conflict, InvalidInput
from app.services.segmentation import Segment, segment_document

# --- documents -----------------------------------------------------------------------------


def add_document(session: Session, data: DocumentCreate) -> Document:
    """Store a text with its metadata and its passages; commit and return the document.

    The id derives from the SHA-256 of the UTF-8 text, so the same text gets the same id (and
    its passages the same ids) everywhere. A text already in the corpus is refused (Conflict).
    """
    document = _stage_document(session, data)
    session.commit()
    session.refresh(document)
    return document


def _stage_document(session: Session, data: DocumentCreate) -> Document:
    """Add the document and its passages to the session without committing."""
    sha256 = text_sha256(data.text)
    existing = session.exec(select(Document).where(Document.sha256 == sha256)).first()
    if existing is not None:
        raise Conflict(f"This text is already in the corpus as {existing.title or existing.id}.")
    # The id comes from the text a document was added with, and stays when its text is
    # replaced: that document still holds the id this text would get.
    replaced = session.get(Document, document_id_for(sha256))
    if replaced is not None:
        raise Conflict(
            f"This text was added before as {replaced.title or replaced.id}, whose text has "
            "since been replaced; edit that document instead of adding the text again."
        )
    segments = segment_document(data.text)
    if not segments:
        raise InvalidInput("The text has no content: it is empty or only whitespace.")

    document = Document(
        id=document_id_for(sha256),
        sha256=sha256,
        original_text=data.text,
        **data.model_dump(exclude={"text"}),
    )
    session.add(document)
    for ordinal, segment in enumerate(segments):
        session.add(passage_for(document.id, ordinal, segment))
    return document


def text_sha256(text: str) -> str:
    """The SHA-256 of a text's UTF-8 bytes: what makes two documents the same text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def passage_for(
    document_id: str, ordinal: int, segment: Segment, passage_id: str | None = None
) -> Passage:
    """The passage row for a segment of a document; unless `passage_id` is given, its id
    derives from the document's id and the segment's offsets (see `passage_id_for`)."""
    return Passage(
        id=passage_id or passage_id_for(document_id, segment.start, segment.end),
        document_id=document_id,
        ordinal=ordinal,
        kind=segment.kind,
        text=segment.text,
        start=segment.start,
        end=segment.end,
    )


# --- seeds ---------------------------------------------------------------------------------

MANIFEST_NAME = "manifest.json"
UNKNOWN = "unknown"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# A misspelt field ("color") must fail loudly rather than fall back to a default.
class _SeedPosition(PositionCreate):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]


class _SeedTopic(TopicCreate):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]


class _SeedDocument(BaseModel):
    """One manifest entry; every field must be given, "unknown" where the text does not say."""

    model_config = ConfigDict(extra="forbid")

    file: str
    title: str | None
    outlet: str | None
    author: str | None
    published: date | None
    url: str | None

    @field_validator("file")
    @classmethod
    def _plain_file_name(cls, value: str) -> str:
        if not value or Path(value).name != value or value in (".", ".."):
            raise ValueError("must be the name of a file in the seeds folder")
        return value

    @field_validator("title", "outlet", "author", "url", mode="before")
    @classmethod
    def _unknown_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                raise ValueError(f'must not be blank (write "{UNKNOWN}")')
            if value == UNKNOWN:
                return None
        elif value is None:
            raise ValueError(f'must be a string (write "{UNKNOWN}" rather than null)')
        return value

    @field_validator("published", mode="before")
    @classmethod
    def _unknown_date(cls, value: Any) -> Any:
        if value == UNKNOWN:
            return None
        if not isinstance(value, str) or not _ISO_DATE.match(value):
            raise ValueError(f'must be a date as YYYY-MM-DD or "{UNKNOWN}"')
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value} is not a calendar date") from None


class _SeedManifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    positions: list[_SeedPosition]
    topics: list[_SeedTopic]
    documents: list[_SeedDocument]


@dataclass
class SeedReport:
    """What a seed run added, and what it found already present and left alone."""

    documents_added: int = 0
    documents_present: int = 0
    positions_added: int = 0
    positions_present: int = 0
    topics_added: int = 0
    topics_present: int = 0

    def __str__(self) -> str:
        return (
            f"seeds loaded: {self.documents_added} documents added "
            f"({self.documents_present} already present), "
            f"{self.positions_added} positions added ({self.positions_present} already present), "
            f"{self.topics_added} topics added ({self.topics_present} already present)"
        )


def load_seeds(session: Session, seeds_dir: Path) -> SeedReport:
    """Load the positions, topics and articles listed in `seeds_dir/manifest.json`.

    Only what is missing is inserted: a position or topic whose key exists is left as it is
    (an analyst may have renamed or recoloured it), an article whose SHA-256 is stored is
    skipped. Running it again therefore changes nothing. Everything is checked before anything
    is written, and it is all one transaction. A malformed manifest or a missing file raises
    InvalidInput.
    """
    manifest = _read_manifest(seeds_dir)
    articles = [_seed_article(seeds_dir, entry) for entry in manifest.documents]

    report = SeedReport()
    try:
        report.positions_added, report.positions_present = _add_missing(
            session, Position, manifest.positions
        )
        report.topics_added, report.topics_present = _add_missing(session, Topic, manifest.topics)

        staged: set[str] = set()
        for article in articles:
            sha256 = text_sha256(article.text)
            stored = session.exec(select(Document.id).where(Document.sha256 == sha256)).first()
            if stored is not None or sha256 in staged:
                report.documents_present += 1
                continue
            _stage_document(session, article)
            staged.add(sha256)
            report.documents_added += 1
        session.commit()
    except Exception:
        session.rollback()
        raise
    return report


def _add_missing(
    session: Session,
    table: type[Position] | type[Topic],
    entries: Sequence[PositionCreate | TopicCreate],
) -> tuple[int, int]:
    """Add the entries whose key is not stored yet; say how many were added and how many were
    present already."""
    added = 0
    for entry in entries:
        if session.get(table, entry.key) is None:
            session.add(table.model_validate(entry.model_dump()))
            added += 1
    return added, len(entries) - added


def _read_manifest(seeds_dir: Path) -> _SeedManifest:
    path = seeds_dir / MANIFEST_NAME
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no seed manifest found") from None
    except OSError as error:
        raise InvalidInput(f"{path}: cannot be read ({error.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInput(f"{path}: not valid JSON ({error})") from None
    try:
        manifest = _SeedManifest.model_validate(raw)
    except ValidationError as error:
        raise InvalidInput(f"{path}: {_problems(error)}") from None

    for section, keys in (
        ("positions", [p.key for p in manifest.positions]),
        ("topics", [t.key for t in manifest.topics]),
        ("documents", [d.file for d in manifest.documents]),
    ):
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        if repeated:
            raise InvalidInput(f"{path}: {section} lists {', '.join(repeated)} more than once")
    return manifest


def _seed_article(seeds_dir: Path, entry: _SeedDocument) -> DocumentCreate:
    """Read the article a manifest entry names and check it against the document limits."""
    path = seeds_dir / entry.file
    try:
        # Bytes, not read_text: text mode would translate line endings and change the text.
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise InvalidInput(
            f"{seeds_dir / MANIFEST_NAME}: lists {entry.file}, which does not exist"
        ) from None
    except OSError as error:
        raise InvalidInput(f"{path}: cannot be read ({error.strerror})") from None
    except UnicodeDecodeError as error:
        raise InvalidInput(f"{path}: not UTF-8 text ({error})") from None
    if not text.strip():
        raise InvalidInput(f"{path}: the file is empty")
    try:
        return DocumentCreate(
            text=text, source_name=entry.file, **entry.model_dump(exclude={"file"})
        )
    except ValidationError as error:
        raise InvalidInput(
            f"{seeds_dir / MANIFEST_NAME}: {entry.file}: {_problems(error)}"
        ) from None


def _problems(error: ValidationError) -> str:
    """A validation error as one line: where each problem is, and what it is."""
    return "; ".join(
        f"{'.'.join(str(part) for part in problem['loc']) or 'manifest'}: {problem['msg']}"
        for problem in error.errors()
    )

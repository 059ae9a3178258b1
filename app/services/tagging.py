"""Annotations: an analyst's link from a passage, or a span inside it, to a position."""

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, exists
from sqlalchemy import select as sa_select
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, SQLModel, col, insert, select
from sqlmodel.sql.expression import SelectOfScalar

from app.audit.entries import record_rows
from app.audit.snapshots import column_names, table_of
from app.db import save
from app.models import (
    Actor,
    Annotation,
    AnnotationCreate,
    AnnotationKind,
    AnnotationPublic,
    AnnotationUpdate,
    Claim,
    HistoryAction,
    Passage,
    PassageKind,
    Position,
    Topic,
    new_id,
    utcnow,
)
from app.services.blinding import SEES_ALL, Blinding
from app.services.errors import InvalidInput
from app.services.lookup import get_existing, not_found
from app.services.paging import Page, PageRequest, count_rows
from app.services.versions import check_version

ANALYST_MAX_LENGTH = 80


def clean_analyst_name(name: str | None) -> str:
    """The analyst's name as stored with every tag; refuses an empty one."""
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise InvalidInput("Tell us your name first: every tag records who made it.")
    if len(cleaned) > ANALYST_MAX_LENGTH:
        raise InvalidInput(f"A name can be at most {ANALYST_MAX_LENGTH} characters long.")
    return cleaned


_REFERENCES: tuple[tuple[type[SQLModel], str], ...] = (
    (Position, "position with the key"),
    (Topic, "topic with the key"),
    (Claim, "claim with the id"),
    (Actor, "actor with the key"),
)


def _check_references(
    session: Session,
    position_key: str | None,
    topic_key: str | None,
    claim_id: str | None = None,
    actor_key: str | None = None,
) -> None:
    """InvalidInput naming the first of the given keys that names nothing; one query for all."""
    asked = [
        (model, what, key)
        for (model, what), key in zip(
            _REFERENCES, (position_key, topic_key, claim_id, actor_key), strict=True
        )
        if key is not None
    ]
    if not asked:
        return
    found = session.execute(
        sa_select(*(exists().where(_primary_key(model) == key) for model, _what, key in asked))
    ).one()
    for (_model, what, key), there in zip(asked, found, strict=True):
        if not there:
            raise InvalidInput(f"There is no {what} '{key}'.")


def _primary_key(model: type[SQLModel]) -> ColumnElement[Any]:
    return cast(ColumnElement[Any], table_of(model).primary_key.columns.values()[0])


def _span_quote(text: str, start: int | None, end: int | None) -> str | None:
    """Check a span against its passage and return the quoted text (None for the whole)."""
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise InvalidInput("A span needs both a start and an end (or neither, for the passage).")
    if not 0 <= start < end <= len(text):
        raise InvalidInput(
            f"The span {start}–{end} is not inside the passage (its text has "
            f"{len(text)} characters, and a span must not be empty)."
        )
    if start == 0 and end == len(text):
        return None  # selecting the whole passage is a whole-passage tag
    return text[start:end]


def get_passage(session: Session, passage_id: str) -> Passage:
    return get_existing(session, Passage, passage_id)


def get_annotation(
    session: Session,
    annotation_id: str,
    *,
    include_removed: bool = False,
    blinding: Blinding = SEES_ALL,
) -> Annotation:
    """The tag; NotFound if there is none, if it was removed (unless `include_removed`), or if
    the reader's `blinding` hides it: a coder cannot tell another's tag from no tag."""
    annotation = session.get(Annotation, annotation_id)
    if (
        annotation is None
        or (annotation.deleted_at is not None and not include_removed)
        or blinding.hides(annotation.document_id, annotation.analyst)
    ):
        raise not_found(Annotation, annotation_id)
    return annotation


def tag_passage(
    session: Session,
    data: AnnotationCreate,
    analyst: str | None,
    *,
    adjudicated: bool = False,
    adopted_from: str | None = None,
) -> Annotation:
    """Tag a passage (or the span `data.start`–`data.end` inside it) with a position; in the
    adjudicated layer if `adjudicated` (accepted from the coder's tag `adopted_from`, if any).

    The tag and its history entry go in as two Core inserts, the way an import writes rows:
    the ORM's unit of work and the history's flush events were most of a tag's time in a
    profile of the server under load. The returned tag is attached to the session as stored,
    so a caller may go on changing it through the ORM.
    """
    who = clean_analyst_name(analyst)
    passage = session.execute(
        sa_select(col(Passage.document_id), col(Passage.kind), col(Passage.text)).where(
            col(Passage.id) == data.passage_id
        )
    ).one_or_none()
    if passage is None:
        raise not_found(Passage, data.passage_id)
    if passage.kind == PassageKind.boilerplate:
        raise InvalidInput(
            "This passage is boilerplate (not part of the article); it cannot be tagged."
        )
    _check_references(session, data.position_key, data.topic_key, data.claim_id, data.actor_key)
    start, end = (data.start, data.end)
    quote = _span_quote(passage.text, start, end)
    if quote is None:
        start = end = None
    now = utcnow()
    given = {
        "id": new_id(),
        "document_id": passage.document_id,
        "passage_id": data.passage_id,
        "start": start,
        "end": end,
        "quote": quote,
        "position_key": data.position_key,
        "kind": AnnotationKind(data.kind),
        "topic_key": data.topic_key,
        "actor_key": data.actor_key,
        "note": data.note.strip(),
        "claim_id": data.claim_id,
        "analyst": who,
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
        "orphaned_at": None,
        "version": 1,
        "example": False,
        "adjudicated": adjudicated,
        "adopted_from": adopted_from,
    }
    row = {name: given[name] for name in column_names(Annotation)}  # as history shows a tag
    connection = session.connection()
    connection.execute(insert(Annotation), row)
    record_rows(session, HistoryAction.create, Annotation, [row])
    annotation = Annotation(**row)
    make_transient_to_detached(annotation)
    session.add(annotation)
    session.commit()
    return annotation


def update_annotation(
    session: Session,
    annotation_id: str,
    data: AnnotationUpdate,
    blinding: Blinding = SEES_ALL,
) -> Annotation:
    """Change a tag's position, kind, topic or note; the span and the analyst stay.

    With `data.version`, the change is refused (VersionConflict) if the tag is at another one;
    a tag the reader's `blinding` hides is not found.
    """
    annotation = get_annotation(session, annotation_id, blinding=blinding)
    check_version(session, annotation, data.version, lambda: present_annotation(annotation))
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if changes.get("position_key", "") is None:
        raise InvalidInput("A tag must keep a position.")
    if changes.get("kind", "") is None:
        raise InvalidInput("A tag must keep a kind (states, supports or opposes).")
    _check_references(
        session,
        changes.get("position_key"),
        changes.get("topic_key"),
        changes.get("claim_id"),
        changes.get("actor_key"),
    )
    if "note" in changes:
        changes["note"] = (changes["note"] or "").strip()
    annotation.sqlmodel_update(changes)
    annotation.updated_at = utcnow()
    return save(session, annotation)


def remove_annotation(
    session: Session,
    annotation_id: str,
    version: int | None = None,
    blinding: Blinding = SEES_ALL,
) -> Annotation:
    """Remove a tag; it is kept out of sight so that the removal can be undone. With
    `version`, refused (VersionConflict) if the tag is at another one; a tag the reader's
    `blinding` hides is not found."""
    annotation = get_annotation(session, annotation_id, blinding=blinding)
    check_version(session, annotation, version, lambda: present_annotation(annotation))
    annotation.deleted_at = utcnow()
    return save(session, annotation)


def restore_annotation(
    session: Session, annotation_id: str, blinding: Blinding = SEES_ALL
) -> Annotation:
    """Undo a removal (of a tag the reader's `blinding` does not hide)."""
    annotation = get_annotation(session, annotation_id, include_removed=True, blinding=blinding)
    if annotation.deleted_at is None:
        return annotation
    annotation.deleted_at = None
    annotation.updated_at = utcnow()
    return save(session, annotation)


@dataclass(frozen=True)
class AnnotationFilters:
    document_id: str | None = None
    passage_id: str | None = None
    position_key: str | None = None
    topic_key: str | None = None
    analyst: str | None = None
    blinding: Blinding = SEES_ALL  # who asks: the tags they may not see are left out


def _annotations_query(filters: AnnotationFilters) -> SelectOfScalar[Annotation]:
    query = select(Annotation).where(col(Annotation.deleted_at).is_(None))
    visible = filters.blinding.visible_condition()
    if visible is not None:
        query = query.where(visible)
    if filters.document_id is not None:
        query = query.where(Annotation.document_id == filters.document_id)
    if filters.passage_id is not None:
        query = query.where(Annotation.passage_id == filters.passage_id)
    if filters.position_key is not None:
        query = query.where(Annotation.position_key == filters.position_key)
    if filters.topic_key is not None:
        query = query.where(Annotation.topic_key == filters.topic_key)
    if filters.analyst is not None:
        query = query.where(Annotation.analyst == filters.analyst)
    return query


def list_annotations(
    session: Session, filters: AnnotationFilters, *, limit: int = 500, offset: int = 0
) -> list[AnnotationPublic]:
    """Live tags matching every given filter, oldest first (orphans included)."""
    query = (
        _annotations_query(filters)
        .order_by(col(Annotation.created_at), col(Annotation.id))
        .offset(offset)
        .limit(limit)
    )
    return [present_annotation(a) for a in session.exec(query)]


def page_annotations(
    session: Session, filters: AnnotationFilters, page: PageRequest
) -> Page[AnnotationPublic]:
    """One page of `list_annotations`, with the number of matching tags in all."""
    total = count_rows(session, _annotations_query(filters).with_only_columns(col(Annotation.id)))
    found = list_annotations(session, filters, limit=page.limit, offset=page.offset)
    return Page(found, total, page.limit, page.offset)


def present_annotation(annotation: Annotation) -> AnnotationPublic:
    return AnnotationPublic.model_validate(annotation)

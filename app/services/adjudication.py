"""Adjudication: a curator reads the tags the coders of a document made independently, side by
side, and writes the document's adjudicated layer from them.

A **curator** is an admin, or an analyst an admin allowed to adjudicate (`User.may_adjudicate`).
The **coders** of a document are the analysts with an assignment on it (app/models/coding.py);
only those who marked it done are compared, and only their tags may be accepted or merged. The
adjudicated layer is made of tags flagged `adjudicated` (app/models/annotations.py); a tag a
curator accepted from a coder's records it in `adopted_from`. Every change goes through
app/services/tagging.py, so the history records it like any other tag's.

A curator who codes the document themself and has not marked it done may not adjudicate it:
reading the others' tags would sway their own.
"""

from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from app.audit.entries import MAY_EDIT_ANY
from app.models import (
    Annotation,
    AnnotationCreate,
    AnnotationKind,
    Assignment,
    Document,
    Passage,
    PassageKind,
    Role,
    User,
)
from app.services import tagging
from app.services.documents import document_labels
from app.services.errors import Conflict, Forbidden, InvalidInput
from app.services.lookup import get_existing

NOTHING_DONE = "Nobody has marked this document done yet: there is nothing to adjudicate."
NOT_A_CURATOR = (
    "Adjudicating is for curators: an admin, or an analyst an admin allowed to adjudicate "
    "(on the users page)."
)
STILL_CODING = (
    "You are coding this document yourself and have not marked it done: mark it done first, "
    "so that the others' tags cannot sway your own."
)
MAX_TAGS = 100  # tags accepted or merged in one request


def may_adjudicate(user: User | None) -> bool:
    """Whether `user` is a curator: an admin, or an analyst allowed to adjudicate."""
    if user is None or user.disabled_at is not None:
        return False
    return user.role == Role.admin or (user.role == Role.analyst and user.may_adjudicate)


# --- what the curator sees -----------------------------------------------------------------


@dataclass(frozen=True)
class PassageRow:
    """One passage with the done coders' tags and the adjudicated layer's."""

    passage: Passage
    # Each done coder's tags here (every done coder has an entry, empty if they tagged none).
    coders: dict[str, list[Annotation]]
    adjudicated: list[Annotation]
    # position key → the done coders whose kinds of it differ from another's here.
    differs: dict[str, list[str]] = field(default_factory=dict)

    @property
    def disputed(self) -> bool:
        return bool(self.differs)

    def coder_differs(self, analyst: str, position_key: str) -> bool:
        return analyst in self.differs.get(position_key, ())


@dataclass(frozen=True)
class AdjudicationView:
    document: Document
    coders: list[str]  # every analyst assigned the document, by name
    done: list[str]  # those who marked it done: the ones compared
    rows: list[PassageRow]
    # Ids of coders' tags a live adjudicated tag was accepted from.
    adopted: frozenset[str]
    label: str  # how the document is named everywhere (documents.document_label)

    @property
    def still_coding(self) -> list[str]:
        return [name for name in self.coders if name not in self.done]


@dataclass(frozen=True)
class _Scene:
    """A document's coders, read once per request."""

    document: Document
    coders: list[str]
    done: list[str]


def _scene(
    session: Session, document_id: str, curator: User | None, *, as_command_line: bool = False
) -> _Scene:
    """The document and its coders, once `curator` may adjudicate it (NotFound, Forbidden with
    a sentence, or Conflict when nobody marked it done). The command line, reading, needs no
    curator."""
    document = get_existing(session, Document, document_id)
    if not as_command_line and not may_adjudicate(curator):
        raise Forbidden(NOT_A_CURATOR)
    assignments = session.exec(
        select(Assignment.analyst, Assignment.done_at)
        .where(Assignment.document_id == document_id)
        .order_by(col(Assignment.analyst))
    ).all()
    if curator is not None and any(
        name == curator.username and done is None for name, done in assignments
    ):
        raise Forbidden(STILL_CODING)
    done = [name for name, done_at in assignments if done_at is not None]
    if not done:
        raise Conflict(NOTHING_DONE)
    return _Scene(document, [name for name, _ in assignments], done)


def offers_adjudication(session: Session, user: User | None, document_id: str) -> bool:
    """Whether the document page should offer `user` its adjudication: they are a curator, not
    coding it still, and someone marked it done (no query for anyone but curators)."""
    if not may_adjudicate(user):
        return False
    assert user is not None
    assignments = session.exec(
        select(Assignment.analyst, Assignment.done_at).where(Assignment.document_id == document_id)
    ).all()
    if any(name == user.username and done is None for name, done in assignments):
        return False
    return any(done is not None for _name, done in assignments)


def adjudication_view(
    session: Session,
    document_id: str,
    curator: User | None,
    *,
    passage_id: str | None = None,
    as_command_line: bool = False,
) -> AdjudicationView:
    """The document's passages (in order, boilerplate aside) where a done coder or the
    adjudicated layer has a tag, each with those tags and the positions the coders differ on;
    with `passage_id`, that passage alone (even with no tag). Six queries, whatever the size
    (two of them name the document)."""
    scene = _scene(session, document_id, curator, as_command_line=as_command_line)
    tags_query = select(Annotation).where(
        Annotation.document_id == document_id,
        col(Annotation.deleted_at).is_(None),
        col(Annotation.passage_id).is_not(None),
        col(Annotation.example).is_(False),
        col(Annotation.adjudicated) | col(Annotation.analyst).in_(scene.done),
    )
    if passage_id is not None:
        tags_query = tags_query.where(Annotation.passage_id == passage_id)
    tags = session.exec(tags_query.order_by(col(Annotation.created_at), col(Annotation.id))).all()
    by_passage: dict[str, list[Annotation]] = defaultdict(list)
    for tag in tags:
        assert tag.passage_id is not None
        by_passage[tag.passage_id].append(tag)
    wanted = [passage_id] if passage_id is not None else list(by_passage)
    passages = session.exec(
        select(Passage)
        .where(
            col(Passage.id).in_(wanted),
            Passage.document_id == document_id,
            Passage.kind != PassageKind.boilerplate,
        )
        .order_by(col(Passage.ordinal))
    ).all()
    rows = [_row(passage, by_passage.get(passage.id, []), scene.done) for passage in passages]
    adopted = frozenset(
        tag.adopted_from for tag in tags if tag.adjudicated and tag.adopted_from is not None
    )
    label = document_labels(session, [document_id])[document_id]
    return AdjudicationView(scene.document, scene.coders, scene.done, rows, adopted, label)


def _row(passage: Passage, tags: list[Annotation], done: list[str]) -> PassageRow:
    coders: dict[str, list[Annotation]] = {name: [] for name in done}
    adjudicated = []
    for tag in tags:
        if tag.adjudicated:
            adjudicated.append(tag)
        else:
            coders[tag.analyst].append(tag)
    return PassageRow(passage, coders, adjudicated, _differences(coders))


def _differences(coders: dict[str, list[Annotation]]) -> dict[str, list[str]]:
    """Per position, the coders whose kinds of it here are not everyone's (a coder who did not
    tag the position has none). With one coder there is no one to differ from."""
    if len(coders) < 2:
        return {}
    kinds: dict[str, dict[str, frozenset[AnnotationKind]]] = {}
    positions = sorted({tag.position_key for tags in coders.values() for tag in tags})
    for key in positions:
        kinds[key] = {
            name: frozenset(tag.kind for tag in tags if tag.position_key == key)
            for name, tags in coders.items()
        }
    differs = {}
    for key, of_coder in kinds.items():
        readings = Counter(of_coder.values())
        if len(readings) == 1:
            continue
        # The coders outside the most common reading (all of them when none is most common).
        (common, most), *others = readings.most_common()
        shared = common if not others or others[0][1] < most else None
        differs[key] = [name for name, reading in of_coder.items() if reading != shared]
    return differs


# --- what the curator does -----------------------------------------------------------------


def _coders_tags(
    session: Session, scene: _Scene, annotation_ids: Sequence[str]
) -> list[Annotation]:
    """The tags `annotation_ids` (in that order), each a live tag a done coder made on the
    scene's document; InvalidInput naming the first that is not."""
    ids = list(dict.fromkeys(annotation_ids))
    if not ids:
        raise InvalidInput("Choose at least one coder's tag.")
    if len(ids) > MAX_TAGS:
        raise InvalidInput(f"Choose at most {MAX_TAGS} tags at a time.")
    found = {
        tag.id: tag
        for tag in session.exec(select(Annotation).where(col(Annotation.id).in_(ids))).all()
    }
    for tag_id in ids:
        tag = found.get(tag_id)
        if tag is None or tag.deleted_at is not None:
            raise InvalidInput(f"There is no tag with the id '{tag_id}'.")
        if tag.document_id != scene.document.id:
            raise InvalidInput(f"The tag '{tag_id}' is on another document.")
        if tag.adjudicated or tag.example or tag.analyst not in scene.done:
            raise InvalidInput(
                f"The tag '{tag_id}' is not the tag of a coder who marked this document done: "
                "only those may be accepted or merged."
            )
        if tag.passage_id is None:
            raise InvalidInput(
                f"The tag '{tag_id}' lost its place in the text; review it with the document's "
                "orphans first."
            )
    return [found[tag_id] for tag_id in ids]


def _adopted_already(session: Session, tags: list[Annotation]) -> set[str]:
    """Which of `tags` a live adjudicated tag was accepted from."""
    adopted = session.exec(
        select(Annotation.adopted_from).where(
            col(Annotation.adopted_from).in_([tag.id for tag in tags]),
            col(Annotation.adjudicated).is_(True),
            col(Annotation.deleted_at).is_(None),
        )
    ).all()
    return {tag_id for tag_id in adopted if tag_id is not None}


def accept(
    session: Session, document_id: str, annotation_ids: Sequence[str], curator: User | None
) -> list[Annotation]:
    """Copy done coders' tags into the adjudicated layer, each adopted from its original.

    Refused as a whole (Conflict, nothing written) if one of them was accepted already and its
    copy is still in the layer: remove the copy first to accept it again."""
    scene = _scene(session, document_id, curator)
    assert curator is not None
    tags = _coders_tags(session, scene, annotation_ids)
    adopted = _adopted_already(session, tags)
    if adopted:
        twice = next(tag for tag in tags if tag.id in adopted)
        raise Conflict(
            f"{twice.analyst}'s tag '{twice.id}' ({twice.position_key} {twice.kind}) is in the "
            "adjudicated layer already; nothing was accepted."
        )
    return [
        tagging.tag_passage(
            session, _copy_of(tag), curator.username, adjudicated=True, adopted_from=tag.id
        )
        for tag in tags
    ]


def _copy_of(tag: Annotation) -> AnnotationCreate:
    assert tag.passage_id is not None
    return AnnotationCreate(
        passage_id=tag.passage_id,
        position_key=tag.position_key,
        kind=tag.kind,
        topic_key=tag.topic_key,
        actor_key=tag.actor_key,
        note=tag.note,
        claim_id=tag.claim_id,
        start=tag.start,
        end=tag.end,
    )


def merge(
    session: Session, document_id: str, annotation_ids: Sequence[str], curator: User | None
) -> Annotation:
    """Make two or more done coders' tags of one position and kind on one passage a single
    adjudicated tag: its span covers theirs (the whole passage if one of them is on the whole),
    its note joins theirs, and it is adopted from the first. Topic, claim and actor are the
    first tag's, or the next one's where it names none."""
    scene = _scene(session, document_id, curator)
    assert curator is not None
    tags = _coders_tags(session, scene, annotation_ids)
    if len(tags) < 2:
        raise InvalidInput("Choose two tags or more to merge (to take one, accept it).")
    first = tags[0]
    if len({tag.passage_id for tag in tags}) > 1:
        raise InvalidInput("Only tags on the same passage can be merged.")
    readings = sorted({f"{tag.position_key} {tag.kind}" for tag in tags})
    if len(readings) > 1:
        raise InvalidInput(
            "Only tags of the same position and kind can be merged; these say "
            f"{', '.join(readings)}. Accept the one you agree with instead."
        )
    whole = any(tag.start is None or tag.end is None for tag in tags)
    start = None if whole else min(tag.start for tag in tags if tag.start is not None)
    end = None if whole else max(tag.end for tag in tags if tag.end is not None)
    notes = list(dict.fromkeys(tag.note.strip() for tag in tags if tag.note.strip()))
    data = _copy_of(first).model_copy(
        update={
            "start": start,
            "end": end,
            "note": "\n\n".join(notes),
            "topic_key": _first_named(tag.topic_key for tag in tags),
            "claim_id": _first_named(tag.claim_id for tag in tags),
            "actor_key": _first_named(tag.actor_key for tag in tags),
        }
    )
    data = AnnotationCreate.model_validate(data.model_dump())  # the note's length, once joined
    return tagging.tag_passage(
        session, data, curator.username, adjudicated=True, adopted_from=first.id
    )


def _first_named(values: Iterator[str | None]) -> str | None:
    return next((value for value in values if value is not None), None)


def add_tag(
    session: Session, document_id: str, data: AnnotationCreate, curator: User | None
) -> Annotation:
    """Write a tag of the curator's own into the document's adjudicated layer."""
    scene = _scene(session, document_id, curator)
    assert curator is not None
    passage = tagging.get_passage(session, data.passage_id)
    if passage.document_id != scene.document.id:
        raise InvalidInput(f"The passage '{data.passage_id}' is in another document.")
    return tagging.tag_passage(session, data, curator.username, adjudicated=True)


def remove_tag(
    session: Session, document_id: str, annotation_id: str, curator: User | None
) -> Annotation:
    """Take a tag out of the document's adjudicated layer (whichever curator wrote it); the
    removal is recorded and can be undone like any tag's."""
    scene = _scene(session, document_id, curator)
    tag = tagging.get_annotation(session, annotation_id)
    if tag.document_id != scene.document.id or not tag.adjudicated:
        raise InvalidInput(
            f"The tag '{annotation_id}' is not in this document's adjudicated layer."
        )
    with _curators_may_change(session):
        return tagging.remove_annotation(session, annotation_id)


@contextmanager
def _curators_may_change(session: Session) -> Iterator[None]:
    """The adjudicated layer is every curator's: one may remove the tags another wrote, which
    the history's ownership rule (app/audit/events.py) allows only to those who may change
    everyone's work."""
    before = session.info.get(MAY_EDIT_ANY)
    session.info[MAY_EDIT_ANY] = True
    try:
        yield
    finally:
        session.info[MAY_EDIT_ANY] = before

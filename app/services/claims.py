"""Claims and the relations between them.

A claim is a proposition in the analyst's own words. Positions hold or reject it (its stances),
tags are its evidence (an annotation's `claim_id`), and a relation says that one claim supports
or attacks another. Each public function is one unit of work: it checks everything first, then
changes what it must and commits once.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Subquery, and_, case, distinct, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from app.db import save
from app.models import (
    Annotation,
    Claim,
    ClaimCreate,
    ClaimPublic,
    ClaimStance,
    ClaimUpdate,
    Document,
    Passage,
    Position,
    Relation,
    RelationCreate,
    RelationKind,
    RelationPublic,
    RelationUpdate,
    Stance,
    StanceFields,
    Topic,
    utcnow,
)
from app.services.documents import document_label
from app.services.errors import Conflict, InvalidInput, NotFound
from app.services.paging import Page, PageRequest, count_rows
from app.services.tagging import (
    clean_analyst_name,
    get_annotation,
    get_passage,
    present_annotation,
)
from app.services.versions import check_version

SHORT_TEXT_LENGTH = 60
SEARCH_LIMIT = 10
# As ClaimFields.note allows; a merge's record is cut to fit, so that the claim stays readable.
NOTE_MAX_LENGTH = 5000
MERGE_RECORD_LENGTH = 300


def short_text(text: str, limit: int = SHORT_TEXT_LENGTH) -> str:
    """A claim's text cut to `limit` characters, for messages that name it."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _live_evidence() -> ColumnElement[bool]:
    """Evidence tags that count: not removed, and not orphaned (an orphan has no passage;
    it makes its claim need review instead, see app/services/reanchor.py)."""
    return (
        col(Annotation.deleted_at).is_(None)
        & col(Annotation.orphaned_at).is_(None)
        & col(Annotation.claim_id).is_not(None)
    )


def _clean_text(text: str) -> str:
    # NUL is dropped, as from every text users type (see app/models.py).
    cleaned = text.replace("\x00", "").strip()
    if not cleaned:
        raise InvalidInput("A claim needs some text: the proposition in your own words.")
    return cleaned


def _check_topic(session: Session, topic_key: str | None) -> None:
    if topic_key is not None and session.get(Topic, topic_key) is None:
        raise InvalidInput(f"There is no topic with the key '{topic_key}'.")


def _check_stances(session: Session, stances: Sequence[StanceFields]) -> dict[str, Stance]:
    """The stances as {position key: stance}; each position once, and every one must exist."""
    wanted: dict[str, Stance] = {}
    for item in stances:
        if item.position_key in wanted:
            raise InvalidInput(
                f"The position '{item.position_key}' is given twice; a position takes one "
                "stance on a claim."
            )
        wanted[item.position_key] = Stance(item.stance)
    if wanted:
        known = set(session.exec(select(Position.key).where(col(Position.key).in_(wanted))))
        missing = [key for key in wanted if key not in known]
        if missing:
            raise InvalidInput(f"There is no position with the key '{missing[0]}'.")
    return wanted


def _replace_stances(session: Session, claim_id: str, wanted: dict[str, Stance]) -> None:
    """Make the claim's stances exactly `wanted` (rows are updated in place, not re-inserted)."""
    current = {
        row.position_key: row
        for row in session.exec(select(ClaimStance).where(ClaimStance.claim_id == claim_id))
    }
    for key, row in current.items():
        if key in wanted:
            row.stance = wanted[key]
            session.add(row)
        else:
            session.delete(row)
    for key, stance in wanted.items():
        if key not in current:
            session.add(ClaimStance(claim_id=claim_id, position_key=key, stance=stance))


def _live_annotations(session: Session, annotation_ids: Iterable[str]) -> list[Annotation]:
    """The live tags with these ids, in the order given (duplicates once); NotFound if one is
    missing or removed."""
    wanted = list(dict.fromkeys(annotation_ids))
    if not wanted:
        return []
    found = {
        a.id: a
        for a in session.exec(
            select(Annotation).where(
                col(Annotation.id).in_(wanted), col(Annotation.deleted_at).is_(None)
            )
        )
    }
    for annotation_id in wanted:
        if annotation_id not in found:
            raise NotFound(f"There is no tag with the id '{annotation_id}'.")
    return [found[annotation_id] for annotation_id in wanted]


def _move_evidence(
    session: Session, annotations: Iterable[Annotation], claim_id: str | None
) -> None:
    now = utcnow()
    for annotation in annotations:
        annotation.claim_id = claim_id
        annotation.updated_at = now
        session.add(annotation)


# --- claims ----------------------------------------------------------------------------------


def get_claim(session: Session, claim_id: str) -> Claim:
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(f"There is no claim with the id '{claim_id}'.")
    return claim


def create_claim(session: Session, data: ClaimCreate, analyst: str | None) -> Claim:
    """Add a claim with its stances, and attach the tags `data.annotation_ids` as evidence.

    The claim is recorded as `analyst`'s (the signed-in user; never a name from a body). A
    tag that was evidence for another claim moves to this one (a tag backs one claim at a
    time).
    """
    who = clean_analyst_name(analyst)
    text = _clean_text(data.text)
    _check_topic(session, data.topic_key)
    stances = _check_stances(session, data.stances)
    evidence = _live_annotations(session, data.annotation_ids)
    now = utcnow()
    claim = Claim(
        text=text,
        topic_key=data.topic_key,
        note=data.note.strip(),
        analyst=who,
        created_at=now,
        updated_at=now,
    )
    session.add(claim)
    # The claim row first: with no ORM relationships between these tables, the unit of work
    # does not promise to write it before the rows that point at it.
    session.flush()
    _replace_stances(session, claim.id, stances)
    _move_evidence(session, evidence, claim.id)
    return save(session, claim)


def update_claim(session: Session, claim_id: str, data: ClaimUpdate) -> Claim:
    """Change the fields given; `topic_key: null` clears the topic, and `stances` (a list, or
    null for none) replaces the whole set of stances. With `data.version`, the change is
    refused (VersionConflict) if the claim is at another one."""
    claim = get_claim(session, claim_id)
    check_version(session, claim, data.version, lambda: claim_public(session, claim))
    changes = data.model_dump(exclude_unset=True, exclude={"stances", "version"})
    if "text" in changes:
        if changes["text"] is None:
            raise InvalidInput("A claim must keep its text.")
        changes["text"] = _clean_text(changes["text"])
    if "topic_key" in changes:
        _check_topic(session, changes["topic_key"])
    if "note" in changes:
        changes["note"] = (changes["note"] or "").strip()
    stances = None
    if "stances" in data.model_fields_set:
        stances = _check_stances(session, data.stances or [])
    claim.sqlmodel_update(changes)
    if stances is not None:
        _replace_stances(session, claim.id, stances)
    claim.updated_at = utcnow()
    return save(session, claim)


def set_stance(
    session: Session,
    claim_id: str,
    position_key: str,
    stance: Stance | None,
    version: int | None = None,
) -> Claim:
    """Say how one position stands to the claim (holds or rejects), or with None that it takes
    no stance (removing an absent stance changes nothing). With `version`, refused
    (VersionConflict) if the claim is at another one."""
    claim = get_claim(session, claim_id)
    check_version(session, claim, version, lambda: claim_public(session, claim))
    if session.get(Position, position_key) is None:
        raise NotFound(f"There is no position with the key '{position_key}'.")
    row = session.exec(
        select(ClaimStance).where(
            ClaimStance.claim_id == claim_id, ClaimStance.position_key == position_key
        )
    ).first()
    if stance is None and row is None:
        return claim
    if stance is None:
        session.delete(row)
    elif row is None:
        session.add(ClaimStance(claim_id=claim_id, position_key=position_key, stance=stance))
    else:
        row.stance = stance
        session.add(row)
    claim.updated_at = utcnow()
    return save(session, claim)


def delete_claim(session: Session, claim_id: str, version: int | None = None) -> None:
    """Delete a claim with its stances and relations; its evidence tags stay, with no claim.

    The database does the rest: stances and relations cascade, tags get a NULL `claim_id`.
    With `version`, refused (VersionConflict) if the claim is at another one.
    """
    claim = get_claim(session, claim_id)
    check_version(session, claim, version, lambda: claim_public(session, claim))
    session.delete(claim)
    session.commit()


def attach_evidence(session: Session, claim_id: str, annotation_id: str) -> Annotation:
    """Make a live tag evidence for the claim (moving it from another claim, if any)."""
    get_claim(session, claim_id)
    annotation = get_annotation(session, annotation_id)
    _move_evidence(session, [annotation], claim_id)
    return save(session, annotation)


def detach_evidence(
    session: Session,
    annotation_id: str,
    *,
    claim_id: str | None = None,
    version: int | None = None,
) -> Annotation:
    """Stop a tag being evidence for its claim; the tag itself stays.

    With `claim_id`, the tag must be evidence for that claim (NotFound otherwise); with
    `version`, the tag must be at that version (VersionConflict otherwise).
    """
    annotation = get_annotation(session, annotation_id)
    check_version(session, annotation, version, lambda: present_annotation(annotation))
    if claim_id is not None:
        claim = get_claim(session, claim_id)
        if annotation.claim_id != claim_id:
            raise NotFound(
                f"The tag '{annotation_id}' is not evidence for the claim "
                f"“{short_text(claim.text)}”."
            )
    if annotation.claim_id is None:
        return annotation
    _move_evidence(session, [annotation], None)
    return save(session, annotation)


def merge_claims(
    session: Session, target_id: str, source_ids: list[str], analyst: str | None
) -> Claim:
    """Fold duplicate claims (the sources) into the target, then delete the sources.

    - Every evidence tag of the sources (removed ones too, so that an undo finds its claim)
      moves to the target.
    - Stances are united. Where the target and a source disagree for a position the target's
      stance wins; between sources, the one listed first wins.
    - The target keeps its text, topic and note; only if it has no topic does it take the
      first topic among the sources. A line per source is added to its note,
      `Merged: “<text>” (by <analyst>)`, with the source's note if it had one (each cut to
      300 characters, and the whole note to the 5,000 a note may have).
    - Relations of the sources are re-pointed to the target. One that would link the target to
      itself is dropped, and so is one that would link a pair of claims already linked (in
      either direction): the target's own relation wins, then the earlier one.
    """
    who = clean_analyst_name(analyst)
    merged_ids = list(dict.fromkeys(source_ids))
    if not merged_ids:
        raise InvalidInput("Choose at least one claim to merge into this one.")
    if target_id in merged_ids:
        raise InvalidInput("A claim cannot be merged into itself.")
    target = get_claim(session, target_id)
    sources = [get_claim(session, source_id) for source_id in merged_ids]
    now = utcnow()

    stances: dict[str, dict[str, Stance]] = defaultdict(dict)
    for row in session.exec(
        select(ClaimStance).where(col(ClaimStance.claim_id).in_([target_id, *merged_ids]))
    ):
        stances[row.claim_id][row.position_key] = Stance(row.stance)
    united = dict(stances[target_id])
    for source_id in merged_ids:
        for position_key, stance in stances[source_id].items():
            united.setdefault(position_key, stance)

    dropped, repointed = _merge_relations(session, target_id, merged_ids)
    for relation in dropped:
        session.delete(relation)
    # Deletions first, so that no re-pointed relation meets the pair it duplicates.
    session.flush()
    for relation, (new_source, new_target) in repointed:
        relation.source_id, relation.target_id = new_source, new_target
        relation.updated_at = now
        session.add(relation)
    _move_evidence(
        session,
        session.exec(select(Annotation).where(col(Annotation.claim_id).in_(merged_ids))).all(),
        target_id,
    )
    _replace_stances(session, target_id, united)
    lines = [target.note] if target.note else []
    for source in sources:
        line = f"Merged: “{short_text(source.text, MERGE_RECORD_LENGTH)}” (by {who})"
        if source.note:
            line += f". Its note: {short_text(source.note, MERGE_RECORD_LENGTH)}"
        lines.append(line)
        if target.topic_key is None:
            target.topic_key = source.topic_key
    note = "\n".join(lines)
    target.note = note if len(note) <= NOTE_MAX_LENGTH else note[: NOTE_MAX_LENGTH - 1] + "…"
    target.updated_at = now
    session.add(target)
    # Everything now points at the target; only then may the sources (and their stances) go.
    session.flush()
    for source in sources:
        session.delete(source)
    return save(session, target)


def _merge_relations(
    session: Session, target_id: str, merged_ids: list[str]
) -> tuple[list[Relation], list[tuple[Relation, tuple[str, str]]]]:
    """The relations of the sources to drop, and those to re-point with their new ends.

    The target's own relations stay as they are and take precedence; then the sources' in the
    order the sources were given, oldest first.
    """
    involved = [target_id, *merged_ids]
    relations = session.exec(
        select(Relation)
        .where(or_(col(Relation.source_id).in_(involved), col(Relation.target_id).in_(involved)))
        .order_by(col(Relation.created_at), col(Relation.id))
    ).all()
    order = {claim_id: index for index, claim_id in enumerate(merged_ids)}

    def rank(relation: Relation) -> int:
        ends = [order[end] for end in (relation.source_id, relation.target_id) if end in order]
        return min(ends, default=-1)

    taken: set[frozenset[str]] = set()
    dropped: list[Relation] = []
    repointed: list[tuple[Relation, tuple[str, str]]] = []
    for relation in sorted(relations, key=rank):
        if rank(relation) == -1:
            taken.add(frozenset((relation.source_id, relation.target_id)))
            continue
        source = target_id if relation.source_id in order else relation.source_id
        target = target_id if relation.target_id in order else relation.target_id
        pair = frozenset((source, target))
        if source == target or pair in taken:
            dropped.append(relation)
        else:
            taken.add(pair)
            repointed.append((relation, (source, target)))
    return dropped, repointed


def split_claim(
    session: Session, claim_id: str, annotation_ids: list[str], text: str, analyst: str | None
) -> Claim:
    """Make a new claim with `text` from some of a claim's evidence and return it.

    The new claim has the same topic and stances and takes over the tags `annotation_ids`
    (each must be live evidence for `claim_id`; at least one, and not all of them). Relations
    stay with the original claim.
    """
    who = clean_analyst_name(analyst)
    original = get_claim(session, claim_id)
    new_text = _clean_text(text)
    if not annotation_ids:
        raise InvalidInput("Choose at least one passage of evidence for the new claim.")
    moving = _live_annotations(session, annotation_ids)
    for annotation in moving:
        if annotation.claim_id != claim_id:
            raise InvalidInput(
                f"The tag '{annotation.id}' is not evidence for the claim "
                f"“{short_text(original.text)}”."
            )
    evidence_count = session.exec(
        select(func.count())
        .select_from(Annotation)
        .where(Annotation.claim_id == claim_id, _live_evidence())
    ).one()
    if len(moving) >= evidence_count:
        raise InvalidInput(
            f"Those are all the passages of “{short_text(original.text)}”: nothing would be "
            "left for it. Leave it at least one, or edit its text instead."
        )
    stances = {
        row.position_key: Stance(row.stance)
        for row in session.exec(select(ClaimStance).where(ClaimStance.claim_id == claim_id))
    }
    now = utcnow()
    claim = Claim(
        text=new_text,
        topic_key=original.topic_key,
        note=f"Split from: “{original.text}”",
        analyst=who,
        created_at=now,
        updated_at=now,
    )
    session.add(claim)
    session.flush()  # the claim row first, as in create_claim
    _replace_stances(session, claim.id, stances)
    _move_evidence(session, moving, claim.id)
    return save(session, claim)


# --- reading claims --------------------------------------------------------------------------


def _evidence_counts() -> Subquery:
    """Per claim: its live evidence tags and the distinct documents they come from."""
    return (
        select(
            col(Annotation.claim_id).label("claim_id"),
            func.count(distinct(col(Annotation.id))).label("evidence"),
            func.count(distinct(col(Passage.document_id))).label("documents"),
        )
        .join(Passage, col(Passage.id) == col(Annotation.passage_id))
        .where(_live_evidence())
        .group_by(col(Annotation.claim_id))
        .subquery()
    )


def _claims_with_counts() -> tuple[Select[Claim, int, int], ColumnElement[int]]:
    counts = _evidence_counts()
    evidence: ColumnElement[int] = func.coalesce(counts.c.evidence, 0)
    documents: ColumnElement[int] = func.coalesce(counts.c.documents, 0)
    query = select(Claim, evidence, documents).outerjoin(counts, counts.c.claim_id == col(Claim.id))
    return query, evidence


def _present(session: Session, query: Select[Claim, int, int]) -> list[ClaimPublic]:
    """Run a `_claims_with_counts` query and add the stances: two queries in all."""
    rows = session.exec(query).all()
    ids = [claim.id for claim, _, _ in rows]
    stances: dict[str, list[StanceFields]] = defaultdict(list)
    if ids:
        for row in session.exec(
            select(ClaimStance)
            .join(Position, col(Position.key) == col(ClaimStance.position_key))
            .where(col(ClaimStance.claim_id).in_(ids))
            .order_by(col(Position.ordinal), col(Position.key))
        ):
            stances[row.claim_id].append(
                StanceFields(position_key=row.position_key, stance=row.stance)
            )
    return [
        ClaimPublic.model_validate(
            claim,
            update={
                "stances": stances[claim.id],
                "evidence_count": evidence,
                "document_count": documents,
            },
        )
        for claim, evidence, documents in rows
    ]


def claim_public(session: Session, claim: Claim) -> ClaimPublic:
    """The claim with its stances, evidence count and document count."""
    query, _ = _claims_with_counts()
    return _present(session, query.where(col(Claim.id) == claim.id))[0]


def _claim_filters(
    session: Session, q: str | None, topic: str | None, position: str | None
) -> list[ColumnElement[bool]]:
    if topic is not None and session.get(Topic, topic) is None:
        raise NotFound(f"There is no topic with the key '{topic}'.")
    if position is not None and session.get(Position, position) is None:
        raise NotFound(f"There is no position with the key '{position}'.")
    conditions: list[ColumnElement[bool]] = []
    if topic is not None:
        conditions.append(col(Claim.topic_key) == topic)
    if position is not None:
        conditions.append(
            col(Claim.id).in_(
                select(ClaimStance.claim_id).where(ClaimStance.position_key == position)
            )
        )
    for word in (q or "").split():
        # ILIKE on PostgreSQL; lower() LIKE lower() on SQLite (which folds ASCII only).
        conditions.append(col(Claim.text).icontains(word, autoescape=True))
    return conditions


def list_claims(
    session: Session,
    *,
    q: str | None = None,
    topic: str | None = None,
    position: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[ClaimPublic]:
    """Claims with their stances and evidence counts, filtered and searched.

    `q` matches claims whose text contains every word of it, ignoring case; the best matches
    come first (text starting with `q`, then most evidence). Without `q`, by text. `topic` and
    `position` (a claim any stance of that position) must exist. Two queries, whatever the page.
    """
    query, evidence = _claims_with_counts()
    query = query.where(*_claim_filters(session, q, topic, position))
    words = (q or "").split()
    by_text = (func.lower(col(Claim.text)), col(Claim.id))
    if words:
        starts = col(Claim.text).istartswith(" ".join(words), autoescape=True)
        query = query.order_by(case((starts, 0), else_=1), evidence.desc(), *by_text)
    else:
        query = query.order_by(*by_text)
    return _present(session, query.offset(offset).limit(limit))


def page_claims(
    session: Session,
    page: PageRequest,
    *,
    q: str | None = None,
    topic: str | None = None,
    position: str | None = None,
) -> Page[ClaimPublic]:
    """One page of `list_claims`, with the number of claims that match in all."""
    conditions = _claim_filters(session, q, topic, position)
    total = count_rows(session, select(Claim.id).where(*conditions))
    found = list_claims(
        session, q=q, topic=topic, position=position, limit=page.limit, offset=page.offset
    )
    return Page(found, total, page.limit, page.offset)


def search_claims(session: Session, q: str, limit: int = SEARCH_LIMIT) -> list[ClaimPublic]:
    """The best few claims for the search-as-you-type box (see `list_claims`)."""
    return list_claims(session, q=q, limit=limit)


@dataclass(frozen=True)
class EvidenceItem:
    """A tag backing a claim, with its passage and document."""

    annotation: Annotation
    passage: Passage
    document: Document
    document_label: str


def claim_evidence(session: Session, claim_id: str) -> list[EvidenceItem]:
    """The claim's live evidence tags, by document date (undated last), then passage order.

    One query: the document's opening passage (for an untitled document's label) is joined in.
    """
    get_claim(session, claim_id)
    opening = aliased(Passage)
    rows = session.exec(
        select(Annotation, Passage, Document, opening.text)
        .join(Passage, col(Passage.id) == col(Annotation.passage_id))
        .join(Document, col(Document.id) == col(Passage.document_id))
        .outerjoin(
            opening, and_(col(opening.document_id) == col(Document.id), col(opening.ordinal) == 0)
        )
        .where(Annotation.claim_id == claim_id, col(Annotation.deleted_at).is_(None))
        .order_by(
            col(Document.published).is_(None),
            col(Document.published),
            col(Document.created_at),
            col(Document.id),
            col(Passage.ordinal),
            func.coalesce(col(Annotation.start), -1),
            col(Annotation.created_at),
            col(Annotation.id),
        )
    ).all()
    return [
        EvidenceItem(annotation, passage, document, document_label(document, first_words))
        for annotation, passage, document, first_words in rows
    ]


# --- relations -------------------------------------------------------------------------------


def get_relation(session: Session, relation_id: str) -> Relation:
    relation = session.get(Relation, relation_id)
    if relation is None:
        raise NotFound(f"There is no relation with the id '{relation_id}'.")
    return relation


def create_relation(session: Session, data: RelationCreate, analyst: str | None) -> Relation:
    """Say that one claim supports or attacks another.

    Two claims are linked by one relation at most, in either direction: a second one is a
    Conflict (change the kind of the first instead).
    """
    who = clean_analyst_name(analyst)
    source = get_claim(session, data.source_id)
    target = get_claim(session, data.target_id)
    if source.id == target.id:
        raise InvalidInput("A claim cannot support or attack itself.")
    existing = session.exec(
        select(Relation).where(
            or_(
                and_(col(Relation.source_id) == source.id, col(Relation.target_id) == target.id),
                and_(col(Relation.source_id) == target.id, col(Relation.target_id) == source.id),
            )
        )
    ).first()
    if existing is not None:
        first, second = (source, target) if existing.source_id == source.id else (target, source)
        raise Conflict(
            f"“{short_text(first.text)}” already {existing.kind} “{short_text(second.text)}”; "
            "two claims can have one relation only. Change or delete that one instead."
        )
    if data.evidence_passage_id is not None:
        get_passage(session, data.evidence_passage_id)
    now = utcnow()
    relation = Relation(
        source_id=source.id,
        target_id=target.id,
        kind=RelationKind(data.kind),
        note=data.note.strip(),
        evidence_passage_id=data.evidence_passage_id,
        analyst=who,
        created_at=now,
        updated_at=now,
    )
    return save(session, relation)


def _relations_query(session: Session, claim_id: str | None) -> SelectOfScalar[Relation]:
    query = select(Relation)
    if claim_id is not None:
        get_claim(session, claim_id)
        query = query.where(
            or_(col(Relation.source_id) == claim_id, col(Relation.target_id) == claim_id)
        )
    return query


def list_relations(session: Session, claim_id: str | None = None) -> list[Relation]:
    """Every relation, or those from or to one claim, oldest first."""
    query = _relations_query(session, claim_id)
    return list(session.exec(query.order_by(col(Relation.created_at), col(Relation.id))))


def page_relations(
    session: Session, page: PageRequest, claim_id: str | None = None
) -> Page[Relation]:
    """One page of `list_relations`, with the number of relations in all."""
    query = _relations_query(session, claim_id)
    total = count_rows(session, query.with_only_columns(col(Relation.id)))
    ordered = query.order_by(col(Relation.created_at), col(Relation.id))
    found = list(session.exec(ordered.offset(page.offset).limit(page.limit)))
    return Page(found, total, page.limit, page.offset)


def update_relation(session: Session, relation_id: str, data: RelationUpdate) -> Relation:
    """Change a relation's kind, note or evidence passage (`null` clears the passage); its two
    claims stay (delete it and make a new one to link others). With `data.version`, refused
    (VersionConflict) if the relation is at another one."""
    relation = get_relation(session, relation_id)
    check_version(session, relation, data.version, lambda: RelationPublic.model_validate(relation))
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if changes.get("kind", "") is None:
        raise InvalidInput("A relation must keep a kind (supports or attacks).")
    if changes.get("evidence_passage_id") is not None:
        get_passage(session, changes["evidence_passage_id"])
    if "note" in changes:
        changes["note"] = (changes["note"] or "").strip()
    if "evidence_passage_id" in changes:
        # Set or cleared by a person: a lost evidence passage needs no more review.
        changes["evidence_orphaned_at"] = None
    relation.sqlmodel_update(changes)
    relation.updated_at = utcnow()
    return save(session, relation)


def delete_relation(session: Session, relation_id: str, version: int | None = None) -> None:
    """Delete a relation; with `version`, refused (VersionConflict) if it is at another one."""
    relation = get_relation(session, relation_id)
    check_version(session, relation, version, lambda: RelationPublic.model_validate(relation))
    session.delete(relation)
    session.commit()


@dataclass(frozen=True)
class LinkedClaim:
    """A relation seen from one claim, with the claim at its other end."""

    relation: Relation
    claim: Claim


@dataclass(frozen=True)
class ClaimLinks:
    """A claim's relations by direction and kind."""

    supports: list[LinkedClaim]
    supported_by: list[LinkedClaim]
    attacks: list[LinkedClaim]
    attacked_by: list[LinkedClaim]


def claim_links(session: Session, claim_id: str) -> ClaimLinks:
    """What the claim supports and attacks, and what supports and attacks it (one query)."""
    get_claim(session, claim_id)
    other_end = case(
        (col(Relation.source_id) == claim_id, col(Relation.target_id)),
        else_=col(Relation.source_id),
    )
    rows = session.exec(
        select(Relation, Claim)
        .join(Claim, col(Claim.id) == other_end)
        .where(or_(col(Relation.source_id) == claim_id, col(Relation.target_id) == claim_id))
        .order_by(col(Relation.created_at), col(Relation.id))
    ).all()
    links = ClaimLinks([], [], [], [])
    for relation, other in rows:
        outgoing = relation.source_id == claim_id
        if relation.kind == RelationKind.supports:
            group = links.supports if outgoing else links.supported_by
        else:
            group = links.attacks if outgoing else links.attacked_by
        group.append(LinkedClaim(relation, other))
    return links

"""Merging duplicate claims into one, and splitting a claim in two by its evidence."""

from collections import defaultdict

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from app.db import save
from app.models import Annotation, Claim, ClaimStance, Relation, Stance, utcnow
from app.services.claims.editing import (
    clean_claim_text,
    live_annotations,
    move_evidence,
    replace_stances,
)
from app.services.claims.reading import get_claim, live_evidence, short_text
from app.services.errors import InvalidInput
from app.services.tagging import clean_analyst_name

# As ClaimFields.note allows; a merge's record is cut to fit, so that the claim stays readable.
NOTE_MAX_LENGTH = 5000
MERGE_RECORD_LENGTH = 300


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
    move_evidence(
        session,
        session.exec(select(Annotation).where(col(Annotation.claim_id).in_(merged_ids))).all(),
        target_id,
    )
    replace_stances(session, target_id, united)
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
    new_text = clean_claim_text(text)
    if not annotation_ids:
        raise InvalidInput("Choose at least one passage of evidence for the new claim.")
    moving = live_annotations(session, annotation_ids)
    for annotation in moving:
        if annotation.claim_id != claim_id:
            raise InvalidInput(
                f"The tag '{annotation.id}' is not evidence for the claim "
                f"“{short_text(original.text)}”."
            )
    evidence_count = session.exec(
        select(func.count())
        .select_from(Annotation)
        .where(Annotation.claim_id == claim_id, live_evidence())
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
    replace_stances(session, claim.id, stances)
    move_evidence(session, moving, claim.id)
    return save(session, claim)

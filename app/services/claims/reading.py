"""Reading claims: one claim with its stances and counts, lists and searches of them, and a
claim's evidence; with the lookup and the short form that the other claim services share."""

from collections import defaultdict

from sqlalchemy import ColumnElement, Subquery, and_, case, distinct, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from app.models import (
    Annotation,
    Claim,
    ClaimPublic,
    ClaimStance,
    Document,
    Passage,
    Position,
    StanceFields,
    Topic,
)
from app.services.blinding import SEES_ALL, Blinding
from app.services.documents import TaggedPassage, document_label
from app.services.lookup import check_exists, get_existing
from app.services.paging import Page, PageRequest, count_rows

SHORT_TEXT_LENGTH = 60
SEARCH_LIMIT = 10


def short_text(text: str, limit: int = SHORT_TEXT_LENGTH) -> str:
    """A claim's text cut to `limit` characters, for messages that name it."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def live_evidence() -> ColumnElement[bool]:
    """Evidence tags that count: not removed, and not orphaned (an orphan has no passage;
    it makes its claim need review instead, see app/services/reanchor.py)."""
    return (
        col(Annotation.deleted_at).is_(None)
        & col(Annotation.orphaned_at).is_(None)
        & col(Annotation.claim_id).is_not(None)
    )


def visible_evidence(blinding: Blinding) -> list[ColumnElement[bool]]:
    """The conditions that leave out the evidence `blinding` hides from its reader: none for
    a reader who sees every tag, so that their queries stay as they were. A claim itself is a
    shared catalog entry and stays visible; its hidden evidence neither shows nor counts."""
    condition = blinding.visible_condition()
    return [] if condition is None else [condition]


def get_claim(session: Session, claim_id: str) -> Claim:
    return get_existing(session, Claim, claim_id)


def _evidence_counts(claim_ids: ColumnElement[bool], blinding: Blinding) -> Subquery:
    """Per claim: its live evidence tags and the distinct documents they come from, for the
    claims `claim_ids` (a condition on `Annotation.claim_id`) keeps: counting every claim's
    evidence to show a few took most of a page's time on a large map. The evidence the
    reader's `blinding` hides is not counted."""
    return (
        select(
            col(Annotation.claim_id).label("claim_id"),
            func.count(distinct(col(Annotation.id))).label("evidence"),
            func.count(distinct(col(Passage.document_id))).label("documents"),
        )
        .join(Passage, col(Passage.id) == col(Annotation.passage_id))
        .where(live_evidence(), claim_ids, *visible_evidence(blinding))
        .group_by(col(Annotation.claim_id))
        .subquery()
    )


def _claims_with_counts(
    claim_ids: ColumnElement[bool], blinding: Blinding
) -> tuple[Select[Claim, int, int], ColumnElement[int]]:
    counts = _evidence_counts(claim_ids, blinding)
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


def claim_public(session: Session, claim: Claim, blinding: Blinding = SEES_ALL) -> ClaimPublic:
    """The claim with its stances, evidence count and document count (of the evidence its
    reader's `blinding` lets them see)."""
    query, _ = _claims_with_counts(col(Annotation.claim_id) == claim.id, blinding)
    return _present(session, query.where(col(Claim.id) == claim.id))[0]


def _claim_filters(
    session: Session, q: str | None, topic: str | None, position: str | None
) -> list[ColumnElement[bool]]:
    check_exists(session, Topic, topic)
    check_exists(session, Position, position)
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
    blinding: Blinding = SEES_ALL,
) -> list[ClaimPublic]:
    """Claims with their stances and evidence counts, filtered and searched.

    `q` matches claims whose text contains every word of it, ignoring case; the best matches
    come first (text starting with `q`, then most evidence). Without `q`, by text. `topic` and
    `position` (a claim any stance of that position) must exist. The evidence the reader's
    `blinding` hides is not counted. Two queries with `q`, three without, whatever the page.
    """
    conditions = _claim_filters(session, q, topic, position)
    words = (q or "").split()
    by_text = (func.lower(col(Claim.text)), col(Claim.id))
    if words:
        # The order needs the evidence of every claim that matches: it is counted for those.
        matching = select(Claim.id).where(*conditions)
        query, evidence = _claims_with_counts(col(Annotation.claim_id).in_(matching), blinding)
        starts = col(Claim.text).istartswith(" ".join(words), autoescape=True)
        query = query.where(*conditions).order_by(
            case((starts, 0), else_=1), evidence.desc(), *by_text
        )
        query = query.offset(offset).limit(limit)
    else:
        # By text: the page's claims are chosen first (sorting the claims' ids alone, once),
        # and only their evidence is counted.
        shown = list(
            session.exec(
                select(Claim.id).where(*conditions).order_by(*by_text).offset(offset).limit(limit)
            )
        )
        if not shown:  # past the last page (an empty IN would scan every evidence tag)
            return []
        query, _ = _claims_with_counts(col(Annotation.claim_id).in_(shown), blinding)
        query = query.where(col(Claim.id).in_(shown)).order_by(*by_text)
    return _present(session, query)


def page_claims(
    session: Session,
    page: PageRequest,
    *,
    q: str | None = None,
    topic: str | None = None,
    position: str | None = None,
    blinding: Blinding = SEES_ALL,
) -> Page[ClaimPublic]:
    """One page of `list_claims`, with the number of claims that match in all."""
    conditions = _claim_filters(session, q, topic, position)
    total = count_rows(session, select(Claim.id).where(*conditions))
    found = list_claims(
        session,
        q=q,
        topic=topic,
        position=position,
        limit=page.limit,
        offset=page.offset,
        blinding=blinding,
    )
    return Page(found, total, page.limit, page.offset)


def search_claims(
    session: Session, q: str, limit: int = SEARCH_LIMIT, blinding: Blinding = SEES_ALL
) -> list[ClaimPublic]:
    """The best few claims for the search-as-you-type box (see `list_claims`)."""
    return list_claims(session, q=q, limit=limit, blinding=blinding)


def claim_evidence(
    session: Session, claim_id: str, blinding: Blinding = SEES_ALL
) -> list[TaggedPassage]:
    """The claim's live evidence tags, by document date (undated last), then passage order;
    not those the reader's `blinding` hides.

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
        .where(
            Annotation.claim_id == claim_id,
            col(Annotation.deleted_at).is_(None),
            *visible_evidence(blinding),
        )
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
        TaggedPassage(annotation, passage, document, document_label(document, first_words))
        for annotation, passage, document, first_words in rows
    ]

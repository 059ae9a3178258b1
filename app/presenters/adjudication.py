"""What the adjudication page and its JSON twin show, built from app/services/adjudication.py."""

from typing import Any

from sqlmodel import Session

from app.models import Annotation, AnnotationKind
from app.services import catalog
from app.services.adjudication import AdjudicationView, PassageRow
from app.services.documents import passage_citation


def tag_as_json(tag: Annotation) -> dict[str, Any]:
    return {
        "id": tag.id,
        "analyst": tag.analyst,
        "position_key": tag.position_key,
        "kind": tag.kind,
        "topic_key": tag.topic_key,
        "start": tag.start,
        "end": tag.end,
        "quote": tag.quote,
        "claim_id": tag.claim_id,
        "actor_key": tag.actor_key,
        "note": tag.note,
        "adjudicated": tag.adjudicated,
        "adopted_from": tag.adopted_from,
        "version": tag.version,
    }


def _row_as_json(view: AdjudicationView, row: PassageRow, label: str) -> dict[str, Any]:
    passage = row.passage
    return {
        "id": passage.id,
        "ordinal": passage.ordinal,
        "citation": passage_citation(label, passage.ordinal),
        "kind": passage.kind,
        "text": passage.text,
        "disputed": row.disputed,
        "differs": row.differs,
        "coders": [
            {
                "analyst": name,
                "tags": [
                    {
                        **tag_as_json(tag),
                        "differs": row.coder_differs(name, tag.position_key),
                        "accepted": tag.id in view.adopted,
                    }
                    for tag in tags
                ],
            }
            for name, tags in row.coders.items()
        ],
        "adjudicated": [tag_as_json(tag) for tag in row.adjudicated],
    }


def adjudication_as_json(view: AdjudicationView) -> dict[str, Any]:
    """The view as a plain dict for other tools: ids, names and tags, no HTML."""
    label = view.label
    return {
        "document": {"id": view.document.id, "label": label},
        "coders": view.coders,
        "done": view.done,
        "still_coding": view.still_coding,
        "passages": [_row_as_json(view, row, label) for row in view.rows],
        "disputed": sum(1 for row in view.rows if row.disputed),
    }


def adjudication_context(session: Session, view: AdjudicationView) -> dict[str, Any]:
    """The page's context (also its rows' fragment): the view and the names and colours of
    the positions and topics (two queries)."""
    positions = catalog.list_positions(session)
    topics = catalog.list_topics(session)
    return {
        "view": view,
        "label": view.label,
        "positions": positions,
        "topics": topics,
        "kinds": list(AnnotationKind),
        "position_map": {p.key: p for p in positions},
        "topic_map": {t.key: t for t in topics},
    }

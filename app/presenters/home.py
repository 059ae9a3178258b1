"""The home page and its JSON twin: one plain context, rendered as HTML or answered as JSON."""

from datetime import date
from typing import Any

from sqlmodel import Session

from app.presenters.history import item_history_url
from app.services import history, overview
from app.services.blinding import SEES_ALL, Blinding
from app.services.documents import day_label
from app.services.mapviews import NO_TOPIC

# The feed's newest entries the home shows.
RECENT_CHANGES = 6

# Where a newcomer starts: the same three on the page and in the JSON.
STARTING_POINTS = (
    {
        "key": "read",
        "title": "Read and tag a document",
        "text": "Open an article, go through it passage by passage and mark what each side holds.",
        "url": "/documents",
    },
    {
        "key": "matrix",
        "title": "See who stands where",
        "text": "Positions against topics: the claims each side holds or rejects, with the "
        "passages behind them.",
        "url": "/matrix",
    },
    {
        "key": "export",
        "title": "Export the map",
        "text": "Take the tags, the claims and the networks to R, pandas, Gephi or another "
        "instance.",
        "url": "/export",
    },
)


def _corpus(found: overview.CorpusOverview) -> dict[str, Any]:
    return {
        "documents": found.documents,
        "dated": found.dated,
        "first_published": found.first_published,
        "last_published": found.last_published,
        "dates": _date_span(found),
        "outlets": [{"name": o.name, "documents": o.documents} for o in found.outlets],
        "no_outlet": found.unnamed_outlet,
        "shown": [
            {
                "id": s.document.id,
                "label": s.label,
                "outlet": s.document.outlet,
                "published": s.document.published,
                "published_label": _day(s.document.published),
                "passages": s.document.passage_count,
                "tags": s.document.annotation_count,
                "url": f"/documents/{s.document.id}",
            }
            for s in found.shown
        ],
    }


def _day(day: date | None) -> str | None:
    return day_label(day) if day else None


def _date_span(found: overview.CorpusOverview) -> str | None:
    """The dates the corpus covers, as a reader writes them (None when no document has one)."""
    first, last = found.first_published, found.last_published
    if first is None or last is None:
        return None
    if first == last:
        return day_label(first)
    return f"{day_label(first)} – {day_label(last)}"


def _progress(found: overview.TeamProgress, documents: int) -> dict[str, Any]:
    return {
        "analysts": [{"analyst": a.analyst, "tags": a.tags} for a in found.analysts],
        "tags": found.own_tags,
        "example_tags": found.example_tags,
        "documents_tagged": found.documents_tagged,
        "documents": documents,
        "percent_tagged": round(100 * found.documents_tagged / documents) if documents else 0,
    }


def _map(found: overview.MapOverview) -> dict[str, Any]:
    return {
        "claims": found.claims,
        "example_claims": found.example_claims,
        "relations": found.relations,
        "topics": [{"key": key, "name": name} for key, name in found.topics],
        "positions": [
            {
                "key": row.key,
                "name": row.name,
                "colour": row.colour,
                "holds": row.holds,
                "rejects": row.rejects,
                "cells": [
                    {"topic": topic, "holds": held, "rejects": rejected}
                    for (topic, _), (held, rejected) in zip(found.topics, row.cells, strict=True)
                ],
            }
            for row in found.positions
        ],
    }


def _recent(session: Session, blinding: Blinding) -> list[dict[str, Any]]:
    return [
        {
            "at": item.entry.at,
            "actor": item.entry.actor,
            "action": str(item.entry.action),
            "item_type": str(item.entry.item_type),
            "label": item.label,
            "url": item_history_url(item.entry.item_type, item.entry.item_id),
        }
        for item in history.list_history(
            session, history.HistoryFilters(blinding=blinding), limit=RECENT_CHANGES
        ).items
    ]


def home_context(session: Session, blinding: Blinding = SEES_ALL) -> dict[str, Any]:
    """What the corpus holds, how far the team has got, the map at a glance, the latest
    changes and where to start: of the tags, those the reader's `blinding` lets them see."""
    corpus = overview.corpus_overview(session, blinding)
    return {
        "corpus": _corpus(corpus),
        "progress": _progress(overview.team_progress(session, blinding), corpus.documents),
        "map": _map(overview.map_overview(session, NO_TOPIC)),
        "recent": _recent(session, blinding),
        "starting_points": list(STARTING_POINTS),
    }

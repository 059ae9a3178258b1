"""What the mapviews pages and their JSON twins show, built from the services' results."""

from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session

from app.models import Actor
from app.services import catalog, examples, mapviews
from app.services.blinding import Layer
from app.services.documents import passage_citation
from app.services.mapviews import Cell, CellPassages, MapFilters, Matrix
from app.services.tag_filters import TagFilters

# Claims listed in a cell of the page; the rest are counted and open with the cell.
CELL_CLAIMS_SHOWN = 4


def filters_as_record(filters: TagFilters) -> dict[str, Any]:
    """The filters as the JSON twin writes them and the page's form sends them back, under
    their query parameters' names."""
    return {
        "since": filters.since.isoformat() if filters.since else None,
        "until": filters.until.isoformat() if filters.until else None,
        "undated": filters.include_undated,
        "document": filters.document,
        "outlet": filters.outlet,
        "analyst": filters.analyst,
        "actor": filters.actor,
        "position": filters.position,
        "topic": filters.topic,
        "layer": filters.layer.value,
    }


def cell_url(cell: Cell, filters: TagFilters) -> str:
    """A cell's passages under the matrix's filters; the cell names its position and topic
    (within the matrix's own position and topic filters, if any)."""
    query = {"position": cell.position, "topic": cell.topic}
    query |= {name: value for name, value in filters.chosen().items() if name not in query}
    return f"/matrix/cell?{urlencode(query)}"


def cell_claim(claim: mapviews.CellClaim) -> dict[str, Any]:
    return {
        "id": claim.id,
        "text": claim.text,
        "stance": claim.stance,
        "states": claim.states,
        "supports": claim.supports,
        "opposes": claim.opposes,
        "documents": claim.documents,
        "needs_review": claim.needs_review,
    }


def cell_as_json(cell: Cell) -> dict[str, Any]:
    return {
        "position": cell.position,
        "topic": cell.topic,
        "tags": cell.tags,
        "states": cell.states,
        "supports": cell.supports,
        "opposes": cell.opposes,
        "with_claim": cell.with_claim,
        "held": [cell_claim(c) for c in cell.held],
        "rejected": [cell_claim(c) for c in cell.rejected],
    }


def matrix_as_json(matrix: Matrix, filters: TagFilters) -> dict[str, Any]:
    return {
        "filters": filters_as_record(filters),
        "positions": [p.key for p in matrix.positions],
        "topics": [key for key, _ in matrix.topics],
        "cells": [cell_as_json(cell) for cell in matrix.cells.values() if not cell.empty],
    }


def layer_label(layer: Layer, analyst: str | None) -> str:
    """Which tags an analysis shows, in words, for its page."""
    shown = "the adjudicated layer" if layer is Layer.adjudicated else "all tags"
    return f"{shown}, {analyst}'s only" if analyst else shown


def matrix_context(
    matrix: Matrix,
    filters: TagFilters,
    documents: list[tuple[str, str]],
    actors: list[Actor],
    analysts: list[str],
) -> dict[str, Any]:
    """The page: the matrix, the filters as the form shows them (with the documents, actors
    and analysts to choose from, and the layers), each cell's link."""
    return {
        "matrix": matrix,
        "filters": filters,
        "documents": documents,
        "actors": actors,
        "analysts": analysts,
        "layers": list(Layer),
        "shown_tags": layer_label(filters.layer, filters.analyst),
        "no_topic": mapviews.NO_TOPIC,
        "cell_url": lambda cell: cell_url(cell, filters),
        "claims_shown": CELL_CLAIMS_SHOWN,
    }


def span_text(item: mapviews.CellPassage) -> str | None:
    """The tagged span of the passage, or None when the whole passage is tagged."""
    start, end = item.annotation.start, item.annotation.end
    if start is None or end is None:
        return None
    return item.passage.text[start:end]


def cell_passage_as_json(item: mapviews.CellPassage) -> dict[str, Any]:
    annotation, passage = item.annotation, item.passage
    return {
        "annotation": annotation.id,
        "kind": annotation.kind,
        "analyst": annotation.analyst,
        "quote": span_text(item),
        "start": annotation.start,
        "end": annotation.end,
        "passage": passage.id,
        "ordinal": passage.ordinal,
        "text": passage.text,
        "document": item.document.id,
        "document_label": item.document_label,
        "citation": passage_citation(item.document_label, passage.ordinal),
        "published": item.document.published.isoformat() if item.document.published else None,
        "claim": {"id": item.claim.id, "text": item.claim.text} if item.claim else None,
    }


def cell_passages_as_json(found: CellPassages, filters: TagFilters) -> dict[str, Any]:
    return {
        "filters": filters_as_record(filters),
        "position": found.position.key,
        "topic": found.topic,
        "total": found.total,
        "passages": [cell_passage_as_json(item) for item in found.items],
    }


def cell_passages_context(found: CellPassages) -> dict[str, Any]:
    return {"cell": found, "position": found.position, "span_text": span_text}


def graph_query(filters: MapFilters) -> str:
    """The graph's filters as the query of its data's address (those given only)."""
    query = {
        "topic": filters.topic,
        "position": filters.position,
        "analyst": filters.analyst,
        "layer": None if filters.layer is Layer.all else filters.layer.value,
    }
    return urlencode({name: value for name, value in query.items() if value})


def graph_context(session: Session, filters: MapFilters) -> dict[str, Any]:
    """The graph's page: its filters and what they offer, and the address of its data."""
    return {
        "filters": filters,
        "topics": catalog.list_topics(session),
        "positions": catalog.list_positions(session),
        "analysts": mapviews.analyst_choices(session, filters.analyst),
        "layers": list(Layer),
        "shown_tags": layer_label(filters.layer, filters.analyst),
        "no_topic": mapviews.NO_TOPIC,
        "example_counts": examples.count_examples(session, filters.blinding),
        "graph_src": f"/api/graph?{graph_query(filters)}",
    }

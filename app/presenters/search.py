"""What the search pages and their JSON twins show, built from the services' results."""

from typing import Any

from markupsafe import Markup, escape

from app.services.search import SearchHit
from app.services.search_terms import Snippet
from app.templating import show_controls


def snippet_html(snippet: Snippet) -> Markup:
    """Escaped text with `<mark>` around the matched words (and control characters shown as
    symbols, as templates show every text)."""
    return Markup("").join(
        Markup("<mark>{}</mark>").format(show_controls(piece))
        if marked
        else escape(show_controls(piece))
        for piece, marked in snippet.pieces
    )


def hit_as_json(hit: SearchHit) -> dict[str, Any]:
    return {
        "type": hit.type.value,
        "id": hit.id,
        "rank": hit.rank,
        "url": hit.url,
        "title": hit.title,
        "detail": hit.detail,
        "snippet": hit.snippet.text,
        "snippet_html": str(snippet_html(hit.snippet)),
        "note_snippet_html": str(snippet_html(hit.note)) if hit.note else None,
        "document_id": hit.document_id,
        "document_label": hit.document_label,
        "passage_id": hit.passage_id,
        "claim_id": hit.claim_id,
    }

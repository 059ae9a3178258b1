"""What the ingest pages and their JSON twins show, built from the services' results."""

from typing import Any

from app.services.ingest import (
    Preview,
)


def document_link(document_id: str) -> str:
    return f"/documents/{document_id}"


def preview_context(preview: Preview) -> dict[str, Any]:
    """The preview as plain data: the page renders it, the API returns it."""
    data = preview.document
    duplicate = preview.duplicate_of
    return {
        "metadata": {
            "title": data.title,
            "outlet": data.outlet,
            "author": data.author,
            "published": data.published.isoformat() if data.published else None,
            "url": data.url,
            "source_name": data.source_name,
        },
        "passages": [
            {
                "ordinal": ordinal,
                "kind": str(segment.kind),
                "text": segment.text,
                "start": segment.start,
                "end": segment.end,
            }
            for ordinal, segment in enumerate(preview.segments)
        ],
        "sha256": preview.sha256,
        "duplicate_of": (
            {
                "id": duplicate.id,
                "title": duplicate.title,
                "url": document_link(duplicate.id),
            }
            if duplicate is not None
            else None
        ),
        "text": data.text,
    }

"""The Export page: every file the map can be saved as, each with the filters it honours."""

import re
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from app.presenters.networks import network_choices
from app.services import examples
from app.services.networks import NetworkKind, network_spec


def export_page_context(session: Session) -> dict[str, Any]:
    """The choices the page's forms offer: the networks' kinds and settings, the map's
    documents, positions, topics and actors for the filters, and how much example data
    there is to leave out or include."""
    # The network form starts at the network view's defaults.
    return {
        **network_choices(session),
        "spec": network_spec(NetworkKind.congruence),
        "example_counts": examples.count_examples(session),
    }


# Characters a file name keeps; any other run of characters in a filter value becomes a dash.
UNSAFE_IN_FILE_NAME = re.compile(r"[^A-Za-z0-9_]+")


def export_file_name(
    what: str, chosen: dict[str, str], when: datetime, extension: str, *more: str
) -> str:
    """What the file holds, with its filters (and `more` after them) and the day (UTC) it was
    made: `argument-map-position-russia-2026-12-06.json`; example data left out reads
    `no-examples`."""
    parts = [what]
    for name, value in chosen.items():
        if name == "examples":
            parts.append("no-examples")
            continue
        safe = UNSAFE_IN_FILE_NAME.sub("-", value).strip("-") or "x"
        parts.append(f"{name}-{safe}")
    parts += [*more, when.date().isoformat()]
    return "-".join(parts) + "." + extension


def download_headers(what: str, chosen: dict[str, str], extension: str) -> dict[str, str]:
    """Ask the browser to save the answer under `export_file_name`, made today."""
    name = export_file_name(what, chosen, datetime.now(UTC), extension)
    return {"Content-Disposition": f'attachment; filename="{name}"'}

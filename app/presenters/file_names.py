"""The names downloads are saved under: what the file holds, its filters, the day it was made."""

import re
from datetime import UTC, datetime

# Characters a file name keeps; any other run of characters in a filter value becomes a dash.
UNSAFE_IN_FILE_NAME = re.compile(r"[^A-Za-z0-9_]+")


def filter_parts(chosen: dict[str, str]) -> list[str]:
    """The filters as parts of a file name: `position-russia`; example data left out reads
    `no-examples`. Only letters, digits and underscores of a value are kept."""
    parts = []
    for name, value in chosen.items():
        if name == "examples":
            parts.append("no-examples")
            continue
        safe = UNSAFE_IN_FILE_NAME.sub("-", value).strip("-") or "x"
        parts.append(f"{name}-{safe}")
    return parts


def export_file_name(
    what: str, chosen: dict[str, str], when: datetime, extension: str, *more: str
) -> str:
    """What the file holds, with its filters (and `more` after them) and the day (UTC) it was
    made: `argument-map-position-russia-2026-12-06.json`; example data left out reads
    `no-examples`."""
    parts = [what, *filter_parts(chosen), *more, when.date().isoformat()]
    return "-".join(parts) + "." + extension


def download_headers(what: str, chosen: dict[str, str], extension: str) -> dict[str, str]:
    """Ask the browser to save the answer under `export_file_name`, made today."""
    name = export_file_name(what, chosen, datetime.now(UTC), extension)
    return {"Content-Disposition": f'attachment; filename="{name}"'}

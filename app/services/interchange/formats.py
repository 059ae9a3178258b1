"""Every export by the name the command line gives its format, with the same bytes as the
matching API route."""

import json
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.services.history_export import stream_history_export
from app.services.interchange.aif.export import export_aif
from app.services.interchange.native import stream_export
from app.services.interchange.tags_csv import stream_tags_csv
from app.services.interchange.w3c import stream_w3c


class ExportFormat(StrEnum):
    argmap = "argmap"
    aif = "aif"
    w3c = "w3c"
    csv = "csv"
    history = "history"


def stream_format(
    engine: Engine, fmt: ExportFormat, filters: Any, base_url: str, spreadsheet: bool = False
) -> Iterator[str]:
    """The export in `fmt` (`filters`: the tag filters for the CSV, the map's for the
    others, none for the history); filters are checked before the first chunk."""
    if fmt == ExportFormat.csv:
        return stream_tags_csv(engine, filters, spreadsheet=spreadsheet)
    if fmt == ExportFormat.history:
        return stream_history_export(engine)
    if fmt == ExportFormat.w3c:
        return stream_w3c(engine, filters, base_url)
    if fmt == ExportFormat.aif:
        with Session(engine) as session:
            document = export_aif(session, filters)
        # As the API's JSONResponse writes it, so that both give the same bytes.
        compact = json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return iter([compact])
    return stream_export(engine, filters)

"""What an import says it did, and the sizes and limits the import works with."""

from dataclasses import dataclass, field
from typing import Any

from app.services.interchange.native import SCHEMA_FILES
from app.services.uploads import plural, zero_counts

TABLES = (
    "positions",
    "topics",
    "actors",
    "documents",
    "passages",
    "claims",
    "relations",
    "annotations",
    "assignments",
    "codebook_codes",
    "team_settings",
)
READABLE_VERSIONS = tuple(sorted(SCHEMA_FILES))
# Ids per `IN (…)` query and rows per INSERT: well under SQLite's limit on bound parameters.
INSERT_BATCH = 1000
# Rows an import must bring into a table for its indexes to be built after them.
INDEX_REBUILD_ROWS = 5000
# SQLite's page cache during an import: room for the pages a large file changes (in KiB).
IMPORT_CACHE_KIB = 2 * 1024 * 1024
# Unexpected member names a refusal lists before saying how many more there are.
MAX_LISTED_NAMES = 5

Record = dict[str, Any]


@dataclass
class ImportReport:
    """How many rows of each table the import created, updated or left unchanged.

    `notes` are sentences about records of the file that were left out on purpose.
    """

    created: dict[str, int] = field(default_factory=lambda: zero_counts(TABLES))
    updated: dict[str, int] = field(default_factory=lambda: zero_counts(TABLES))
    unchanged: dict[str, int] = field(default_factory=lambda: zero_counts(TABLES))
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """What the import did, in one sentence, without the notes."""
        parts = []
        for label, counts in (
            ("created", self.created),
            ("updated", self.updated),
            ("unchanged", self.unchanged),
        ):
            items = [plural(count, table) for table, count in counts.items() if count]
            if items:
                parts.append(f"{label} {', '.join(items)}")
        return "Import done: " + ("; ".join(parts) + "." if parts else "the file was empty.")

    def __str__(self) -> str:
        return " ".join([self.summary(), *self.notes])

"""Does the streamed export keep its memory flat as the corpus grows?

Builds two temporary SQLite databases, with N and 10×N annotations over generated documents
and passages, streams the full export of each into a sink that only counts bytes, and reports
the median (over several runs) of the peak Python memory seen by tracemalloc and of the wall
time. If the export streams as it should, peak(10N)/peak(N) stays close to 1.

    .venv/bin/python benchmarks/export_memory.py [--annotations 5000] [--runs 3] [--format csv]

`--format csv` streams the CSV of tags (GET /api/export/csv) instead of the native export, and
the table adds its speed in tags per second.

Wall times are measured in separate runs without tracemalloc, which slows Python down.
"""

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# Run as a plain script from anywhere: make the project importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from app.db import make_engine, migrate  # noqa: E402
from app.models import (  # noqa: E402
    Annotation,
    Document,
    Passage,
    Position,
    Topic,
    document_id_for,
    passage_id_for,
)
from app.services.interchange.native import stream_export  # noqa: E402
from app.services.interchange.tags_csv import stream_tags_csv  # noqa: E402

EXPORTS: dict[str, Callable[[Engine], Iterator[str]]] = {
    "argmap": stream_export,
    "csv": stream_tags_csv,
}

PASSAGES_PER_DOCUMENT = 20
ANNOTATIONS_PER_PASSAGE = 5
POSITIONS = ("russia", "ukraine", "us", "europe")
TOPICS = ("territory", "nato", "ceasefire")
FILLER = (
    "Negotiators met again to discuss territory, security guarantees and the sequencing of a "
    "ceasefire, while commentators disagreed about what either side could accept. "
)
T0 = datetime(2025, 8, 15, 10, 0, tzinfo=UTC)
INSERT_BATCH = 5_000


@dataclass
class Sizes:
    documents: int
    passages: int
    annotations: int


def _insert(engine: Engine, model: Any, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as connection:
        for index in range(0, len(rows), INSERT_BATCH):
            connection.execute(insert(model), rows[index : index + INSERT_BATCH])


def build_database(path: Path, annotations: int) -> Sizes:
    """A migrated database with `annotations` annotations, filled with bulk inserts."""
    url = f"sqlite:///{path}"
    migrate(url)
    engine = make_engine(url)
    per_document = PASSAGES_PER_DOCUMENT * ANNOTATIONS_PER_PASSAGE
    document_count = max(1, annotations // per_document)

    _insert(
        engine,
        Position,
        [
            {"key": key, "name": key.title(), "colour": "#336699", "ordinal": i}
            for i, key in enumerate(POSITIONS)
        ],
    )
    _insert(engine, Topic, [{"key": key, "name": key.title(), "description": ""} for key in TOPICS])

    documents: list[dict[str, Any]] = []
    passages: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for d in range(document_count):
        texts = [
            f"Paragraph {p} of article {d}. " + FILLER * 3 for p in range(PASSAGES_PER_DOCUMENT)
        ]
        original = "\n\n".join(texts) + "\n"
        sha256 = hashlib.sha256(original.encode("utf-8")).hexdigest()
        document_id = document_id_for(sha256)
        documents.append(
            {
                "id": document_id,
                "title": f"Article {d}",
                "original_text": original,
                "sha256": sha256,
                "created_at": T0 + timedelta(seconds=d),
            }
        )
        offset = 0
        for p, text in enumerate(texts):
            passage_id = passage_id_for(document_id, offset, offset + len(text))
            passages.append(
                {
                    "id": passage_id,
                    "document_id": document_id,
                    "ordinal": p,
                    "kind": "paragraph",
                    "text": text,
                    "start": offset,
                    "end": offset + len(text),
                }
            )
            offset += len(text) + 2
            for a in range(ANNOTATIONS_PER_PASSAGE):
                span = a % 2 == 1  # half spans (which need their place in the document), half whole
                number = len(notes)
                notes.append(
                    {
                        "id": f"annotation-{number:08d}",
                        "document_id": document_id,
                        "passage_id": passage_id,
                        "start": 10 if span else None,
                        "end": 60 if span else None,
                        "quote": text[10:60] if span else None,
                        "position_key": POSITIONS[number % len(POSITIONS)],
                        "kind": ("states", "supports", "opposes")[number % 3],
                        "topic_key": TOPICS[number % len(TOPICS)] if a == 0 else None,
                        "note": f"Note {number}",
                        "analyst": "Bench",
                        "created_at": T0 + timedelta(seconds=number),
                        "updated_at": T0 + timedelta(seconds=number),
                    }
                )
    _insert(engine, Document, documents)
    _insert(engine, Passage, passages)
    _insert(engine, Annotation, notes)
    engine.dispose()
    return Sizes(len(documents), len(passages), len(notes))


def export_once(engine: Engine, fmt: str) -> int:
    """Stream the full export into a sink that keeps nothing; returns the bytes written."""
    written = 0
    for chunk in EXPORTS[fmt](engine):
        written += len(chunk.encode("utf-8"))
    return written


def measure(path: Path, runs: int, fmt: str) -> tuple[float, float, int]:
    """Median peak traced memory (bytes) and median wall time (s) of `runs` exports."""
    engine = make_engine(f"sqlite:///{path}")
    export_once(engine, fmt)  # warm up: imports, statement caches, the schema file
    peaks, times = [], []
    size = 0
    for _ in range(runs):
        tracemalloc.start()
        size = export_once(engine, fmt)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        started = time.perf_counter()
        export_once(engine, fmt)
        times.append(time.perf_counter() - started)
    engine.dispose()
    return statistics.median(peaks), statistics.median(times), size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--annotations", type=int, default=5_000, help="N (default 5000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per size (default 3)")
    parser.add_argument(
        "--format", choices=sorted(EXPORTS), default="argmap", help="what to export (argmap)"
    )
    args = parser.parse_args()

    results = []
    with tempfile.TemporaryDirectory() as folder:
        for count in (args.annotations, 10 * args.annotations):
            path = Path(folder) / f"bench-{count}.db"
            started = time.perf_counter()
            sizes = build_database(path, count)
            built = time.perf_counter() - started
            peak, seconds, size = measure(path, args.runs, args.format)
            results.append((sizes, built, peak, seconds, size))

    print(f"format: {args.format}")
    print(
        f"{'annotations':>11} {'passages':>9} {'documents':>9} {'export MB':>9} "
        f"{'peak MiB':>8} {'export s':>8} {'tags/s':>8} {'build s':>7}"
    )
    for sizes, built, peak, seconds, size in results:
        print(
            f"{sizes.annotations:>11,} {sizes.passages:>9,} {sizes.documents:>9,} "
            f"{size / 1e6:>9.1f} {peak / 2**20:>8.2f} {seconds:>8.2f} "
            f"{sizes.annotations / seconds:>8,.0f} {built:>7.1f}"
        )
    ratio = results[1][2] / results[0][2]
    print(f"peak(10N)/peak(N) = {ratio:.2f}  (medians of {args.runs} runs; 1.0 is perfectly flat)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

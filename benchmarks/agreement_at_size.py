"""How long the agreement page and its JSON twin take on a big corpus, measured over HTTP.

Serves the app (`python -m app.cli serve`, as tests/servers.py starts it) on a copy of the
database with READ_WITHOUT_LOGIN=true, asks `GET /api/agreement` and `GET /agreement` one at a
time, and gives the median of `--runs` requests of each after one to warm up, with the size of
the answer and the load average. `--in-process` also times the service alone
(`agreement.analyst_agreement`, the call both routes make) in this process.

Only independently coded, finished documents count (docs/coding.md), and the generated corpus
has no assignments: unless `--no-assign`, each of the first `--documents` documents (default
100) is first given to every analyst who tagged it, marked done, so that the report has that
many documents to measure, with their bootstrap intervals at the default 1,000 draws.

The corpus is the one of benchmarks/generate_corpus.py (`server_bench.py` caches it in
benchmarks/.cache; copy it, the server migrates the copy to the newest schema first):

    cp benchmarks/.cache/corpus-v2-scale1-seed1.db /tmp/bench.db
    .venv/bin/python benchmarks/agreement_at_size.py sqlite:////tmp/bench.db [--runs 5] \
        [--in-process] [--documents 100]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx2 as httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session, col, select  # noqa: E402

from app.db import make_engine, migrate  # noqa: E402
from app.models import Annotation, Assignment, Document, utcnow  # noqa: E402
from app.services import agreement  # noqa: E402
from tests.servers import server_process  # noqa: E402

TIMEOUT = 600


def median_seconds(runs: int, request: object) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs + 1):  # the first one warms up
        start = time.perf_counter()
        request()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:]), times[1:]


def load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def assign_done(url: str, documents: int) -> int:
    """Give each of the first `documents` documents to every analyst who tagged it, done (once:
    documents already assigned are left as they are). Returns how many documents are assigned."""
    engine = make_engine(url)
    with Session(engine) as session:
        if session.exec(select(Assignment.id)).first() is None:
            chosen = select(Document.id).order_by(col(Document.created_at)).limit(documents)
            pairs = session.exec(
                select(Annotation.document_id, Annotation.analyst)
                .where(col(Annotation.document_id).in_(chosen), ~col(Annotation.example))
                .distinct()
            ).all()
            now = utcnow()
            session.add_all(
                Assignment(document_id=document_id, analyst=analyst, done_at=now)
                for document_id, analyst in pairs
            )
            session.commit()
        assigned = len(set(session.exec(select(Assignment.document_id)).all()))
    engine.dispose()
    return assigned


def measure_service(url: str, runs: int) -> None:
    engine = make_engine(url)

    def report() -> None:
        with Session(engine) as session:
            agreement.analyst_agreement(session)

    median, times = median_seconds(runs, report)
    print(f"service alone: median {median:.3f} s of {[round(t, 3) for t in times]}")
    engine.dispose()


def measure_http(url: str, runs: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "server.log"
        with server_process(url, log, {"READ_WITHOUT_LOGIN": "true"}) as (base, _pid):
            with httpx.Client(base_url=base, timeout=TIMEOUT) as client:
                for path in ("/api/agreement", "/agreement"):
                    sizes: list[int] = []

                    def ask(path: str = path, sizes: list[int] = sizes) -> None:
                        response = client.get(path)
                        response.raise_for_status()
                        sizes.append(len(response.content))

                    median, times = median_seconds(runs, ask)
                    print(
                        f"GET {path}: median {median:.3f} s of {[round(t, 3) for t in times]}, "
                        f"{sizes[-1] / 1e6:.1f} MB"
                    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", help="a SQLAlchemy URL (a copy: it is migrated)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--in-process", action="store_true", help="also time the service")
    parser.add_argument("--documents", type=int, default=100, help="documents coded, done")
    parser.add_argument("--no-assign", action="store_true", help="measure the corpus as it is")
    args = parser.parse_args()
    migrate(args.database)
    if not args.no_assign:
        print(
            f"documents independently coded and done: {assign_done(args.database, args.documents)}"
        )
    print(f"load average before: {load()}")
    if args.in_process:
        measure_service(args.database, args.runs)
    measure_http(args.database, args.runs)
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()

"""How fast the analysis views answer on the 500,000-tag corpus, measured against the real server.

For each database: the synthetic corpus of benchmarks/generate_corpus.py (SQLite: kept in
benchmarks/.cache and copied for each run; PostgreSQL: a private cluster from tests/postgres.py,
generated afresh), `python -m app.cli serve` on 127.0.0.1 (tests/servers.py), signed in with a
session cookie and an API token made for the generator's first user (as server_bench.py does),
and measured over HTTP, one request at a time:

- the trivial route (`GET /api/me`): the floor of a request on this machine, in the same run;
- the tag CSV (`GET /api/export/csv`, downloaded with curl): tags/s, and the server's peak RSS
  sampled from /proc every 10 ms;
- the position × topic matrix: `GET /api/matrix` and the `/matrix` page; the claim graph
  (`GET /api/graph`) for reference;
- every discourse network of the whole corpus (`GET /api/networks`): two-mode, congruence,
  conflict and subtract, one-mode ones among actors and among concepts, on claims and on topics;
- the moving window: `?window=30&step=30` over the whole date range (its time divided by the
  number of windows), and one window of 30 days asked for alone (`since`/`until`);
- every other page and API read (`pages`): each GET route that `RULES` in app/access.py opens
  to viewers and analysts, its path filled with the corpus's busiest items (`page_paths`),
  but for the exports and the whole matrix and networks, which the groups above measure; a
  claim is edited once first, so that its history page has an entry to show.

A request that takes longer than `--timeout` seconds, or makes the server's RSS pass
`--max-rss-mb` (a guard for a machine shared with others), is stopped: the server is killed and
started again, and the figure reads "> …"; when a one-mode network is stopped, the other two
kinds on the same nodes (which go through the same pairs) are not run. Each figure is the
median of `--runs` requests after one to warm up, or of `--heavy-runs` for the CSV and for a
request slower than two seconds (counted from the first).

    .venv/bin/python benchmarks/map_views.py [--scale 1] [--databases sqlite,postgresql] \
        [--runs 5] [--heavy-runs 3] [--timeout 240] [--max-rss-mb 4096] [--only matrix,networks]

Every page and API read at size: `--only trivial,pages` (benchmarks/README.md has the figures).
"""

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx2 as httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text  # noqa: E402
from sqlmodel import col  # noqa: E402

from app.access import RULES, SESSION_COOKIE  # noqa: E402
from app.db import make_engine, migrate  # noqa: E402
from app.models import Annotation, Document, Passage, Role  # noqa: E402
from benchmarks.generate_corpus import FEATURED_TITLE  # noqa: E402
from benchmarks.server_bench import (  # noqa: E402
    Report,
    Row,
    log,
    postgres_corpus,
    print_rows,
    rss_kib,
    sign_in,
    sqlite_corpus,
)
from tests.servers import server_process  # noqa: E402

TRIVIAL_REQUESTS = 30
WINDOW_DAYS = 30
GROUPS = ("trivial", "csv", "matrix", "networks", "windows", "pages")
TARGETS = {
    "page": "median < 100 ms",
    "graph": "median < 300 ms",
    "matrix": "median < 300 ms",
    "network": "median < 300 ms",
    "window": "< 100 ms a window",
    "csv": "≥ 100,000 tags/s, flat memory (peak RSS < 250 MB)",
}
NETWORKS: list[tuple[str, str]] = [
    (f"{kind}, {mode}s, on {level}", f"kind={kind}&mode={mode}&concepts={level}")
    for level in ("claims", "topics")
    for kind, mode in (
        ("two-mode", "actor"),
        ("congruence", "actor"),
        ("conflict", "actor"),
        ("subtract", "actor"),
        ("congruence", "concept"),
        ("conflict", "concept"),
        ("subtract", "concept"),
    )
]
# The windowed network: DNA's usual one (congruence among actors, on claims).
WINDOWED = "kind=congruence&mode=actor&concepts=claims"


@dataclass
class Timed:
    """The requests' times (s), the first response, and why it stopped if it did."""

    times: list[float]
    response: httpx.Response | None
    stopped: str = ""
    peak_mb: float = 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.times)


class Server:
    """The app's server on one database, started again after a request had to be stopped."""

    def __init__(self, url: str, workdir: Path, cookie: str, token: str) -> None:
        self.url, self.workdir, self.cookie, self.token = url, workdir, cookie, token
        self.base_url, self.pid, self.starts = "", 0, 0
        self._context: AbstractContextManager[tuple[str, int]] | None = None

    def start(self) -> None:
        self.starts += 1
        log_file = self.workdir / f"server-{self.starts}.log"
        self._context = server_process(self.url, log_file, startup_seconds=120)
        self.base_url, self.pid = self._context.__enter__()

    def stop(self, kill: bool = False) -> None:
        if self._context is None:
            return
        if kill:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._context.__exit__(None, None, None)
        self._context = None

    def restart(self) -> None:
        self.stop(kill=True)
        self.start()

    def client(self, timeout: float) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url, cookies={SESSION_COOKIE: self.cookie}, timeout=timeout
        )


@contextmanager
def rss_watch(server: Server, limit_mb: float) -> Iterator[dict[str, Any]]:
    """Sample the server's RSS every 10 ms while the block runs; kill the server if it passes
    `limit_mb`. Gives a dict with the `peak` (MB) and whether it was `killed`."""
    state: dict[str, Any] = {"peak": 0.0, "killed": False}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            try:
                mb = rss_kib(server.pid) / 1024
            except (FileNotFoundError, ProcessLookupError):
                return
            state["peak"] = max(state["peak"], mb)
            if mb > limit_mb:
                state["killed"] = True
                os.kill(server.pid, signal.SIGKILL)
                return
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        yield state
    finally:
        done.set()
        sampler.join()


def timed(
    server: Server,
    path: str,
    args: argparse.Namespace,
    runs: int | None = None,
    answers: tuple[int, ...] = (200,),
) -> Timed:
    """GET `path` once to warm up (unless slow), then `runs` times; stops at the first request
    that times out or passes the RSS guard, restarting the server. Any status but `answers`
    ends the benchmark."""
    wanted = runs or args.runs
    result = Timed([], None)
    with server.client(args.timeout) as client:
        first = True
        while len(result.times) < wanted:
            with rss_watch(server, args.max_rss_mb) as watch:
                started = time.perf_counter()
                try:
                    response = client.get(path)
                except httpx.TimeoutException:
                    result.stopped = f"> {args.timeout:g} s (stopped)"
                except httpx.TransportError:
                    response = None
                elapsed = time.perf_counter() - started
            result.peak_mb = max(result.peak_mb, watch["peak"])
            if watch["killed"]:
                result.stopped = (
                    f"stopped after {elapsed:.0f} s: server RSS passed {args.max_rss_mb:g} MB"
                )
            if result.stopped:
                log(f"  {path}: {result.stopped}; restarting the server")
                server.restart()
                return result
            assert response is not None and response.status_code in answers, (
                path,
                response and response.text[:300],
            )
            if first:
                result.response = response
                first = False
                if elapsed > 2:  # slow: the first counts, and fewer runs
                    result.times.append(elapsed)
                    wanted = min(wanted, args.heavy_runs)
                continue
            result.times.append(elapsed)
    return result


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def size(response: httpx.Response | None) -> str:
    if response is None:
        return ""
    n = len(response.content)
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.0f} KB"


# --- measurements --------------------------------------------------------------------------


def measure_trivial(server: Server, args: argparse.Namespace, report: Report) -> float:
    result = timed(server, "/api/me", args, runs=TRIVIAL_REQUESTS)
    report.rows.append(
        Row("trivial route (GET /api/me), one client", ms(result.median), "(the floor)", None)
    )
    return result.median


def measure_csv(server: Server, args: argparse.Namespace, report: Report, tags: int) -> None:
    if shutil.which("curl") is None:  # a Python client would take a core from the server
        raise SystemExit("the tag CSV is downloaded with curl: install it, or leave out csv")
    file = server.workdir / "tags.csv"
    times, peaks = [], []
    baseline = rss_kib(server.pid) / 1024
    for run in range(args.heavy_runs):
        with rss_watch(server, args.max_rss_mb) as watch:
            started = time.perf_counter()
            subprocess.run(
                [
                    "curl",
                    "-sSf",
                    "-o",
                    str(file),
                    "-H",
                    f"Authorization: Bearer {server.token}",
                    server.base_url + "/api/export/csv",
                ],
                check=True,
            )
            times.append(time.perf_counter() - started)
        peaks.append(watch["peak"])
        log(f"  run {run + 1}: tag CSV {times[-1]:.1f} s, peak RSS {peaks[-1]:.0f} MB")
    with file.open("rb") as lines:
        rows = sum(1 for _ in lines) - 1
    assert rows == tags, f"the CSV has {rows:,} rows for {tags:,} live tags"
    seconds = statistics.median(times)
    rate = tags / seconds
    peak = max(peaks)
    report.rows.append(
        Row(
            f"tag CSV, {tags:,} tags ({file.stat().st_size / 1e6:.0f} MB)",
            f"{seconds:.1f} s, {rate:,.0f} tags/s, peak RSS {peak:.0f} MB",
            TARGETS["csv"],
            rate >= 100_000 and peak < 250,
            f"RSS before {baseline:.0f} MB",
        )
    )
    file.unlink()


def measure_matrix(server: Server, args: argparse.Namespace, report: Report) -> None:
    for label, path in (
        ("matrix, GET /api/matrix", "/api/matrix"),
        ("matrix page, GET /matrix", "/matrix"),
    ):
        result = timed(server, path, args)
        add_row(report, label, result, TARGETS["matrix"], 0.3)
    result = timed(server, "/api/graph", args)
    add_row(report, "claim graph, GET /api/graph", result, "(reference)", None)


def add_row(
    report: Report, label: str, result: Timed, target: str, limit: float | None, note: str = ""
) -> None:
    if result.stopped and not result.times:
        report.rows.append(Row(label, result.stopped, target, False if limit else None, note))
        return
    met = None if limit is None else result.median < limit
    details = ", ".join(x for x in (size(result.response), note) if x)
    report.rows.append(Row(label, ms(result.median), target, met, details))


def network_facts(response: httpx.Response | None) -> tuple[str, int]:
    """'N nodes, M edges' of the (first) network of a response, and its statements."""
    if response is None:
        return "", 0
    body = response.json()
    network = body["networks"][0] if body["networks"] else {"nodes": [], "edges": []}
    return (
        f"{len(network['nodes']):,} nodes, {len(network['edges']):,} edges",
        int(body["statements"]),
    )


def measure_networks(server: Server, args: argparse.Namespace, report: Report) -> None:
    given_up: dict[tuple[str, str], str] = {}  # (mode, level) → the kind that did not finish
    for label, query in NETWORKS:
        kind, mode, level = (part.split("=")[1] for part in query.split("&"))
        if (mode, level) in given_up and kind != "two-mode":
            # The three one-mode kinds go through the same pairs of nodes: no quicker.
            reason = f"not run: the {given_up[(mode, level)]} network did not finish"
            report.rows.append(Row(f"network, {label}", reason, TARGETS["network"], False))
            continue
        log(f"  network: {label}")
        # A one-mode network over too many pairs of nodes is refused (422), quickly.
        result = timed(server, f"/api/networks?{query}", args, answers=(200, 422))
        if result.stopped and kind != "two-mode":
            given_up[(mode, level)] = kind
        if result.response is not None and result.response.status_code == 422:
            reason = str(result.response.json()["detail"]).split(":")[0]
            refused = f"refused (422) in {ms(result.median)}"
            report.rows.append(Row(f"network, {label}", refused, TARGETS["network"], None, reason))
            continue
        facts, statements = network_facts(result.response)
        if statements:
            report.counts[f"statements on {level}"] = statements
        note = f"{facts}, peak RSS {result.peak_mb:,.0f} MB" if facts else ""
        add_row(report, f"network, {label}", result, TARGETS["network"], 0.3, note)


def date_range(url: str) -> tuple[date, date]:
    engine = make_engine(url)
    with engine.connect() as connection:
        first, last = connection.execute(
            select(func.min(Document.published), func.max(Document.published))
        ).one()
    engine.dispose()
    assert isinstance(first, date) and isinstance(last, date), "the documents have no dates"
    return first, last


def measure_windows(server: Server, args: argparse.Namespace, report: Report) -> None:
    first, last = date_range(server.url)
    path = f"/api/networks?{WINDOWED}&window={WINDOW_DAYS}&step={WINDOW_DAYS}"
    result = timed(server, path, args)
    label = f"moving window, {WINDOW_DAYS} days, step {WINDOW_DAYS}, {first} to {last}"
    windows = 0 if result.response is None else len(result.response.json()["networks"])
    if result.stopped:
        report.rows.append(Row(label, result.stopped, TARGETS["window"], False))
    elif not windows:
        report.rows.append(Row(label, "no window fits the range", TARGETS["window"], None))
    else:
        per_window = result.median / windows
        report.rows.append(
            Row(
                label + ", time per window",
                f"{ms(per_window)} ({ms(result.median)} for {windows} windows)",
                TARGETS["window"],
                per_window < 0.1,
                "congruence among actors, on claims",
            )
        )
    middle = first + (last - first) / 2
    since, until = middle, middle + timedelta(days=WINDOW_DAYS - 1)
    result = timed(server, f"/api/networks?{WINDOWED}&since={since}&until={until}", args)
    facts, statements = network_facts(result.response)
    add_row(
        report,
        f"one window alone, {since} to {until}",
        result,
        TARGETS["window"],
        0.1,
        f"{facts}, {statements:,} statements" if facts else "",
    )


# --- every page and API read ---------------------------------------------------------------

# The GET routes the other groups measure, or that answer a whole export: not timed here.
PAGES_ELSEWHERE = frozenset(
    {
        "/matrix",
        "/api/matrix",
        "/api/networks",
        "/api/networks/file",
        "/api/export",
        "/api/export/schema",
        "/api/export/schema/v1",
        "/api/export/schema/v2",
        "/api/export/w3c",
        "/api/export/aif",
        "/api/export/csv",
        "/api/export/history",
    }
)
SEARCH_WORD = "ceasefire"


def page_routes() -> list[str]:
    """The GET routes a signed-in analyst may read, but for those of `PAGES_ELSEWHERE`."""
    return [
        path
        for (method, path), role in RULES.items()
        if method == "GET" and role in (Role.viewer, Role.analyst) and path not in PAGES_ELSEWHERE
    ]


def busiest(connection: Any, column: str, where: str = "") -> str:
    """The value of an annotation column with the most live tags."""
    condition = f" AND {where}" if where else ""
    return str(
        connection.execute(
            text(
                f"SELECT {column} FROM annotation WHERE deleted_at IS NULL AND {column} IS NOT NULL"
                f"{condition} GROUP BY {column} ORDER BY count(*) DESC, {column} LIMIT 1"
            )
        ).scalar_one()
    )


def page_paths(url: str) -> dict[str, str]:
    """Each route of `page_routes` with its path filled in from the corpus: the busiest
    position, topic, claim and actor; the featured document (200 passages, 1,000 tags; else
    the document with the most tags), its busiest passage and one of that passage's tags; a
    relation of the busiest claim and that claim's history; a tie of the busiest actor and
    claim; the lists and the searches as their first page shows them."""
    engine = make_engine(url)
    with engine.connect() as connection:
        document = connection.execute(
            select(col(Document.id)).where(col(Document.title) == FEATURED_TITLE)
        ).scalar_one_or_none() or busiest(connection, "document_id")
        position = busiest(connection, "position_key")
        topic = busiest(connection, "topic_key")
        claim = busiest(connection, "claim_id")
        actor = busiest(connection, "actor_key")
        passage = busiest(connection, "passage_id", f"document_id = '{document}'")
        annotation = connection.execute(
            text(
                "SELECT id FROM annotation WHERE passage_id = :passage AND deleted_at IS NULL "
                "ORDER BY id LIMIT 1"
            ),
            {"passage": passage},
        ).scalar_one()
        relation = connection.execute(
            text(
                "SELECT id FROM relation WHERE source_id = :claim OR target_id = :claim "
                "ORDER BY id LIMIT 1"
            ),
            {"claim": claim},
        ).scalar_one()
        claim_label = connection.execute(
            text("SELECT text FROM claim WHERE id = :claim"), {"claim": claim}
        ).scalar_one()
        actor_label = connection.execute(
            text("SELECT name FROM actor WHERE key = :actor"), {"actor": actor}
        ).scalar_one()
        assert connection.execute(
            select(func.count()).select_from(Passage).where(col(Passage.document_id) == document)
        ).scalar_one()
    engine.dispose()
    tie = "kind=two-mode&mode=actor&concepts=claims&" + urlencode(
        {"source": f"actor:{actor_label}", "target": f"concept:{claim_label}"}
    )
    fill = {
        "{document_id}": document,
        "{position_key}": position,
        "{topic_key}": topic,
        "{claim_id}": claim,
        "{actor_key}": actor,
        "{passage_id}": passage,
        "{annotation_id}": annotation,
        "{relation_id}": relation,
        "{item_type:item_type}/{item_id}": f"claim/{claim}",
    }
    queries = {
        "/search": f"q={SEARCH_WORD}",
        "/api/search": f"q={SEARCH_WORD}",
        "/claims/search": f"q={SEARCH_WORD}",
        "/passages/{passage_id}/tag-form": f"position={position}",
        "/matrix/cell": f"position={position}&topic={topic}",
        "/api/matrix/cell": f"position={position}&topic={topic}",
        "/networks/tie": tie,
        "/api/networks/tie": tie,
    }
    paths = {}
    for route in page_routes():
        path = route
        for name, value in fill.items():
            path = path.replace(name, value)
        assert "{" not in path, f"no value for the parameters of {route}"
        paths[route] = path + (f"?{queries[route]}" if route in queries else "")
    return paths


def edit_for_history(client: httpx.Client, claim_path: str) -> None:
    """Edit the claim's note once, so that its history has an entry to show (the generated
    corpus has none)."""
    claim = client.get(claim_path).json()
    note = "Edited once by the benchmark, for the claim's history."
    response = client.patch(claim_path, json={"note": note, "version": claim["version"]})
    assert response.status_code == 200, response.text[:300]


def measure_pages(server: Server, args: argparse.Namespace, report: Report) -> None:
    paths = page_paths(server.url)
    with server.client(args.timeout) as client:
        client.headers["Authorization"] = f"Bearer {server.token}"
        edit_for_history(client, paths["/api/claims/{claim_id}"])
    for route, path in paths.items():
        log(f"  {path}")
        result = timed(server, path, args, answers=(200,))
        limit = 0.3 if route == "/api/graph" else 0.1
        target = TARGETS["graph" if route == "/api/graph" else "page"]
        add_row(report, f"GET {route}", result, target, limit)


# --- the run -------------------------------------------------------------------------------


def counts_of(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as connection:
        counts = {
            f"{table}s": connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("document", "passage", "claim", "relation", "actor", "annotation")
        }
        counts["live tags"] = connection.execute(
            select(func.count()).select_from(Annotation).where(col(Annotation.deleted_at).is_(None))
        ).scalar_one()
        counts["with actor and claim"] = connection.execute(
            select(func.count())
            .select_from(Annotation)
            .where(col(Annotation.actor_key).is_not(None), col(Annotation.claim_id).is_not(None))
        ).scalar_one()
    engine.dispose()
    return counts


def bench_database(name: str, args: argparse.Namespace) -> Report:
    report = Report(name, args.scale)
    load_before = os.getloadavg()[0]
    corpus = sqlite_corpus if name == "sqlite" else postgres_corpus
    workdir = Path(tempfile.mkdtemp(prefix=f"argmap-mapviews-{name}-"))
    only = set(args.only.split(","))
    try:
        with corpus(args.scale, args.seed, workdir) as url:
            migrate(url)
            report.counts = counts_of(url)
            cookie, _csrf, token = sign_in(url)
            server = Server(url, workdir, cookie, token)
            server.start()
            try:
                if "trivial" in only:
                    log(f"{name}: trivial route")
                    measure_trivial(server, args, report)
                if "csv" in only:
                    log(f"{name}: tag CSV")
                    measure_csv(server, args, report, report.counts["live tags"])
                if "matrix" in only:
                    log(f"{name}: matrix")
                    measure_matrix(server, args, report)
                if "windows" in only:
                    log(f"{name}: moving window")
                    measure_windows(server, args, report)
                if "networks" in only:
                    log(f"{name}: networks")
                    measure_networks(server, args, report)
                if "pages" in only:
                    log(f"{name}: every page and API read")
                    measure_pages(server, args, report)
                if "trivial" in only:  # again at the end: did the machine's load change?
                    measure_trivial(server, args, report)
                    report.rows[-1].what += ", again at the end"
            except BaseException:
                server.stop(kill=True)
                raise
            server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report.load = (load_before, os.getloadavg()[0])
    return report


def print_report(report: Report) -> None:
    counts = ", ".join(f"{n:,} {what}" for what, n in report.counts.items())
    print(
        f"\n{report.database}, scale {report.scale:g}: {counts} "
        f"(load average {report.load[0]:.1f} before, {report.load[1]:.1f} after)\n"
    )
    print_rows(report.rows, "median")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = full size (500k tags)")
    parser.add_argument("--databases", default="sqlite,postgresql", help="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=5, help="requests timed per measurement")
    parser.add_argument("--heavy-runs", type=int, default=3, help="runs of slow ones, the CSV")
    parser.add_argument("--timeout", type=float, default=240, help="seconds before a request stops")
    parser.add_argument("--max-rss-mb", type=float, default=4096, help="the server's RSS guard")
    parser.add_argument("--only", default=",".join(GROUPS), help=",".join(GROUPS))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for group in args.only.split(","):
        if group not in GROUPS:
            parser.error(f"unknown group {group!r}")
    reports = []
    for name in args.databases.split(","):
        if name not in ("sqlite", "postgresql"):
            parser.error(f"unknown database {name!r}")
        reports.append(bench_database(name, args))
    for report in reports:
        print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())

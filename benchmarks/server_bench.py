"""Does the product stay fast as the corpus grows? Measured against the real server.

For each database: generate the synthetic corpus of benchmarks/generate_corpus.py (SQLite: kept
in benchmarks/.cache and copied for each run; PostgreSQL: a private cluster from
tests/postgres.py, generated afresh), start `python -m app.cli serve` on 127.0.0.1 with
DATABASE_URL set, and measure over HTTP:

- tagging a passage through the htmx route (`POST /passages/{id}/annotations`, session cookie
  and CSRF header) at 16 concurrent clients, beside a trivial route of the same app
  (`GET /api/me`, same sign-in) at 16 clients: requests/s, p99 latency, and their ratio;
- the document view (`GET /documents/{id}`) of the 200-passage, 1,000-tag document;
- search over the whole corpus (`GET /api/search?q=…`; skipped, with a note, while it is 404);
- the full export (`GET /api/export`, bearer token), with the server's peak RSS during it;
- importing that export into an empty database (`python -m app.cli import FILE`), and a check
  that an import failing at its very last row leaves the database empty.

Each figure is the median of several runs (export and import: `--heavy-runs`).

    .venv/bin/python benchmarks/server_bench.py [--scale 1] [--databases sqlite,postgresql] \
        [--runs 5] [--heavy-runs 3]
"""

import argparse
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

import httpx2 as httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text  # noqa: E402
from sqlmodel import Session, col  # noqa: E402

from app.access import CSRF_HEADER, SESSION_COOKIE  # noqa: E402
from app.config import PROJECT_ROOT  # noqa: E402
from app.db import make_engine, migrate  # noqa: E402
from app.models import (  # noqa: E402
    Annotation,
    ApiTokenCreate,
    Document,
    LoginSession,
    Passage,
    PassageKind,
    User,
    utcnow,
)
from app.services import accounts  # noqa: E402
from benchmarks.generate_corpus import (  # noqa: E402
    ANALYSTS,
    CORPUS_VERSION,
    FEATURED_TITLE,
    POSITIONS,
    generate,
)
from tests.postgres import temporary_postgres  # noqa: E402
from tests.servers import server_process  # noqa: E402

CACHE = Path(__file__).resolve().parent / ".cache"
CLIENTS = 16
VIEW_REQUESTS = 15
SEARCH_QUERIES = ("ceasefire guarantees", "grain corridor", "sanctions energy", "troops border")
TABLES = ("annotation", "passage", "document", "claim", "claim_stance", "relation", "position")
TARGETS = {
    "view": "median < 50 ms",
    "search": "median < 50 ms",
    "export": "≥ 100,000 annotations/s, peak RSS < 250 MB",
    "import": "≥ 50,000 annotations/s, all or nothing",
}
# The load: wrk with 2 threads and 16 connections, as many requests as it can for a while.
WRK_THREADS = 2
BARE = "bare FastAPI POST"
ME = "GET /api/me (bearer token)"
API_TAG = "POST /api/annotations (bearer token)"
HTMX_TAG = "htmx POST /passages/{id}/annotations (session + CSRF)"
Check = Callable[[float, float], bool]  # (× the bare POST, p99 in ms) → met
REQUEST_TARGETS: dict[str, tuple[str, Check]] = {
    ME: ("≥ 0.5 × bare POST, p99 < 30 ms", lambda ratio, p99: ratio >= 0.5 and p99 < 30),
    API_TAG: ("≥ 0.25 × bare POST, p99 < 50 ms", lambda ratio, p99: ratio >= 0.25 and p99 < 50),
    HTMX_TAG: ("≥ 0.2 × bare POST, p99 < 50 ms", lambda ratio, p99: ratio >= 0.2 and p99 < 50),
}


@dataclass
class Scene:
    url: str
    base_url: str
    pid: int
    cookie: str
    csrf: str
    token: str
    featured: str
    passages: list[str]
    annotations: int


@dataclass
class Row:
    what: str
    figure: str
    target: str
    met: bool | None  # None: not measured
    note: str = ""


@dataclass
class Report:
    database: str
    scale: float
    counts: dict[str, int] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    # The machine's load average before and after (other work on it skews every figure).
    load: tuple[float, float] = (0.0, 0.0)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- databases -----------------------------------------------------------------------------


@contextmanager
def sqlite_corpus(scale: float, seed: int, workdir: Path) -> Iterator[str]:
    """A copy of the cached SQLite corpus (generated the first time)."""
    CACHE.mkdir(exist_ok=True)
    cached = CACHE / f"corpus-v{CORPUS_VERSION}-scale{scale:g}-seed{seed}.db"
    if not cached.exists():
        partial = cached.with_suffix(".partial.db")
        for leftover in CACHE.glob(partial.name + "*"):
            leftover.unlink()
        log(f"generating the SQLite corpus at scale {scale:g} (cached in {cached})")
        generate(f"sqlite:///{partial}", scale, seed)
        # Fold the WAL back in so that the file alone is the database.
        engine = make_engine(f"sqlite:///{partial}")
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        partial.rename(cached)
    copy = workdir / "bench.db"
    shutil.copyfile(cached, copy)
    yield f"sqlite:///{copy}"


@contextmanager
def postgres_corpus(scale: float, seed: int, _workdir: Path) -> Iterator[str]:
    with temporary_postgres() as url:
        log(f"generating the PostgreSQL corpus at scale {scale:g}")
        generate(url, scale, seed)
        yield url


def empty_database(base_url: str, workdir: Path, name: str) -> str:
    """A new, empty database beside `base_url` (a file for SQLite, a database for PostgreSQL)."""
    if base_url.startswith("sqlite"):
        path = workdir / f"{name}.db"
        for leftover in workdir.glob(f"{name}.db*"):
            leftover.unlink()
        return f"sqlite:///{path}"
    engine = make_engine(base_url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    engine.dispose()
    # The URL names the database before the query string of the socket and port.
    head, _, query = base_url.partition("?")
    return f"{head.rsplit('/', 1)[0]}/{name}?{query}"


def sign_in(url: str) -> tuple[str, str, str]:
    """A session cookie, its CSRF token and an API token for the generator's first user."""
    engine = make_engine(url)
    with Session(engine) as session:
        user = session.execute(select(User).where(col(User.username) == ANALYSTS[0])).scalar_one()
        assert user.id is not None
        cookie, csrf = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        session.add(
            LoginSession(
                token_hash=accounts.digest(cookie),
                user_id=user.id,
                csrf_token=csrf,
                expires_at=utcnow() + timedelta(days=1),
            )
        )
        session.commit()
        _token, secret = accounts.create_token(session, user, ApiTokenCreate(name="benchmark"))
    engine.dispose()
    return cookie, csrf, secret


def corpus_facts(url: str) -> tuple[str, list[str], int]:
    """The featured document's id, some taggable passages, and the number of annotations."""
    engine = make_engine(url)
    with Session(engine) as session:
        featured = session.execute(
            select(col(Document.id)).where(col(Document.title) == FEATURED_TITLE)
        ).scalar_one()
        passages = list(
            session.execute(
                select(col(Passage.id))
                .where(col(Passage.kind) == PassageKind.paragraph)
                .where(col(Passage.document_id) != featured)
                .order_by(col(Passage.id))
                .limit(2000)
            ).scalars()
        )
        annotations = session.execute(select(func.count()).select_from(Annotation)).scalar_one()
    engine.dispose()
    return featured, passages, annotations


def table_counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as connection:
        counts = {
            table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in (*TABLES, "history")
        }
    engine.dispose()
    return counts


# --- the server ----------------------------------------------------------------------------


def rss_kib(pid: int, field_name: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return 0


# --- measurements --------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


# --- the request path under load (wrk) ------------------------------------------------------


def ensure_wrk() -> str:
    """The path of `wrk`, installed from Debian's packages where missing (as root)."""
    found = shutil.which("wrk")
    if found:
        return found
    if shutil.which("apt-get") and os.geteuid() == 0:
        log("installing wrk (Debian package) for the load measurements")
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            stdout=subprocess.DEVNULL,
        )
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("The load measurements need wrk (Debian: sudo apt-get install wrk).")
    return found


@dataclass(frozen=True)
class Load:
    """One wrk run: requests per second and the 99th percentile of latency."""

    rate: float
    p99_ms: float


WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(output: str) -> Load:
    """Requests/s and p99 from wrk's report (`--latency`); any non-2xx answer is an error."""
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"{errors.group(1)} requests were refused:\n{output}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    if rate is None or p99 is None:
        raise RuntimeError(f"wrk's report could not be read:\n{output}")
    return Load(float(rate.group(1)), float(p99.group(1)) * WRK_UNITS[p99.group(2)])


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string of ASCII text is a valid Lua string


def wrk_script(
    method: str, headers: dict[str, str], paths: list[str], bodies: list[str] | None = None
) -> str:
    """A wrk script sending `method` with `headers`, request i to paths[i] with bodies[i]
    (both cycled; each wrk thread starts at a random place)."""
    table = ", ".join
    lines = [f"wrk.headers[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items()]
    lines += [
        f"local paths = {{{table(lua_string(p) for p in paths)}}}",
        f"local bodies = {{{table(lua_string(b) for b in bodies or [])}}}",
        "local n = 0",
        "function init(args) n = math.random(1000) end",
        "function request()",
        "  n = n + 1",
        "  local body = nil",
        "  if #bodies > 0 then body = bodies[(n % #bodies) + 1] end",
        f"  return wrk.format({lua_string(method)}, paths[(n % #paths) + 1], nil, body)",
        "end",
    ]
    return "\n".join(lines) + "\n"


def run_wrk(base_url: str, script: str, workdir: Path, seconds: int) -> Load:
    script_file = workdir / "load.lua"
    script_file.write_text(script)
    done = subprocess.run(
        [
            ensure_wrk(),
            f"-t{WRK_THREADS}",
            f"-c{CLIENTS}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script_file),
            base_url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return parse_wrk(done.stdout)


@contextmanager
def bare_app(workdir: Path) -> Iterator[str]:
    """The bare FastAPI app of benchmarks/bare_app.py, served by the same uvicorn."""
    command = ("-m", "uvicorn", "benchmarks.bare_app:app", "--log-level", "warning")
    bare = server_process("", workdir / "bare.log", command=command, ready_path="/docs")
    with bare as (base_url, _pid):
        yield base_url


def tag_bodies(scene: Scene, *, form: bool) -> list[str]:
    """Bodies tagging many passages, as JSON for the API or as a form for the htmx route."""
    bodies = []
    for number, passage in enumerate(scene.passages[:500]):
        position = POSITIONS[number % len(POSITIONS)]
        if form:
            bodies.append(f"position_key={position}&kind=states")
        else:
            bodies.append(
                json.dumps({"passage_id": passage, "position_key": position, "kind": "states"})
            )
    return bodies


UNFLUSHED = ", SQLITE_SYNCHRONOUS=normal"
Target = tuple[str, str, str]  # (what, base URL, wrk script)


def request_targets(scene: Scene, label: str = "", tags_only: bool = False) -> list[Target]:
    """What wrk sends to the real server: /api/me with a token, and tagging through the API
    (token) and through the htmx route (session cookie and CSRF header)."""
    bearer = {"Authorization": f"Bearer {scene.token}"}
    session = {
        "Cookie": f"{SESSION_COOKIE}={scene.cookie}",
        CSRF_HEADER: scene.csrf,
        "HX-Request": "true",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    json_type = {"Content-Type": "application/json"}
    tag_paths = [f"/passages/{passage}/annotations" for passage in scene.passages[:500]]
    api_tag = wrk_script(
        "POST", bearer | json_type, ["/api/annotations"], tag_bodies(scene, form=False)
    )
    htmx_tag = wrk_script("POST", session, tag_paths, tag_bodies(scene, form=True))
    targets = [
        (API_TAG + label, scene.base_url, api_tag),
        (HTMX_TAG + label, scene.base_url, htmx_tag),
    ]
    if not tags_only:
        targets.insert(0, (ME + label, scene.base_url, wrk_script("GET", bearer, ["/api/me"])))
    return targets


def measure_request_path(
    scenes: list[tuple[Scene, str, bool]], runs: int, seconds: int, report: Report
) -> None:
    """wrk against the real server(s) and, in the same run, against the bare app; `scenes`:
    each server, the label of its rows and whether to send it tags only."""
    workdir = Path(tempfile.mkdtemp(prefix="argmap-wrk-"))
    bare_body = json.dumps(
        {"passage_id": "p1", "position_key": "russia", "kind": "states", "note": ""}
    )
    json_type = {"Content-Type": "application/json"}
    loads: dict[str, list[Load]] = {}
    try:
        with bare_app(workdir) as bare_url:
            targets = [(BARE, bare_url, wrk_script("POST", json_type, ["/tags"], [bare_body]))]
            for scene, label, tags_only in scenes:
                targets += request_targets(scene, label, tags_only)
            for run in range(runs):
                for name, url, script in targets:
                    result = run_wrk(url, script, workdir, seconds)
                    loads.setdefault(name, []).append(result)
                    log(
                        f"  run {run + 1}: {name}: {result.rate:,.0f} req/s, "
                        f"p99 {result.p99_ms:.1f} ms"
                    )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    medians = {
        name: Load(
            statistics.median(x.rate for x in results),
            statistics.median(x.p99_ms for x in results),
        )
        for name, results in loads.items()
    }
    bare = medians[BARE]
    for name, figures in medians.items():
        ratio = figures.rate / bare.rate
        target, met = REQUEST_TARGETS.get(name.removesuffix(UNFLUSHED), ("(the limit)", None))
        report.rows.append(
            Row(
                f"{name}, wrk {WRK_THREADS} threads, {CLIENTS} connections, {seconds} s",
                f"{figures.rate:,.0f} req/s, p99 {figures.p99_ms:.0f} ms",
                target,
                None if met is None else met(ratio, figures.p99_ms),
                f"{ratio:.2f} × bare POST",
            )
        )


def timed_gets(scene: Scene, paths: list[str]) -> tuple[list[float], list[httpx.Response]]:
    times, responses = [], []
    with httpx.Client(
        base_url=scene.base_url, cookies={SESSION_COOKIE: scene.cookie}, timeout=60
    ) as client:
        client.get(paths[0])  # warm up
        for path in paths:
            started = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - started)
            responses.append(response)
    return times, responses


def measure_document_view(scene: Scene, runs: int, report: Report) -> None:
    # The page brings the first passages and loads the rest as the reader scrolls; how long
    # it takes to have them all (each further window, and all at once with ?all=1) is shown
    # too, so that the first figure does not hide the rest.
    document = f"/documents/{scene.featured}"
    count = max(runs, VIEW_REQUESTS)
    times, responses = timed_gets(scene, [document] * count)
    assert all(r.status_code == 200 for r in responses), responses[0].text[:300]
    median = statistics.median(times)
    first = responses[0].text
    shown = first.count('<section class="passage')
    report.rows.append(
        Row(
            "document view, 200 passages, 1,000 tags: the page",
            f"{median * 1000:.0f} ms ({len(responses[0].content) / 1e6:.2f} MB, {shown} passages)",
            TARGETS["view"],
            median < 0.05,
        )
    )
    windows = []
    url = _next_window(first)
    while url is not None:
        window_times, window_responses = timed_gets(scene, [url] * count)
        windows.append(statistics.median(window_times))
        url = _next_window(window_responses[0].text)
    if windows:
        report.rows.append(
            Row(
                "  each further window of passages, as the reader scrolls",
                f"{statistics.median(windows) * 1000:.0f} ms median of {len(windows)} windows",
                "(reference)",
                None,
            )
        )
    everything, _ = timed_gets(scene, [f"{document}?all=1"] * count)
    report.rows.append(
        Row(
            "  the same document, every passage at once (?all=1)",
            f"{statistics.median(everything) * 1000:.0f} ms",
            "(reference)",
            None,
        )
    )


def _next_window(html: str) -> str | None:
    """The address of the next window of passages a document page or window loads, if any."""
    found = re.search(r'data-more-passages[^>]*hx-get="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def measure_search(scene: Scene, runs: int, report: Report) -> None:
    queries = [SEARCH_QUERIES[i % len(SEARCH_QUERIES)] for i in range(max(runs, VIEW_REQUESTS))]
    times, responses = timed_gets(scene, [f"/api/search?q={q}" for q in queries])
    if responses[0].status_code == 404:
        report.rows.append(
            Row(
                "search, whole corpus",
                "skipped",
                TARGETS["search"],
                None,
                "GET /api/search answers 404: search is not there yet",
            )
        )
        return
    assert all(r.status_code == 200 for r in responses), responses[0].text[:300]
    median = statistics.median(times)
    report.rows.append(
        Row(
            "search, whole corpus",
            f"{median * 1000:.0f} ms",
            TARGETS["search"],
            median < 0.05,
            f"queries: {', '.join(SEARCH_QUERIES)}",
        )
    )


def download(scene: Scene, path: str, file: Path) -> None:
    """Save a (streamed) response with curl where there is one: a Python client reading
    hundreds of megabytes would take a CPU core from the server on a small machine."""
    authorization = f"Authorization: Bearer {scene.token}"
    if shutil.which("curl"):
        subprocess.run(
            ["curl", "-sSf", "-o", str(file), "-H", authorization, scene.base_url + path],
            check=True,
        )
        return
    with (
        httpx.stream(
            "GET", scene.base_url + path, headers={"Authorization": authorization}, timeout=600
        ) as response,
        file.open("wb") as out,
    ):
        assert response.status_code == 200, response.read()[:300]
        for chunk in response.iter_bytes():
            out.write(chunk)


def raw_export_seconds(url: str, workdir: Path) -> float:
    """How long the database alone takes to write every annotation row as JSON to a file:
    `sqlite3 -json` (Python's sqlite3 with json_object where the shell is missing), or psql's
    COPY of row_to_json. The limit an export over HTTP is compared with."""
    out = workdir / "raw.json"
    started = time.perf_counter()
    if url.startswith("sqlite"):
        database = url.removeprefix("sqlite:///")
        if shutil.which("sqlite3"):
            with out.open("wb") as file:
                subprocess.run(
                    ["sqlite3", "-json", database, "SELECT * FROM annotation"],
                    stdout=file,
                    check=True,
                )
        else:
            import sqlite3

            with sqlite3.connect(database) as connection, out.open("w") as file:
                names = [row[1] for row in connection.execute("PRAGMA table_info(annotation)")]
                pairs = ", ".join(f"'{name}', \"{name}\"" for name in names)
                cursor = connection.execute(f"SELECT json_object({pairs}) FROM annotation")
                while rows := cursor.fetchmany(10_000):
                    file.writelines(row[0] + "\n" for row in rows)
    else:
        with out.open("wb") as file:
            subprocess.run(
                [
                    "psql",
                    "--no-psqlrc",
                    "-q",
                    "-c",
                    "COPY (SELECT row_to_json(a) FROM annotation a) TO STDOUT",
                    psql_url(url),
                ],
                stdout=file,
                check=True,
            )
    seconds = time.perf_counter() - started
    out.unlink()
    return seconds


def psql_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as libpq understands it."""
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


def measure_export(scene: Scene, runs: int, report: Report, file: Path) -> None:
    times, peaks = [], []
    baseline = rss_kib(scene.pid)
    for run in range(runs):
        peak = [rss_kib(scene.pid)]
        done = threading.Event()

        def sample(peak: list[int] = peak, done: threading.Event = done) -> None:
            while not done.is_set():
                peak[0] = max(peak[0], rss_kib(scene.pid))
                time.sleep(0.01)

        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.perf_counter()
        download(scene, "/api/export", file)
        times.append(time.perf_counter() - started)
        done.set()
        sampler.join()
        peaks.append(peak[0] / 1024)
        log(f"  run {run + 1}: export {times[-1]:.1f} s, peak RSS {peaks[-1]:.0f} MB")
    seconds = statistics.median(times)
    rate = scene.annotations / seconds
    peak_mb = max(peaks)
    raw = statistics.median(raw_export_seconds(scene.url, file.parent) for _ in range(runs))
    report.rows.append(
        Row(
            f"export, {scene.annotations:,} annotations ({file.stat().st_size / 1e6:.0f} MB)",
            f"{seconds:.1f} s, {rate:,.0f} annotations/s, peak RSS {peak_mb:.0f} MB",
            TARGETS["export"],
            rate >= 100_000 and peak_mb < 250,
            f"RSS before {baseline / 1024:.0f} MB; the database alone writes them as JSON in "
            f"{raw:.1f} s, {scene.annotations / raw:,.0f}/s",
        )
    )


def cli(url: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *arguments],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
    )


def refuse_last_annotation(url: str, annotation_id: str) -> None:
    """Make the database itself refuse the file's last annotation (after all else went in)."""
    engine = make_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql(
                "CREATE TRIGGER bench_refuse BEFORE INSERT ON annotation "
                f"WHEN NEW.id = '{annotation_id}' BEGIN SELECT RAISE(ABORT, 'bench refuses'); END"
            )
        else:
            connection.exec_driver_sql(
                "CREATE FUNCTION bench_refuse() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.id = '{annotation_id}' THEN RAISE EXCEPTION 'bench refuses'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            connection.exec_driver_sql(
                "CREATE TRIGGER bench_refuse BEFORE INSERT ON annotation "
                "FOR EACH ROW EXECUTE FUNCTION bench_refuse()"
            )
    engine.dispose()


def raw_import_seconds(url: str, workdir: Path) -> float:
    """How long the database alone takes to write every annotation row again, in one
    transaction, into a new table of the same columns (no index, trigger or check): the limit
    an import is compared with."""
    engine = make_engine(url)
    if url.startswith("sqlite"):
        target = workdir / "raw-import.db"
        target.unlink(missing_ok=True)
        statements = [
            f"ATTACH DATABASE '{target}' AS raw",
            "CREATE TABLE raw.annotation AS SELECT * FROM main.annotation",
        ]
    else:
        statements = ["CREATE TABLE raw_annotation AS SELECT * FROM annotation"]
    started = time.perf_counter()
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
    seconds = time.perf_counter() - started
    with engine.begin() as connection:
        if url.startswith("sqlite"):
            connection.exec_driver_sql("DETACH DATABASE raw")
        else:
            connection.exec_driver_sql("DROP TABLE raw_annotation")
    engine.dispose()
    (workdir / "raw-import.db").unlink(missing_ok=True)
    return seconds


def measure_import(
    base_url: str, workdir: Path, runs: int, report: Report, file: Path, annotations: int
) -> None:
    times = []
    for run in range(runs):
        url = empty_database(base_url, workdir, f"import{run}")
        migrate(url)
        started = time.perf_counter()
        done = cli(url, "import", str(file))
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise RuntimeError(f"the import failed: {done.stderr[-2000:]}")
        counts = table_counts(url)
        assert counts["annotation"] == annotations, counts
        log(f"  run {run + 1}: import {times[-1]:.1f} s ({counts['history']:,} history entries)")
    seconds = statistics.median(times)
    rate = annotations / seconds
    raw = statistics.median(raw_import_seconds(base_url, workdir) for _ in range(runs))

    # All or nothing: the database refuses the very last annotation of the file.
    url = empty_database(base_url, workdir, "refused")
    migrate(url)
    with file.open("rb") as exported:
        exported.seek(-4096, os.SEEK_END)
        last_line = exported.read().decode("utf-8").rstrip().splitlines()[-2]
    refuse_last_annotation(url, json.loads(last_line)["id"])
    refused = cli(url, "import", str(file))
    left = {table: n for table, n in table_counts(url).items() if n}
    atomic = refused.returncode != 0 and not left
    log(f"  failed import: exit {refused.returncode}, rows left behind: {left or 'none'}")
    report.rows.append(
        Row(
            "import of that export into an empty database",
            f"{seconds:.1f} s, {rate:,.0f} annotations/s",
            TARGETS["import"],
            rate >= 50_000 and atomic,
            ("a failure at the last row left nothing" if atomic else f"left behind: {left}")
            + f"; the database alone copies the rows in {raw:.1f} s, {annotations / raw:,.0f}/s",
        )
    )


# --- the run -------------------------------------------------------------------------------


GROUPS = ("requests", "view", "search", "export", "import")


def bench_database(
    name: str, scale: float, seed: int, runs: int, heavy_runs: int, only: set[str], seconds: int
) -> Report:
    report = Report(name, scale)
    load_before = os.getloadavg()[0]
    corpus = sqlite_corpus if name == "sqlite" else postgres_corpus
    workdir = Path(tempfile.mkdtemp(prefix=f"argmap-bench-{name}-"))
    try:
        with corpus(scale, seed, workdir) as url:
            migrate(url)
            report.counts = table_counts(url)
            featured, passages, annotations = corpus_facts(url)
            cookie, csrf, token = sign_in(url)
            export_file = workdir / "export.json"
            server = server_process(url, workdir / "server.log", startup_seconds=60)
            with server as (base_url, pid):
                scene = Scene(
                    url, base_url, pid, cookie, csrf, token, featured, passages, annotations
                )
                if "view" in only:
                    log(f"{name}: document view")
                    measure_document_view(scene, runs, report)
                if "search" in only:
                    log(f"{name}: search")
                    measure_search(scene, runs, report)
                if only & {"export", "import"}:
                    log(f"{name}: export")
                    measure_export(scene, heavy_runs, report, export_file)
                if "requests" in only:
                    log(f"{name}: the request path under load")
                    scenes = [(scene, "", False)]
                    with ExitStack() as servers:
                        if name == "sqlite":
                            # The same, without SQLite's flush to disk at every commit.
                            unflushed = servers.enter_context(
                                server_process(
                                    url,
                                    workdir / "server-normal.log",
                                    {"SQLITE_SYNCHRONOUS": "normal"},
                                    startup_seconds=60,
                                )
                            )
                            scenes.append((replace(scene, base_url=unflushed[0]), UNFLUSHED, True))
                        measure_request_path(scenes, heavy_runs, seconds, report)
            if "import" in only:
                log(f"{name}: import")
                measure_import(url, workdir, heavy_runs, report, export_file, annotations)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report.load = (load_before, os.getloadavg()[0])
    return report


def print_rows(rows: list[Row], figure: str) -> None:
    """The measurements as a Markdown table, `figure` naming the column of figures."""
    print(f"| measurement | {figure} | target | met |")
    print("|---|---|---|---|")
    for row in rows:
        met = {True: "yes", False: "**no**", None: "–"}[row.met]
        note = f" ({row.note})" if row.note else ""
        print(f"| {row.what} | {row.figure}{note} | {row.target} | {met} |")


def print_report(report: Report) -> None:
    counts = report.counts
    print(
        f"\n{report.database}, scale {report.scale:g}: {counts['document']:,} documents, "
        f"{counts['passage']:,} passages, {counts['claim']:,} claims, "
        f"{counts['relation']:,} relations, {counts['annotation']:,} annotations "
        f"(load average {report.load[0]:.1f} before, {report.load[1]:.1f} after)\n"
    )
    print_rows(report.rows, "result")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = full size (500k tags)")
    parser.add_argument("--databases", default="sqlite,postgresql", help="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=5, help="runs of each quick measurement")
    parser.add_argument("--heavy-runs", type=int, default=3, help="runs of export and import")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--only",
        default=",".join(GROUPS),
        help=f"what to measure, of {','.join(GROUPS)} (import needs the export's file)",
    )
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk run")
    args = parser.parse_args()
    only = set(args.only.split(","))
    if only - set(GROUPS):
        parser.error(f"unknown measurements: {', '.join(sorted(only - set(GROUPS)))}")
    reports = []
    for name in args.databases.split(","):
        if name not in ("sqlite", "postgresql"):
            parser.error(f"unknown database {name!r}")
        reports.append(
            bench_database(
                name, args.scale, args.seed, args.runs, args.heavy_runs, only, args.seconds
            )
        )
    for report in reports:
        print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())

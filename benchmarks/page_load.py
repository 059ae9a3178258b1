"""The graph page's cold load in headless Chromium: from navigation to the graph drawn.

    .venv/bin/python benchmarks/page_load.py [--runs 7] [--path /graph]

Migrates a new SQLite database, loads the seed corpus and its starter map (`app.cli seed`),
serves it with `app.cli serve` (reading without signing in, as `make run` does) and opens the
page `--runs` times, each in a new browser context (an empty cache: a first visit), waiting
until `#graph[data-ready]` (the graph drawn). Prints the median time and the bytes that came
over the wire (compressed, as sent) against the bytes of the files themselves.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Request, sync_playwright

from app.config import PROJECT_ROOT
from app.db import migrate
from tests.servers import served

CHROMIUM = "/usr/bin/chromium"


def _recorder(sizes: list[int]) -> Callable[[Request], None]:
    """A listener adding each finished request's body size, as sent, to `sizes`."""
    return lambda request: sizes.append(request.sizes()["responseBodySize"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--path", default="/graph")
    parser.add_argument("--ready", default="#graph[data-ready]")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'pages.db'}"
        migrate(url)
        subprocess.run(
            [sys.executable, "-m", "app.cli", "seed"],
            cwd=PROJECT_ROOT,
            env={**os.environ, "DATABASE_URL": url},
            check=True,
            capture_output=True,
        )
        log = Path(scratch) / "server.log"
        with served(url, log, READ_WITHOUT_LOGIN="true") as base, sync_playwright() as play:
            browser = play.chromium.launch(executable_path=CHROMIUM)
            times: list[float] = []
            wire: list[int] = []
            for _ in range(args.runs + 1):  # the first run warms the server up
                context = browser.new_context()
                page = context.new_page()
                sizes: list[int] = []
                page.on("requestfinished", _recorder(sizes))
                started = time.perf_counter()
                page.goto(base + args.path)
                page.locator(args.ready).wait_for(state="attached", timeout=30_000)
                times.append(time.perf_counter() - started)
                wire.append(sum(sizes))
                context.close()
            browser.close()
    times, wire = times[1:], wire[1:]
    print(f"{args.path}, cold load to {args.ready}, {args.runs} runs in headless Chromium:")
    print(f"  median {statistics.median(times) * 1000:.0f} ms (min {min(times) * 1000:.0f} ms)")
    print(f"  bytes over the wire (bodies as sent): median {statistics.median(wire):,.0f}")


if __name__ == "__main__":
    main()

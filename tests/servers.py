"""A real `app.cli serve` on a free port, for the tests that need the server itself (the
forwarded headers it reads, a probe from another process) and for the server benchmark."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx2 as httpx

from app.config import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(db_url: str, log_path: Path, **environment: str) -> Iterator[str]:
    """Serve the app on `db_url` until the block ends; gives its base URL."""
    with server_process(db_url, log_path, environment) as (base_url, _pid):
        yield base_url


@contextmanager
def server_process(
    db_url: str,
    log_path: Path,
    environment: Mapping[str, str] | None = None,
    *,
    startup_seconds: float = 90,
    command: tuple[str, ...] = ("-m", "app.cli", "serve"),
    ready_path: str = "/login",
) -> Iterator[tuple[str, int]]:
    """Serve the app on `db_url` (with `environment` added to this one) until the block ends;
    gives its base URL and process id. It must answer within `startup_seconds` (generous: the
    suite runs on two workers, each maybe starting a server and a browser at once). `command`
    (Python's arguments, before the host and port) and `ready_path` (answered 200 once it
    serves) let the benchmarks start another app the same way."""
    port = free_port()
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, *command, "--host", "127.0.0.1", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env={**os.environ, "DATABASE_URL": db_url, **(environment or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + startup_seconds
        while True:
            try:
                if httpx.get(f"{base_url}{ready_path}", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError(f"the server did not start:\n{log_path.read_text()}")
            time.sleep(0.1)
        try:
            yield base_url, server.pid
        finally:
            server.terminate()
            server.wait(timeout=30)

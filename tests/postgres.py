"""A throw-away PostgreSQL server for the tests that check the same code on PostgreSQL.

`ARGMAP_TEST_POSTGRES_URL` points the tests at an existing server instead; without it, a
private cluster is created in a temporary folder from the system's PostgreSQL binaries and
listens only on a Unix socket.
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def find_postgres_bin() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def temporary_postgres() -> Iterator[str]:
    """Start a private PostgreSQL cluster in a temporary folder; yield its SQLAlchemy URL."""
    binaries = find_postgres_bin()
    if binaries is None:
        raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    # PostgreSQL refuses to run as root; as root, run it as the `postgres` user.
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    # Not under pytest's temporary root: the `postgres` user must be able to reach it.
    workdir = Path(tempfile.mkdtemp(prefix="argmap-pg-"))
    data, sockets = workdir / "data", workdir / "sockets"
    sockets.mkdir(parents=True)
    if as_user:
        shutil.chown(workdir, "postgres")
        shutil.chown(sockets, "postgres")
    port = _free_port()

    def run(*command: str) -> None:
        done = subprocess.run([*as_user, *command], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {done.stderr.strip() or done.stdout.strip()}")

    run(str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "argmap", "-E", "UTF8")
    options = f"-k {sockets} -p {port} -c listen_addresses='' -c fsync=off"
    log = str(workdir / "log")
    run(str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l", log, "start")
    try:
        run(
            str(binaries / "createdb"),
            "-h",
            str(sockets),
            "-p",
            str(port),
            "-U",
            "argmap",
            "argmap",
        )
        yield f"postgresql+psycopg://argmap@/argmap?host={sockets}&port={port}"
    finally:
        run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(workdir, ignore_errors=True)

"""A throw-away PostgreSQL server for the tests, and the databases they make on it.

`ARGMAP_TEST_POSTGRES_URL` points the tests at an existing server instead (a role that may
create databases); without it, a private cluster is created in a temporary folder from the
system's PostgreSQL binaries and listens only on a Unix socket.
"""

import glob
import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.servers import free_port


def find_postgres_bin() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


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
    port = free_port()

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


@contextmanager
def postgres_server() -> Iterator[str]:
    """The server named by `ARGMAP_TEST_POSTGRES_URL`, or else a private one; yields its URL."""
    given = os.environ.get("ARGMAP_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    with temporary_postgres() as url:
        yield url


class Databases:
    """Creates and drops whole databases on one server, for one pytest process.

    Names carry the process id, so that two runs against one external server never meet.
    A copy of a template (`CREATE DATABASE … TEMPLATE …`) takes a few tens of milliseconds,
    far less than migrating.
    """

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.prefix = f"argmap_test_{os.getpid()}"
        self._numbers = itertools.count(1)
        # Databases are created and dropped outside any transaction.
        self._admin = create_engine(server_url, isolation_level="AUTOCOMMIT")

    def url(self, name: str) -> str:
        return make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    def new_name(self, label: str = "db") -> str:
        return f"{self.prefix}_{label}_{next(self._numbers)}"

    def create(self, name: str, template: str | None = None) -> str:
        """Create `name` (empty, or a copy of `template`, which nobody may be connected to)."""
        clause = f' TEMPLATE "{template}"' if template else ""
        with self._admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        return self.url(name)

    def drop(self, name: str) -> None:
        """Drop `name`, ending any connection a test left open to it."""
        with self._admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        self._admin.dispose()


def main(command: list[str]) -> int:
    """Run `command` with a private PostgreSQL server started for it (its URL in
    `ARGMAP_TEST_POSTGRES_URL`), and stop the server afterwards, whatever the command's end."""
    if not command:
        print("usage: python -m tests.postgres COMMAND [ARGUMENTS…]", file=sys.stderr)
        return 2
    # A CI timeout sends SIGTERM: end the command and still stop the server.
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(143))
    with temporary_postgres() as url:
        print(f"PostgreSQL test server: {url}", file=sys.stderr, flush=True)
        env = {**os.environ, "ARGMAP_TEST_POSTGRES_URL": url}
        try:
            return subprocess.run(command, env=env).returncode
        except KeyboardInterrupt:
            return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

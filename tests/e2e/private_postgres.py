"""A private PostgreSQL cluster in a temporary directory, for tests that stop and start it.

The shared server other tests use is never touched. PostgreSQL refuses to run as root, so
under root the cluster belongs to the ``postgres`` user and its programs run via ``runuser``.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from glob import glob
from pathlib import Path

import pytest

from tests.e2e.conftest import free_port

__all__ = ["PrivateCluster", "private_cluster"]

_BIN_PATTERN = "/usr/lib/postgresql/*/bin"
_TIMEOUT_SECONDS = 60


def _bin_directory() -> Path | None:
    candidates = [Path(path) for path in glob(_BIN_PATTERN)]
    usable = [
        path for path in candidates if (path / "initdb").exists() and (path / "pg_ctl").exists()
    ]
    # The newest major version: 15 sorts after 9.6 only numerically.
    usable.sort(key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0)
    return usable[-1] if usable else None


def _run_as_prefix() -> tuple[list[str], pwd.struct_passwd | None]:
    """How to run PostgreSQL's programs here; skips the test when it cannot be done."""
    if os.geteuid() != 0:
        return [], None
    runuser = shutil.which("runuser")
    if runuser is None:
        pytest.skip("running as root without runuser: cannot start a private PostgreSQL")
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root and there is no 'postgres' user to run PostgreSQL as")
    return [runuser, "-u", "postgres", "--"], account


class PrivateCluster:
    """One PostgreSQL cluster: ``start``, ``stop`` and the URL to reach it."""

    def __init__(self, bin_directory: Path, root: Path, port: int, prefix: list[str]) -> None:
        self.bin_directory = bin_directory
        self.root = root
        self.port = port
        self.prefix = prefix

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the cluster's ``postgres`` database."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *arguments: str) -> None:
        subprocess.run(
            [*self.prefix, str(self.bin_directory / program), *arguments],
            cwd=self.root,  # the postgres user may not be allowed into the caller's directory
            check=True,
            capture_output=True,
            timeout=_TIMEOUT_SECONDS,
        )

    def initialise(self) -> None:
        """Create the cluster (trust authentication: it only listens on 127.0.0.1)."""
        data = str(self.root / "data")
        # UTF8 with the C locale: works whatever locales the machine has installed.
        encoding = ("-E", "UTF8", "--locale=C")
        self._run("initdb", "-D", data, "-U", "postgres", "-A", "trust", *encoding, "--no-sync")

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        # fsync off: this cluster's data is thrown away, and the test should be quick.
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off"
        )
        log = str(self.root / "server.log")
        self._pg_ctl("-l", log, "-o", options, "start")

    def stop(self) -> None:
        """Stop the server now, disconnecting every client (what an outage looks like)."""
        self._pg_ctl("-m", "fast", "stop")

    def _pg_ctl(self, *arguments: str) -> None:
        data = str(self.root / "data")
        self._run("pg_ctl", "-D", data, "-w", "-t", str(_TIMEOUT_SECONDS), *arguments)

    def log(self) -> str:
        """The server's log, for failure messages."""
        path = self.root / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""


# PostgreSQL cannot bind port 0 and name the port it got, so the port is probed first; another
# program may take it before PostgreSQL binds it (a busy machine runs other servers' tests).
_PORT_ATTEMPTS = 5
_PORT_TAKEN = ("could not bind", "Address already in use")


def _start_on_a_free_port(cluster: PrivateCluster) -> None:
    """Start the cluster; when another program took its port first, again on a new port."""
    for attempt in range(_PORT_ATTEMPTS):
        try:
            cluster.start()
            return
        except subprocess.CalledProcessError:
            if attempt + 1 == _PORT_ATTEMPTS or not any(
                reason in cluster.log() for reason in _PORT_TAKEN
            ):
                pytest.fail(f"private PostgreSQL did not start: {cluster.log()[-3000:]}")
            (cluster.root / "server.log").unlink(missing_ok=True)  # the next reason is its own
            cluster.port = free_port()


@contextmanager
def private_cluster() -> Iterator[PrivateCluster]:
    """A started private cluster, stopped and deleted afterwards; skips if it cannot exist."""
    bin_directory = _bin_directory()
    if bin_directory is None:
        pytest.skip(f"no PostgreSQL server programs in {_BIN_PATTERN}")
    prefix, account = _run_as_prefix()
    # Directly under the system temp directory: pytest's own temp directories are private to
    # the user running pytest, and the postgres user must be able to enter this one.
    root = Path(tempfile.mkdtemp(prefix="spamschutz-pg-"))
    if account is not None:
        os.chown(root, account.pw_uid, account.pw_gid)
    cluster = PrivateCluster(bin_directory, root, free_port(), prefix)
    try:
        cluster.initialise()
        _start_on_a_free_port(cluster)
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)

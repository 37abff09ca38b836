"""A real ``spamschutz serve`` process on a free port with a temporary SQLite file."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.waiting import wait_until

QUESTIONS = [
    {"lang": "de", "question": "Wie viel ist drei plus vier?", "answers": ["7"]},
    {"lang": "en", "question": "What is three plus four?", "answers": ["7"]},
]


def free_port() -> int:
    """A TCP port nobody listens on right now (another program may take it before it is
    used: only for programs that cannot bind port 0 and say which port they got)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def spamschutz_command() -> list[str]:
    """The installed console script, next to this interpreter."""
    script = Path(sys.executable).with_name("spamschutz")
    return [str(script)] if script.exists() else [sys.executable, "-m", "spamschutz"]


@dataclass
class Server:
    """A running server and how to reach and administer it."""

    env: dict[str, str]
    data_dir: Path
    process: subprocess.Popen[bytes]
    listening_timeout: float = 180
    _url: str | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, once the server listens (waits for it the first time).

        The server binds a port the system picks (``--port 0``) and names it in its log, so no
        other program can take the port between a probe and the bind (``free_port()`` and
        then ``--port N`` was such a race on a busy machine).
        """
        if self._url is None:
            self._url = _listening_url(self)
        return self._url

    def cli(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run a ``spamschutz`` subcommand against the same data directory and database."""
        return subprocess.run(
            [*spamschutz_command(), *args],
            env=self.env,
            input=input,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )


# gunicorn's line naming the address it listens on (plain or inside a JSON log line).
_LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")


def launch(env: dict[str, str], data_dir: Path, workers: int = 1) -> Server:
    """Start ``spamschutz serve`` on a port the system picks, not waiting for it; output goes
    to ``data_dir/server.log``. :attr:`Server.url` waits until it listens, :func:`wait_ready`
    until it is ready."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [*spamschutz_command(), "serve", "--port", "0", "--workers", str(workers)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return Server(env=env, data_dir=data_dir, process=process)


def _listening_url(server: Server) -> str:
    deadline = time.monotonic() + server.listening_timeout
    with (server.data_dir / "server.log").open("rb") as log:
        seen = ""
        while (found := _LISTENING.search(seen)) is None:
            chunk = log.read()
            seen += chunk.decode("utf-8", "replace")
            if chunk:
                continue
            if server.process.poll() is not None:
                pytest.fail(f"server exited: {seen[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"server did not listen within {server.listening_timeout:.0f} s")
            time.sleep(0.05)  # the next look at the log, not a guessed moment of readiness
    return f"http://127.0.0.1:{found[1]}"


def wait_ready(server: Server, timeout: float = 180) -> None:
    """Wait until ``/readyz`` answers 200; fail with the server's log if it exits or stalls."""

    def ready() -> bool:
        if server.process.poll() is not None:
            pytest.fail(f"server exited: {(server.data_dir / 'server.log').read_text()[-3000:]}")
        try:
            return httpx.get(f"{server.url}/readyz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    wait_until(ready, timeout, "the server answers /readyz with 200", interval=0.3)


def stop(server: Server) -> None:
    """Stop gracefully (SIGTERM), or kill after 30 s."""
    server.process.terminate()
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()


@contextmanager
def running_server(env: dict[str, str], data_dir: Path, workers: int = 1) -> Iterator[Server]:
    """A started and ready server, stopped afterwards."""
    server = launch(env, data_dir, workers)
    try:
        wait_ready(server)
        yield server
    finally:
        stop(server)



@pytest.fixture(scope="session", autouse=True)
def _starter_baked_once(servers_use_the_baked_starter: None) -> None:
    """Servers here register one starter model trained for the session (tests/conftest.py)."""

@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Start ``spamschutz serve`` (one worker) and wait until it answers ``/readyz``."""
    data_dir = tmp_path_factory.mktemp("server")
    questions = data_dir / "questions.json"
    questions.write_text(json.dumps(QUESTIONS))
    env = {
        **os.environ,
        "SPAMSCHUTZ_DATA_DIR": str(data_dir),
        "SPAMSCHUTZ_QUESTIONS": str(questions),
        "SPAMSCHUTZ_OWN_QUESTIONS_SHARE": "1",
        "SPAMSCHUTZ_MIN_SUBMIT_SECONDS": "0",
    }
    env.pop("SPAMSCHUTZ_DATABASE_URL", None)
    with running_server(env, data_dir) as running:
        yield running

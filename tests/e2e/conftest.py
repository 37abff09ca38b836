"""A real ``spamschutz serve`` process on a free port with a temporary SQLite file."""

from __future__ import annotations

import json
import os
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

QUESTIONS = [
    {"lang": "de", "question": "Wie viel ist drei plus vier?", "answers": ["7"]},
    {"lang": "en", "question": "What is three plus four?", "answers": ["7"]},
]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
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

    url: str
    env: dict[str, str]
    data_dir: Path
    process: subprocess.Popen[bytes]

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


def launch(env: dict[str, str], data_dir: Path, workers: int = 1) -> Server:
    """Start ``spamschutz serve`` on a free port (not waiting for it); output goes to
    ``data_dir/server.log``."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [*spamschutz_command(), "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return Server(url=f"http://127.0.0.1:{port}", env=env, data_dir=data_dir, process=process)


def wait_ready(server: Server, timeout: float = 180) -> None:
    """Wait until ``/readyz`` answers 200; fail with the server's log if it exits or stalls."""
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            pytest.fail(f"server exited: {(server.data_dir / 'server.log').read_text()[-3000:]}")
        try:
            if httpx.get(f"{server.url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"server did not become ready within {timeout:.0f} s")
        time.sleep(0.3)


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

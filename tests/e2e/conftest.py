"""A real ``spamschutz serve`` process on a free port with a temporary SQLite file."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Start ``spamschutz serve`` (one worker) and wait until it answers ``/readyz``."""
    data_dir = tmp_path_factory.mktemp("server")
    questions = data_dir / "questions.json"
    questions.write_text(json.dumps(QUESTIONS))
    port = free_port()
    env = {
        **os.environ,
        "SPAMSCHUTZ_DATA_DIR": str(data_dir),
        "SPAMSCHUTZ_QUESTIONS": str(questions),
        "SPAMSCHUTZ_MIN_SUBMIT_SECONDS": "0",
    }
    env.pop("SPAMSCHUTZ_DATABASE_URL", None)
    log = (data_dir / "server.log").open("wb")
    process = subprocess.Popen(
        [*spamschutz_command(), "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        if process.poll() is not None:
            pytest.fail(f"server exited: {(data_dir / 'server.log').read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("server did not become ready within 180 s")
        time.sleep(0.3)
    yield Server(url=url, env=env, data_dir=data_dir, process=process)
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()

"""Start and stop the servers ``bench/http.py`` compares, all on loopback ports."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

__all__ = [
    "ANSWER",
    "RunningServer",
    "free_port",
    "listening_url",
    "serve_command",
    "server_cpu_seconds",
    "start_bare_flask",
    "start_spamd",
    "start_spamschutz",
    "stop",
    "worker_rss_mb",
]

# One question per language with a known answer, so the harness can answer every challenge.
ANSWER = "7"
QUESTIONS = [
    {"lang": "de", "question": "Wie viel ist drei plus vier?", "answers": [ANSWER]},
    {"lang": "en", "question": "What is three plus four?", "answers": [ANSWER]},
]
# High enough that no limit is reached: the benchmark measures work, not refusals.
NO_LIMIT = "1000000000 per second"
SPAMD = shutil.which("spamd") or "/usr/sbin/spamd"
SPAMC = shutil.which("spamc") or "/usr/bin/spamc"
VENV_BIN = Path(sys.executable).parent


@dataclass
class RunningServer:
    """A started server: its base URL, process and what it took to answer first."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    seconds_to_ready: float = 0.0
    env: dict[str, str] = field(default_factory=dict)


def free_port() -> int:
    """A loopback TCP port nobody listens on right now (another program may take it before it
    is used: only for servers that cannot bind port 0 and name the port they got)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_command(workers: int) -> list[str]:
    """``spamschutz serve`` with ``workers`` worker processes on a loopback port the system
    picks: no other program can take it between a probe and the bind, and the benchmark's
    requests cannot reach another program's server (:func:`listening_url` names the port)."""
    return [
        str(VENV_BIN / "spamschutz"),
        *("serve", "--host", "127.0.0.1", "--port", "0", "--workers", str(workers)),
    ]


# gunicorn's line naming the address it listens on (plain or inside a JSON log line).
_LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")


def listening_url(process: subprocess.Popen[bytes], log: Path, limit: float = 300.0) -> str:
    """``http://127.0.0.1:PORT`` of a server started on port 0, once its log names the port."""
    deadline = time.monotonic() + limit
    while (found := _LISTENING.search(log.read_text(errors="replace"))) is None:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text(errors='replace')[-2000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"server did not listen within {limit:.0f} s")
        time.sleep(0.05)  # the next look at the log
    return f"http://127.0.0.1:{found[1]}"


def new_log(directory: Path, name: str) -> Path:
    """A log file of its own in ``directory`` (a server may be started there more than once)."""
    handle, path = tempfile.mkstemp(prefix=f"{name}-", suffix=".log", dir=directory)
    os.close(handle)
    return Path(path)


def spamschutz_env(data_dir: Path, database_url: str | None, threads: int) -> dict[str, str]:
    """Production settings with a known question bank and limits out of the way."""
    questions = data_dir / "questions.json"
    questions.write_text(json.dumps(QUESTIONS))
    env = {
        **os.environ,
        "SPAMSCHUTZ_ENV": "production",
        "SPAMSCHUTZ_SECRET_KEY": secrets.token_urlsafe(48),
        "SPAMSCHUTZ_DATA_DIR": str(data_dir),
        "SPAMSCHUTZ_QUESTIONS": str(questions),
        "SPAMSCHUTZ_OWN_QUESTIONS_SHARE": "1",
        "SPAMSCHUTZ_MIN_SUBMIT_SECONDS": "0",
        "SPAMSCHUTZ_THREADS": str(threads),
    }
    for name in ("CHALLENGES", "COMMENTS", "WRONG_ANSWERS", "LOGIN", "LOGIN_ACCOUNT"):
        env[f"SPAMSCHUTZ_RATE_LIMIT_{name}"] = NO_LIMIT
    env.pop("SPAMSCHUTZ_DATABASE_URL", None)
    if database_url:
        env["SPAMSCHUTZ_DATABASE_URL"] = database_url
    return env


def _spawn(command: list[str], log: Path, **options) -> subprocess.Popen[bytes]:
    """Start ``command`` in its own process group (stopped as a whole) logging to ``log``."""
    with log.open("wb") as handle:  # the child keeps its own descriptor
        return subprocess.Popen(
            command, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True, **options
        )


def _wait_until(server: RunningServer, probe, started: float, limit: float = 300.0) -> None:
    deadline = started + limit
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited: {server.log.read_text()[-2000:]}")
        try:
            if probe():
                server.seconds_to_ready = time.monotonic() - started
                return
        except (httpx.TransportError, OSError):
            pass
        if time.monotonic() > deadline:
            stop(server)
            raise RuntimeError(f"{server.name} did not answer within {limit:.0f} s")
        time.sleep(0.05)


def start_spamschutz(
    data_dir: Path, workers: int, threads: int, database_url: str | None, token: str | None
) -> RunningServer:
    """``spamschutz serve``; ready when ``/api/v1/score`` answers 200 (or ``/readyz`` without
    a token, on the first start that migrates and trains the starter model)."""
    env = spamschutz_env(data_dir, database_url, threads)
    log = new_log(data_dir, "serve")
    started = time.monotonic()
    process = _spawn(serve_command(workers), env=env, log=log)
    url = listening_url(process, log)
    server = RunningServer("spamschutz", url, process, log, env=env)
    if token:

        def probe() -> bool:
            answer = httpx.post(
                f"{server.url}/api/v1/score",
                json={"text": "Hallo"},
                headers={"Authorization": f"Bearer {token}"},
                timeout=5,
            )
            return answer.status_code == 200
    else:

        def probe() -> bool:
            return httpx.get(f"{server.url}/readyz", timeout=5).status_code == 200

    _wait_until(server, probe, started)
    return server


def start_bare_flask(work_dir: Path, workers: int, threads: int) -> RunningServer:
    """``bench/bare_app.py`` under gunicorn with the worker settings of ``spamschutz serve``."""
    log = new_log(work_dir, "bare")
    started = time.monotonic()
    process = _spawn(
        [
            sys.executable,
            "-m",
            "bench.bare_app",
            "--port",
            "0",  # the system picks; the log names it
            "--workers",
            str(workers),
            "--threads",
            str(threads),
        ],
        cwd=Path(__file__).resolve().parent.parent,
        log=log,
    )
    server = RunningServer("bare Flask", listening_url(process, log), process, log)
    _wait_until(
        server, lambda: httpx.get(f"{server.url}/api/v1/challenge").status_code == 200, started
    )
    return server


def start_spamd(work_dir: Path, children: int) -> RunningServer:
    """SpamAssassin's ``spamd`` on loopback with ``children`` processes, local tests only
    (no DNS or network lookups, which would measure the network instead)."""
    port = free_port()
    log = work_dir / f"spamd-{port}.log"
    started = time.monotonic()
    process = _spawn(
        [
            SPAMD,
            "--max-children",
            str(children),
            "--min-children",
            str(children),
            "--min-spare",
            str(children),
            "--max-spare",
            str(children),
            "--local",
            "--nouser-config",
            "-i",
            "127.0.0.1",
            "-p",
            str(port),
            "--allowed-ips",
            "127.0.0.1",
            "--username",
            "nobody",
            "--syslog",
            "stderr",
        ],
        log=log,
    )
    server = RunningServer("spamd", f"127.0.0.1:{port}", process, log)

    def probe() -> bool:
        checked = subprocess.run(
            [SPAMC, "-d", "127.0.0.1", "-p", str(port), "-K"],
            capture_output=True,
            timeout=10,
            check=False,
        )
        return checked.returncode == 0

    _wait_until(server, probe, started, limit=120)
    return server


def stop(server: RunningServer) -> None:
    """SIGTERM to the server's process group (master and workers), then SIGKILL if needed."""
    if server.process.poll() is not None:
        return
    os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)


def worker_rss_mb(server: RunningServer) -> list[float]:
    """Resident memory of each direct child (gunicorn worker) of the server's master, in MB."""
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    sizes = []
    for child in children:
        for line in Path(f"/proc/{child}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def server_cpu_seconds(server: RunningServer) -> float:
    """CPU time (user and system) the server's master and workers have used so far.

    The difference over a run, divided by its requests, is what a request costs the server
    whatever else the machine is doing: on a shared machine requests/s move with the other
    load, CPU per request much less.
    """
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    ticks = 0
    for process in (str(pid), *children):
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a worker that just exited
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")

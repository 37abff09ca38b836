"""Drive a server with ``wrk`` (closed loop, fixed time) and SpamAssassin with ``spamc``."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import threading
import time
from pathlib import Path

__all__ = ["collect_challenge_tokens", "run_spamc", "run_wrk"]

# Full paths: the benchmark must run the tools it names, not whatever PATH offers first.
SPAMC = shutil.which("spamc") or "/usr/bin/spamc"
WRK = shutil.which("wrk") or "/usr/bin/wrk"
DRIVER = Path(__file__).with_name("wrk") / "driver.lua"


def _wrk_threads(concurrency: int) -> int:
    # Two load threads on this 2-core machine; wrk needs at least one connection per thread.
    return min(2, concurrency)


def run_wrk(
    url: str,
    method: str,
    path: str,
    concurrency: int,
    seconds: float,
    bodies: Path | None = None,
    once: bool = False,
    headers: dict[str, str] | None = None,
    tokens_out: Path | None = None,
    delay_ms: float = 0.0,
) -> dict[str, float]:
    """One fixed-time wrk run; requests/s, p50/p99 in ms and the error counts.

    ``delay_ms`` makes each connection wait that long before each request (a fixed rate of
    about ``concurrency / delay`` requests per second while answers are quick)."""
    threads = _wrk_threads(concurrency)
    command = [
        WRK,
        "-t",
        str(threads),
        "-c",
        str(concurrency),
        "-d",
        f"{seconds:g}s",
        "--timeout",
        "10s",
        "-s",
        str(DRIVER),
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    command += [
        url,
        "--",
        method,
        path,
        str(bodies or "-"),
        "1" if once else "0",
        str(tokens_out or "-"),
        str(threads),
        f"{delay_ms:g}",
    ]
    env = {**os.environ, "BENCH_COLLECT_TOKENS": "1" if tokens_out else "0"}
    finished = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=seconds + 60, check=True
    )
    line = next(x for x in finished.stdout.splitlines() if x.startswith("BENCH_JSON "))
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    socket_errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    return {
        "requests": raw["requests"],
        "requests_per_s": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "non_2xx": raw["status"],
        "socket_errors": socket_errors,
        "errors": raw["status"] + socket_errors,
        "tokens_exhausted": raw["exhausted"],
    }


def collect_challenge_tokens(url: str, seconds: float, out: Path) -> list[str]:
    """Fresh single-use challenge tokens, fetched with wrk for ``seconds``."""
    run_wrk(url, "GET", "/api/v1/challenge?lang=de", 16, seconds, tokens_out=out)
    tokens: list[str] = []
    for part in sorted(out.parent.glob(out.name + ".*")):
        tokens += part.read_text().split()
        part.unlink()
    return tokens


def run_spamc(port: int, messages: list[bytes], concurrency: int, seconds: float) -> dict:
    """``concurrency`` loops each piping one message at a time through ``spamc`` until the
    time is up; messages/s, p50/p99 in ms and errors (spamc exit codes other than 0 and 1)."""
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def loop(offset: int) -> None:
        index = offset
        while time.monotonic() < deadline:
            message = messages[index % len(messages)]
            index += concurrency
            started = time.monotonic()
            checked = subprocess.run(
                [SPAMC, "-d", "127.0.0.1", "-p", str(port), "-c"],
                input=message,
                capture_output=True,
                timeout=120,
                check=False,
            )
            elapsed = time.monotonic() - started
            with lock:
                if checked.returncode in (0, 1):
                    latencies.append(elapsed)
                else:
                    errors[0] += 1

    started = time.monotonic()
    workers = [threading.Thread(target=loop, args=(i,)) for i in range(concurrency)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    latencies.sort()

    def percentile(q: float) -> float:
        return (
            latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
            if latencies
            else float("nan")
        )

    return {
        "requests": len(latencies),
        "requests_per_s": len(latencies) / elapsed,
        "p50_ms": percentile(0.5),
        "p99_ms": percentile(0.99),
        "max_ms": latencies[-1] * 1000 if latencies else float("nan"),
        "errors": errors[0],
        "mean_ms": statistics.fmean(latencies) * 1000 if latencies else float("nan"),
    }

"""The soak test of ``bench/http.py --soak SECONDS``: a steady half load, watching memory.

``POST /api/v1/score`` at half the highest rate spamschutz reached in the run's measurements,
for ``SECONDS``, in one-minute rounds; after each round the workers' resident memory is read.
It passes when nothing failed and every worker's RSS stays within 10 % of its value after the
first minute (the first minute fills caches, pools and the allocator's arenas; growth after
it would be a leak). Only the scoring endpoint: the comment endpoint needs a fresh challenge
token per request, fetched beforehand, which a long soak would need by the hundred thousand.
"""

from __future__ import annotations

from pathlib import Path

from bench.http_load import run_wrk
from bench.http_servers import RunningServer, worker_rss_mb

__all__ = ["ROUND_SECONDS", "RSS_TOLERANCE", "SOAK_CONNECTIONS", "run_soak", "soak_rate"]

ROUND_SECONDS = 60.0
RSS_TOLERANCE = 0.10
SOAK_CONNECTIONS = 16


def soak_rate(rows: list[dict]) -> float:
    """Half the highest requests/s spamschutz's scoring endpoint reached in ``rows``."""
    rates = [
        row["requests_per_s"]
        for row in rows
        if row["server"] == "spamschutz" and row["endpoint"] == "score"
    ]
    if not rates:
        raise ValueError("no scoring measurement to take the soak rate from")
    return max(rates) / 2


def run_soak(
    server: RunningServer,
    seconds: float,
    rate: float,
    bodies: Path,
    headers: dict[str, str],
    round_seconds: float = ROUND_SECONDS,
) -> dict:
    """Score at ``rate`` requests/s for ``seconds``; the rounds, the RSS and the verdict.

    A soak shorter than four rounds (a test of the harness) uses rounds of a quarter of it.
    """
    round_seconds = min(round_seconds, seconds / 4)
    # Each connection waits between its requests; answers take a few ms at half load, so
    # the rate comes out slightly below the aim, never above it.
    delay_ms = 1000 * SOAK_CONNECTIONS / rate
    rounds, remaining = [], seconds
    while remaining > 0:
        length = min(round_seconds, remaining)
        row = run_wrk(
            server.url, "POST", "/api/v1/score", SOAK_CONNECTIONS, length, bodies,
            headers=headers, delay_ms=delay_ms,
        )
        row["worker_rss_mb"] = worker_rss_mb(server)
        rounds.append(row)
        remaining -= length
    baseline = rounds[0]["worker_rss_mb"]
    growth = [
        max(rss / start - 1 for rss, start in zip(row["worker_rss_mb"], baseline, strict=False))
        for row in rounds
    ]
    errors = sum(row["errors"] for row in rounds)
    return {
        "seconds": seconds,
        "round_seconds": round_seconds,
        "target_requests_per_s": rate,
        "requests": sum(row["requests"] for row in rounds),
        "requests_per_s": sum(row["requests"] for row in rounds) / seconds,
        "errors": errors,
        "rss_after_first_round_mb": baseline,
        "rss_at_end_mb": rounds[-1]["worker_rss_mb"],
        "largest_rss_growth": max(growth),
        "passed": errors == 0 and max(growth) <= RSS_TOLERANCE,
        "rounds": rounds,
    }

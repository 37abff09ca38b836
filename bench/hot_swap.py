"""Request latency while running instances swap models: before, and during promote and rollback.

Two models trained on the YouTube Spam Collection (all five videos, and four of them with a
stricter spam threshold, so scores and versions differ) sit in one model directory; two
``spamschutz serve`` instances (one worker each) share one database. Client threads post to
``/api/v1/score`` and ``/api/v1/comments`` of both instances without pause while the CLI
promotes the second model and then rolls back. Every request is timed; an instance counts as
switched from its first score answer with the new version on.

    .venv/bin/python -m bench.hot_swap [--datasets ../shared/datasets] [--out bench/results]

Writes ``hot_swap.md`` and ``hot_swap.json``. Latencies are wall clock on whatever machine runs
it, with the clients on the same machine; compare the rows with each other, not across machines.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

from bench.http import accepted_texts, benchmark_texts
from bench.http_servers import (
    VENV_BIN,
    RunningServer,
    _spawn,
    listening_url,
    serve_command,
    spamschutz_env,
    stop,
)

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Sample:
    """One answered (or failed) request."""

    started: float
    seconds: float
    status: int  # 0 when no answer came
    endpoint: str
    instance: int
    model_version: str | None

    @property
    def ok(self) -> bool:
        """Answered as a reader or site expects: 200 for a score, 202 for a comment."""
        return self.status == (200 if self.endpoint == "score" else 202)


def train_two_models(datasets: Path, model_dir: Path):
    """Two stored models with different scores: all videos, and four with a stricter cut."""
    from spamschutz.model import ModelStore
    from spamschutz.training import read_many, train_model

    files = sorted((datasets / "youtube-spam-collection").glob("Youtube0*.csv"))
    store = ModelStore(model_dir)
    first = store.save(train_model(read_many(files)))
    second = store.save(train_model(read_many(files[1:]), target_ham_blocked=0.001))
    return first, second


def prepare_database(env: dict[str, str], first, second) -> str:
    """Migrate, catalogue both models (the first active) and return a site token."""
    from spamschutz.service.auth import hash_token, new_token
    from spamschutz.service.storage import Stores, create_engine_for

    subprocess.run(
        [str(VENV_BIN / "spamschutz"), "db", "upgrade"], env=env, check=True, capture_output=True
    )
    engine = create_engine_for(env["SPAMSCHUTZ_DATABASE_URL"])
    stores = Stores.open(engine)
    for stored in (first, second):
        stores.models.record_model(stored.version, stored.sha256, str(stored.path), stored.metadata)
    stores.models.activate_model(first.version)
    token = new_token()
    stores.accounts.add_api_token("hot-swap-bench", hash_token(token), "site")
    engine.dispose()
    return token


def start_instance(env: dict[str, str], data_dir: Path) -> RunningServer:
    """``spamschutz serve`` with one worker; returns once ``/readyz`` answers 200."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "serve.log"
    instance_env = {**env, "SPAMSCHUTZ_DATA_DIR": str(data_dir)}
    process = _spawn(serve_command(1), env=instance_env, log=log)
    server = RunningServer("spamschutz", listening_url(process, log), process, log, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{server.url}/readyz", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    stop(server)
    raise RuntimeError(f"instance did not become ready: {log.read_text()[-2000:]}")


def keep_posting(
    urls: list[str],
    token: str,
    texts: list[str],
    index: int,
    halt: threading.Event,
    samples: list[Sample],
) -> None:
    """Alternate score and comment requests over all instances until ``halt`` is set."""
    clients = [httpx.Client(base_url=url, timeout=30) for url in urls]
    auth = {"Authorization": f"Bearer {token}"}
    step = index
    while not halt.is_set():
        instance, text = step % len(urls), texts[step % len(texts)]
        endpoint = "score" if (step // len(urls)) % 2 == 0 else "comments"
        started = time.monotonic()
        version, status = None, 0
        try:
            if endpoint == "score":
                answer = clients[instance].post("/api/v1/score", json={"text": text}, headers=auth)
                version = answer.json().get("model_version") if answer.is_success else None
            else:
                body = {"thread_id": "hot-swap", "author": "Leserin", "text": text}
                answer = clients[instance].post("/api/v1/comments", json=body)
            status = answer.status_code
        except httpx.HTTPError:
            pass
        samples.append(
            Sample(started, time.monotonic() - started, status, endpoint, instance, version)
        )
        step += 1
    for client in clients:
        client.close()


def switched_at(samples: list[Sample], instance: int, version: str, after: float) -> float | None:
    """When ``instance`` answered with ``version`` from then on (``None``: it never did)."""
    answers = sorted(
        (s.started, s.model_version)
        for s in samples
        if s.instance == instance and s.model_version and s.started >= after
    )
    moment = None
    for started, seen in answers:
        if seen == version and moment is None:
            moment = started
        elif seen != version:
            moment = None
    return moment


def latency_row(name: str, chosen: list[Sample]) -> dict[str, object]:
    """Count, failures and latency percentiles in milliseconds."""
    seconds = np.asarray([s.seconds for s in chosen if s.ok]) * 1000
    figures = {"window": name, "requests": len(chosen), "failed": sum(not s.ok for s in chosen)}
    if seconds.size:
        figures.update(
            p50_ms=round(float(np.percentile(seconds, 50)), 1),
            p99_ms=round(float(np.percentile(seconds, 99)), 1),
            max_ms=round(float(seconds.max()), 1),
        )
    return figures


def swap(
    env: dict[str, str],
    args: list[str],
    servers: int,
    version: str,
    samples: list[Sample],
    limit: float = 30.0,
) -> dict[str, object]:
    """Run a ``spamschutz models`` command and wait until every instance serves ``version``."""
    started = time.monotonic()
    subprocess.run(
        [str(VENV_BIN / "spamschutz"), "models", *args], env=env, check=True, capture_output=True
    )
    activated = time.monotonic()
    moments: list[float | None] = [None] * servers
    while time.monotonic() - activated < limit and None in moments:
        time.sleep(0.2)
        moments = [switched_at(samples, i, version, activated) for i in range(servers)]
    if None in moments:
        raise RuntimeError(f"an instance did not switch to {version} within {limit:.0f} s")
    return {
        "started": started,
        "activated": activated,
        "switch_seconds": [round(m - activated, 2) for m in moments],  # type: ignore[operator]
        "ended": max(moments) + 1.0,
    }  # type: ignore[type-var]


def run(args: argparse.Namespace, work: Path) -> dict[str, object]:
    """Prepare, start, load, promote, roll back; the figures of each window."""
    first, second = train_two_models(args.datasets, work / "models")
    env = spamschutz_env(work, None, threads=4)
    env.update(
        SPAMSCHUTZ_DATABASE_URL=args.database_url or f"sqlite:///{work / 'shared.db'}",
        SPAMSCHUTZ_MODEL_DIR=str(work / "models"),
        SPAMSCHUTZ_CHALLENGE_MODE="never",
        SPAMSCHUTZ_MODEL_REFRESH_SECONDS=str(args.refresh),
        SPAMSCHUTZ_AUTO_MIGRATE="never",
    )
    token = prepare_database(env, first, second)
    servers = [start_instance(env, work / f"instance-{i}") for i in range(2)]
    texts = accepted_texts(servers[0].url, token, benchmark_texts(args.datasets, limit=600))
    samples: list[Sample] = []
    halt = threading.Event()
    threads = [
        threading.Thread(
            target=keep_posting, args=([s.url for s in servers], token, texts, i, halt, samples)
        )
        for i in range(args.clients)
    ]
    try:
        for thread in threads:
            thread.start()
        time.sleep(args.warmup)
        steady_from = time.monotonic()
        time.sleep(args.steady)
        promote = swap(
            env,
            ["promote", second.version, "--force", "--reason", "benchmark"],
            len(servers),
            second.version,
            samples,
        )
        time.sleep(max(0.0, promote["ended"] - time.monotonic()) + 3)  # type: ignore[operator]
        rollback = swap(env, ["rollback"], len(servers), first.version, samples)
        time.sleep(max(0.0, rollback["ended"] - time.monotonic()) + 1)  # type: ignore[operator]
    finally:
        halt.set()
        for thread in threads:
            thread.join()
        for server in servers:
            stop(server)

    def between(start: float, end: float) -> list[Sample]:
        return [s for s in samples if start <= s.started < end]

    windows = [("before (steady)", between(steady_from, promote["started"]))]
    for name, event in (("promote", promote), ("rollback", rollback)):
        # The CLI is a Python process of its own that loads both models for the gate: on a
        # small machine it competes with the servers for CPU, so its window is shown apart.
        windows += [
            (f"{name}: CLI command running", between(event["started"], event["activated"])),
            (f"{name}: instances swapping", between(event["activated"], event["ended"])),
        ]
    return {
        "rows": [latency_row(name, chosen) for name, chosen in windows],
        "failed_total": sum(not s.ok for s in samples),
        "failed_statuses": sorted({f"{s.endpoint} {s.status}" for s in samples if not s.ok}),
        "requests_total": len(samples),
        "switch_seconds": {
            "promote": promote["switch_seconds"],
            "rollback": rollback["switch_seconds"],
        },
        "settings": {
            "instances": 2,
            "workers": 1,
            "threads": 4,
            "clients": args.clients,
            "refresh_seconds": args.refresh,
            "database": "PostgreSQL" if args.database_url else "SQLite (shared file)",
        },
        "machine": f"Python {platform.python_version()}, {platform.machine()}",
    }


def markdown(result: dict[str, object]) -> str:
    """The result as the table bench/README.md quotes."""
    settings = result["settings"]
    lines = [
        "Command: `python -m bench.hot_swap`. "
        f"{settings['instances']} instances × {settings['workers']} worker × "  # type: ignore[index]
        f"{settings['threads']} threads, {settings['database']}, "  # type: ignore[index]
        f"{settings['clients']} client threads without pause, "  # type: ignore[index]
        f"refresh every {settings['refresh_seconds']} s; {result['machine']}.",
        "",
        "| window | requests | failed | p50 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|",
    ]
    for row in result["rows"]:  # type: ignore[attr-defined]
        lines.append(
            f"| {row['window']} | {row['requests']} | {row['failed']} | "
            f"{row.get('p50_ms', '–')} | {row.get('p99_ms', '–')} | "
            f"{row.get('max_ms', '–')} |"
        )
    switches = result["switch_seconds"]
    lines += [
        "",
        f"Seconds from activation until each instance served the new model: promote "
        f"{switches['promote']}, rollback {switches['rollback']}. "  # type: ignore[index]
        f"Failed requests in the whole run: {result['failed_total']} of "
        f"{result['requests_total']}.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Parse options, run once, write ``hot_swap.md`` and ``hot_swap.json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=REPO_ROOT.parent / "shared" / "datasets")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "bench" / "results")
    parser.add_argument("--database-url", default=None, help="default: a shared SQLite file")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--refresh", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--steady", type=float, default=15.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hot-swap-") as work:
        result = run(args, Path(work))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "hot_swap.json").write_text(json.dumps(result, indent=2) + "\n")
    text = markdown(result)
    (args.out / "hot_swap.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()

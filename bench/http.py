"""HTTP under load: spamschutz beside a bare Flask app and SpamAssassin's spamd, in one run.

    .venv/bin/python -m bench.http [--seconds 10] [--runs 3] [--concurrency 8 32 128]
                                   [--database-url URL] [--no-spamd] [--soak SECONDS]
                                   [--out bench/results]

Starts ``spamschutz serve`` (production settings, a temporary data directory, SQLite unless
``--database-url``) and ``bench/bare_app.py`` under gunicorn with the same worker class,
workers and threads, drives both with ``wrk`` (Debian package ``wrk``) at each concurrency for
a fixed time, runs after runs interleaved so drift hits both alike, and reports medians, the
spread (min-max) and ratios to bare Flask. Then ``spamd`` scores the same texts through
``spamc`` with as many child processes as spamschutz has workers. All servers listen on
127.0.0.1 and are stopped at the end. With ``--soak SECONDS`` spamschutz is then held at half
its measured maximum scoring rate that long (see ``bench/http_soak.py``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from bench.http_load import collect_challenge_tokens, run_spamc, run_wrk
from bench.http_report import write_results
from bench.http_servers import (
    ANSWER,
    VENV_BIN,
    RunningServer,
    server_cpu_seconds,
    spamschutz_env,
    start_bare_flask,
    start_spamd,
    start_spamschutz,
    stop,
    worker_rss_mb,
)
from bench.http_soak import run_soak, soak_rate
from spamschutz.training import read_many
from spamschutz.training.starter import starter_comments

ENDPOINTS = ("score", "comments", "challenge")


def benchmark_texts(datasets: Path, limit: int = 2000) -> list[str]:
    """Comment texts from the YouTube Spam Collection (else the starter corpus) that the
    API accepts: not empty, at most 2,000 characters, no word longer than 200."""
    files = sorted((datasets / "youtube-spam-collection").glob("*.csv"))
    comments = read_many(files) if files else starter_comments()
    texts = [c.text.strip() for c in comments]
    texts = [t for t in texts if t and len(t) <= 2000 and max(map(len, t.split())) <= 200]
    return texts[:limit]


def accepted_texts(url: str, token: str, texts: list[str]) -> list[str]:
    """The texts ``POST /api/v1/score`` accepts (some corpus comments hold control or
    bidirectional characters the API refuses with 400): every request must be valid work."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        return [
            t for t in texts if client.post("/api/v1/score", json={"text": t}).status_code == 200
        ]


def warm_up(url: str, token: str, texts: list[str], work: Path) -> list[int]:
    """Score under load until every worker has its model loaded (a worker answers 503
    ``model_unavailable`` until then); the refusals of each 1-second round, at most 20."""
    bodies = _write_lines(work / "warm-up.jsonl", [{"text": t} for t in texts[:200]])
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    refused = []
    for _ in range(20):
        refused.append(
            int(run_wrk(url, "POST", "/api/v1/score", 16, 1, bodies, headers=headers)["non_2xx"])
        )
        if refused[-1] == 0:
            break
    return refused


def _write_lines(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    return path


def comment_body(text_: str, token: str) -> dict[str, str]:
    """A reader's submission answering the harness's known question."""
    return {
        "thread_id": "bench-thread",
        "author": "Leserin",
        "text": text_,
        "lang": "de",
        "challenge_token": token,
        "challenge_answer": ANSWER,
    }


def count_comments(database_url: str) -> int:
    """Rows in the comments table."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM comments")).scalar_one())
    finally:
        engine.dispose()


def _settle_rows(database_url: str, before: int, accepted: int, wait: float = 15.0) -> int:
    """New rows after a run, waiting a little for spooled comments to be replayed."""
    deadline = time.monotonic() + wait
    while True:
        rows = count_comments(database_url) - before
        if rows >= accepted or time.monotonic() > deadline:
            return rows
        time.sleep(0.5)


def wait_for_campaign_detection(database_url: str, wait: float = 120.0) -> float:
    """Wait until the campaign detection has linked every stored comment (it links them
    behind the requests, in batches; see service/campaigns/detector.py); the seconds it
    took."""
    started = time.monotonic()
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            while time.monotonic() - started < wait:
                try:
                    waiting = connection.execute(
                        text("SELECT EXISTS (SELECT 1 FROM campaign_backlog)")).scalar_one()
                except Exception:  # a schema without the queue: nothing is deferred
                    waiting = False
                connection.rollback()  # a new snapshot for the next look
                if not waiting:
                    break
                time.sleep(0.02)
    finally:
        engine.dispose()
    return time.monotonic() - started


def _caught_up(database_url: str, row: dict) -> None:
    """Add to a comments run's ``row`` how long the detection took to catch up after it
    (``detection_lag_s``) and the comments per second counted until then
    (``requests_per_s_caught_up``): the rate the service sustains with its detection."""
    lag = wait_for_campaign_detection(database_url)
    seconds = row["requests"] / row["requests_per_s"] if row["requests_per_s"] else 0.0
    row["detection_lag_s"] = round(lag, 3)
    row["requests_per_s_caught_up"] = row["requests"] / (seconds + lag) if seconds else 0.0


def spamassassin_message(text_: str) -> bytes:
    """A comment as the minimal mail a site would hand to spamc."""
    message = EmailMessage()
    message["From"] = "Leserin <leserin@example.org>"
    message["To"] = "kommentare@example.org"
    message["Subject"] = "Kommentar"
    message.set_content(text_)
    return bytes(message)


def measure_http(args, work: Path, texts: list[str], results: dict) -> None:
    """spamschutz and bare Flask, all endpoints and concurrencies, ``args.runs`` times."""
    data_dir = work / "data"
    data_dir.mkdir()
    if args.database_url:
        # A shared PostgreSQL is upgraded by one explicit command, never by a starting
        # instance (see spamschutz serve); SQLite is upgraded by the first start below.
        subprocess.run(
            [str(VENV_BIN / "spamschutz"), "db", "upgrade"],
            env=spamschutz_env(data_dir, args.database_url, args.threads),
            capture_output=True,
            check=True,
            timeout=300,
        )
    cold = start_spamschutz(data_dir, args.workers, args.threads, args.database_url, None)
    results["memory"]["seconds_to_ready_first_start"] = cold.seconds_to_ready
    token = (
        subprocess.run(
            [str(VENV_BIN / "spamschutz"), "tokens", "create", "bench", "--role", "site"],
            env=cold.env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    stop(cold)
    database_url = args.database_url or f"sqlite:///{data_dir.resolve() / 'spamschutz.db'}"

    servers = {"spamschutz": None, "bare": None}
    try:
        servers["spamschutz"] = start_spamschutz(
            data_dir, args.workers, args.threads, args.database_url, token
        )
        memory = results["memory"]
        memory["seconds_to_first_score"] = servers["spamschutz"].seconds_to_ready
        memory["worker_rss_mb_after_start"] = worker_rss_mb(servers["spamschutz"])
        memory["refused_while_warming_up"] = warm_up(servers["spamschutz"].url, token, texts, work)
        texts[:] = accepted_texts(servers["spamschutz"].url, token, texts)
        results["settings"]["texts"] = len(texts)
        servers["bare"] = start_bare_flask(work, args.workers, args.threads)
        memory["bare_worker_rss_mb"] = worker_rss_mb(servers["bare"])
        score_bodies = _write_lines(work / "score.jsonl", [{"text": t} for t in texts])
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        for run in range(args.runs):
            for endpoint in ENDPOINTS:
                for concurrency in args.concurrency:
                    for name, server in servers.items():
                        row = _one_case(
                            args,
                            work,
                            texts,
                            server,
                            name,
                            endpoint,
                            concurrency,
                            score_bodies,
                            auth,
                            database_url,
                        )
                        row.update(run=run, server=name, endpoint=endpoint, concurrency=concurrency)
                        results["http"].append(row)
                        print(json.dumps(row), flush=True)
        memory["worker_rss_mb_after_load"] = worker_rss_mb(servers["spamschutz"])
        if args.soak:
            stop(servers.pop("bare"))
            results["soak"] = run_soak(
                servers["spamschutz"], args.soak, soak_rate(results["http"]), score_bodies, auth
            )
            print(json.dumps({k: v for k, v in results["soak"].items() if k != "rounds"}))
    finally:
        for server in servers.values():
            if server is not None:
                stop(server)


def _measured(server: RunningServer, *wrk_args, settle=None, **wrk_options) -> dict:
    """One wrk run, with the server's CPU time per request (see ``server_cpu_seconds``);
    ``settle(row)``, if given, runs before the CPU time is read (work the run left behind)."""
    cpu_before = server_cpu_seconds(server)
    row = run_wrk(server.url, *wrk_args, **wrk_options)
    if settle is not None:
        settle(row)
    cpu = server_cpu_seconds(server) - cpu_before
    row["cpu_ms_per_request"] = 1000 * cpu / row["requests"] if row["requests"] else float("nan")
    return row


def _one_case(
    args, work, texts, server, name, endpoint, concurrency, score_bodies, auth, database_url
) -> dict:
    if endpoint == "score":
        return _measured(
            server, "POST", "/api/v1/score", concurrency, args.seconds, score_bodies, headers=auth
        )
    if endpoint == "challenge":
        return _measured(server, "GET", "/api/v1/challenge?lang=de", concurrency, args.seconds)
    json_header = {"Content-Type": "application/json"}
    if name == "bare":
        bodies = _write_lines(
            work / "bare-comments.jsonl", [comment_body(t, "bare") for t in texts]
        )
        return _measured(
            server, "POST", "/api/v1/comments", concurrency, args.seconds, bodies,
            headers=json_header,
        )
    # Single-use tokens: fetched beforehand, each sent once. Issuing is cheaper than the
    # whole comment path, so fetching for as long as the run lasts gives more than enough.
    tokens = collect_challenge_tokens(server.url, args.seconds, work / "tokens")
    bodies = _write_lines(
        work / "comments.jsonl",
        [comment_body(texts[i % len(texts)], t) for i, t in enumerate(tokens)],
    )
    before = count_comments(database_url)
    row = _measured(
        server,
        "POST",
        "/api/v1/comments",
        concurrency,
        args.seconds,
        bodies,
        once=True,
        headers=json_header,
        settle=lambda row: _caught_up(database_url, row),
    )
    accepted = row["requests"] - row["non_2xx"]
    rows = _settle_rows(database_url, before, accepted)
    row.update(
        tokens_prepared=len(tokens),
        accepted=accepted,
        rows_written=rows,
        lost_comments=max(0, accepted - rows),
    )
    return row


def measure_spamd(args, work: Path, texts: list[str], results: dict) -> None:
    """spamd with as many children as spamschutz has workers, through spamc."""
    messages = [spamassassin_message(t) for t in texts]
    spamd = start_spamd(work, args.workers)
    try:
        port = int(spamd.url.rsplit(":", 1)[1])
        for run in range(args.runs):
            for concurrency in args.concurrency:
                row = run_spamc(port, messages, concurrency, args.seconds)
                row.update(run=run, server="spamd", endpoint="spamc", concurrency=concurrency)
                results["http"].append(row)
                print(json.dumps(row), flush=True)
    finally:
        stop(spamd)


def main(argv: list[str] | None = None) -> None:
    """Parse the options, run every measurement, write bench/results/http.{md,json,png}."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32, 128])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--no-spamd", action="store_true")
    parser.add_argument(
        "--soak",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="then score at half the measured maximum rate this long, watching memory",
    )
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    args = parser.parse_args(argv)
    texts = benchmark_texts(args.datasets)
    results: dict = {
        "http": [],
        "memory": {},
        "settings": {
            k: (str(v) if isinstance(v, Path) else v)
            for k, v in vars(args).items()
            if k != "database_url"
        },
    }
    results["settings"]["database"] = "postgresql" if args.database_url else "sqlite"
    results["settings"]["texts"] = len(texts)
    with tempfile.TemporaryDirectory(prefix="bench-http-") as folder:
        work = Path(folder)
        measure_http(args, work, texts, results)
        if not args.no_spamd:
            measure_spamd(args, work, texts, results)
    write_results(results, args.out)


if __name__ == "__main__":
    main()

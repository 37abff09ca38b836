"""Campaigns: how many campaign comments still need a click, and whether readers are swept.

    .venv/bin/python -m bench.campaigns [--datasets ../shared/datasets] [--database-url URL]
                                        [--window 100000] [--samples 1000] [--batch 25]
                                        [--throughput-seconds 10] [--throughput-runs 5]
                                        [--skip-throughput] [--out bench/results]

1. The stream (``bench/campaign_stream.py``): the YouTube ham and the German reader comments,
   each from its own address, with six campaigns woven in (a spun template, one link across
   articles, one phone number with varying text, a slow one over the whole stream, one in
   English, one with the link in the author field and short texts), posted one by one through
   ``POST /api/v1/comments`` to a real ``spamschutz serve`` (production settings, challenge
   mode ``never``, SQLite unless ``--database-url``). A scripted moderator marks the first
   member of each campaign spam through the moderation API as soon as it arrives.
2. The detection's cost per comment with ``--window`` comments in the window
   (``bench/campaign_cost.py``).
3. ``bench.http``'s comments throughput with the detection off and on (the same code,
   ``SPAMSCHUTZ_CAMPAIGN_DETECTION``), in turns, ``--throughput-runs`` runs of each; "on"
   counts the comments until the detector, which links them behind the requests, has
   linked the last one. The drop is given between the medians and as the median of each
   run's pair (its "off" and "on" back to back).

Writes bench/results/campaigns.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import select

from bench.campaign_cost import add_cost_arguments, measure_detection_cost
from bench.campaign_stream import CAMPAIGNS, build_stream, honest_comments
from bench.http import wait_for_campaign_detection
from bench.http_servers import VENV_BIN, spamschutz_env, start_spamschutz, stop
from spamschutz.service.storage import create_engine_for
from spamschutz.service.storage.schema import campaign_members, campaigns, comments, decisions

__all__ = ["main"]

GOALS = {"clicks": 0.05, "honest_swept": 0, "median_ms": 1.0, "throughput_drop": 0.10}


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(VENV_BIN / "spamschutz"), *args], env=env, capture_output=True,
                          text=True, check=True, timeout=300)
    return done.stdout.strip().splitlines()[-1]


def run_stream(datasets: Path, work: Path, database_url: str | None) -> dict[str, object]:
    """Post the stream to a real server with a scripted moderator; what became of it."""
    stream = build_stream(datasets)
    data_dir = work / "stream"
    data_dir.mkdir()
    # Every comment from its own address: the harness is the readers' proxy.
    os.environ.update(SPAMSCHUTZ_CHALLENGE_MODE="never", SPAMSCHUTZ_TRUSTED_PROXIES="1")
    if database_url:
        subprocess.run([str(VENV_BIN / "spamschutz"), "db", "upgrade"],
                       env=spamschutz_env(data_dir, database_url, 4), check=True,
                       capture_output=True, timeout=300)
    server = start_spamschutz(data_dir, 2, 4, database_url, None)
    origin: dict[str, str] = {}
    clicks: Counter[str] = Counter()
    refused = 0
    started = time.monotonic()
    try:
        token = _cli(server.env, "tokens", "create", "moderator-script", "--role", "moderator")
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.url, timeout=60) as client:
            for comment in stream:
                response = client.post("/api/v1/comments", json={
                    "thread_id": comment.thread_id, "author": comment.author,
                    "text": comment.text, "lang": comment.lang,
                    **({"url": comment.url} if comment.url else {}),
                }, headers={"X-Forwarded-For": comment.address})
                if response.status_code != 202:
                    refused += 1
                    continue
                public_id = response.json()["id"]
                origin[public_id] = comment.origin
                if comment.origin != "honest" and not clicks[comment.origin]:
                    decided = client.post(f"/api/v1/moderation/comments/{public_id}/decision",
                                          json={"action": "spam"}, headers=auth)
                    decided.raise_for_status()
                    clicks[comment.origin] += 1
        seconds = time.monotonic() - started
        url = database_url or f"sqlite:///{(data_dir / 'spamschutz.db').resolve()}"
        # The detector links comments a moment after they are stored; the stream's last
        # ones are judged once it has caught up, as a moderator would find them.
        lag = wait_for_campaign_detection(url)
    finally:
        stop(server)
    return _outcome(url, origin, clicks) | {"posted": len(origin), "refused": refused,
                                             "seconds": round(seconds, 1),
                                             "detection_lag_s": round(lag, 2)}


def _outcome(url: str, origin: dict[str, str], clicks: Counter[str]) -> dict[str, object]:
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            status = dict(connection.execute(
                select(comments.c.public_id, comments.c.status)).all())
            spam_decided = {public_id for (public_id,) in connection.execute(
                select(comments.c.public_id).join(decisions, decisions.c.comment_id
                                                  == comments.c.id)
                .where(decisions.c.action == "spam"))}
            in_campaign = {public_id for (public_id,) in connection.execute(
                select(comments.c.public_id)
                .join(campaign_members, campaign_members.c.comment_id == comments.c.id)
                .join(campaigns, campaigns.c.id == campaign_members.c.campaign_id)
                .where(campaigns.c.status != "forming"))}
    finally:
        engine.dispose()
    rows = []
    per: dict[str, list[str]] = defaultdict(list)
    for public_id, name in origin.items():
        per[name].append(public_id)
    for plan in CAMPAIGNS:
        ids = per[plan.name]
        swept = sum(i in spam_decided for i in ids) - clicks[plan.name]
        rows.append({
            "campaign": plan.name, "comments": len(ids),
            "recognised": sum(i in in_campaign for i in ids),
            "moderator_clicks": clicks[plan.name], "swept": swept,
            "spam_by_model": sum(status[i] == "spam" and i not in spam_decided for i in ids),
            "still_pending": sum(status[i] == "pending" for i in ids),
        })
    campaign_total = sum(row["comments"] for row in rows)
    needing = sum(row["moderator_clicks"] + row["still_pending"] for row in rows)
    honest = per["honest"]
    return {
        "campaigns": rows,
        "campaign_comments": campaign_total,
        "needing_a_click": needing,
        "share_needing_a_click": round(needing / campaign_total, 4),
        "honest_comments": len(honest),
        "honest_swept": sum(i in spam_decided for i in honest),
        "honest_in_a_campaign": sum(i in in_campaign for i in honest),
    }


def _comments_throughput(detection: bool, seconds: float, work: Path) -> dict:
    out = work / f"http-{'on' if detection else 'off'}"
    env = {**os.environ, "SPAMSCHUTZ_CAMPAIGN_DETECTION": "true" if detection else "false"}
    env.pop("SPAMSCHUTZ_CHALLENGE_MODE", None)
    env.pop("SPAMSCHUTZ_TRUSTED_PROXIES", None)
    subprocess.run([sys.executable, "-m", "bench.http", "--no-spamd", "--concurrency", "32",
                    "--runs", "1", "--seconds", str(seconds), "--out", str(out)],
                   env=env, check=True, capture_output=True, timeout=3600)
    rows = json.loads((out / "http.json").read_text())["http"]
    row = next(r for r in rows if r["endpoint"] == "comments" and r["server"] == "spamschutz")
    return {key: row[key] for key in ("requests_per_s", "cpu_ms_per_request", "p50_ms",
                                      "detection_lag_s", "requests_per_s_caught_up")}


def measure_throughput(seconds: float, runs: int, work: Path) -> dict[str, object]:
    """``bench.http``'s comments endpoint with the detection off and on, in turns (off, on,
    on, off, ...) so that the neighbours' load hits both alike; medians over the runs."""
    rows: dict[str, list[dict]] = {"off": [], "on": []}
    for run in range(runs):
        for detection in (False, True) if run % 2 == 0 else (True, False):
            run_dir = work / f"run-{run}-{'on' if detection else 'off'}"
            run_dir.mkdir()
            rows["on" if detection else "off"].append(
                _comments_throughput(detection, seconds, run_dir))
    off, on = ({key: statistics.median(row[key] for row in rows[name]) for key in rows[name][0]}
               for name in ("off", "on"))
    for name, summary in (("off", off), ("on", on)):
        summary["requests_per_s_runs"] = [row["requests_per_s"] for row in rows[name]]
    # "On" counts the comments per second until the detector had linked them all: what the
    # service sustains with its detection, not only how fast it answers. A run's "off" and
    # "on" ran back to back and met the same load from the machine's other work: the median
    # of the pairs' drops is steadier than the drop between the medians, which a few slow
    # neighbours move (runs here spread from 480 to 950 comments/s).
    pair_drops = [1 - with_detection["requests_per_s_caught_up"] / without["requests_per_s"]
                  for without, with_detection in zip(rows["off"], rows["on"], strict=True)]
    return {"off": off, "on": on,
            "drop": round(1 - on["requests_per_s_caught_up"] / off["requests_per_s"], 4),
            "pair_drops": [round(drop, 4) for drop in pair_drops],
            "pair_drop_median": round(statistics.median(pair_drops), 4),
            "cpu_increase": round(on["cpu_ms_per_request"] / off["cpu_ms_per_request"] - 1, 4)}


def _lower_or_higher(drop: float) -> str:
    return f"{drop:.1%} lower" if drop >= 0 else f"{-drop:.1%} higher"


def _markdown(results: dict) -> str:
    stream, cost = results["stream"], results["cost"]
    lines = [
        "# Campaigns", "",
        f"Generated {results['generated']} by `{results['command']}`.", "",
        f"Stream: {stream['honest_comments']} honest comments (YouTube ham, German reader "
        f"comments) and {stream['campaign_comments']} campaign comments posted through "
        f"`POST /api/v1/comments` in {stream['seconds']} s ({stream['refused']} refused by "
        "the API's limits; the detector had linked the last of them "
        f"{stream['detection_lag_s']} s later); a scripted moderator marks the first member of "
        "each campaign spam.",
        "",
        "| campaign | comments | recognised | moderator's clicks | swept | spam by the model "
        "alone | still pending |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *(f"| {r['campaign']} | {r['comments']} | {r['recognised']} | {r['moderator_clicks']} "
          f"| {r['swept']} | {r['spam_by_model']} | {r['still_pending']} |"
          for r in stream["campaigns"]),
        "",
        "| measure | result | goal |", "|---|---:|---:|",
        f"| campaign comments that needed a click (clicks + still pending) | "
        f"{stream['needing_a_click']} of {stream['campaign_comments']} = "
        f"{stream['share_needing_a_click']:.1%} | ≤ 5 % |",
        f"| honest comments swept | {stream['honest_swept']} of {stream['honest_comments']} "
        "| 0 |",
        f"| honest comments shown in a campaign (badge, never swept) | "
        f"{stream['honest_in_a_campaign']} | – |",
        f"| detection per comment, {cost['window']:,} comments in the window "
        f"({cost['backend']}), median: a batch's time / its {cost['batch']} comments | "
        f"{cost['median_ms']} ms (p90 {cost['p90_ms']} ms; a comment alone in its batch "
        f"{cost['alone_median_ms']} ms; fingerprint alone {cost['fingerprint_median_ms']} ms)"
        " | ≤ 1 ms |",
        f"| what the detection adds to the request (queueing the comment), median | "
        f"{cost['request_median_ms']} ms (storing a comment {cost['store_median_ms']} → "
        f"{cost['store_queued_median_ms']} ms) | – |",
    ]
    throughput = results.get("throughput")
    if throughput:
        lines.append(
            f"| `bench.http` comments/s at concurrency 32, detection off → on, median of "
            f"{len(throughput['off']['requests_per_s_runs'])} runs each, in turns | "
            f"{throughput['off']['requests_per_s']:.0f} → "
            f"{throughput['on']['requests_per_s_caught_up']:.0f} counted until the detector "
            f"had linked them all ({throughput['on']['requests_per_s']:.0f} answered, then "
            f"{throughput['on']['detection_lag_s']:.1f} s to catch up; "
            f"{_lower_or_higher(throughput['drop'])}; the median of each run's pair "
            f"{_lower_or_higher(throughput['pair_drop_median'])}; CPU per comment, the "
            "detector's included, "
            f"{throughput['off']['cpu_ms_per_request']:.2f} → "
            f"{throughput['on']['cpu_ms_per_request']:.2f} ms) | ≤ 10 % lower |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Run the stream, the cost and the throughput; write bench/results/campaigns.*."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_cost_arguments(parser)
    parser.add_argument("--throughput-seconds", type=float, default=10.0)
    parser.add_argument("--throughput-runs", type=int, default=5)
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    args = parser.parse_args(argv)
    results: dict[str, object] = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench.campaigns " + " ".join(argv or sys.argv[1:]),
    }
    with tempfile.TemporaryDirectory(prefix="bench-campaigns-") as name:
        work = Path(name)
        if not args.skip_throughput:
            print("bench.http comments, detection off and on ...", flush=True)
            results["throughput"] = measure_throughput(
                args.throughput_seconds, args.throughput_runs, work)
        print("stream through the real server ...", flush=True)
        results["stream"] = run_stream(args.datasets, work, args.database_url)
        print(f"detection cost with {args.window:,} comments in the window ...", flush=True)
        texts = [text for text, _group, _lang in honest_comments(args.datasets)]
        results["cost"] = measure_detection_cost(texts, work, args.database_url, args.window,
                                                 args.samples, args.batch)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "campaigns.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "campaigns.md").write_text(_markdown(results))
    print(_markdown(results))


if __name__ == "__main__":
    main()

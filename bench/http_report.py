"""Summarise ``bench/http.py`` runs: medians, spread, ratios; markdown, JSON and a plot."""

from __future__ import annotations

import json
import os
import platform
import statistics
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["summarise", "write_results"]

LABELS = {
    "score": "POST /api/v1/score",
    "comments": "POST /api/v1/comments",
    "challenge": "GET /api/v1/challenge",
    "spamc": "spamc → spamd (check)",
}


def _median_spread(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def summarise(rows: list[dict]) -> list[dict]:
    """One entry per server, endpoint and concurrency: medians over runs and min-max."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["endpoint"], row["concurrency"], row["server"]), []).append(row)
    summary = []
    for (endpoint, concurrency, server), runs in sorted(groups.items()):
        entry = {
            "endpoint": endpoint,
            "concurrency": concurrency,
            "server": server,
            "runs": len(runs),
            "errors": sum(r["errors"] for r in runs),
        }
        for key in ("requests_per_s", "p50_ms", "p99_ms", "cpu_ms_per_request"):
            values = [r[key] for r in runs if key in r]
            if values:
                entry[key], entry[key + "_min"], entry[key + "_max"] = _median_spread(values)
        if any("lost_comments" in r for r in runs):
            entry["accepted"] = sum(r.get("accepted", 0) for r in runs)
            entry["lost_comments"] = sum(r.get("lost_comments", 0) for r in runs)
            entry["rows_written"] = sum(r.get("rows_written", 0) for r in runs)
        summary.append(entry)
    by_key = {(e["endpoint"], e["concurrency"], e["server"]): e for e in summary}
    for entry in summary:
        bare = by_key.get((entry["endpoint"], entry["concurrency"], "bare"))
        spamd = by_key.get(("spamc", entry["concurrency"], "spamd"))
        if entry["server"] == "spamschutz" and bare:
            entry["ratio_to_bare"] = entry["requests_per_s"] / bare["requests_per_s"]
            if "cpu_ms_per_request" in entry and "cpu_ms_per_request" in bare:
                entry["cpu_ratio_to_bare"] = (
                    bare["cpu_ms_per_request"] / entry["cpu_ms_per_request"]
                )
        if entry["server"] == "spamschutz" and entry["endpoint"] == "score" and spamd:
            entry["ratio_to_spamd"] = entry["requests_per_s"] / spamd["requests_per_s"]
    return summary


def _table(summary: list[dict]) -> list[str]:
    lines = [
        "| endpoint | server | concurrency | requests/s (median, min-max) | p50 ms | "
        "p99 ms (median, min-max) | errors | vs bare Flask | server CPU ms/request | "
        "notes |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    order = {"score": 0, "comments": 1, "challenge": 2, "spamc": 3}
    for e in sorted(
        summary, key=lambda e: (order[e["endpoint"]], e["server"] != "spamschutz", e["concurrency"])
    ):
        notes = []
        if "lost_comments" in e:
            notes.append(
                f"{e['accepted']} accepted, {e['rows_written']} rows, {e['lost_comments']} lost"
            )
        if "ratio_to_spamd" in e:
            notes.append(f"{e['ratio_to_spamd']:.1f}× spamd")
        ratio = f"{e['ratio_to_bare']:.0%}" if "ratio_to_bare" in e else ""
        cpu = f"{e['cpu_ms_per_request']:.2f}" if "cpu_ms_per_request" in e else ""
        if "cpu_ratio_to_bare" in e:
            cpu += f" (bare's is {e['cpu_ratio_to_bare']:.0%} of it)"
        lines.append(
            f"| {LABELS[e['endpoint']]} | {e['server']} | {e['concurrency']} | "
            f"{e['requests_per_s']:.0f} ({e['requests_per_s_min']:.0f}–"
            f"{e['requests_per_s_max']:.0f}) | {e['p50_ms']:.1f} | {e['p99_ms']:.1f} "
            f"({e['p99_ms_min']:.1f}–{e['p99_ms_max']:.1f}) | {e['errors']} | {ratio} | {cpu} | "
            f"{'; '.join(notes)} |"
        )
    return lines


def _plot(summary: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    endpoints = [
        e for e in ("score", "comments", "challenge") if any(s["endpoint"] == e for s in summary)
    ]
    figure, axes = plt.subplots(
        len(endpoints), 2, figsize=(10, 3.2 * len(endpoints)), squeeze=False
    )
    for row, endpoint in enumerate(endpoints):
        series = {"spamschutz": endpoint, "bare": endpoint}
        if endpoint == "score":
            series["spamd"] = "spamc"
        for server, key in series.items():
            points = sorted(
                (e["concurrency"], e)
                for e in summary
                if e["server"] == server and e["endpoint"] == key
            )
            if not points:
                continue
            xs = [c for c, _ in points]
            label = {"bare": "bare Flask", "spamd": "spamd via spamc"}.get(server, server)
            for column, metric in enumerate(("requests_per_s", "p99_ms")):
                ys = [e[metric] for _, e in points]
                low = [e[metric] - e[metric + "_min"] for _, e in points]
                high = [e[metric + "_max"] - e[metric] for _, e in points]
                axes[row][column].errorbar(
                    xs, ys, yerr=[low, high], marker="o", capsize=3, label=label
                )
        for column, title in enumerate(("requests/s", "p99 latency, ms")):
            axis = axes[row][column]
            axis.set_xscale("log", base=2)
            axis.set_yscale("log")
            axis.set_xticks([8, 32, 128], ["8", "32", "128"])
            axis.set_xlabel("concurrent connections")
            axis.set_title(f"{LABELS[endpoint]}: {title}")
            axis.grid(True, which="both", alpha=0.3)
            axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _soak_lines(soak: dict | None) -> list[str]:
    if not soak:
        return []
    rss = ", ".join(f"{m:.0f}" for m in soak["rss_after_first_round_mb"])
    end = ", ".join(f"{m:.0f}" for m in soak["rss_at_end_mb"])
    return [
        f"Soak: `POST /api/v1/score` for {soak['seconds']:g} s at half the measured maximum "
        f"({soak['target_requests_per_s']:.0f} requests/s aimed, "
        f"{soak['requests_per_s']:.0f} served), {soak['errors']} errors; worker RSS after the "
        f"first round of {soak['round_seconds']:g} s {rss} MB, at the end {end} MB, largest growth "
        f"{soak['largest_rss_growth']:+.1%} (limit +10 %): "
        f"**{'passed' if soak['passed'] else 'failed'}**.",
        "",
    ]


def write_results(results: dict, out: Path) -> None:
    """bench/results/http.json (every run and the summary), http.md and http.png."""
    out.mkdir(parents=True, exist_ok=True)
    summary = summarise(results["http"])
    settings = results["settings"]
    results = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench.http",
        "summary": summary,
        **results,
    }
    (out / "http.json").write_text(json.dumps(results, indent=2) + "\n")
    _plot(summary, out / "http.png")
    memory = results["memory"]
    lines = [
        f"Command: `python -m bench.http --seconds {settings['seconds']:g} --runs "
        f"{settings['runs']}`. {settings['workers']} gunicorn gthread workers × "
        f"{settings['threads']} threads for spamschutz and bare Flask, "
        f"{settings['workers']} spamd children; {settings['database']}; wrk with 2 threads "
        f"on the same {os.cpu_count()} CPUs ({platform.machine()}), Python "
        f"{platform.python_version()}; {settings['texts']} texts; medians of "
        f"{settings['runs']} runs of {settings['seconds']:g} s, spread min–max.",
        "",
        *_table(summary),
        "",
        "Memory and start-up (spamschutz, starter model):",
        "",
        f"- worker RSS after start: "
        f"{', '.join(f'{m:.0f}' for m in memory.get('worker_rss_mb_after_start', []))} MB; "
        f"after the load: "
        f"{', '.join(f'{m:.0f}' for m in memory.get('worker_rss_mb_after_load', []))} MB "
        f"(bare Flask worker: "
        f"{', '.join(f'{m:.0f}' for m in memory.get('bare_worker_rss_mb', []))} MB)",
        f"- first start (schema migration and starter model training) to `/readyz` 200: "
        f"{memory.get('seconds_to_ready_first_start', float('nan')):.1f} s",
        f"- refused requests (503 `model_unavailable`) in each 1-s warm-up round at "
        f"concurrency 16 right after that first answer: "
        f"{memory.get('refused_while_warming_up')}",
        f"- restart to the first `POST /api/v1/score` 200: "
        f"{memory.get('seconds_to_first_score', float('nan')):.1f} s",
        "",
        "![throughput and p99 against concurrency](http.png)",
        "",
        *_soak_lines(results.get("soak")),
    ]
    (out / "http.md").write_text("\n".join(lines))

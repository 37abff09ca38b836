"""Model quality on public data: spamschutz against plain baselines, on the same folds.

    .venv/bin/python -m bench.quality [--datasets ../shared/datasets] [--out bench/results]

Two protocols over the YouTube Spam Collection: leave one video out (train on four videos, test
on the fifth: closest to a new site's data) and stratified 5-fold cross-validation with seed 0
(repeated texts removed first, as ``spamschutz evaluate --cv 5`` does). Every method is trained
and tested on exactly the same folds; bogofilter joins when it is installed. Writes
``quality.md`` and ``quality.json`` to the output folder.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score, matthews_corrcoef, roc_auc_score

from bench.methods import METHODS, Method, bogofilter_available
from spamschutz.training import LabelledComment, read_many
from spamschutz.training.protocols import Split, group_splits, stratified_splits
from spamschutz.training.train import deduplicate

__all__ = [
    "DEFAULT_DATASETS",
    "REPO_ROOT",
    "describe_environment",
    "environment",
    "figures",
    "main",
    "markdown_table",
    "youtube_comments",
]

REPO_ROOT = Path(__file__).resolve().parent.parent
# The public corpora: where SPAMSCHUTZ_DATASETS says (as for the tests), else beside the checkout.
DEFAULT_DATASETS = Path(
    os.environ.get("SPAMSCHUTZ_DATASETS") or REPO_ROOT.parent / "shared" / "datasets"
)
COLUMNS = (
    ("method", "method"),
    ("decision", "decision"),
    ("ROC-AUC", "roc_auc"),
    ("PR-AUC", "pr_auc"),
    ("MCC", "mcc"),
    ("spam caught", "spam_caught"),
    ("ham blocked", "ham_blocked"),
    ("training s (all folds)", "train_seconds"),
    ("scoring comments/s", "throughput"),
)


def youtube_comments(datasets: Path) -> list[LabelledComment]:
    """The five YouTube Spam Collection files under ``datasets``; exits with a clear message
    when they are not there."""
    folder = datasets / "youtube-spam-collection"
    files = sorted(folder.glob("Youtube0*.csv"))
    if not files:
        sys.exit(
            f"error: no YouTube Spam Collection files (Youtube0*.csv) in {folder}. Give the folder "
            "that holds youtube-spam-collection/ with --datasets DIR (default: ../shared/datasets "
            "beside the repository)."
        )
    return read_many(files)


def figures(labels: np.ndarray, scores: np.ndarray, spam: np.ndarray) -> dict[str, float]:
    """Ranking figures from ``scores``, decision figures from the ``spam`` decisions."""
    return {
        "roc_auc": float(roc_auc_score(labels, scores)),
        "pr_auc": float(average_precision_score(labels, scores)),
        "mcc": float(matthews_corrcoef(labels, spam)),
        "spam_caught": float(spam[labels == 1].mean()),
        "ham_blocked": float(spam[labels == 0].mean()),
    }


def _run(
    method: Method, data: Sequence[LabelledComment], splits: Sequence[Split], label: str
) -> list[dict[str, object]]:
    labels = np.asarray([c.label for c in data])
    scores, spam = np.zeros(len(data)), np.zeros(len(data), dtype=bool)
    extra = {key: np.zeros(len(data), dtype=bool) for key, _ in method.extra_cuts}
    train_seconds = score_seconds = 0.0
    fold_auc = []
    for index, (train, test) in enumerate(splits):
        print(f"{label} · {method.name}: fold {index + 1}/{len(splits)}", file=sys.stderr)
        train_part = deduplicate([data[i] for i in train])
        started = time.perf_counter()
        scorer = method.fit(train_part)
        trained = time.perf_counter()
        scored = scorer([data[i] for i in test])
        score_seconds += time.perf_counter() - trained
        train_seconds += trained - started
        scores[test], spam[test] = scored.scores, scored.spam
        for key in extra:
            extra[key][test] = scored.extra[key]
        fold_auc.append(float(roc_auc_score(labels[test], scored.scores)))
    common = {
        "train_seconds": round(train_seconds, 2),
        "throughput": round(len(data) / score_seconds),
        "fold_roc_auc_mean": float(np.mean(fold_auc)),
    }
    rows = [{"method": method.name, "decision": method.cut, **figures(labels, scores, spam)}]
    for key, cut in method.extra_cuts:
        rows.append({"method": method.name, "decision": cut, **figures(labels, scores, extra[key])})
    return [{**row, **common} for row in rows]


def markdown_table(
    rows: Sequence[dict[str, object]],
    columns: Sequence[tuple[str, str]] = COLUMNS,
    percent: Sequence[str] = ("spam_caught", "ham_blocked"),
) -> str:
    """A GitHub markdown table of ``rows``: ``percent`` keys as percentages, other floats to
    4 places."""

    def cell(key: str, value: object) -> str:
        if key in percent:
            return f"{100 * float(value):.1f} %"  # type: ignore[arg-type]
        if key == "train_seconds":
            return f"{float(value):.1f}"  # type: ignore[arg-type]
        return f"{value:.4f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(title for title, _ in columns) + " |"]
    lines.append("|" + "---|" * len(columns))
    lines += ["| " + " | ".join(cell(k, row[k]) for _, k in columns) + " |" for row in rows]
    return "\n".join(lines)


def environment() -> dict[str, object]:
    """Where the figures were measured: timings depend on it."""
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        **{name: version(name) for name in ("scikit-learn", "numpy")},
    }


def describe_environment(env: dict[str, object]) -> str:
    """:func:`environment` in one line, for the results' headers."""
    return (
        f"Python {env['python']}, {env['cpus']} CPUs ({env['machine']}), "
        f"scikit-learn {env['scikit-learn']}, numpy {env['numpy']}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Run every method on both protocols and write the markdown and JSON results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    comments = youtube_comments(args.datasets)
    unique = deduplicate(comments)
    protocols = [
        ("leave one video out", comments, group_splits(comments, "group")[0]),
        ("stratified 5-fold, seed 0", unique, stratified_splits(unique, 5, seed=0)),
    ]
    methods = [m for m in METHODS if m.name != "bogofilter" or bogofilter_available()]
    if len(methods) < len(METHODS):
        print("bogofilter is not installed (apt-get install bogofilter): skipped", file=sys.stderr)
    results = {}
    for name, data, splits in protocols:
        rows = [row for method in methods for row in _run(method, data, splits, name)]
        spam = sum(c.label for c in data)
        results[name] = {"n": len(data), "n_spam": spam, "folds": len(splits), "rows": rows}
    args.out.mkdir(parents=True, exist_ok=True)
    report = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench.quality",
        "environment": environment(),
        "protocols": results,
    }
    (args.out / "quality.json").write_text(json.dumps(report, indent=2) + "\n")
    parts = [
        f"# Model quality ({report['generated']})\n",
        "Command: `python -m bench.quality`. ROC-AUC and PR-AUC over the pooled out-of-fold "
        "scores; MCC, spam caught and ham blocked at each method's own decision. Timings: "
        f"wall clock, {describe_environment(environment())}.\n",
    ]
    for name, result in results.items():
        parts.append(
            f"## {name} ({result['n']} comments, {result['n_spam']} spam, "
            f"{result['folds']} folds)\n\n{markdown_table(result['rows'])}\n"
        )
    text = "\n".join(parts)
    (args.out / "quality.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()

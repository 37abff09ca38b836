"""Model speed: single-comment latency, batch throughput, training time and memory.

Compares, in one run and on the same texts, the project's model with the straightforward
scikit-learn pipeline (a FeatureUnion of word and character TF-IDF and a logistic regression,
scored through ``predict_proba``), so the figures are ratios on the same noisy machine.

    python -m bench.speed [--datasets ../shared/datasets] [--train-size 100000]

Writes bench/results/speed.md and speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_pipeline

from spamschutz.training import LabelledComment, read_many, train_model
from spamschutz.training.starter import starter_comments

RESULTS = ROOT / "bench" / "results"


def load_comments(datasets: Path) -> list[LabelledComment]:
    """The YouTube Spam Collection when present, else the starter corpus."""
    folder = datasets / "youtube-spam-collection"
    files = sorted(folder.glob("*.csv"))
    return read_many(files) if files else starter_comments()


def perturbed(comments: list[LabelledComment], size: int, seed: int = 0) -> list[LabelledComment]:
    """``size`` comments made from real ones with small random edits, so few are identical."""
    rng = random.Random(seed)
    words = [word for comment in comments for word in comment.text.split()]
    out = []
    for index in range(size):
        base = comments[index % len(comments)]
        tokens = base.text.split()
        for _ in range(rng.randint(1, 3)):
            tokens.insert(rng.randint(0, len(tokens)), rng.choice(words))
        if rng.random() < 0.3:
            tokens.append(str(rng.randint(1, 99999)))
        out.append(LabelledComment(text=" ".join(tokens), label=base.label))
    return out


def plain_pipeline():
    """The straightforward baseline the issue names."""
    union = FeatureUnion(
        [
            ("words", TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2))),
            ("chars", TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(2, 5))),
        ]
    )
    return make_pipeline(union, LogisticRegression(C=10, solver="liblinear"))


def latencies(score_one, texts: list[str]) -> dict[str, float]:
    """Median and p99 of scoring one comment at a time, in milliseconds."""
    for text in texts[:50]:
        score_one(text)
    times = []
    for text in texts:
        started = time.perf_counter()
        score_one(text)
        times.append((time.perf_counter() - started) * 1000)
    return {"median_ms": statistics.median(times), "p99_ms": float(np.percentile(times, 99))}


def throughput(score_batch, texts: list[str], repeats: int = 3) -> float:
    """Comments per second for one batch call, best of ``repeats``."""
    best = 0.0
    for _ in range(repeats):
        started = time.perf_counter()
        score_batch(texts)
        best = max(best, len(texts) / (time.perf_counter() - started))
    return best


def training_run(size: int, datasets: Path) -> dict[str, float]:
    """Train on ``size`` perturbed comments in a child process; its time and peak memory."""
    command = [
        sys.executable,
        "-m",
        "bench.speed",
        "--datasets",
        str(datasets),
        "--measure-training",
        str(size),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_training(size: int, datasets: Path) -> None:
    """In the child process: train once and print seconds and peak memory as JSON."""
    data = perturbed(load_comments(datasets), size)
    started = time.perf_counter()
    train_model(data)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak}))


def main() -> None:
    """Run the comparison and write the results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--train-size", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=20_000)
    parser.add_argument("--measure-training", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_training:
        measure_training(args.measure_training, args.datasets)
        return

    comments = load_comments(args.datasets)
    rng = random.Random(1)
    held_out = rng.sample(comments, min(400, len(comments) // 5))
    training = [c for c in comments if c not in held_out]
    texts = [c.text for c in held_out] * 5
    batch = [c.text for c in perturbed(comments, args.batch_size, seed=2)]

    model = train_model(training)
    plain = plain_pipeline().fit([c.text for c in training], [c.label for c in training])

    results = {
        "spamschutz": {
            **latencies(lambda text: model.score_one({"text": text}), texts),
            "batch_per_s": throughput(lambda xs: model.score([{"text": x} for x in xs]), batch),
        },
        "plain FeatureUnion": {
            **latencies(lambda text: plain.predict_proba([text]), texts),
            "batch_per_s": throughput(plain.predict_proba, batch),
        },
    }
    results["training"] = {
        "comments": args.train_size,
        **training_run(args.train_size, args.datasets),
    }
    results["self_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "speed.json").write_text(json.dumps(results, indent=2))
    ours, base = results["spamschutz"], results["plain FeatureUnion"]
    load = os.getloadavg()[0]
    results["load_average_1min"] = load
    lines = [
        f"Command: `python -m bench.speed`. {os.cpu_count()} CPUs, load average {load:.1f} at "
        f"the end of the run; batch of {args.batch_size:,} comments, best of 3 calls.",
        "",
        "| pipeline | median ms (one comment) | p99 ms | batch comments/s |",
        "|---|---|---|---|",
        *(
            f"| {name} | {row['median_ms']:.3f} | {row['p99_ms']:.3f} | {row['batch_per_s']:,.0f} |"
            for name, row in (("spamschutz", ours), ("plain FeatureUnion", base))
        ),
        "",
        f"Ratios: median {base['median_ms'] / ours['median_ms']:.1f}× faster, "
        f"batch {ours['batch_per_s'] / base['batch_per_s']:.1f}× the throughput.",
        "",
        f"Training on {args.train_size:,} comments: {results['training']['seconds']:.1f} s, "
        f"peak memory {results['training']['peak_rss_mb']:.0f} MB.",
    ]
    (RESULTS / "speed.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

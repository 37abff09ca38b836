"""Training beyond memory: the streaming trainer on 1,000,000 comments, beside the batch trainer.

Real YouTube comments of four videos, repeated with small random edits (inserted words and
numbers, as in bench/speed.py), are written one at a time to a temporary JSON Lines file; the
fifth video is held out for quality. Each training run is a child process that reports its own
wall time and peak resident memory, so the runs do not share a heap:

- the batch trainer on 100,000 comments (about the most it should be given; see bench/README.md),
- the streaming trainer on the same 100,000 comments, for quality at equal data,
- the streaming trainer on 1,000,000 comments.

Each streamed model is saved and loaded through the model registry and scored there, as the
service would.

    python -m bench.streaming [--datasets ../shared/datasets] [--size 1000000] [--batch-size 100000]

Writes bench/results/streaming.md and streaming.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def youtube_files(datasets: Path) -> list[Path]:
    """The five YouTube Spam Collection files, in order."""
    files = sorted((datasets / "youtube-spam-collection").glob("*.csv"))
    if len(files) != 5:
        raise SystemExit(f"the YouTube Spam Collection is not in {datasets}")
    return files


def perturbed_stream(comments: list, size: int, seed: int = 0) -> Iterator[dict[str, object]]:
    """``size`` JSON-ready comments drawn at random from ``comments``, each slightly edited."""
    rng = random.Random(seed)
    words = [word for comment in comments for word in comment.text.split()]
    for _ in range(size):
        base = rng.choice(comments)
        tokens = base.text.split()
        for _ in range(rng.randint(1, 3)):
            tokens.insert(rng.randint(0, len(tokens)), rng.choice(words))
        if rng.random() < 0.3:
            tokens.append(str(rng.randint(1, 99999)))
        yield {"text": " ".join(tokens), "label": base.label}


def write_data(comments: list, size: int, small: int, folder: Path) -> tuple[Path, Path]:
    """Write ``size`` comments to one file and its first ``small`` to another, streaming."""
    large_path, small_path = folder / "large.jsonl", folder / "small.jsonl"
    with large_path.open("w", encoding="utf-8") as large, small_path.open("w") as first:
        for index, row in enumerate(perturbed_stream(comments, size)):
            line = json.dumps(row, ensure_ascii=False) + "\n"
            large.write(line)
            if index < small:
                first.write(line)
    return large_path, small_path


def run_child(mode: str, data: Path, datasets: Path) -> dict[str, object]:
    """Train in a fresh process; its figures as a dict."""
    command = [sys.executable, "-m", "bench.streaming", "--datasets", str(datasets)]
    command += ["--child", mode, "--data", str(data)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{mode} training failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def child(mode: str, data: Path, datasets: Path) -> None:
    """In the child: train, score the held-out video through the registry, print JSON."""
    from spamschutz.model import ModelStore
    from spamschutz.training import evaluate_model, read_comments
    from spamschutz.training.streaming import train_from_files

    held_out = read_comments(youtube_files(datasets)[4])
    started = time.perf_counter()
    # The batch run forces the in-memory path; the streaming runs force streaming.
    threshold = sys.maxsize if mode == "batch" else 0
    model = train_from_files([data], streaming_above=threshold)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    with tempfile.TemporaryDirectory() as folder:
        stored = ModelStore(folder).save(model)
        served = ModelStore(folder).load(stored.version, stored.sha256)
        report = evaluate_model(served, held_out)
        artefact_mb = stored.path.stat().st_size / 2**20
    print(
        json.dumps(
            {
                "comments": model.metadata["data"]["n"],
                "seconds": seconds,
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
                "peak_rss_mb": usage.ru_maxrss / 1024,
                "artefact_mb": artefact_mb,
                "held_out_video_roc_auc": report["roc_auc"],
                "held_out_video_recall": report["recall"],
                "held_out_video_ham_blocked": report["ham_blocked"],
                "internal_roc_auc": model.metadata["cv_metrics"]["roc_auc"],
            }
        )
    )


def markdown(results: dict[str, object]) -> str:
    """The results as the table bench/README.md shows."""
    lines = [
        "| trainer | comments | wall time | CPU time | peak memory | ROC-AUC, held-out video | "
        "spam caught | ham blocked | artefact |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for run in results["runs"]:
        lines.append(
            f"| {run['trainer']} | {run['comments']:,} | {run['seconds']:.0f} s | "
            f"{run['cpu_seconds']:.0f} s | "
            f"{run['peak_rss_mb']:,.0f} MB | {run['held_out_video_roc_auc']:.4f} | "
            f"{run['held_out_video_recall']:.1%} | {run['held_out_video_ham_blocked']:.2%} | "
            f"{run['artefact_mb']:.1f} MB |"
        )
    lines += [
        "",
        f"Data: {results['source']}; held out: {results['held_out']}. "
        f"Machine: {results['cores']} cores, shared with other work (load average "
        f"{results['load_average']:.1f} at the end), so CPU time is the steadier figure; "
        "one training process per run, timed from reading the file to the calibrated model.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Generate the data, run the three trainings and write the results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=100_000)
    parser.add_argument("--child", choices=("batch", "streaming"), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.data, args.datasets)
        return

    from spamschutz.training import read_many

    files = youtube_files(args.datasets)
    comments = read_many(files[:4])
    with tempfile.TemporaryDirectory() as folder:
        large, small = write_data(comments, args.size, args.batch_size, Path(folder))
        runs = [
            {"trainer": "batch (TF-IDF)", **run_child("batch", small, args.datasets)},
            {"trainer": "streaming (hashed)", **run_child("streaming", small, args.datasets)},
            {"trainer": "streaming (hashed)", **run_child("streaming", large, args.datasets)},
        ]
    results = {
        "source": f"{len(comments):,} comments of {', '.join(f.stem for f in files[:4])}, "
        "repeated with random edits",
        "held_out": files[4].stem,
        "cores": os.cpu_count(),
        "load_average": os.getloadavg()[0],
        "runs": runs,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "streaming.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / "streaming.md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()

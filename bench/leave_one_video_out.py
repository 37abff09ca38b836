"""Leave one video out after training, for the default pipeline and variants side by side.

    .venv/bin/python -m bench.leave_one_video_out [--datasets DIR] [--variant NAME=VALUE ...]

What ``bench.day_one`` reports as "leave one video out": for each YouTube video, a model trained
as ``spamschutz train --starter --data <the other four>`` trains it (the starter corpus as
background, thresholds from the four videos), scores the fifth. Trained in this process rather
than through the command, so that one run compares the default with each ``--variant`` (a
pipeline parameter by its scikit-learn name, as ``spamschutz train --param`` takes it) on the same
machine at the same time. Beside the figures at each model's spam-folder threshold, the pooled
spam caught at fixed shares of ham blocked, and the best MCC any one cut reaches, tell ranking
from threshold placement.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed

from bench.day_one import DataFile, Scores, read_datasets
from bench.quality import DEFAULT_DATASETS
from spamschutz.model import build_pipeline
from spamschutz.training import starter as starter_corpus
from spamschutz.training import train_model

__all__ = ["best_mcc", "caught_at_ham_blocked", "main", "parse_variant", "scores_per_video"]

HAM_BLOCKED_SHARES = (0.005, 0.01, 0.02)


def parse_variant(pair: str) -> dict[str, object]:
    """``NAME=VALUE`` as pipeline parameters (the value read as JSON, else as text); a name
    the pipeline does not have is refused with the names it has."""
    name, equals, raw = pair.partition("=")
    if not equals or not name.strip():
        raise argparse.ArgumentTypeError(f"{pair!r} is not NAME=VALUE, e.g. classifier__C=3")
    known = build_pipeline().get_params()
    if name.strip() not in known:
        examples = "classifier__C, classifier__bound, features__words__min_df"
        raise argparse.ArgumentTypeError(f"unknown pipeline parameter {name!r}; e.g. {examples}")
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    return {name.strip(): value}


def _held_out_scores(videos: Sequence[DataFile], held: str, params: Mapping[str, object]) -> Scores:
    others = [c for video in videos if video.name != held for c in video.comments]
    model = train_model(
        others, background=starter_corpus.starter_comments(), pipeline_params=dict(params)
    )
    return Scores.of(model, next(v for v in videos if v.name == held).comments)


def scores_per_video(
    videos: Sequence[DataFile], params: Mapping[str, object], jobs: int
) -> dict[str, Scores]:
    """Each video's scores by the model trained on the others (and the starter corpus)."""
    parts = Parallel(n_jobs=jobs)(
        delayed(_held_out_scores)(videos, video.name, params) for video in videos
    )
    return {video.name: part for video, part in zip(videos, parts, strict=True)}


def caught_at_ham_blocked(pooled: Scores, share: float) -> float:
    """The share of spam scored above the highest ``share`` of the ham, all videos pooled
    (one cut for all: how well the models rank, whatever their thresholds)."""
    ham = np.sort(pooled.scores[pooled.labels == 0])[::-1]
    cut = ham[min(int(share * ham.size), ham.size - 1)]
    return float((pooled.scores[pooled.labels == 1] > cut).mean())


def best_mcc(pooled: Scores) -> float:
    """The highest MCC any one cut of the pooled scores reaches: what the ranking allows with
    thresholds chosen knowing the held-out labels."""
    order = np.argsort(-pooled.scores, kind="stable")
    labels = pooled.labels[order]
    tp = np.cumsum(labels)
    fp = np.cumsum(1 - labels)
    fn, tn = tp[-1] - tp, fp[-1] - fp
    denominator = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn).astype(float))
    with np.errstate(invalid="ignore", divide="ignore"):
        mcc = np.where(denominator > 0, (tp * tn - fp * fn) / denominator, 0.0)
    # A cut falls between two different scores, never inside a run of equal ones.
    ranked = pooled.scores[order]
    return float(mcc[np.r_[ranked[:-1] != ranked[1:], True]].max())


def _row(name: str, per_video: Mapping[str, Scores]) -> str:
    pooled = Scores.pooled(list(per_video.values()))
    figures = pooled.figures()
    at = " | ".join(f"{caught_at_ham_blocked(pooled, s):.1%}" for s in HAM_BLOCKED_SHARES)
    return (
        f"| {name} | {figures['roc_auc']:.4f} | {figures['mcc']:.3f} | "
        f"{figures['spam_caught']:.1%} | {figures['ham_blocked']:.2%} | {at} | "
        f"{best_mcc(pooled):.3f} |"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument(
        "--variant",
        type=parse_variant,
        action="append",
        default=[],
        help="pipeline parameters NAME=VALUE to compare with the default; repeat for more",
    )
    parser.add_argument("--jobs", type=int, default=2, help="models trained side by side")
    args = parser.parse_args(argv)
    videos = [f for f in read_datasets(args.datasets) if f.is_video]
    shares = " | ".join(f"caught at {s:.1%} ham" for s in HAM_BLOCKED_SHARES)
    print(f"| pipeline | ROC-AUC | MCC | spam caught | ham blocked | {shares} | best MCC |")
    print("|---" * (6 + len(HAM_BLOCKED_SHARES)) + "|")
    for params in [{}, *args.variant]:
        name = ", ".join(f"{k}={v}" for k, v in params.items()) or "default"
        print(f"training {len(videos)} models: {name}", file=sys.stderr)
        print(_row(name, scores_per_video(videos, params, args.jobs)), flush=True)


if __name__ == "__main__":
    main()

"""Leave one video out after training, for the default pipeline and variants side by side.

    .venv/bin/python -m bench.leave_one_video_out [--datasets DIR] [--variant NAME=VALUE ...]
                                                  [--target-ham-blocked SHARE ...]

What ``bench.day_one`` reports as "leave one video out": for each YouTube video, a model trained
as ``spamschutz train --starter --data <the other four>`` trains it (the starter corpus as
background, thresholds from the four videos), scores the fifth. Trained in this process rather
than through the command, so that one run compares the default with each ``--variant`` (a
pipeline parameter by its scikit-learn name, as ``spamschutz train --param`` takes it) on the same
machine at the same time. Beside the figures at each model's spam-folder threshold, the pooled
spam caught at fixed shares of ham blocked, and the best MCC any one cut reaches, tell ranking
from threshold placement. ``--target-ham-blocked`` trains the same pipeline with other targets
for the spam-folder threshold (``spamschutz train --target-ham-blocked``); beside each row a
model trained on all five videos scores the German reader comments, all ham: what a site
would trade for a higher MCC.
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
from spamschutz.training.train import DEFAULT_TARGET_HAM_BLOCKED

__all__ = [
    "best_mcc",
    "caught_at_ham_blocked",
    "main",
    "parse_share",
    "parse_variant",
    "scores_per_video",
]

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


def _trained_scores(
    training: Sequence[DataFile], scored: DataFile, params: Mapping[str, object], target: float
) -> Scores:
    model = train_model(
        [c for video in training for c in video.comments],
        background=starter_corpus.starter_comments(),
        pipeline_params=dict(params),
        target_ham_blocked=target,
    )
    return Scores.of(model, scored.comments)


def scores_per_video(
    videos: Sequence[DataFile],
    params: Mapping[str, object],
    jobs: int,
    target: float = DEFAULT_TARGET_HAM_BLOCKED,
    also: Sequence[DataFile] = (),
) -> dict[str, Scores]:
    """Each video's scores by the model trained on the others (and the starter corpus), and
    each file of ``also`` scored by a model trained on all the videos."""
    tasks = [([v for v in videos if v.name != video.name], video) for video in videos]
    tasks += [(list(videos), extra) for extra in also]
    parts = Parallel(n_jobs=jobs)(
        delayed(_trained_scores)(training, scored, params, target) for training, scored in tasks
    )
    return {scored.name: part for (_, scored), part in zip(tasks, parts, strict=True)}


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


def _row(name: str, per_video: Mapping[str, Scores], readers: Scores | None) -> str:
    pooled = Scores.pooled(list(per_video.values()))
    figures = pooled.figures()
    at = " | ".join(f"{caught_at_ham_blocked(pooled, s):.1%}" for s in HAM_BLOCKED_SHARES)
    worst = max(per_video, key=lambda video: per_video[video].figures()["ham_blocked"])
    blocked = f"{readers.figures()['ham_blocked']:.2%}" if readers is not None else "–"
    return (
        f"| {name} | {figures['roc_auc']:.4f} | {figures['mcc']:.3f} | "
        f"{figures['spam_caught']:.1%} | {figures['ham_blocked']:.2%} | "
        f"{per_video[worst].figures()['ham_blocked']:.2%} ({Path(worst).stem}) | {at} | "
        f"{best_mcc(pooled):.3f} | {blocked} |"
    )


def parse_share(raw: str) -> float:
    """A share of ham between 0 and 0.5 (``0.01`` for 1 %); anything else is refused."""
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value < 0.5:
        raise argparse.ArgumentTypeError(
            f"{raw!r} is not a share of ham between 0 and 0.5, e.g. 0.01 for 1 %"
        )
    return value


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
    parser.add_argument(
        "--target-ham-blocked",
        type=parse_share,
        action="append",
        default=[],
        help="a target for the spam-folder threshold to compare with the default "
        f"({DEFAULT_TARGET_HAM_BLOCKED}); repeat for more",
    )
    parser.add_argument("--jobs", type=int, default=2, help="models trained side by side")
    args = parser.parse_args(argv)
    files = read_datasets(args.datasets)
    videos = [f for f in files if f.is_video]
    readers = [f for f in files if not f.is_video]
    shares = " | ".join(f"caught at {s:.1%} ham" for s in HAM_BLOCKED_SHARES)
    print(
        f"| pipeline | ROC-AUC | MCC | spam caught | ham blocked | most ham blocked, one video "
        f"| {shares} | best MCC | German readers blocked |"
    )
    print("|---" * (8 + len(HAM_BLOCKED_SHARES)) + "|")
    runs = [({}, DEFAULT_TARGET_HAM_BLOCKED)]
    runs += [(params, DEFAULT_TARGET_HAM_BLOCKED) for params in args.variant]
    runs += [({}, target) for target in args.target_ham_blocked]
    for params, target in runs:
        name = ", ".join(f"{k}={v}" for k, v in params.items()) or "default"
        if target != DEFAULT_TARGET_HAM_BLOCKED:
            name += f", ham target {target:.1%}"
        print(f"training {len(videos) + len(readers)} models: {name}", file=sys.stderr)
        scores = scores_per_video(videos, params, args.jobs, target, readers)
        read = [scores.pop(f.name) for f in readers]
        print(_row(name, scores, Scores.pooled(read) if read else None), flush=True)


if __name__ == "__main__":
    main()

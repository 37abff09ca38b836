"""Evaluation protocols: stratified K-fold and grouped (leave-one-group-out) cross-validation.

Every fold trains a full model with :func:`spamschutz.training.train.train_model` on its training
part, which runs its own inner cross-validation for calibration and thresholds, and scores the
held-out part with it. So the figures are those of the whole training procedure, thresholds
included, on comments it had never seen.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from sklearn.model_selection import LeaveOneGroupOut, StratifiedGroupKFold, StratifiedKFold

from spamschutz.training.data import LabelledComment
from spamschutz.training.evaluate import HeldOut, quality_metrics, reliability_table
from spamschutz.training.train import deduplicate, train_model

__all__ = [
    "MAX_GROUPS",
    "ProtocolError",
    "cross_validate",
    "group_cross_validate",
    "group_splits",
    "stratified_splits",
]

Progress = Callable[[str], None]
Split = tuple[np.ndarray, np.ndarray]

# Leave-one-group-out trains one model per group; past this many groups, group K-fold is the
# sensible protocol (a model per thread of a large site would take hours and say no more).
MAX_GROUPS = 30


class ProtocolError(ValueError):
    """The data does not fit the protocol (too few comments, classes or groups)."""


def _quiet(_: str) -> None:
    return None


def _labels(comments: Sequence[LabelledComment]) -> np.ndarray:
    return np.asarray([comment.label for comment in comments], dtype=int)


def stratified_splits(
    comments: Sequence[LabelledComment], folds: int = 5, seed: int = 0
) -> list[Split]:
    """Stratified, shuffled K-fold (train, test) index pairs; the same for the same seed."""
    labels = _labels(comments)
    smallest = min(int(np.sum(labels == 1)), int(np.sum(labels == 0)))
    if folds < 2 or smallest < folds:
        raise ProtocolError(
            f"{folds}-fold cross-validation needs at least {max(folds, 2)} spam and ham comments "
            f"and at least 2 folds; the smaller class has {smallest}"
        )
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(labels)), labels))


def group_splits(
    comments: Sequence[LabelledComment],
    group_by: str = "group",
    folds: int | None = None,
    seed: int = 0,
) -> tuple[list[Split], list[str]]:
    """(train, test) index pairs that never split a group, and each fold's group names.

    ``folds=None`` leaves one group out at a time; a number makes stratified group K-fold.
    ``group_by`` names a :class:`LabelledComment` field (``group`` is the file's stem for the
    YouTube files, i.e. the video, or the ``group``/``thread`` column of a CSV).
    """
    if group_by not in LabelledComment.__dataclass_fields__:
        raise ProtocolError(f"cannot group by {group_by!r}: comments have no such field")
    groups = np.asarray([str(getattr(comment, group_by)) for comment in comments], dtype=object)
    distinct = sorted(set(groups.tolist()))
    if len(distinct) < 2:
        raise ProtocolError(
            f"grouping by {group_by!r} needs at least two groups; found {len(distinct)}"
        )
    labels = _labels(comments)
    if folds is None:
        if len(distinct) > MAX_GROUPS:
            raise ProtocolError(
                f"{len(distinct)} groups in {group_by!r} is too many to leave out one at a time "
                f"(at most {MAX_GROUPS}); ask for group K-fold with a number of folds instead"
            )
        splits = list(LeaveOneGroupOut().split(labels, labels, groups))
    else:
        if folds < 2 or folds > len(distinct):
            raise ProtocolError(
                f"group {folds}-fold needs between 2 and {len(distinct)} folds "
                f"({len(distinct)} groups in {group_by!r})"
            )
        splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
        splits = list(splitter.split(labels, labels, groups))
    names = [", ".join(sorted(set(groups[test].tolist()))) for _, test in splits]
    return splits, names


def _run_folds(
    comments: Sequence[LabelledComment],
    splits: Sequence[Split],
    names: Sequence[str] | None,
    *,
    seed: int,
    target_ham_blocked: float,
    keep_models: bool,
    progress: Progress,
    pipeline_params: Mapping[str, object] | None = None,
) -> dict[str, object]:
    comments = list(comments)
    scores = np.zeros(len(comments))
    fold_of = np.full(len(comments), -1, dtype=int)
    per_fold: list[dict[str, object]] = []
    thresholds, models = [], []
    for index, (train, test) in enumerate(splits):
        label = f"fold {index + 1}/{len(splits)}"
        if names:
            label += f" ({names[index]})"
        progress(f"{label}: training on {len(train)} comments, testing on {len(test)}")
        started = time.perf_counter()
        model = train_model(
            [comments[i] for i in train],
            target_ham_blocked=target_ham_blocked,
            seed=seed,
            pipeline_params=pipeline_params,
            progress=lambda step, label=label: progress(f"{label}: {step}"),
        )
        trained = time.perf_counter()
        test_scores = model.score([comments[i].as_input() for i in test])
        scored = time.perf_counter()
        scores[test], fold_of[test] = test_scores, index
        thresholds.append(model.thresholds)
        if keep_models:
            models.append(model)
        figures = quality_metrics(
            _labels([comments[i] for i in test]), test_scores, model.thresholds
        )
        per_fold.append(
            {
                "fold": index + 1,
                **({"group": names[index]} if names else {}),
                "n_train": len(train),
                **figures,
                "train_seconds": round(trained - started, 3),
                "score_seconds": round(scored - trained, 4),
            }
        )
    if np.any(fold_of < 0):
        raise ProtocolError("the folds do not cover every comment")
    held_out = HeldOut(comments, scores, fold_of, thresholds, models)
    labels = held_out.labels
    return {
        "pooled": held_out.metrics(),
        "per_fold": per_fold,
        "mean": _fold_means(per_fold),
        "reliability": reliability_table(labels, scores),
        "scores": scores.tolist(),
        "labels": labels.tolist(),
        "held_out": held_out,
    }


def _fold_means(per_fold: Sequence[dict[str, object]]) -> dict[str, float | None]:
    means: dict[str, float | None] = {}
    for key in ("roc_auc", "mcc"):
        values = [float(f[key]) for f in per_fold if f[key] is not None]
        means[key] = float(np.mean(values)) if values else None
        means[f"{key}_sd"] = float(np.std(values)) if values else None
    return means


def cross_validate(
    comments: Sequence[LabelledComment],
    folds: int = 5,
    seed: int = 0,
    target_ham_blocked: float = 0.005,
    *,
    keep_models: bool = False,
    pipeline_params: Mapping[str, object] | None = None,
    progress: Progress = _quiet,
) -> dict[str, object]:
    """Stratified K-fold cross-validation of the whole training procedure (with
    ``pipeline_params``, as :func:`~spamschutz.training.train.train_model` takes them).

    Repeated texts are removed first (the later label wins, as in training); otherwise a copy
    in the training part would score its twin in the test part and flatter the figures.
    Returns ``pooled`` (all out-of-fold scores, each at its own fold's thresholds) and
    ``per_fold`` :func:`quality_metrics`, ``mean`` (per-fold ROC-AUC and MCC with their standard
    deviation), the pooled ``reliability`` table, the out-of-fold ``scores`` and ``labels``,
    and ``held_out`` (:class:`HeldOut`, with the fold models when ``keep_models``) for reports.
    """
    data = deduplicate(comments)
    splits = stratified_splits(data, folds, seed)
    result = _run_folds(
        data,
        splits,
        None,
        seed=seed,
        target_ham_blocked=target_ham_blocked,
        keep_models=keep_models,
        progress=progress,
        pipeline_params=pipeline_params,
    )
    return {
        "protocol": f"stratified {folds}-fold",
        "folds": folds,
        "seed": seed,
        "duplicates_removed": len(comments) - len(data),
        **result,
    }


def group_cross_validate(
    comments: Sequence[LabelledComment],
    group_by: str = "group",
    folds: int | None = None,
    seed: int = 0,
    target_ham_blocked: float = 0.005,
    *,
    keep_models: bool = False,
    progress: Progress = _quiet,
) -> dict[str, object]:
    """Cross-validation that keeps each group (video, thread, site, file) in one fold.

    Leave-one-group-out by default: the model is always tested on a group it never saw, which
    is what a new site or a new article looks like. With ``folds``, stratified group K-fold.
    Duplicates are kept: the same spam text under two videos is a real campaign, and a model
    that learnt it on one should catch it on the other. Returns the same keys as
    :func:`cross_validate`, and ``group`` on every fold.
    """
    splits, names = group_splits(comments, group_by, folds, seed)
    result = _run_folds(
        comments,
        splits,
        names,
        seed=seed,
        target_ham_blocked=target_ham_blocked,
        keep_models=keep_models,
        progress=progress,
    )
    protocol = "leave one group out" if folds is None else f"group {folds}-fold"
    return {
        "protocol": f"{protocol} (by {group_by})",
        "folds": len(splits),
        "seed": seed,
        "group_by": group_by,
        **result,
    }

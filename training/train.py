"""Train a spam model: cross-validated calibration and thresholds, then a fit on all data.

Thresholds must hold on comments unlike the training data: a new video, a new article, a new
site. When the comments come from several groups (files, videos, threads), the inner
cross-validation holds out whole groups, so the scores that set the thresholds are scores of
unseen groups; with random folds a near-copy in the training part makes its twin look easy.
"""

from __future__ import annotations

import platform
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from importlib.metadata import version as package_version

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from spamschutz.model import SpamModel, Thresholds, build_pipeline, new_version
from spamschutz.training.data import LabelledComment
from spamschutz.training.evaluate import quality_metrics
from spamschutz.training.fingerprint import score_histogram

__all__ = [
    "DEFAULT_TARGET_HAM_BLOCKED",
    "MIN_PER_CLASS", "TrainingError", "choose_thresholds", "deduplicate", "train_model"]

MIN_PER_CLASS = 10
LARGE_DATA = 50_000
# Never send a comment to the spam folder below this calibrated score, whatever the data says:
# a young model with few labels must not block readers on a coin toss.
SPAM_THRESHOLD_FLOOR = 0.6
UNSURE_THRESHOLD = 0.5
UNSURE_FLOOR = 0.05
TARGET_SPAM_MISSED = 0.005
# The share of ham the spam-folder threshold may block, unless a caller says otherwise.
DEFAULT_TARGET_HAM_BLOCKED = 0.005
# The "unsure" band may hold at most this share of ham: a band that flags a quarter of the
# readers (as a spam-recall target alone did on real comments) is a second queue nobody reads.
TARGET_HAM_FLAGGED = 0.10
# Beside a site's own labels, the background counts at most this share of their weight.
BACKGROUND_SHARE = 0.25
# Fewer groups than this (one site's moderation, one file) and the folds are drawn at random.
MIN_GROUP_FOLDS = 3

Progress = Callable[[str], None]


class TrainingError(ValueError):
    """The data cannot produce a model (too few labels, one class only)."""


def _quiet(_: str) -> None:
    return None


def _text_key(comment: LabelledComment) -> str:
    return " ".join(comment.text.casefold().split())


def deduplicate(comments: Sequence[LabelledComment]) -> list[LabelledComment]:
    """Drop repeated texts; the later occurrence wins, so newer labels override older ones."""
    by_text: dict[str, LabelledComment] = {}
    for comment in comments:
        key = _text_key(comment)
        by_text.pop(key, None)
        by_text[key] = comment
    return list(by_text.values())


def _enough(comments: Sequence[LabelledComment]) -> bool:
    counts = Counter(comment.label for comment in comments)
    return counts[1] >= MIN_PER_CLASS and counts[0] >= MIN_PER_CLASS


def _group_folds(comments: Sequence[LabelledComment]) -> int:
    """How many folds whole groups allow: each class must be in a group of every fold."""
    spam_groups = {comment.group for comment in comments if comment.label == 1}
    ham_groups = {comment.group for comment in comments if comment.label == 0}
    return min(len(spam_groups), len(ham_groups))


def _held_out_decisions(
    classifier: object,
    features: object,
    labels: np.ndarray,
    weights: np.ndarray,
    n_held_out: int,
    folds: int,
    seed: int,
    groups: Sequence[str] | None,
) -> np.ndarray:
    """Decision values of the first ``n_held_out`` rows, each from a classifier that did not
    see it (nor its group); the rows after them are in every training part."""
    own = labels[:n_held_out]
    if groups is None:
        splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(own, own)
    else:
        splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
        splits = splitter.split(own, own, groups)
    always = np.arange(n_held_out, labels.size)
    decisions = np.empty(n_held_out)
    for train, test in splits:
        rows = np.concatenate([train, always])
        fitted = clone(classifier).fit(features[rows], labels[rows], sample_weight=weights[rows])
        decisions[test] = fitted.decision_function(features[test])
    return decisions


def choose_thresholds(
    labels: np.ndarray,
    scores: np.ndarray,
    target_ham_blocked: float,
    target_spam_missed: float = TARGET_SPAM_MISSED,
) -> Thresholds:
    """Serving thresholds chosen on cross-validated scores (comments each model had not seen).

    ``spam``: the lowest score that sends at most ``target_ham_blocked`` of ham to the spam
    folder. ``unsure``: low enough that at most ``target_spam_missed`` of spam scores below it,
    so "ham" means the model can rule spam out, but high enough that at most
    ``TARGET_HAM_FLAGGED`` of ham is flagged; never above 0.5 or below 0.05.
    """
    ham_scores = np.sort(scores[labels == 0])[::-1]
    allowed = int(np.floor(target_ham_blocked * ham_scores.size))
    # Just above the highest ham score that would exceed the allowance.
    cut = float(np.nextafter(ham_scores[allowed], 1.0)) if allowed < ham_scores.size else 0.0
    spam = min(max(cut, SPAM_THRESHOLD_FLOOR), 0.999)
    spam_scores = scores[labels == 1]
    missed = float(np.quantile(spam_scores, target_spam_missed)) if spam_scores.size else 0.5
    flagged = float(np.quantile(ham_scores, 1.0 - TARGET_HAM_FLAGGED))
    unsure = min(max(missed, flagged, UNSURE_FLOOR), UNSURE_THRESHOLD, spam - 0.05)
    return Thresholds(spam=round(spam, 6), unsure=round(unsure, 6))


def _library_versions() -> dict[str, str]:
    names = ("scikit-learn", "numpy", "scipy", "nltk", "joblib")
    return {"python": platform.python_version(), **{name: package_version(name) for name in names}}


def train_model(
    comments: Sequence[LabelledComment],
    *,
    target_ham_blocked: float = DEFAULT_TARGET_HAM_BLOCKED,
    folds: int = 5,
    seed: int = 0,
    sources: Sequence[dict[str, object]] = (),
    pipeline_params: Mapping[str, object] | None = None,
    background: Sequence[LabelledComment] = (),
    progress: Progress = _quiet,
) -> SpamModel:
    """Train a calibrated model on ``comments``.

    Cross-validated decision values give the Platt calibration, the serving thresholds and the
    figures stored with the model; the final pipeline is then fitted on all data.
    ``background`` comments (the starter corpus beside a site's own labels) join every training
    fold and the final fit but are never held out: calibration and thresholds then come from
    the site's own comments, which is the data the model will serve.
    ``pipeline_params`` overrides settings of :func:`spamschutz.model.build_pipeline`'s pipeline by
    their scikit-learn names (``classifier__C``, ``features__words__min_df``: what
    ``spamschutz train --search`` ranks); an unknown name raises ``ValueError``.
    """
    pipeline = build_pipeline().set_params(**(pipeline_params or {}))
    held_out = deduplicate(comments)
    seen = {_text_key(comment) for comment in held_out}
    extra = [comment for comment in deduplicate(background) if _text_key(comment) not in seen]
    if not _enough(held_out) and extra:
        # Too few of the site's own labels to set thresholds on: judge on everything.
        held_out, extra = deduplicate([*extra, *held_out]), []
    data = [*held_out, *extra]
    labels = np.asarray([comment.label for comment in data], dtype=int)
    counts = Counter(labels.tolist())
    held_out_labels = labels[: len(held_out)]
    held_counts = Counter(held_out_labels.tolist())
    if not _enough(held_out):
        raise TrainingError(
            f"training needs at least {MIN_PER_CLASS} spam and {MIN_PER_CLASS} ham comments; "
            f"got {held_counts[1]} spam and {held_counts[0]} ham"
        )
    inputs = [comment.as_input() for comment in data]
    folds = min(folds, held_counts[0], held_counts[1])
    if len(data) > LARGE_DATA:
        # Three folds of a large set still hold tens of thousands of comments each, plenty
        # for calibration and thresholds, and save two classifier fits.
        folds = min(folds, 3)
    started = datetime.now(UTC)
    steps = pipeline.named_steps

    # Normalisation and the TF-IDF vocabulary are computed once, on all comments: they see no
    # labels, and refitting them per fold would cost most of the training time on large data.
    # The folds then only refit the classifier, whose held-out decisions give calibration and
    # thresholds. (Reported evaluations train on their training part alone; see protocols.)
    progress(f"extracting features of {len(data)} comments")
    features = steps["features"].fit_transform(steps["prepare"].transform(inputs))
    groups = [comment.group for comment in held_out]
    group_folds = _group_folds(held_out)
    grouped = group_folds >= MIN_GROUP_FOLDS
    folds = min(folds, group_folds) if grouped else folds
    progress(f"cross-validating the classifier ({folds} folds{', by group' if grouped else ''})")
    # The site's own comments outweigh the background: together the background counts at most
    # BACKGROUND_SHARE of their weight, so a few hundred decisions are not drowned by thousands
    # of written comments (leave one video out after training on starter + four videos, pooled
    # ROC-AUC: 0.9826 with equal weights, 0.9856 at a share of 1, 0.9876 at 0.25).
    weights = np.ones(len(data))
    if extra:
        weights[len(held_out) :] = min(1.0, BACKGROUND_SHARE * len(held_out) / len(extra))
    decisions = _held_out_decisions(
        steps["classifier"],
        features,
        labels,
        weights,
        len(held_out),
        folds,
        seed,
        groups if grouped else None,
    )
    platt = LogisticRegression(C=1e4).fit(decisions.reshape(-1, 1), held_out_labels)
    calibration = (float(platt.coef_[0, 0]), float(platt.intercept_[0]))
    provisional = SpamModel(pipeline, calibration, Thresholds(1.0, 1.0))
    cv_scores = provisional.calibrate(decisions)
    thresholds = choose_thresholds(held_out_labels, cv_scores, target_ham_blocked)

    progress("fitting the final classifier on all data")
    steps["classifier"].fit(features, labels, sample_weight=weights)
    metadata: dict[str, object] = {
        "version": new_version(started),
        "created_at": started.isoformat(),
        "data": {
            "n": len(data),
            "n_spam": counts[1],
            "n_ham": counts[0],
            "duplicates_removed": len(comments) + len(background) - len(data),
            "calibrated_on": len(held_out),
            "background_weight": float(weights[-1]) if extra else None,
            "languages": dict(Counter(comment.lang or "unknown" for comment in data)),
            "sources": list(sources),
        },
        "params": {
            "target_ham_blocked": target_ham_blocked,
            "folds": folds,
            "grouped_folds": grouped,
            "seed": seed,
            "pipeline": dict(pipeline_params or {}),
        },
        "cv_metrics": quality_metrics(held_out_labels, cv_scores, thresholds),
        "score_histogram": score_histogram(cv_scores),  # the reference for drift watching
        "thresholds": {"spam": thresholds.spam, "unsure": thresholds.unsure},
        "libraries": _library_versions(),
    }
    progress(f"done in {(datetime.now(UTC) - started).total_seconds():.1f} s")
    return SpamModel(pipeline, calibration, thresholds, metadata)

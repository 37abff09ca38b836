"""Quality figures for a spam model: ranking, the serving thresholds, calibration.

The figures a site cares about are asymmetric: ``ham_blocked`` (a reader's honest comment sent
to the spam folder, where nobody may look) is the costly error, ``recall`` (spam caught before a
moderator has to see it) the saving.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    matthews_corrcoef,
    roc_auc_score,
)

from model import SpamModel, Thresholds
from training.data import LabelledComment

__all__ = ["evaluate_model", "quality_metrics", "reliability_table"]


def _share(mask: np.ndarray) -> float:
    return float(mask.mean()) if mask.size else 0.0


def quality_metrics(
    labels: Sequence[int], scores: Sequence[float], thresholds: Thresholds
) -> dict[str, object]:
    """Ranking and threshold figures for calibrated ``scores`` against ``labels`` (1 = spam)."""
    y = np.asarray(labels, dtype=int)
    p = np.asarray(scores, dtype=float)
    predicted = p >= thresholds.spam
    spam, ham = y == 1, y == 0
    true_pos = int(np.sum(predicted & spam))
    both_classes = spam.any() and ham.any()
    precision = true_pos / int(predicted.sum()) if predicted.any() else 0.0
    recall = _share(predicted[spam])
    return {
        "n": int(y.size),
        "n_spam": int(spam.sum()),
        "n_ham": int(ham.sum()),
        "roc_auc": float(roc_auc_score(y, p)) if both_classes else None,
        "pr_auc": float(average_precision_score(y, p)) if both_classes else None,
        "accuracy": _share(predicted == spam),
        "precision": precision,
        "recall": recall,
        "ham_blocked": _share(predicted[ham]),
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "mcc": float(matthews_corrcoef(y, predicted)) if both_classes else 0.0,
        "spam_flagged": _share(p[spam] >= thresholds.unsure),
        "ham_flagged": _share(p[ham] >= thresholds.unsure),
        "brier": float(brier_score_loss(y, p)) if y.size else None,
        "thresholds": {"spam": thresholds.spam, "unsure": thresholds.unsure},
    }


def reliability_table(
    labels: Sequence[int], scores: Sequence[float], bins: int = 10
) -> list[dict[str, float]]:
    """Per score bin: how many comments, their mean score, and the share that really is spam."""
    y = np.asarray(labels, dtype=int)
    p = np.asarray(scores, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    rows = []
    for index in range(bins):
        mask = which == index
        if mask.any():
            rows.append(
                {
                    "low": float(edges[index]),
                    "high": float(edges[index + 1]),
                    "n": int(mask.sum()),
                    "mean_score": float(p[mask].mean()),
                    "spam_share": float(y[mask].mean()),
                }
            )
    return rows


def evaluate_model(model: SpamModel, comments: Sequence[LabelledComment]) -> dict[str, object]:
    """Score ``comments`` with ``model`` and report :func:`quality_metrics` at its thresholds."""
    scores = model.score([comment.as_input() for comment in comments])
    labels = [comment.label for comment in comments]
    return {
        "model_version": model.metadata.get("version"),
        **quality_metrics(labels, scores, model.thresholds),
        "reliability": reliability_table(labels, scores),
    }

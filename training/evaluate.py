"""Quality figures for a spam model: ranking, the serving thresholds, calibration.

The figures a site cares about are asymmetric: ``ham_blocked`` (a reader's honest comment sent
to the spam folder, where nobody may look) is the costly error, ``recall`` (spam caught before a
moderator has to see it) the saving.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    matthews_corrcoef,
    roc_auc_score,
)

from spamschutz.model import SpamModel, Thresholds
from spamschutz.training.data import LabelledComment

__all__ = [
    "BANDS",
    "REPORT_THRESHOLDS",
    "HeldOut",
    "band_confusion",
    "decision_metrics",
    "evaluate_model",
    "quality_metrics",
    "ranking_metrics",
    "reliability_table",
    "threshold_table",
]

# "Precision among scores ≥ 0.9": how trustworthy the confident end of the scale is, whatever
# threshold a site picks. A calibrated model should show about nine in ten or better here.
CONFIDENT_SCORE = 0.9
REPORT_THRESHOLDS = (0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99)
BANDS = ("ham", "unsure", "spam")


def _share(mask: np.ndarray) -> float:
    return float(mask.mean()) if mask.size else 0.0


def _mcc(y: np.ndarray, predicted: np.ndarray) -> float:
    both_classes = bool((y == 1).any() and (y == 0).any())
    return float(matthews_corrcoef(y, predicted)) if both_classes else 0.0


def ranking_metrics(labels: Sequence[int], scores: Sequence[float]) -> dict[str, object]:
    """Figures that need no serving threshold: ranking, calibration, fixed cut-offs."""
    y = np.asarray(labels, dtype=int)
    p = np.asarray(scores, dtype=float)
    spam, ham = y == 1, y == 0
    both_classes = bool(spam.any() and ham.any())
    confident = p >= CONFIDENT_SCORE
    return {
        "n": int(y.size),
        "n_spam": int(spam.sum()),
        "n_ham": int(ham.sum()),
        "roc_auc": float(roc_auc_score(y, p)) if both_classes else None,
        "pr_auc": float(average_precision_score(y, p)) if both_classes else None,
        "brier": float(brier_score_loss(y, p)) if y.size else None,
        "mcc_at_0_5": _mcc(y, p >= 0.5),
        "precision_at_0_9": float(y[confident].mean()) if confident.any() else None,
        "n_at_0_9": int(confident.sum()),
    }


def decision_metrics(
    labels: Sequence[int],
    scores: Sequence[float],
    spam_cut: float | np.ndarray,
    unsure_cut: float | np.ndarray,
) -> dict[str, float]:
    """Figures at the serving thresholds.

    The cuts are one number, or one per comment: in cross-validation each fold's model has its
    own thresholds, and a pooled figure must judge every comment by the model that scored it.
    """
    y = np.asarray(labels, dtype=int)
    p = np.asarray(scores, dtype=float)
    predicted = p >= np.asarray(spam_cut, dtype=float)
    flagged = p >= np.asarray(unsure_cut, dtype=float)
    spam, ham = y == 1, y == 0
    true_pos = int(np.sum(predicted & spam))
    precision = true_pos / int(predicted.sum()) if predicted.any() else 0.0
    recall = _share(predicted[spam])
    return {
        "accuracy": _share(predicted == spam),
        "precision": precision,
        "recall": recall,
        "ham_blocked": _share(predicted[ham]),
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "mcc": _mcc(y, predicted),
        "spam_flagged": _share(flagged[spam]),
        "ham_flagged": _share(flagged[ham]),
    }


def quality_metrics(
    labels: Sequence[int], scores: Sequence[float], thresholds: Thresholds
) -> dict[str, object]:
    """Ranking and threshold figures for calibrated ``scores`` against ``labels`` (1 = spam)."""
    return {
        **ranking_metrics(labels, scores),
        **decision_metrics(labels, scores, thresholds.spam, thresholds.unsure),
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


@dataclass
class HeldOut:
    """Comments scored by models that had not seen them, and which model scored each.

    One model for a plain evaluation, one per fold for cross-validation. ``models`` may be empty
    when the fold models were not kept; reports need them for features and explanations.
    """

    comments: list[LabelledComment]
    scores: np.ndarray
    fold: np.ndarray  # index into ``thresholds`` (and ``models``) for every comment
    thresholds: list[Thresholds]
    models: list[SpamModel] = field(default_factory=list)

    @classmethod
    def from_model(cls, model: SpamModel, comments: Sequence[LabelledComment]) -> HeldOut:
        """Score ``comments`` with one ``model``."""
        scores = np.asarray(model.score([comment.as_input() for comment in comments]))
        fold = np.zeros(len(comments), dtype=int)
        return cls(list(comments), scores, fold, [model.thresholds], [model])

    @property
    def labels(self) -> np.ndarray:
        """1 for spam, 0 for ham, per comment."""
        return np.asarray([comment.label for comment in self.comments], dtype=int)

    @property
    def spam_cuts(self) -> np.ndarray:
        """The spam-folder threshold of the model that scored each comment."""
        return np.asarray([t.spam for t in self.thresholds])[self.fold]

    @property
    def unsure_cuts(self) -> np.ndarray:
        """The 'unsure' threshold of the model that scored each comment."""
        return np.asarray([t.unsure for t in self.thresholds])[self.fold]

    def metrics(self) -> dict[str, object]:
        """Pooled :func:`quality_metrics`, every comment judged at its own model's thresholds.

        ``thresholds`` holds the mean over the models (and each model's own under ``per_fold``
        when there are several).
        """
        labels, scores = self.labels, self.scores
        thresholds: dict[str, object] = {
            "spam": float(np.mean([t.spam for t in self.thresholds])),
            "unsure": float(np.mean([t.unsure for t in self.thresholds])),
        }
        if len(self.thresholds) > 1:
            thresholds["per_fold"] = [{"spam": t.spam, "unsure": t.unsure} for t in self.thresholds]
        return {
            **ranking_metrics(labels, scores),
            **decision_metrics(labels, scores, self.spam_cuts, self.unsure_cuts),
            "thresholds": thresholds,
        }


def threshold_table(held_out: HeldOut) -> list[dict[str, object]]:
    """Spam caught, ham blocked and precision at :data:`REPORT_THRESHOLDS` and at the serving
    thresholds (``serving`` names those rows), ordered by threshold. ``low``/``high`` give the
    range of a threshold that differs between fold models."""
    labels, scores = held_out.labels, held_out.scores
    cut_sets = [(np.full(scores.size, cut), "") for cut in REPORT_THRESHOLDS]
    cut_sets += [(held_out.unsure_cuts, "unsure"), (held_out.spam_cuts, "spam folder")]
    rows = []
    for cuts, serving in cut_sets:
        above = scores >= cuts
        rows.append(
            {
                "threshold": float(np.mean(cuts)) if cuts.size else 0.0,
                "low": float(cuts.min()) if cuts.size else 0.0,
                "high": float(cuts.max()) if cuts.size else 0.0,
                "serving": serving,
                "spam_caught": float(above[labels == 1].mean()) if (labels == 1).any() else None,
                "ham_blocked": float(above[labels == 0].mean()) if (labels == 0).any() else None,
                "precision": float(labels[above].mean()) if above.any() else None,
                "n_above": int(above.sum()),
            }
        )
    return sorted(rows, key=lambda row: (row["threshold"], row["serving"] != ""))


def band_confusion(held_out: HeldOut) -> dict[str, dict[str, int]]:
    """Counts per true class (``ham``/``spam``) and serving band (:data:`BANDS`)."""
    scores = held_out.scores
    bands = np.where(
        scores >= held_out.spam_cuts,
        "spam",
        np.where(scores >= held_out.unsure_cuts, "unsure", "ham"),
    )
    return {
        truth: {band: int(np.sum((held_out.labels == value) & (bands == band))) for band in BANDS}
        for truth, value in (("ham", 0), ("spam", 1))
    }


def evaluate_model(model: SpamModel, comments: Sequence[LabelledComment]) -> dict[str, object]:
    """Score ``comments`` with ``model`` and report :func:`quality_metrics` at its thresholds."""
    scores = model.score([comment.as_input() for comment in comments])
    labels = [comment.label for comment in comments]
    return {
        "model_version": model.metadata.get("version"),
        **quality_metrics(labels, scores, model.thresholds),
        "reliability": reliability_table(labels, scores),
    }

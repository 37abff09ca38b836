"""Score a comment with the serving model, never letting a model failure reach the caller."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from spamschutz.model import ModelRegistry, Thresholds, score_with_reasons
from spamschutz.service.observability.metrics import observe_scoring

__all__ = ["ScoreResult", "score_comment"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScoreResult:
    """A calibrated score, the model's reasons for it and the version that produced it."""

    score: float
    band: str
    reasons: list[dict[str, object]]
    model_version: str
    thresholds: Thresholds


def score_comment(models: ModelRegistry, comment: dict[str, object]) -> ScoreResult | None:
    """Score ``comment``; ``None`` when no model is available or scoring failed.

    A comment that cannot be scored still goes to the review queue, so a broken model costs
    moderators time, never a reader's comment.
    """
    serving = models.current()
    if serving is None:
        return None
    version, model = serving
    try:
        started = time.perf_counter()
        score, reasons = score_with_reasons(model, comment)
        observe_scoring(time.perf_counter() - started)
    except Exception:
        log.exception("model %s failed to score a comment", version)
        return None
    return ScoreResult(
        score=score,
        band=model.thresholds.band(score),
        reasons=[reason.as_dict() for reason in reasons],
        model_version=version,
        thresholds=model.thresholds,
    )

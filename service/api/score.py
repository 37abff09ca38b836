"""``POST /api/v1/score``: score a text without storing it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app

from spamschutz.model import ModelRegistry
from spamschutz.service.api import bp
from spamschutz.service.api.access import require
from spamschutz.service.api.errors import APIError
from spamschutz.service.api.rules import SCORE
from spamschutz.service.api.validation import read_payload
from spamschutz.service.extensions import runtime
from spamschutz.service.scoring import score_comment

__all__ = ["SCORE_ROLES", "score_answer", "score_text"]

# Who may score: comment forms and integrations, and moderators (admin always may).
SCORE_ROLES = ("site", "moderator")


@bp.post("/score")
@require(*SCORE_ROLES)
def score_text():
    """Score ``text`` (with optional ``author``, ``email``, ``url``) for integrations."""
    return score_answer(read_payload(), current_app.config, runtime().registry)


def score_answer(
    payload: Mapping[str, Any], config: Mapping[str, Any], models: ModelRegistry
) -> dict[str, Any]:
    """The answer to a score request's ``payload``; :class:`APIError` for what is refused.

    Shared with the hot path (:mod:`spamschutz.service.api.hot_path`), so both answer alike.
    """
    # The same rules as a comment's: an integration never gets a score for text the comment
    # form would refuse.
    comment = {name: value or "" for name, value in SCORE.read(payload, "en", config).items()}
    result = score_comment(models, comment)
    if result is None:
        raise APIError(
            503, "model_unavailable", "No spam model is loaded right now. Try again shortly."
        )
    return {
        "score": round(result.score, 6),
        "verdict": result.band,
        "reasons": result.reasons,
        "model_version": result.model_version,
        "thresholds": {"spam": result.thresholds.spam, "unsure": result.thresholds.unsure},
    }

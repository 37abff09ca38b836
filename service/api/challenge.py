"""``GET /api/v1/challenge``: a question and its signed token."""

from __future__ import annotations

from flask import request

from spamschutz.service.api import bp
from spamschutz.service.extensions import runtime
from spamschutz.service.i18n import pick_language, translate
from spamschutz.service.sites import challenge_mode

__all__ = ["challenge_json", "get_challenge"]


def challenge_json(lang: str, form_started_at: float | None = None) -> dict[str, object]:
    """A fresh challenge as the API returns it (also inside 422 answers, where
    ``form_started_at`` carries the time of the form's first question on)."""
    issued = runtime().questions.issue(lang, form_started_at)
    return {
        "token": issued.token,
        "question": issued.question.question,
        "lang": issued.question.lang,
        "expires_in": issued.expires_in,
        "explanation": translate("reader.explanation", issued.question.lang),
    }


@bp.get("/challenge")
def get_challenge():
    """Issue a challenge question (``?lang=de|en``) and the site's mode (``?site=``)."""
    lang = request.args.get("lang")
    site = (request.args.get("site") or "")[:100] or None
    body = challenge_json(pick_language(lang)) | {"mode": challenge_mode(site)}
    return body, 200, {"Cache-Control": "no-store"}

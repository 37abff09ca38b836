"""``POST /api/v1/comments``: a reader's submission, from the widget or a plain HTML form."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, request

from service.api import bp
from service.api.challenge import challenge_json
from service.api.errors import APIError
from service.api.validation import (
    optional_text,
    read_payload,
    required_text,
    validate_email,
    validate_url,
)
from service.challenge import ChallengeError
from service.decision import Signals, decide_verdict
from service.extensions import runtime
from service.messages import message, pick_language
from service.privacy import keyed_hash, truncate_ip
from service.scoring import score_comment

__all__ = ["HONEYPOT_FIELD", "submit_comment"]

# Hidden from people (CSS and aria-hidden), irresistible to form-filling bots.
HONEYPOT_FIELD = "phone"


def _wants_html() -> bool:
    """A plain HTML form (no JavaScript) posted this and expects a page back."""
    return not request.is_json and request.accept_mimetypes.best == "text/html"


def _client_address() -> str | None:
    return request.remote_addr


def _read_submission(payload: dict[str, Any]) -> dict[str, Any]:
    max_text = int(current_app.config["MAX_TEXT_LENGTH"])
    return {
        "thread_id": required_text(payload, "thread_id", 200),
        "author_name": required_text(payload, "author", 100),
        "author_email": validate_email(optional_text(payload, "email", 320)),
        "author_url": validate_url(optional_text(payload, "url", 2000)),
        "text": required_text(payload, "text", max_text),
    }


def _verify_challenge(payload: dict[str, Any], lang: str):
    token = optional_text(payload, "challenge_token", 1000) or ""
    answer = optional_text(payload, "challenge_answer", 200) or ""
    try:
        return runtime().questions.verify(token, answer)
    except ChallengeError as error:
        raise _challenge_failed(error.code, lang) from error


def _challenge_failed(code: str, lang: str) -> APIError:
    return APIError(422, code, message(code, lang), challenge=challenge_json(lang))


def _accepted(comment_id: str, lang: str, fields: dict[str, Any]):
    body = {"id": comment_id, "status": "received", "message": message("received", lang)}
    if _wants_html():
        return render_template(
            "public/received.html",
            message=body["message"],
            thread_id=fields["thread_id"],
            lang=lang,
        ), 202
    return body, 202


@bp.post("/comments")
def submit_comment():
    """Check the challenge, score, decide and store; answer 202 or 422 with a new question."""
    payload = read_payload()
    lang = pick_language(payload.get("lang"))
    try:
        fields = _read_submission(payload)
        verified = _verify_challenge(payload, lang)
    except APIError as error:
        if _wants_html():
            return _form_again(payload, lang, error)
        raise

    repository = runtime().repository
    idempotency_key = request.headers.get("Idempotency-Key") or optional_text(
        payload, "idempotency_key", 128
    )
    if idempotency_key:
        existing = repository.find_comment_by_idempotency_key(idempotency_key)
        if existing is not None:  # a client retry: same answer, nothing stored twice
            return _accepted(existing.public_id, lang, fields)
    if not repository.redeem_challenge(verified.token_id):
        error = _challenge_failed("challenge_used", lang)
        return _form_again(payload, lang, error) if _wants_html() else error.response()

    min_seconds = float(current_app.config["MIN_SUBMIT_SECONDS"])
    signals = Signals(
        honeypot_filled=bool(str(payload.get(HONEYPOT_FIELD) or "").strip()),
        seconds_to_submit=round(verified.seconds_since_issue, 1),
        too_fast=verified.seconds_since_issue < min_seconds,
        challenge="passed",
    )
    scored = score_comment(
        runtime().models,
        {
            "text": fields["text"],
            "author": fields["author_name"],
            "email": fields["author_email"] or "",
            "url": fields["author_url"] or "",
        },
    )
    verdict = decide_verdict(
        scored.score if scored else None, scored.thresholds if scored else None, signals
    )
    secret = str(current_app.config["SECRET_KEY"])
    address = _client_address()
    row = repository.add_comment(
        **fields,
        idempotency_key=idempotency_key,
        lang=lang,
        status=verdict.status,
        score=scored.score if scored else None,
        band=verdict.band,
        reasons=scored.reasons if scored else [],
        model_version=scored.model_version if scored else None,
        signals={
            "honeypot": signals.honeypot_filled,
            "seconds_to_submit": signals.seconds_to_submit,
            "too_fast": signals.too_fast,
            "challenge": signals.challenge,
            "verdict_reasons": list(verdict.reasons),
        },
        ip_truncated=truncate_ip(address),
        ip_hash=keyed_hash(address, secret),
        email_hash=keyed_hash(fields["author_email"], secret),
        user_agent=(request.user_agent.string or "")[:500] or None,
    )
    return _accepted(row.public_id, lang, fields)


def _form_again(payload: dict[str, Any], lang: str, error: APIError):
    """The plain HTML form again, with the reader's text kept and the problem explained."""
    challenge = error.extra.get("challenge") or challenge_json(lang)
    return render_template(
        "public/form_again.html",
        error=error,
        challenge=challenge,
        lang=lang,
        values={
            key: payload.get(key, "") for key in ("thread_id", "author", "email", "url", "text")
        },
    ), error.status

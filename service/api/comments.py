"""``POST /api/v1/comments``: a reader's submission, from the widget or a plain HTML form."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import current_app, render_template, request

from spamschutz.service.api import bp
from spamschutz.service.api.challenge import challenge_json
from spamschutz.service.api.errors import APIError
from spamschutz.service.api.rules import COMMENT
from spamschutz.service.api.validation import (
    optional_text,
    read_payload,
    validate_idempotency_key,
    validate_url,
)
from spamschutz.service.campaigns.detector import CAMPAIGN_DETECTOR_EXTENSION
from spamschutz.service.challenge import ChallengeError, VerifiedChallenge
from spamschutz.service.challenge_guard import (
    address_wait_seconds,
    claim_challenge,
    record_wrong_answer,
    token_has_attempts_left,
)
from spamschutz.service.decision import Signals, decide_verdict
from spamschutz.service.extensions import runtime
from spamschutz.service.i18n import message, pick_language
from spamschutz.service.intake import IdempotencyKeyReused, store_submission
from spamschutz.service.negotiation import wants_html_page
from spamschutz.service.observability.metrics import record_challenge_outcome, record_verdict
from spamschutz.service.privacy import keyed_hash, truncate_ip
from spamschutz.service.proxies import client_address, client_address_hash
from spamschutz.service.scoring import ScoreResult, score_comment
from spamschutz.service.sites import challenge_mode
from spamschutz.service.storage import CampaignPrint

__all__ = ["HONEYPOT_FIELD", "submit_comment"]

# Hidden from people (CSS and aria-hidden), irresistible to form-filling bots.
HONEYPOT_FIELD = "phone"


def _client_address() -> str | None:
    return request.remote_addr  # the real client's: ProxyFix applied TRUSTED_PROXIES


def _read_submission(payload: dict[str, Any], lang: str) -> dict[str, Any]:
    fields = COMMENT.read(payload, lang, current_app.config)
    return {
        "thread_id": fields["thread_id"],
        "author_name": fields["author"],
        "author_email": fields["email"],
        "author_url": fields["url"],
        "text": fields["text"],
    }


# The article's title and address are shown to moderators beside the comment.
MAX_THREAD_TITLE = 300
MAX_THREAD_URL = 2000


def _page_fields(payload: dict[str, Any], lang: str) -> dict[str, str | None]:
    """The article page the comment was written on, as the reader's browser reported it.

    A title or an address that does not fit is dropped, never the comment: the reader cannot
    fix what the page says about itself. A long title is cut.
    """
    title = payload.get("thread_title")
    try:
        title = optional_text(
            {"thread_title": title[:MAX_THREAD_TITLE] if isinstance(title, str) else title},
            "thread_title", MAX_THREAD_TITLE, lang)
    except APIError:
        title = None
    try:
        url = validate_url(optional_text(payload, "thread_url", MAX_THREAD_URL, lang), lang)
    except APIError:
        url = None
    return {"thread_title": title, "permalink": url}


def _verify_challenge(payload: dict[str, Any], lang: str) -> VerifiedChallenge:
    """The answered challenge, or the APIError telling the reader what to do instead."""
    address = client_address()
    wait = address_wait_seconds(address)
    if wait:
        record_challenge_outcome("address_waits")
        raise APIError(
            429,
            "challenge_attempts_exceeded",
            message("challenge_attempts_exceeded_address", lang, minutes=-(-wait // 60)),
            headers={"Retry-After": str(wait)},
        )
    token = optional_text(payload, "challenge_token", 1000, lang) or ""
    answer = optional_text(payload, "challenge_answer", 200, lang) or ""
    try:
        questions = runtime().questions
        opened = questions.open(token)
        if not token_has_attempts_left(opened.token_id):
            raise ChallengeError("challenge_attempts_exceeded", "too many wrong answers")
        try:
            questions.check_answer(opened, answer)
        except ChallengeError as error:
            record_wrong_answer(opened.token_id, address)
            # The next question continues the same form: its clock keeps running.
            raise _challenge_failed(error.code, lang, opened.form_started_at) from error
    except ChallengeError as error:
        raise _challenge_failed(error.code, lang) from error
    return VerifiedChallenge(opened.token_id, opened.seconds_on_form)


def _challenge_failed(code: str, lang: str, form_started_at: float | None = None) -> APIError:
    record_challenge_outcome(code)
    return APIError(422, code, message(code, lang),
                    challenge=challenge_json(lang, form_started_at))


def _accepted(comment_id: str, lang: str, fields: dict[str, Any]):
    body = {"id": comment_id, "status": "received", "message": message("received", lang)}
    if wants_html_page():
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
    payload = read_payload(pick_language())
    lang = pick_language(payload.get("lang"))
    try:
        fields = _read_submission(payload, lang)
        page = _page_fields(payload, lang)
        idempotency_key = validate_idempotency_key(
            request.headers.get("Idempotency-Key") or payload.get("idempotency_key"), lang
        )
        site = optional_text(payload, "site", 100, lang)
        mode = challenge_mode(site)
        scored: ScoreResult | None = None
        verified: VerifiedChallenge | None = None
        if mode == "always" or optional_text(payload, "challenge_token", 1000, lang):
            verified = _verify_challenge(payload, lang)
        else:
            scored = _score(fields)
            if mode == "unsure" and (scored is None or scored.band == "unsure"):
                # Mollom's idea: only the readers the model cannot place are asked.
                raise APIError(
                    409,
                    "challenge_required",
                    message("challenge_required", lang),
                    challenge=challenge_json(lang),
                )
    except APIError as error:
        if wants_html_page():
            return _form_again(payload, lang, error)
        raise

    # One call stores the comment: in the database, or in the spool while it is unavailable.
    try:
        stored = store_submission(
            runtime().comments,
            runtime().spool,
            claim_challenge=claim_challenge,
            challenge_token_id=verified.token_id if verified else None,
            idempotency_key=idempotency_key,
            content=fields,
            build_comment=lambda: _comment_fields(payload, fields, verified, lang, site, scored)
            | page,
            campaign_fingerprint=_campaign_fingerprint(),
        )
    except IdempotencyKeyReused as reused:
        # With a fresh question, like every 422 here: the comment is sent again with a new key.
        error = APIError(
            422,
            "idempotency_key_reused",
            message("idempotency_key_reused", lang),
            challenge=challenge_json(lang),
        )
        if wants_html_page():
            return _form_again(payload, lang, error)
        raise error from reused
    if stored is None:
        error = _challenge_failed("challenge_used", lang)
        return _form_again(payload, lang, error) if wants_html_page() else error.response()
    return _accepted(stored.public_id, lang, fields)


def _campaign_fingerprint() -> Callable[[Mapping[str, Any]], CampaignPrint | None] | None:
    """The campaign detector's fingerprint of a comment; ``None`` when the detection is off."""
    detector = current_app.extensions.get(CAMPAIGN_DETECTOR_EXTENSION)
    return detector.fingerprint if detector is not None else None


def _score(fields: dict[str, Any]) -> ScoreResult | None:
    return score_comment(
        runtime().registry,
        {
            "text": fields["text"],
            "author": fields["author_name"],
            "email": fields["author_email"] or "",
            "url": fields["author_url"] or "",
        },
    )


def _comment_fields(
    payload: dict[str, Any],
    fields: dict[str, Any],
    verified: VerifiedChallenge | None,
    lang: str,
    site: str | None = None,
    scored: ScoreResult | None = None,
) -> dict[str, Any]:
    """What is stored for an accepted submission: the fields, score, verdict and signals.

    ``verified`` is ``None`` when the site's challenge mode let the comment in unasked.
    """
    min_seconds = float(current_app.config["MIN_SUBMIT_SECONDS"])
    seconds = verified.seconds_on_form if verified else None
    signals = Signals(
        honeypot_filled=bool(str(payload.get(HONEYPOT_FIELD) or "").strip()),
        seconds_to_submit=round(seconds, 3) if seconds is not None else None,
        too_fast=seconds is not None and seconds < min_seconds,
        challenge="passed" if verified else "not_asked",
    )
    if scored is None:
        scored = _score(fields)
    verdict = decide_verdict(
        scored.score if scored else None, scored.thresholds if scored else None, signals
    )
    record_challenge_outcome("passed")
    record_verdict(verdict.status, verdict.band)
    address = _client_address()
    return dict(
        **fields,
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
        ip_hash=client_address_hash(address),
        email_hash=keyed_hash(fields["author_email"], str(current_app.config["SECRET_KEY"])),
        user_agent=(request.user_agent.string or "")[:500] or None,
        site=site,
    )


def _form_again(payload: dict[str, Any], lang: str, error: APIError):
    """The plain HTML form again, with the reader's text kept and the problem explained."""
    challenge = error.extra.get("challenge") or challenge_json(lang)
    return render_template(
        "public/form_again.html",
        error=error,
        challenge=challenge,
        lang=lang,
        values={
            key: payload.get(key, "")
            for key in ("thread_id", "thread_title", "thread_url", "author", "email", "url", "text")
        },
    ), error.status, error.headers

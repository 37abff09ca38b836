"""An Akismet-compatible API (REST API 1.1) under ``/1.1``, so Akismet plugins can switch over.

Akismet speaks form-encoded requests and ``text/plain`` answers, and reports problems in the
``X-akismet-debug-help`` header with status 200 (clients raise on any other status), so this
blueprint has its own error handling instead of the JSON errors of ``/api/v1``.

The key is a spamschutz API token with the ``site`` role, sent as the ``api_key`` field
(``key`` for ``verify-key``), as every current Akismet client does. Akismet's older style of a
key in the host name (``https://<key>.rest.akismet.com``) cannot work: host names are
case-insensitive and tokens are not.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException

from spamschutz.service.api.errors import APIError
from spamschutz.service.api.rules import AKISMET_COMMENT, TextRule
from spamschutz.service.api.validation import read_payload
from spamschutz.service.auth import hash_token
from spamschutz.service.decision import Signals, decide_verdict
from spamschutz.service.extensions import runtime
from spamschutz.service.intake import StoredSubmission, store_submission
from spamschutz.service.privacy import keyed_hash, truncate_ip
from spamschutz.service.proxies import client_address_hash
from spamschutz.service.scoring import score_comment
from spamschutz.service.storage import NotFound, StorageUnavailable

__all__ = ["THANKS", "bp"]

log = logging.getLogger(__name__)

bp = Blueprint("akismet", __name__)

THANKS = "Thanks for making the web a better place."
# Akismet's documented test values: these always give the same answer, whatever the model says.
_TEST_SPAM_AUTHOR = "viagra-test-123"
_TEST_SPAM_EMAIL = "akismet-guaranteed-spam@example.com"
_KEY_ROLES = ("site", "admin")


def _text(body: str, status: int = 200, **headers: str) -> Response:
    response = Response(body, status=status, mimetype="text/plain")
    response.headers.update(headers)
    return response


def _debug(help_text: str, body: str = "invalid") -> Response:
    return _text(body, **{"X-akismet-debug-help": help_text})


def _key(field: str) -> str:
    return str(request.form.get(field) or "").strip()


def _principal_name(key: str) -> str | None:
    """The name of the site token ``key``, or ``None`` if it is not a valid site key."""
    if not key:
        return None
    row = runtime().accounts.find_api_token(hash_token(key))
    return row.name if row is not None and row.role in _KEY_ROLES else None


def _missing(fields: Mapping[str, str], *names: str) -> Response | None:
    for name in names:
        if not fields[name]:
            return _debug(f"Missing required field: {name}.", f"Missing required field: {name}.")
    return None


@bp.errorhandler(APIError)
def _refused(error: APIError) -> tuple[Response, int]:
    # A field the comment form would refuse: the API's JSON error, and the same sentence
    # where Akismet clients look for help.
    response, status = error.response()
    response.headers["X-akismet-debug-help"] = error.message
    return response, status


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    return _text(
        error.name, error.code or 400, **{"X-akismet-debug-help": error.description or error.name}
    )


@bp.errorhandler(StorageUnavailable)
def _storage_unavailable(error: StorageUnavailable) -> Response:
    log.error("database unavailable: %s", error)
    return _text(
        "Service unavailable", 503, **{"Retry-After": "30", "X-akismet-debug-help": "Try again."}
    )


@bp.post("/verify-key")
def verify_key():
    """``valid`` for a spamschutz site token, ``invalid`` otherwise."""
    key = _key("key")
    if not key:
        return _debug('Empty "key" value')
    if not _key("blog"):
        return _debug('Empty "blog" value')
    return _text("valid" if _principal_name(key) else "invalid")


def _read_fields() -> dict[str, str]:
    """Akismet's fields, checked with the comment form's rules (:class:`APIError` for what
    it would refuse); absent ones are empty."""
    payload = read_payload()
    fields = AKISMET_COMMENT.read(payload, "en", current_app.config)
    honeypot = fields["honeypot_field_name"]
    if honeypot:
        fields["honeypot"] = TextRule(honeypot, 1000).read(payload, "en", current_app.config)
    return {name: value or "" for name, value in fields.items()}


def _comment(fields: Mapping[str, str]) -> dict[str, str]:
    return {
        "text": fields["comment_content"],
        "author": fields["comment_author"],
        "email": fields["comment_author_email"],
        "url": fields["comment_author_url"],
    }


def _lang(fields: Mapping[str, str]) -> str:
    lang = fields["blog_lang"].split(",")[0].strip().lower()[:2]
    return lang if lang in ("de", "en") else str(current_app.config["DEFAULT_LANG"])


def _stored_fields(fields: Mapping[str, str], status: str) -> dict[str, Any]:
    secret = str(current_app.config["SECRET_KEY"])
    comment = _comment(fields)
    address = fields["user_ip"] or None
    permalink = fields["permalink"] or None
    return {
        "thread_id": (permalink or fields["blog"] or "akismet")[:200],
        "author_name": comment["author"],
        "author_email": comment["email"] or None,
        "author_url": comment["url"] or None,
        "text": comment["text"],
        "lang": _lang(fields),
        "status": status,
        "ip_truncated": truncate_ip(address),
        "ip_hash": client_address_hash(address),
        "email_hash": keyed_hash(comment["email"] or None, secret),
        "user_agent": fields["user_agent"][:500] or None,  # as the comment form keeps it
        "source": "akismet",
        "is_test": fields["is_test"] not in ("", "0", "false"),
        "permalink": permalink,
        "site": fields["blog"][:100] or None,
    }


def _store(comment: dict[str, Any]) -> StoredSubmission:
    """Keep a check the way every comment is kept
    (:func:`spamschutz.service.intake.store_submission`): in the database, or in the spool while it
    is away. Nothing to redeem, no client key."""
    return store_submission(  # type: ignore[return-value]  # None only for a used challenge
        runtime().comments,
        runtime().spool,
        claim_challenge=lambda _token_id: True,
        challenge_token_id=None,
        idempotency_key=None,
        content=comment,
        build_comment=lambda: comment,
    )


@bp.post("/comment-check")
def comment_check():
    """Score, decide and keep the check; ``true`` (spam) or ``false`` (ham)."""
    if not _principal_name(_key("api_key")):
        return _debug("We were unable to parse your API key or it is not a valid site token.")
    fields = _read_fields()
    missing = _missing(fields, "blog", "user_ip")
    if missing is not None:
        return missing
    comment = _comment(fields)
    signals = Signals(honeypot_filled=bool(fields.get("honeypot")), challenge="not_asked")
    scored = score_comment(runtime().registry, dict(comment))
    verdict = decide_verdict(
        scored.score if scored else None, scored.thresholds if scored else None, signals
    )
    reasons = list(verdict.reasons)
    spam = verdict.status == "spam"
    if comment["author"] == _TEST_SPAM_AUTHOR or comment["email"] == _TEST_SPAM_EMAIL:
        spam, reasons = True, [*reasons, "akismet_test_spam"]
    elif fields["user_role"].lower() == "administrator":
        spam, reasons = False, [*reasons, "akismet_test_ham"]
    margin = float(current_app.config["AKISMET_DISCARD_MARGIN"])
    discard = spam and (
        signals.honeypot_filled
        or comment["author"] == _TEST_SPAM_AUTHOR
        or (scored is not None and scored.score >= scored.thresholds.spam + margin)
    )
    comment_fields = {
        **_stored_fields(fields, "spam" if spam else "pending"),
        "score": scored.score if scored else None,
        "band": verdict.band,
        "reasons": scored.reasons if scored else [],
        "model_version": scored.model_version if scored else None,
        "signals": {
            "honeypot": signals.honeypot_filled,
            "challenge": signals.challenge,
            "verdict_reasons": reasons,
            "akismet": {
                name: fields[name][:200]
                for name in ("comment_type", "user_role", "recheck_reason", "referrer")
                if fields[name]
            },
            "discard": discard,
        },
    }
    stored = _store(comment_fields)
    headers = {"X-spamschutz-comment-id": stored.public_id}
    if discard:
        headers["X-akismet-pro-tip"] = "discard"
    return _text("true" if spam else "false", **headers)


def _submit(label: str) -> Response:
    """Record the site's label for the comment, for retraining: feedback, not a decision.

    The comment keeps its status, whatever the label: a site key is no moderator, so a
    submit-ham never publishes (a check called spam, or any text a key holder likes) and a
    submit-spam never takes a comment down. Moderators see the report on the comment.
    """
    name = _principal_name(_key("api_key"))
    if not name:
        return _debug("We were unable to parse your API key or it is not a valid site token.")
    fields = _read_fields()
    missing = _missing(fields, "blog", "user_ip")
    if missing is not None:
        return missing
    comment = _comment(fields)
    stored = runtime().comments.find_akismet_check(
        comment["text"], comment["author"], fields["permalink"] or None
    )
    public_id = None if stored is None else stored.public_id
    if public_id is None:
        # Never checked here (or purged): kept as a record to hold the label, unpublished:
        # in the spam folder when reported as spam, else in the review queue.
        kept = _store(_stored_fields(fields, "spam" if label == "spam" else "pending"))
        if kept.spooled:  # the label needs the database: the client sends it again later
            raise StorageUnavailable("the report cannot be recorded while the database is away")
        public_id = kept.public_id
    try:
        runtime().decisions.record_report(public_id, label, f"akismet:{name}")
    except NotFound:
        log.warning("akismet %s: comment %s vanished before the report", label, public_id)
    return _text(THANKS)


@bp.post("/submit-spam")
def submit_spam():
    """A spam the check missed: recorded as a ``spam`` label; the comment keeps its status."""
    return _submit("spam")


@bp.post("/submit-ham")
def submit_ham():
    """A ham the check called spam: recorded as a ``ham`` label; nothing is published."""
    return _submit("ham")

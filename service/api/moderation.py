"""Moderation API: the review queues and decisions, for tools and the desk's JavaScript."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app, g, request

from spamschutz.service.api import bp
from spamschutz.service.api.access import require
from spamschutz.service.api.errors import APIError
from spamschutz.service.api.rules import (
    DECISION_ACTIONS,
    MAX_BULK_IDS,
    QUEUE_LIMIT,
    QUEUE_SORTS,
    QUEUE_STATUSES,
)
from spamschutz.service.api.validation import is_public_id, read_payload
from spamschutz.service.campaigns.describe import campaign_json
from spamschutz.service.extensions import runtime
from spamschutz.service.i18n import pick_language
from spamschutz.service.storage import ConflictError, NotFound

__all__ = ["ACTIONS", "MAX_BULK_IDS", "SORTS", "STATUSES", "comment_json"]

STATUSES = QUEUE_STATUSES
SORTS = QUEUE_SORTS
ACTIONS = DECISION_ACTIONS
_LIMIT_MESSAGE = f"'limit' must be a number from {QUEUE_LIMIT[0]} to {QUEUE_LIMIT[1]}."
# row_version is a database INTEGER; a larger number can only be a mistake or a probe.
_MAX_ROW_VERSION = 2**31 - 1
# Cursors this API hands out are short; a longer one is not ours and is not decoded at all.
_MAX_CURSOR_LENGTH = 512


def comment_json(row: Any, campaign: Any = None) -> dict[str, object]:
    """A comment as moderators see it, with its age against the review promise and the
    campaign it is part of (``None``: none)."""
    promise_hours = int(current_app.config["PROMISE_HOURS"])
    age_hours = (datetime.now(UTC) - row.created_at).total_seconds() / 3600
    return {
        "id": row.public_id,
        "thread_id": row.thread_id,
        "author": row.author_name,
        "email": row.author_email,
        "url": row.author_url,
        "text": row.text,
        "lang": row.lang,
        "status": row.status,
        "score": row.score,
        "band": row.band,
        "reasons": row.reasons or [],
        "signals": row.signals or {},
        "model_version": row.model_version,
        "created_at": row.created_at.isoformat(),
        "age_hours": round(age_hours, 2),
        "due_in_hours": round(promise_hours - age_hours, 2),
        "overdue": row.status == "pending" and age_hours > promise_hours,
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        "decided_by": row.decided_by,
        "row_version": row.row_version,
        "campaign": campaign_json(campaign, pick_language()) if campaign else None,
    }


def _choice(value: str | None, allowed: tuple[str, ...], name: str, default: str) -> str:
    value = value or default
    if value not in allowed:
        raise APIError(400, f"invalid_{name}", f"'{name}' must be one of: {', '.join(allowed)}.")
    return value


@bp.get("/moderation/comments")
@require("moderator", allow_session=True)
def list_queue():
    """A page of comments by status (``pending``…), sorted by ``age``, ``score`` or ``newest``."""
    status = _choice(request.args.get("status"), STATUSES, "status", "pending")
    sort = _choice(request.args.get("sort"), SORTS, "sort", "age")
    try:
        limit = int(request.args.get("limit", QUEUE_LIMIT[2]))
    except ValueError as error:
        raise APIError(400, "invalid_limit", _LIMIT_MESSAGE) from error
    if not QUEUE_LIMIT[0] <= limit <= QUEUE_LIMIT[1]:
        raise APIError(400, "invalid_limit", _LIMIT_MESSAGE)
    after = request.args.get("after") or None
    if after is not None and len(after) > _MAX_CURSOR_LENGTH:
        raise APIError(400, "invalid_cursor", "'after' is not a cursor this API gave out.")
    stores = runtime()
    try:
        rows, cursor = stores.comments.list_comments(status, sort=sort, limit=limit, after=after)
    except ValueError as error:
        raise APIError(
            400, "invalid_cursor", "'after' is not a cursor this API gave out."
        ) from error
    campaigns = stores.campaigns.campaigns_of(row.public_id for row in rows)
    return {
        "comments": [comment_json(row, campaigns.get(row.public_id)) for row in rows],
        "next": cursor,
        "counts": stores.comments.count_by_status(),
    }


def _decide(public_id: str, action: str, expected: int | None) -> dict[str, object]:
    if not is_public_id(public_id):
        raise APIError(404, "comment_not_found", "No comment with this id.")
    try:
        row = runtime().decisions.decide(
            public_id, action, g.principal.name, expected_row_version=expected
        )
    except NotFound as error:
        raise APIError(404, "comment_not_found", "No comment with this id.") from error
    except ConflictError as error:
        raise APIError(
            409, "conflict", "Someone else decided this comment first. Reload it and decide again."
        ) from error
    return comment_json(row, runtime().campaigns.campaigns_of([public_id]).get(public_id))


def _action(payload: dict[str, Any]) -> str:
    action = payload.get("action")
    if not isinstance(action, str) or action not in ACTIONS:
        raise APIError(400, "invalid_action", f"'action' must be one of: {', '.join(ACTIONS)}.")
    return action


@bp.post("/moderation/comments/<public_id>/decision")
@require("moderator", allow_session=True)
def decide_one(public_id: str):
    """Approve, reject, mark as spam or as not spam (``ham``) one comment."""
    payload = read_payload()
    expected = payload.get("row_version")
    if expected is not None and (
        not isinstance(expected, int)
        or isinstance(expected, bool)
        or not 1 <= expected <= _MAX_ROW_VERSION
    ):
        raise APIError(
            400, "invalid_row_version", "'row_version' must be the comment's row_version (>= 1)."
        )
    return _decide(public_id, _action(payload), expected)


@bp.post("/moderation/comments/<public_id>/undo")
@require("moderator", allow_session=True)
def undo_decision(public_id: str):
    """Take back the latest decision on one comment (recorded as an ``undo`` of its own)."""
    if not is_public_id(public_id):
        raise APIError(404, "comment_not_found", "No comment with this id.")
    stores = runtime()
    try:
        row = stores.decisions.undo_decision(public_id, g.principal.name)
    except NotFound as error:
        raise APIError(404, "comment_not_found", "No comment with this id.") from error
    except ConflictError as error:
        raise APIError(
            409,
            "cannot_undo",
            "This decision can no longer be taken back: it is older than the undo period, "
            "was taken back already, or the comment changed since.",
        ) from error
    return comment_json(row, stores.campaigns.campaigns_of([public_id]).get(public_id))


@bp.post("/moderation/decisions")
@require("moderator", allow_session=True)
def decide_many():
    """Apply one action to many comments: ``{"action": ..., "ids": [...]}``."""
    payload = read_payload()
    action = _action(payload)
    ids = payload.get("ids")
    if (
        not isinstance(ids, list)
        or not ids
        or len(ids) > MAX_BULK_IDS
        or not all(isinstance(item, str) for item in ids)
    ):
        raise APIError(
            400, "invalid_ids", f"'ids' must be a list of 1 to {MAX_BULK_IDS} comment ids."
        )
    results, errors = [], []
    for public_id in dict.fromkeys(ids):
        try:
            results.append(_decide(public_id, action, None))
        except APIError as error:
            errors.append({"id": public_id, "error": error.code, "message": error.message})
    return {"decided": results, "errors": errors}

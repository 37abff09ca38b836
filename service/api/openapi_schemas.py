"""The JSON Schemas of the API's bodies, for the OpenAPI document
(:mod:`spamschutz.service.api.openapi`).

Kept beside the code they describe and checked against it by the Schemathesis tests: a field
added to a response without its schema makes those tests fail.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spamschutz.service.api.moderation import ACTIONS, MAX_BULK_IDS, STATUSES
from spamschutz.service.api.rules import COMMENT, SCORE
from spamschutz.service.api.validation import MAX_JSON_DEPTH
from spamschutz.service.storage import WEBHOOK_EVENTS

__all__ = ["component_schemas"]

_NULLABLE_STRING = {"type": ["string", "null"]}
_TIMESTAMP = {"type": "string", "format": "date-time"}
_BANDS = ["ham", "unsure", "spam"]


def _object(properties: Mapping[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": dict(properties)}
    if required:
        schema["required"] = required
    return schema


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _error() -> dict[str, Any]:
    return _object(
        {
            "error": {"type": "string", "description": "stable code for programs"},
            "message": {"type": "string", "description": "what a person can do about it"},
            "field": {"type": "string", "description": "the request field at fault"},
            "max_length": {"type": "integer"},
        },
        ["error", "message"],
    ) | {
        "description": "Every 4xx and 5xx answer. Codes include missing_field, invalid_field, "
        "field_too_long, invalid_characters, bidi_control, word_too_long, invalid_email, "
        "invalid_url, invalid_json, json_too_deep (more than "
        f"{MAX_JSON_DEPTH} levels), invalid_encoding, body_too_large, unsupported_media_type, "
        "unauthorized, invalid_token, forbidden, csrf_failed, rate_limited, "
        "challenge_attempts_exceeded, comment_not_found, conflict, service_unavailable, "
        "model_unavailable."
    }


def _challenge() -> dict[str, Any]:
    return _object(
        {
            "token": {"type": "string", "description": "signed, single-use, send it back"},
            "question": {"type": "string"},
            "lang": {"type": "string"},
            "expires_in": {"type": "integer", "description": "seconds the token stays valid"},
            "explanation": {"type": "string", "description": "why the question is asked"},
            "mode": {
                "type": "string",
                "enum": ["always", "unsure", "never"],
                "description": "the site's challenge mode: show the question up front only "
                "for 'always'; with 'unsure' a 409 may ask for it",
            },
        },
        ["token", "question", "lang", "expires_in", "explanation"],
    )


def _submission(config: Mapping[str, Any]) -> dict[str, Any]:
    return COMMENT.schema(
        config,
        extra={
            "challenge_token": {"type": "string", "maxLength": 1000},
            "challenge_answer": {"type": "string", "maxLength": 200},
            "phone": {"type": "string", "description": "honeypot: leave it empty"},
            "lang": {"type": "string", "enum": ["de", "en"]},
            "idempotency_key": {"type": "string", "minLength": 1, "maxLength": 128},
            "site": {
                "type": "string",
                "maxLength": 100,
                "description": "the widget's data-site; selects the site's challenge mode",
            },
            "thread_title": {
                "type": "string",
                "description": "the article's title, shown to moderators (cut at 300 "
                "characters; dropped, not refused, when unfit)",
            },
            "thread_url": {
                "type": "string",
                "description": "the article's http(s) address, shown to moderators (dropped, "
                "not refused, when unfit)",
            },
        },
        extra_required=["challenge_token", "challenge_answer"],
    )


def _reason() -> dict[str, Any]:
    return _object(
        {
            "kind": {"type": "string", "enum": ["word", "link", "signal"]},
            "feature": {"type": "string"},
            "weight": {"type": "number"},
            "direction": {"type": "string", "enum": ["spam", "ham"]},
            "description": {"type": "string", "description": "in English"},
            "code": {
                "type": "string",
                "description": "stable name of the reason (word, link.<kind>, signal.<name>); "
                "the desk writes it in its language",
            },
            "params": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        ["description"],
    )


def _moderated_comment() -> dict[str, Any]:
    return _object(
        {
            "id": {"type": "string"},
            "thread_id": {"type": "string"},
            "author": {"type": "string"},
            "email": _NULLABLE_STRING,
            "url": _NULLABLE_STRING,
            "text": {"type": "string"},
            "lang": {"type": "string"},
            "status": {"type": "string", "enum": list(STATUSES)},
            "score": {"type": ["number", "null"]},
            "band": {"enum": [*_BANDS, None]},
            "reasons": {"type": "array", "items": _ref("Reason")},
            "signals": {"type": "object"},
            "model_version": _NULLABLE_STRING,
            "created_at": _TIMESTAMP,
            "age_hours": {"type": "number"},
            "due_in_hours": {"type": "number"},
            "overdue": {"type": "boolean"},
            "decided_at": {"type": ["string", "null"], "format": "date-time"},
            "decided_by": _NULLABLE_STRING,
            "row_version": {"type": "integer"},
        },
        ["id", "thread_id", "author", "text", "status", "created_at", "row_version"],
    )


def _queue_page() -> dict[str, Any]:
    counts = _object({status: {"type": "integer"} for status in STATUSES}, list(STATUSES))
    return _object(
        {
            "comments": {"type": "array", "items": _ref("ModeratedComment")},
            "next": _NULLABLE_STRING | {"description": "cursor of the next page, for 'after'"},
            "counts": counts,
        },
        ["comments", "next", "counts"],
    )


def _bulk_result() -> dict[str, Any]:
    failure = _object(
        {"id": {"type": "string"}, "error": {"type": "string"}, "message": {"type": "string"}},
        ["id", "error", "message"],
    )
    return _object(
        {
            "decided": {"type": "array", "items": _ref("ModeratedComment")},
            "errors": {"type": "array", "items": failure},
        },
        ["decided", "errors"],
    )


def _thread() -> dict[str, Any]:
    published = _object(
        {
            "id": {"type": "string"},
            "author": {"type": "string"},
            "url": _NULLABLE_STRING,
            "text": {"type": "string", "description": "plain text: show it as text, never HTML"},
            "created_at": _TIMESTAMP,
        },
        ["id", "author", "text", "created_at"],
    )
    return _object(
        {"thread_id": {"type": "string"}, "comments": {"type": "array", "items": published}},
        ["thread_id", "comments"],
    )


def _delivery() -> dict[str, Any]:
    timestamp_or_null = {"type": ["string", "null"], "format": "date-time"}
    return _object(
        {
            "id": {"type": "integer"},
            "endpoint_id": {"type": "integer"},
            "url": {"type": "string"},
            "event_id": {"type": "string"},
            "event": {
                "type": "string",
                "enum": list(WEBHOOK_EVENTS),
            },
            "status": {"type": "string", "enum": ["pending", "delivered", "failed"]},
            "attempts": {"type": "integer", "minimum": 0},
            "next_attempt_at": _TIMESTAMP,
            "last_error": _NULLABLE_STRING,
            "created_at": _TIMESTAMP,
            "delivered_at": timestamp_or_null,
        },
        [
            "id", "endpoint_id", "url", "event_id", "event", "status", "attempts",
            "next_attempt_at", "last_error", "created_at", "delivered_at",
        ],
    )


def component_schemas(config: Mapping[str, Any]) -> dict[str, Any]:
    """Every named schema, with the limits ``config`` sets."""
    action = {"type": "string", "enum": list(ACTIONS)}
    return {
        "Error": _error(),
        "Challenge": _challenge(),
        "Delivery": _delivery(),
        "DeliveryList": _object(
            {"deliveries": {"type": "array", "items": _ref("Delivery")}}, ["deliveries"]
        ),
        "DeliveryRetried": _object(
            {"id": {"type": "integer"}, "status": {"const": "pending"}}, ["id", "status"]
        ),
        "ChallengeError": {
            "allOf": [_ref("Error"), _object({"challenge": _ref("Challenge")}, ["challenge"])],
            "description": "A failed challenge, with a fresh question to answer instead.",
        },
        "CommentSubmission": _submission(config),
        "Received": _object(
            {"id": {"type": "string"}, "status": {"type": "string"}, "message": {"type": "string"}},
            ["id", "status", "message"],
        ),
        "ScoreRequest": SCORE.schema(config),
        "Reason": _reason(),
        "ScoreResult": _object(
            {
                "score": {"type": "number", "minimum": 0, "maximum": 1},
                "verdict": {"type": "string", "enum": _BANDS},
                "reasons": {"type": "array", "items": _ref("Reason")},
                "model_version": {"type": "string"},
                "thresholds": _object(
                    {"spam": {"type": "number"}, "unsure": {"type": "number"}}, ["spam", "unsure"]
                ),
            },
            ["score", "verdict", "reasons", "model_version", "thresholds"],
        ),
        "ModeratedComment": _moderated_comment(),
        "QueuePage": _queue_page(),
        "Decision": _object(
            {"action": action, "row_version": {"type": "integer", "minimum": 1}}, ["action"]
        ),
        "BulkDecision": _object(
            {
                "action": action,
                "ids": {
                    "type": "array",
                    "items": {"type": "string"},
                    "minItems": 1,
                    "maxItems": MAX_BULK_IDS,
                },
            },
            ["action", "ids"],
        ),
        "BulkDecisionResult": _bulk_result(),
        "Thread": _thread(),
        "Health": _object(
            {
                "status": {"type": "string"},
                "model_version": _NULLABLE_STRING,
                "model_problem": _NULLABLE_STRING,
            },
            ["status"],
        ),
        "Readiness": _object(
            {
                "status": {"type": "string", "enum": ["ready", "not_ready"]},
                "checks": {"type": "object", "additionalProperties": {"type": "string"}},
            },
            ["status", "checks"],
        ),
    }


"""``GET /api/v1/openapi.json``: the API described as an OpenAPI 3.1 document.

Built from the same constants the views use (actions, statuses, limits), and proved against
the running code by the Schemathesis tests (``tests/service/test_openapi.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app

from spamschutz.service.api import bp
from spamschutz.service.api.moderation import ACTIONS, SORTS, STATUSES
from spamschutz.service.api.openapi_schemas import component_schemas

__all__ = ["get_openapi", "openapi_document"]

_JSON = "application/json"
_FORM = "application/x-www-form-urlencoded"
_MODERATOR = [{"bearerAuth": []}, {"moderatorSession": []}]

_ERRORS = {
    400: "The request is malformed or a field is invalid; 'field' names it.",
    401: "No valid API token (missing, unknown or revoked).",
    403: "The token's role may not do this.",
    404: "No such resource.",
    409: "Someone else changed the comment first; reload it and decide again.",
    413: "The body is larger than MAX_BODY_BYTES.",
    415: "The body is neither JSON nor form data.",
    503: "The database or the model is briefly unavailable; try again shortly.",
}


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {_JSON: {"schema": _ref("schemas", schema)}}}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(status): _ref("responses", f"Error{status}") for status in statuses}


def _error_responses() -> dict[str, Any]:
    responses = {f"Error{status}": _json("Error", text) for status, text in _ERRORS.items()}
    responses["Error429"] = _json("Error", "Too many requests from this client; wait.") | {
        "headers": {
            "Retry-After": {
                "description": "seconds to wait before trying again",
                "required": True,
                "schema": {"type": "integer", "minimum": 1},
            }
        }
    }
    return responses


def _html_or_json(schema: str, description: str) -> dict[str, Any]:
    response = _json(schema, description)
    # A plain HTML form (no JavaScript) that asks for text/html gets a page instead.
    response["content"]["text/html"] = {"schema": {"type": "string"}}
    return response


def _comment_paths() -> dict[str, Any]:
    submission = {"schema": _ref("schemas", "CommentSubmission")}
    return {
        "/api/v1/challenge": {
            "get": {
                "operationId": "getChallenge",
                "summary": "A challenge question and its signed, single-use token",
                "parameters": [
                    {
                        "name": "lang",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["de", "en"]},
                        "description": "default: the browser's language, else DEFAULT_LANG",
                    },
                    {
                        "name": "site",
                        "in": "query",
                        "schema": {"type": "string", "maxLength": 100},
                        "description": "the widget's data-site; 'mode' is that site's setting",
                    },
                ],
                "responses": {
                    "200": _json("Challenge", "A question to show with the comment form."),
                    **_errors(429),
                },
            }
        },
        "/api/v1/comments": {
            "post": {
                "operationId": "submitComment",
                "summary": "Submit a reader's comment with the answer to its question",
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "schema": {"type": "string", "pattern": "^[!-~]{1,128}$"},
                        "description": "a retry with the same key stores nothing twice",
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {_JSON: submission, _FORM: submission},
                },
                "responses": {
                    "202": _html_or_json("Received", "Stored for review (or the spam folder)."),
                    "400": _html_or_json("Error", _ERRORS[400]),
                    "422": _html_or_json(
                        "ChallengeError",
                        "The question was not passed (wrong, expired, used, invalid, unknown, "
                        "too many wrong answers), or the Idempotency-Key belongs to a different "
                        "comment (idempotency_key_reused: send it with a new key); answer the "
                        "fresh question included.",
                    ),
                    "409": _html_or_json(
                        "ChallengeError",
                        "The site asks only when unsure, and the model is unsure about this "
                        "comment: answer the question included and send the comment again.",
                    ),
                    **_errors(413, 415, 429, 503),
                },
            }
        },
        "/api/v1/threads/{thread_id}/comments": {
            "get": {
                "operationId": "getThreadComments",
                "summary": "The approved comments of a thread, oldest first",
                "parameters": [
                    {
                        "name": "thread_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 200},
                    }
                ],
                "responses": {
                    "200": _json("Thread", "The published comments."),
                    **_errors(400, 404, 503),
                },
            }
        },
    }


def _integration_paths() -> dict[str, Any]:
    return {
        "/api/v1/score": {
            "post": {
                "operationId": "scoreText",
                "summary": "Score a text without storing it",
                "security": [{"bearerAuth": []}],
                "requestBody": {
                    "required": True,
                    "content": {_JSON: {"schema": _ref("schemas", "ScoreRequest")}},
                },
                "responses": {
                    "200": _json("ScoreResult", "The calibrated score and its reasons."),
                    **_errors(400, 401, 403, 413, 415, 503),
                },
            }
        },
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "getOpenAPI",
                "summary": "This document",
                "responses": {
                    "200": {
                        "description": "The OpenAPI document.",
                        "content": {_JSON: {"schema": {"type": "object"}}},
                    }
                },
            }
        },
        "/healthz": {
            "get": {
                "operationId": "getHealth",
                "summary": "Alive, with the serving model's state",
                "responses": {"200": _json("Health", "The process answers.")},
            }
        },
        "/readyz": {
            "get": {
                "operationId": "getReadiness",
                "summary": "Database and model ready",
                "responses": {
                    "200": _json("Readiness", "Ready for traffic."),
                    "503": _json("Readiness", "Not ready; 'checks' says what is missing."),
                },
            }
        },
    }


def _moderation_paths() -> dict[str, Any]:
    comment_id = {
        "name": "public_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": "the comment's id as the queue shows it",
    }
    return {
        "/api/v1/moderation/comments": {
            "get": {
                "operationId": "listQueue",
                "summary": "A page of the review queue",
                "security": _MODERATOR,
                "parameters": [
                    {"name": "status", "in": "query", "schema": {"enum": list(STATUSES)}},
                    {"name": "sort", "in": "query", "schema": {"enum": list(SORTS)}},
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 200},
                    },
                    {"name": "after", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": _json("QueuePage", "Comments with scores, reasons and ages."),
                    **_errors(400, 401, 403, 503),
                },
            }
        },
        "/api/v1/moderation/comments/{public_id}/decision": {
            "post": {
                "operationId": "decideComment",
                "summary": f"Decide one comment: {', '.join(ACTIONS)}",
                "security": _MODERATOR,
                "parameters": [comment_id],
                "requestBody": {
                    "required": True,
                    "content": {_JSON: {"schema": _ref("schemas", "Decision")}},
                },
                "responses": {
                    "200": _json("ModeratedComment", "The comment after the decision."),
                    **_errors(400, 401, 403, 404, 409, 413, 415, 503),
                },
            }
        },
        "/api/v1/moderation/comments/{public_id}/undo": {
            "post": {
                "operationId": "undoDecision",
                "summary": "Take back the latest decision on one comment, within the undo period",
                "security": _MODERATOR,
                "parameters": [comment_id],
                "responses": {
                    "200": _json("ModeratedComment", "The comment with its earlier status."),
                    **_errors(400, 401, 403, 404, 409, 503),
                },
            }
        },
        "/api/v1/moderation/decisions": {
            "post": {
                "operationId": "decideMany",
                "summary": "Apply one action to many comments",
                "security": _MODERATOR,
                "requestBody": {
                    "required": True,
                    "content": {_JSON: {"schema": _ref("schemas", "BulkDecision")}},
                },
                "responses": {
                    "200": _json("BulkDecisionResult", "What was decided and what was not."),
                    **_errors(400, 401, 403, 413, 415, 503),
                },
            }
        },
    }


def openapi_document(config: Mapping[str, Any]) -> dict[str, Any]:
    """The OpenAPI 3.1 document, with the limits ``config`` sets."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Spamschutz API",
            "version": "1",
            "description": "Comment forms, integrations and moderation tools. Errors are "
            '{"error": <code>, "message": <what to do>}; unknown request fields are ignored.',
        },
        "servers": [{"url": "/"}],
        "paths": _with_nul_refusal(
            _comment_paths() | _integration_paths() | _moderation_paths() | _webhook_paths()
        ),
        "components": {
            "schemas": component_schemas(config),
            "responses": _error_responses(),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "an API token from 'spamschutz tokens create'",
                },
                "moderatorSession": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "spamschutz_session",
                    "description": "the desk's session; POSTs then need X-CSRFToken",
                },
            },
        },
    }


def _with_nul_refusal(paths: dict[str, Any]) -> dict[str, Any]:
    """Every operation may answer 400: a NUL character anywhere in a request is refused
    before any view (:mod:`spamschutz.service.request_guard`)."""
    for operations in paths.values():
        for operation in operations.values():
            operation["responses"].setdefault("400", _ref("responses", "Error400"))
    return paths


def _webhook_paths() -> dict[str, Any]:
    admin = [{"bearerAuth": []}]
    return {
        "/api/v1/webhooks/deliveries": {
            "get": {
                "operationId": "listWebhookDeliveries",
                "summary": "Webhook deliveries, newest first (admin token)",
                "security": admin,
                "parameters": [
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["pending", "delivered", "failed"]},
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 500},
                    },
                ],
                "responses": {
                    "200": _json("DeliveryList", "The deliveries."),
                    **_errors(400, 401, 403, 503),
                },
            }
        },
        "/api/v1/webhooks/deliveries/{delivery_id}/retry": {
            "post": {
                "operationId": "retryWebhookDelivery",
                "summary": "Send an undelivered webhook again now (admin token)",
                "security": admin,
                "parameters": [
                    {
                        "name": "delivery_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 0},
                    }
                ],
                "responses": {
                    "202": _json("DeliveryRetried", "Queued for the next delivery run."),
                    **_errors(401, 403, 404, 503),
                },
            }
        },
    }


@bp.get("/openapi.json")
def get_openapi():
    """This API's OpenAPI document."""
    return openapi_document(current_app.config)

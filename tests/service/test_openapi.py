"""The OpenAPI document matches the code: Schemathesis generates requests from it and checks
every answer against it; none may be a server error."""

from __future__ import annotations

import re

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from spamschutz.service.auth import hash_token, new_token
from spamschutz.service.extensions import runtime
from tests.service.helpers import post_comment

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def fuzz_api(app: Flask, token: str, examples: int) -> int:
    """Send generated requests (valid and invalid) to every operation; how many were sent."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    sent = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def exercise(case) -> None:
                nonlocal sent
                response = case.call(headers=headers)
                case.validate_response(response, checks=CHECKS, headers=headers)
                sent += 1

            try:
                exercise()
            except Unsatisfiable:
                # An operation without parameters or body has no invalid form to send.
                assert mode is GenerationMode.NEGATIVE
    return sent


def _seed(app: Flask) -> None:
    """A few comments in the queue, so moderation answers carry real rows."""
    client = app.test_client()
    for _ in range(3):
        assert post_comment(client, app).status_code == 202


def _moderator_token(app: Flask) -> str:
    with app.app_context():
        token = new_token()
        runtime().accounts.add_api_token("schemathesis", hash_token(token), "moderator")
    return token


def test_openapi_document_is_served_as_openapi_3_1(client) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    assert "/api/v1/comments" in document["paths"]


def test_every_api_route_is_described(client, app) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/api/", "/healthz", "/readyz")):
            continue
        if rule.rule.startswith("/api/docs"):
            continue  # the HTML page that renders this document
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        assert path in paths, path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in paths[path], (method, path)


def test_generated_requests_get_no_server_error_and_match_the_schema(backend_app) -> None:
    _seed(backend_app)
    assert fuzz_api(backend_app, _moderator_token(backend_app), examples=5) > 50


@pytest.mark.slow
def test_a_thousand_generated_requests_get_no_server_error_and_match_the_schema(
    backend_app,
) -> None:
    _seed(backend_app)
    assert fuzz_api(backend_app, _moderator_token(backend_app), examples=150) >= 1000


def test_every_limit_and_choice_is_declared_once(client) -> None:
    """The author limit was 100 in the comment view and one schema, 200 in the score view,
    the Akismet adapter and another schema; statuses, actions and the bulk limit were typed
    out in three places. Each is declared once now, and everything else says the same."""
    from spamschutz.service.api.rules import (
        AKISMET_COMMENT,
        COMMENT,
        DECISION_ACTIONS,
        MAX_BULK_IDS,
        QUEUE_SORTS,
        QUEUE_STATUSES,
        SCORE,
    )
    from spamschutz.service.moderation.cards import ACTIONS, QUEUES
    from spamschutz.service.storage import ACTION_TO_STATUS, COMMENT_STATUSES

    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    author = COMMENT["author"].max_length
    assert SCORE["author"].max_length == AKISMET_COMMENT["comment_author"].max_length == author
    assert schemas["CommentSubmission"]["properties"]["author"]["maxLength"] == author
    assert schemas["ScoreRequest"]["properties"]["author"]["maxLength"] == author
    assert schemas["Decision"]["properties"]["action"]["enum"] == list(DECISION_ACTIONS)
    assert schemas["BulkDecision"]["properties"]["ids"]["maxItems"] == MAX_BULK_IDS
    assert schemas["ModeratedComment"]["properties"]["status"]["enum"] == list(QUEUE_STATUSES)
    queue = document["paths"]["/api/v1/moderation/comments"]["get"]["parameters"]
    enums = {parameter["name"]: parameter["schema"].get("enum") for parameter in queue}
    assert enums["status"] == list(QUEUE_STATUSES) and enums["sort"] == list(QUEUE_SORTS)
    # The storage's values are the source; the desk labels exactly those.
    assert QUEUE_STATUSES == COMMENT_STATUSES and set(QUEUES) == set(COMMENT_STATUSES)
    assert tuple(ACTION_TO_STATUS) == DECISION_ACTIONS and set(ACTIONS) == set(DECISION_ACTIONS)


def test_bulk_decisions_refuse_one_id_more_than_declared(client, make_token) -> None:
    from spamschutz.service.api.rules import MAX_BULK_IDS

    headers = {"Authorization": f"Bearer {make_token('moderator')}"}
    ids = [f"00000000-0000-4000-8000-{number:012d}" for number in range(MAX_BULK_IDS + 1)]
    too_many = client.post("/api/v1/moderation/decisions", json={"action": "spam", "ids": ids},
                           headers=headers)
    assert too_many.status_code == 400 and too_many.get_json()["error"] == "invalid_ids"
    allowed = client.post("/api/v1/moderation/decisions",
                          json={"action": "spam", "ids": ids[:MAX_BULK_IDS]}, headers=headers)
    assert allowed.status_code == 200

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

from service.auth import hash_token, new_token
from service.extensions import runtime
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
        runtime().repository.add_api_token("schemathesis", hash_token(token), "moderator")
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

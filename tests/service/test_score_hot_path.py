"""``POST /api/v1/score`` answered before Flask answers exactly as Flask's view does.

Every request below is sent twice: to the app as served (the hot path in front) and to the
Flask app alone behind it. Status, body and headers must match, except the per-request
``Date`` and ``X-Request-ID``.
"""

from __future__ import annotations

import json
import logging

import pytest
from flask import Flask, request_started
from prometheus_client import REGISTRY
from werkzeug.test import Client

from spamschutz.service import create_app
from spamschutz.service.api.hot_path import ScoreHotPath
from spamschutz.service.auth import hash_token, new_token
from spamschutz.service.extensions import runtime
from spamschutz.service.storage import upgrade_database

_PER_REQUEST = {"Date", "X-Request-ID"}
SPAM = "Win big at the online casino, free spins at www.best-casino-bonus.xyz"


def _both(app: Flask) -> tuple[Client, Client]:
    assert isinstance(app.wsgi_app, ScoreHotPath)
    return Client(app.wsgi_app), Client(app.wsgi_app.flask_wsgi)


def _same_answer(served, flask_only) -> None:
    assert served.status_code == flask_only.status_code
    assert served.get_data() == flask_only.get_data()
    headers = {(k, v) for k, v in served.headers.items() if k not in _PER_REQUEST}
    assert headers == {(k, v) for k, v in flask_only.headers.items() if k not in _PER_REQUEST}
    assert served.headers["X-Request-ID"]


def _flask_requests(app: Flask) -> list[str]:
    """Paths of the requests Flask's own machinery handles from now on."""
    seen: list[str] = []

    def note(sender, **extra):
        from flask import request

        seen.append(request.path)

    request_started.connect(note, app, weak=False)
    return seen


@pytest.mark.parametrize(
    "body",
    [
        {"text": SPAM},
        {"text": "Danke für den Artikel über die Stadtratssitzung.", "author": "Anna"},
        {"text": "Schöne Grüße", "email": "anna@example.de", "url": "https://anna.example"},
        {"text": "ünïcödé ✓ 😀\nzweite Zeile", "unknown_field": [1, 2]},
    ],
)
@pytest.mark.parametrize("role", ["site", "moderator", "admin"])
def test_valid_requests_are_answered_before_flask_exactly_as_flask_answers(
    app, make_token, body, role
) -> None:
    served, flask_only = _both(app)
    headers = {"Authorization": f"Bearer {make_token(role)}"}
    flask_seen = _flask_requests(app)
    fast = served.post("/api/v1/score", json=body, headers=headers)
    assert flask_seen == []  # the hot path answered
    slow = flask_only.post("/api/v1/score", json=body, headers=headers)
    assert flask_seen == ["/api/v1/score"]
    assert fast.status_code == 200
    _same_answer(fast, slow)


@pytest.mark.parametrize(
    ("data", "content_type", "auth"),
    [
        (json.dumps({"text": "hallo"}), "application/json", None),
        (json.dumps({"text": "hallo"}), "application/json", "Bearer ssz_not-a-token"),
        (json.dumps({"text": "hallo"}), "application/json", "Basic dXNlcjpwYXNz"),
        ("{not json", "application/json", "valid"),
        ("[1, 2]", "application/json", "valid"),
        ("[" * 40 + "]" * 40, "application/json", "valid"),
        (json.dumps({}), "application/json", "valid"),
        (json.dumps({"text": "x" * 100_000}), "application/json", "valid"),
        (json.dumps({"text": "a\u202eb"}), "application/json", "valid"),
        (json.dumps({"text": 42}), "application/json", "valid"),
        (b'{"text": "\xff"}', "application/json", "valid"),
        ("text=hallo", "application/x-www-form-urlencoded", "valid"),
        ("hallo", "text/plain", "valid"),
    ],
)
def test_everything_else_is_left_to_flask(app, make_token, data, content_type, auth) -> None:
    served, flask_only = _both(app)
    headers = {"Content-Type": content_type}
    if auth:
        headers["Authorization"] = f"Bearer {make_token('site')}" if auth == "valid" else auth
    flask_seen = _flask_requests(app)
    fast = served.post("/api/v1/score", data=data, headers=headers)
    slow = flask_only.post("/api/v1/score", data=data, headers=headers)
    assert flask_seen == ["/api/v1/score", "/api/v1/score"]
    _same_answer(fast, slow)


def test_without_a_model_flask_answers_503(app_config) -> None:
    upgrade_database(str(app_config["DATABASE_URL"]))
    app = create_app(app_config)  # no model in its catalog
    token = new_token()
    with app.app_context():
        runtime().accounts.add_api_token("site", hash_token(token), "site")
    served, flask_only = _both(app)
    flask_seen = _flask_requests(app)
    headers = {"Authorization": f"Bearer {token}"}
    response = served.post("/api/v1/score", json={"text": SPAM}, headers=headers)
    assert flask_seen == ["/api/v1/score"]
    assert response.status_code == 503
    assert response.json["error"] == "model_unavailable"
    _same_answer(response, flask_only.post("/api/v1/score", json={"text": SPAM}, headers=headers))


def test_hot_path_answers_are_logged_and_counted(app, make_token, caplog) -> None:
    caplog.set_level(logging.INFO)
    served, _ = _both(app)
    labels = {"method": "POST", "endpoint": "/api/v1/score", "status": "200"}
    before = REGISTRY.get_sample_value("spamschutz_http_requests_total", labels) or 0.0
    response = served.post(
        "/api/v1/score", json={"text": SPAM}, headers={"Authorization": f"Bearer {make_token()}"}
    )
    assert response.status_code == 200
    assert REGISTRY.get_sample_value("spamschutz_http_requests_total", labels) == before + 1
    access = [record for record in caplog.records if record.name == "spamschutz.access"]
    assert [(r.method, r.path, r.status) for r in access] == [("POST", "/api/v1/score", 200)]
    assert access[0].request_id == response.headers["X-Request-ID"]
    assert SPAM not in caplog.text


def test_behind_a_trusted_proxy_the_proxys_request_id_is_kept(make_app, make_token) -> None:
    app = make_app(TRUSTED_PROXIES=1)
    flask_seen = _flask_requests(app)
    response = Client(app.wsgi_app).post(
        "/api/v1/score",
        json={"text": SPAM},
        headers={
            "Authorization": f"Bearer {make_token()}",
            "X-Request-ID": "proxy-7f3a",
            "X-Forwarded-For": "203.0.113.9",
        },
    )
    assert flask_seen == []
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "proxy-7f3a"

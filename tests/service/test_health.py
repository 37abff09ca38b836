"""Liveness and readiness."""

from __future__ import annotations


def test_healthz_reports_the_serving_model(client, tiny_model) -> None:
    body = client.get("/healthz").get_json()
    assert body == {"status": "ok", "model_version": tiny_model.version, "model_problem": None}


def test_readyz_checks_database_and_model(client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "model": "ok"}


def test_security_headers_are_set(client) -> None:
    response = client.get("/healthz")
    assert response.headers["X-Content-Type-Options"] == "nosniff"

"""Liveness and readiness."""

from __future__ import annotations


def test_healthz_reports_the_serving_model(client, tiny_model) -> None:
    body = client.get("/healthz").get_json()
    assert body == {
        "status": "ok",
        "model_version": tiny_model.version,
        "model_problem": None,
        "spool": {"depth": 0, "failed": 0},
    }


def test_readyz_checks_database_and_model(client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "model": "ok"}


def test_security_headers_are_set(client) -> None:
    response = client.get("/healthz")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_readiness_fails_while_the_database_is_unreachable_but_liveness_does_not(
    app_config, tmp_path
) -> None:
    from spamschutz.service import create_app

    (tmp_path / "not-a-directory").write_text("")
    unreachable = f"sqlite:///{tmp_path / 'not-a-directory' / 'spamschutz.db'}"
    client = create_app({**app_config, "DATABASE_URL": unreachable}).test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["database"] == "unavailable"
    alive = client.get("/healthz")
    assert alive.status_code == 200
    assert alive.get_json()["status"] == "ok"
    assert "catalog unavailable" in alive.get_json()["model_problem"]

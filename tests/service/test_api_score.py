"""``POST /api/v1/score`` for integrations: token required, nothing stored."""

from __future__ import annotations


def test_score_returns_score_verdict_reasons_and_version(client, make_token, repository) -> None:
    token = make_token("site")
    response = client.post(
        "/api/v1/score",
        json={"text": "Win big at the online casino, free spins at www.best-casino-bonus.xyz"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert 0.5 < body["score"] <= 1.0
    assert body["verdict"] in ("unsure", "spam")
    assert body["reasons"] and body["reasons"][0]["description"]
    assert body["model_version"]
    assert sum(repository.count_by_status().values()) == 0


def test_score_without_token_is_401(client) -> None:
    response = client.post("/api/v1/score", json={"text": "hallo"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"


def test_score_with_revoked_token_is_401(client, make_token, repository) -> None:
    token = make_token("site")
    repository.revoke_api_token("test-site")
    response = client.post(
        "/api/v1/score", json={"text": "hallo"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"


def test_score_without_text_is_400(client, make_token) -> None:
    response = client.post(
        "/api/v1/score", json={}, headers={"Authorization": f"Bearer {make_token('site')}"}
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "missing_field"

"""``POST /api/v1/score`` for integrations: token required, nothing stored."""

from __future__ import annotations


def test_score_returns_score_verdict_reasons_and_version(client, make_token, stores) -> None:
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
    assert sum(stores.comments.count_by_status().values()) == 0


def test_score_without_token_is_401(client) -> None:
    response = client.post("/api/v1/score", json={"text": "hallo"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"


def test_score_with_revoked_token_is_401(client, make_token, stores) -> None:
    token = make_token("site")
    stores.accounts.revoke_api_token("test-site")
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


def test_score_refuses_each_invalid_field_with_the_comment_forms_error(
    app, client, make_token
) -> None:
    """One declaration of a comment's fields: the author limit was 100 on the form and 200
    here, and e-mail addresses and links were not checked here at all."""
    from spamschutz.service.api.rules import COMMENT
    from tests.service.helpers import post_comment

    token = make_token("site")
    author_limit = COMMENT["author"].max_length
    for field, value in [
        ("author", "A" * (author_limit + 1)),
        ("url", "javascript:alert(1)"),
        ("email", "not an address"),
        ("text", "Hallo\x07 Welt"),
    ]:
        form = post_comment(client, app, **{field: value}).get_json()
        scored = client.post(
            "/api/v1/score",
            json={"text": "Ein Kommentar", field: value},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert scored.status_code == 400
        assert (scored.get_json()["error"], scored.get_json()["field"]) == (form["error"], field)

"""API tokens: stored hashed, revocable, and checked against each endpoint's roles."""

from __future__ import annotations

import hashlib

import pytest

from tests.service.helpers import post_comment

ALL_CALLERS = ("none", "unknown", "revoked", "site", "moderator", "admin")

# endpoint -> the callers that may use it
MATRIX = {
    ("POST", "/api/v1/score"): {"site", "moderator", "admin"},
    ("GET", "/api/v1/moderation/comments"): {"moderator", "admin"},
    ("POST", "/api/v1/moderation/comments/{id}/decision"): {"moderator", "admin"},
    ("POST", "/api/v1/moderation/decisions"): {"moderator", "admin"},
    ("GET", "/api/v1/challenge"): set(ALL_CALLERS),
    ("GET", "/api/v1/threads/t/comments"): set(ALL_CALLERS),
    ("GET", "/api/v1/openapi.json"): set(ALL_CALLERS),
}
BODIES = {
    "/api/v1/score": {"text": "Ein ganz normaler Kommentar."},
    "/api/v1/moderation/comments/{id}/decision": {"action": "reject"},
    "/api/v1/moderation/decisions": {"action": "reject", "ids": ["{id}"]},
}


def _headers(caller: str, make_token, stores) -> dict[str, str]:
    if caller == "none":
        return {}
    if caller == "unknown":
        return {"Authorization": "Bearer ssz_not-a-token-we-issued"}
    if caller == "revoked":
        token = make_token("admin")
        stores.accounts.revoke_api_token("test-admin")
        return {"Authorization": f"Bearer {token}"}
    return {"Authorization": f"Bearer {make_token(caller)}"}


@pytest.mark.parametrize("caller", ALL_CALLERS)
@pytest.mark.parametrize(("method", "path"), list(MATRIX))
def test_each_endpoint_admits_exactly_its_roles(client, app, make_token, stores,
                                                method, path, caller) -> None:
    comment_id = post_comment(client, app).get_json()["id"]
    url = path.replace("{id}", comment_id)
    body = BODIES.get(path)
    if body is not None:
        body = {key: [comment_id] if value == ["{id}"] else value for key, value in body.items()}
    response = client.open(url, method=method, json=body,
                           headers=_headers(caller, make_token, stores))
    if caller in MATRIX[(method, path)]:
        assert response.status_code == 200, response.get_data(as_text=True)
    elif caller == "none":
        assert (response.status_code, response.get_json()["error"]) == (401, "unauthorized")
    elif caller in ("unknown", "revoked"):
        assert (response.status_code, response.get_json()["error"]) == (401, "invalid_token")
    else:
        assert (response.status_code, response.get_json()["error"]) == (403, "forbidden")
    if "decision" in path and response.status_code != 200:
        assert stores.decisions.decisions_for(comment_id) == []


def test_api_tokens_are_stored_only_as_their_hash(make_token, stores) -> None:
    token = make_token("moderator")
    (row,) = stores.accounts.list_api_tokens()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    with stores.engine.connect() as connection:
        dump = "\n".join(connection.connection.driver_connection.iterdump())
    assert token not in dump


def test_revoked_token_stops_working_at_once(client, make_token, stores) -> None:
    headers = {"Authorization": f"Bearer {make_token('moderator')}"}
    assert client.get("/api/v1/moderation/comments", headers=headers).status_code == 200
    stores.accounts.revoke_api_token("test-moderator")
    assert client.get("/api/v1/moderation/comments", headers=headers).status_code == 401

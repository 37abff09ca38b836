"""Moderation API: queues, decisions, roles, thread view."""

from __future__ import annotations

from tests.service.helpers import post_comment


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_queue_lists_pending_comments_with_score_reasons_and_age(client, app, make_token) -> None:
    posted = post_comment(client, app).get_json()["id"]
    response = client.get("/api/v1/moderation/comments", headers=_auth(make_token("moderator")))
    assert response.status_code == 200
    body = response.get_json()
    assert body["counts"]["pending"] == 1
    (comment,) = body["comments"]
    assert comment["id"] == posted
    assert comment["score"] is not None
    assert isinstance(comment["reasons"], list)
    assert 23.9 < comment["due_in_hours"] <= 24
    assert comment["overdue"] is False


def test_queue_sorted_by_score_puts_the_most_suspicious_first(client, app, make_token) -> None:
    post_comment(client, app)
    post_comment(
        client,
        app,
        text="Earn 500 dollars a day from home, visit https://easy-money.example.info/join",
        url="",
    )
    response = client.get(
        "/api/v1/moderation/comments?status=pending&sort=score",
        headers=_auth(make_token("moderator")),
    )
    scores = [c["score"] for c in response.get_json()["comments"]]
    assert scores == sorted(scores, reverse=True)


def test_approved_comment_appears_in_its_thread(client, app, make_token) -> None:
    comment_id = post_comment(client, app, thread_id="t-1").get_json()["id"]
    assert client.get("/api/v1/threads/t-1/comments").get_json()["comments"] == []
    response = client.post(
        f"/api/v1/moderation/comments/{comment_id}/decision",
        json={"action": "approve"},
        headers=_auth(make_token("moderator")),
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "approved"
    assert response.get_json()["decided_by"] == "test-moderator"
    thread = client.get("/api/v1/threads/t-1/comments").get_json()["comments"]
    assert [c["id"] for c in thread] == [comment_id]
    assert "email" not in thread[0]


def test_decision_becomes_a_training_label(client, app, make_token, stores) -> None:
    ids = [post_comment(client, app).get_json()["id"] for _ in range(3)]
    token = make_token("moderator")
    client.post(
        "/api/v1/moderation/decisions",
        json={"action": "spam", "ids": ids[:2]},
        headers=_auth(token),
    )
    client.post(
        f"/api/v1/moderation/comments/{ids[2]}/decision",
        json={"action": "reject"},
        headers=_auth(token),
    )
    labels = stores.decisions.training_labels()
    assert sorted(label["label"] for label in labels) == ["spam", "spam"]


def test_bulk_decision_reports_unknown_ids(client, app, make_token) -> None:
    comment_id = post_comment(client, app).get_json()["id"]
    response = client.post(
        "/api/v1/moderation/decisions",
        json={"action": "reject", "ids": [comment_id, "nope"]},
        headers=_auth(make_token("moderator")),
    )
    body = response.get_json()
    assert [c["id"] for c in body["decided"]] == [comment_id]
    assert body["errors"][0]["error"] == "comment_not_found"


def test_stale_row_version_gets_409(client, app, make_token) -> None:
    comment_id = post_comment(client, app).get_json()["id"]
    token = make_token("moderator")
    url = f"/api/v1/moderation/comments/{comment_id}/decision"
    assert (
        client.post(
            url, json={"action": "approve", "row_version": 1}, headers=_auth(token)
        ).status_code
        == 200
    )
    late = client.post(url, json={"action": "reject", "row_version": 1}, headers=_auth(token))
    assert late.status_code == 409
    assert late.get_json()["error"] == "conflict"


def test_site_token_may_not_moderate(client, make_token) -> None:
    response = client.get("/api/v1/moderation/comments", headers=_auth(make_token("site")))
    assert response.status_code == 403


def test_invalid_queue_parameters_are_400(client, make_token) -> None:
    token = make_token("moderator")
    for query in ("status=everything", "sort=random", "limit=0", "limit=abc", "after=garbage"):
        response = client.get(f"/api/v1/moderation/comments?{query}", headers=_auth(token))
        assert response.status_code == 400, query
        assert response.get_json()["message"]


def test_invalid_action_is_400(client, app, make_token) -> None:
    comment_id = post_comment(client, app).get_json()["id"]
    response = client.post(
        f"/api/v1/moderation/comments/{comment_id}/decision",
        json={"action": "delete"},
        headers=_auth(make_token("moderator")),
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_action"


def test_unknown_api_path_is_json_404(client) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"

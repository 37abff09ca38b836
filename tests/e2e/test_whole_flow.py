"""The whole path over HTTP: form → challenge → score → queue → moderator → thread → retraining."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

HAM = (
    "Ich finde es gut, dass der Stadtrat die Radwege an der Hauptstraße endlich saniert. "
    "Die Baustelle wird nerven, aber das ist es wert."
)
SPAM = (
    "Günstige Potenzmittel rezeptfrei bestellen!!! Viagra und Cialis zum Sonderpreis: "
    "http://potenz-billig.example.ru/shop Jetzt kaufen, diskrete Lieferung!"
)


def _post_comment(client: httpx.Client, text: str, answer: str = "7", **fields: object):
    challenge = client.get("/api/v1/challenge", params={"lang": "de"}).json()
    body = {
        "thread_id": "radwege-2026",
        "author": "Leserin",
        "text": text,
        "challenge_token": challenge["token"],
        "challenge_answer": answer,
        **fields,
    }
    return client.post("/api/v1/comments", json=body)


def test_comment_travels_from_form_to_thread_and_into_training(server: Server) -> None:
    moderator_token = (
        server.cli("tokens", "create", "desk", "--role", "moderator")
        .stdout.strip()
        .splitlines()[-1]
    )
    auth = {"Authorization": f"Bearer {moderator_token}"}
    with httpx.Client(base_url=server.url, timeout=30) as client:
        challenge = client.get("/api/v1/challenge", params={"lang": "de"}).json()
        assert challenge["question"] == "Wie viel ist drei plus vier?"
        assert "Roboter" in challenge["explanation"]

        ham = _post_comment(client, HAM)
        assert ham.status_code == 202
        assert "24 Stunden" in ham.json()["message"]
        assert "score" not in ham.json()
        ham_id = ham.json()["id"]

        spam = _post_comment(client, SPAM)
        assert spam.status_code == 202
        spam_id = spam.json()["id"]

        before = client.get("/api/v1/moderation/comments", headers=auth).json()["counts"]
        wrong = _post_comment(client, "Noch ein Kommentar", answer="12")
        assert wrong.status_code == 422
        assert wrong.json()["error"] == "challenge_wrong"
        assert wrong.json()["challenge"]["token"]
        after = client.get("/api/v1/moderation/comments", headers=auth).json()["counts"]
        assert after == before

        pending = client.get(
            "/api/v1/moderation/comments",
            params={"status": "pending", "sort": "score"},
            headers=auth,
        ).json()
        queued = {c["id"]: c for c in pending["comments"]}
        assert queued[ham_id]["score"] is not None
        assert queued[ham_id]["score"] < 0.5
        assert queued[ham_id]["reasons"]
        spam_folder = client.get(
            "/api/v1/moderation/comments", params={"status": "spam"}, headers=auth
        ).json()["comments"]
        spam_row = next((c for c in spam_folder if c["id"] == spam_id), None) or queued[spam_id]
        assert spam_row["score"] > 0.8
        if spam_row["status"] == "pending":
            assert pending["comments"][0]["id"] == spam_id

        assert client.get("/api/v1/threads/radwege-2026/comments").json()["comments"] == []
        decided = client.post(
            f"/api/v1/moderation/comments/{ham_id}/decision",
            json={"action": "approve"},
            headers=auth,
        )
        assert decided.status_code == 200
        assert decided.json()["status"] == "approved"
        client.post(
            f"/api/v1/moderation/comments/{spam_id}/decision", json={"action": "spam"}, headers=auth
        )
        thread = client.get("/api/v1/threads/radwege-2026/comments").json()["comments"]
        assert [c["text"] for c in thread] == [HAM]

    trained = json.loads(server.cli("train", "--from-db", "--starter", "--json").stdout)
    listed = json.loads(server.cli("models", "list", "--json").stdout)
    assert trained["version"] in {row["version"] for row in listed}
    assert any(
        source["kind"] == "moderation" and source["n"] == 2 for source in trained["data"]["sources"]
    )

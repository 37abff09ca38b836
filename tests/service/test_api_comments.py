"""Submitting comments: challenge, scoring, decision, storage, validation."""

from __future__ import annotations

import pytest

from tests.factories import submission
from tests.service.helpers import answer_for, fresh_challenge, post_comment


def test_challenge_has_question_token_and_explanation(client) -> None:
    challenge = fresh_challenge(client, "de")
    assert challenge["lang"] == "de"
    assert challenge["question"].endswith("?") or challenge["question"].endswith(".")
    assert "Roboter" in challenge["explanation"]
    assert fresh_challenge(client, "en")["lang"] == "en"


def test_accepted_comment_waits_in_the_queue_with_a_score(client, app, stores) -> None:
    response = post_comment(client, app)
    assert response.status_code == 202
    body = response.get_json()
    assert body["message"].startswith("Vielen Dank")
    assert "24 Stunden" in body["message"]
    assert "score" not in body
    row = stores.comments.get_comment(body["id"])
    assert row.status == "pending"
    assert 0.0 <= row.score <= 1.0
    assert row.model_version
    assert row.ip_truncated == "127.0.0.0/24"
    assert row.ip_hash and "127.0.0.1" not in row.ip_hash


def test_english_commenter_gets_an_english_message(client, app) -> None:
    response = post_comment(client, app, lang="en")
    assert response.get_json()["message"].startswith("Thank you")


def test_clear_spam_goes_to_the_spam_folder(client, app, stores) -> None:
    response = post_comment(
        client,
        app,
        text="Cheap viagra without prescription at http://cheap-pills.example.ru now!!!",
    )
    row = stores.comments.get_comment(response.get_json()["id"])
    assert row.score > 0.9
    assert row.status == "spam"


def test_filled_honeypot_goes_to_the_spam_folder(client, app, stores) -> None:
    response = post_comment(client, app, phone="+1 555 0100")
    assert response.status_code == 202
    assert stores.comments.get_comment(response.get_json()["id"]).status == "spam"


def test_wrong_answer_gets_422_with_a_fresh_challenge_and_stores_nothing(
    client, app, stores
) -> None:
    response = post_comment(client, app, answer="definitely wrong")
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "challenge_wrong"
    assert body["challenge"]["token"] and body["challenge"]["question"]
    assert sum(stores.comments.count_by_status().values()) == 0


def test_challenge_token_cannot_be_replayed(client, app, stores) -> None:
    challenge = fresh_challenge(client)
    body = submission(challenge, answer_for(app, challenge["question"]))
    assert client.post("/api/v1/comments", json=body).status_code == 202
    again = client.post("/api/v1/comments", json=body)
    assert again.status_code == 422
    assert again.get_json()["error"] == "challenge_used"
    assert sum(stores.comments.count_by_status().values()) == 1


def test_retry_with_the_same_idempotency_key_creates_no_duplicate(client, app, stores) -> None:
    challenge = fresh_challenge(client)
    body = submission(challenge, answer_for(app, challenge["question"]))
    headers = {"Idempotency-Key": "retry-123"}
    first = client.post("/api/v1/comments", json=body, headers=headers)
    second = client.post("/api/v1/comments", json=body, headers=headers)
    assert first.status_code == second.status_code == 202
    assert first.get_json()["id"] == second.get_json()["id"]
    assert sum(stores.comments.count_by_status().values()) == 1


def test_idempotency_key_of_a_different_comment_is_refused_not_answered_with_its_id(
    client, app, stores
) -> None:
    headers = {"Idempotency-Key": "article-7-comment"}
    challenge = fresh_challenge(client)
    first = client.post("/api/v1/comments", headers=headers,
                        json=submission(challenge, answer_for(app, challenge["question"])))
    assert first.status_code == 202
    challenge = fresh_challenge(client)
    other = submission(challenge, answer_for(app, challenge["question"]),
                       text="Ein ganz anderer Beitrag unter demselben Schlüssel.")
    refused = client.post("/api/v1/comments", json=other, headers=headers)
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["error"] == "idempotency_key_reused"
    assert "neuen Schlüssel" in body["message"]
    assert body["challenge"]["token"]
    # Sent again with a new key, the second comment is stored beside the first.
    retried = client.post("/api/v1/comments", json=other, headers={"Idempotency-Key": "new-key"})
    assert retried.status_code == 202
    stored = {stores.comments.get_comment(answer.get_json()["id"]).text
              for answer in (first, retried)}
    assert "Ein ganz anderer Beitrag unter demselben Schlüssel." in stored
    assert len(stored) == 2


def test_form_encoded_submission_is_accepted(client, app) -> None:
    challenge = fresh_challenge(client)
    body = submission(challenge, answer_for(app, challenge["question"]))
    response = client.post("/api/v1/comments", data=body, headers={"Accept": "application/json"})
    assert response.status_code == 202


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"text": ""}, "missing_field"),
        ({"text": 42}, "invalid_field"),
        ({"author": None}, "missing_field"),
        ({"thread_id": "x" * 201}, "field_too_long"),
        ({"text": "x" * 10_001}, "field_too_long"),
        ({"text": "hallo\x00welt"}, "invalid_characters"),
        ({"email": "not-an-address"}, "invalid_email"),
        ({"url": "javascript:alert(1)"}, "invalid_url"),
    ],
)
def test_invalid_fields_get_a_400_naming_the_problem(client, app, fields, error) -> None:
    response = post_comment(client, app, **fields)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == error
    assert body["message"]


def test_body_that_is_not_a_json_object_is_refused(client) -> None:
    response = client.post("/api/v1/comments", data="[1, 2", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_json"


def test_oversized_body_gets_413(client) -> None:
    response = client.post("/api/v1/comments", data="x" * 70_000, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"] == "body_too_large"


def test_comment_is_kept_unscored_when_no_model_is_available(app_config) -> None:
    from spamschutz.service import create_app
    from spamschutz.service.extensions import runtime
    from spamschutz.service.storage import upgrade_database

    upgrade_database(str(app_config["DATABASE_URL"]))
    app = create_app({**app_config, "MODEL_DIR": app_config["DATA_DIR"]})  # no active model
    client = app.test_client()
    response = post_comment(client, app)
    assert response.status_code == 202
    with app.app_context():
        row = runtime().comments.get_comment(response.get_json()["id"])
    assert row.status == "pending"
    assert row.score is None
    assert client.get("/healthz").get_json()["model_problem"] == "no active model"


def test_the_article_title_and_address_are_kept_for_the_moderators(client, app, stores):
    response = post_comment(client, app, thread_title="Stadtrat beschließt neue Radwege",
                            thread_url="https://zeitung.example/radwege")
    assert response.status_code == 202
    row = stores.comments.get_comment(response.get_json()["id"])
    assert (row.thread_title, row.permalink) == (
        "Stadtrat beschließt neue Radwege", "https://zeitung.example/radwege")


@pytest.mark.parametrize("title, url", [
    ("x" * 5000, "javascript:alert(1)"),
    (["not", "text"], 42),
    ("Titel\u202emit Richtungswechsel", "file:///etc/passwd"),
])
def test_an_unfit_article_title_or_address_never_costs_the_comment(client, app, stores,
                                                                   title, url):
    response = post_comment(client, app, thread_title=title, thread_url=url)
    assert response.status_code == 202, response.get_json()
    row = stores.comments.get_comment(response.get_json()["id"])
    assert row.permalink is None
    assert row.thread_title in (None, "x" * 300)

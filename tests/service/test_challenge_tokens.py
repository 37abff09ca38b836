"""Challenge tokens over HTTP: signed, expiring, bound to their question, single-use across
instances, and dead after a few wrong answers."""

from __future__ import annotations

import time

import pytest
from itsdangerous import URLSafeTimedSerializer

from spamschutz.service.extensions import runtime
from tests.factories import submission
from tests.service.helpers import answer_for, fresh_challenge


def _post(client, challenge: dict, answer: str, **fields):
    return client.post("/api/v1/comments", json=submission(challenge, answer, **fields))


def _refusal(response, status: int = 422) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["message"]
    return body["error"]


def _right(app, challenge: dict) -> str:
    return answer_for(app, challenge["question"])


def test_tampered_challenge_token_is_refused(client, app) -> None:
    challenge = fresh_challenge(client)
    token = challenge["token"]
    middle = len(token) // 4  # inside the signed payload
    flipped = "A" if token[middle] != "A" else "B"
    tampered = dict(challenge, token=token[:middle] + flipped + token[middle + 1 :])
    response = _post(client, tampered, _right(app, challenge))
    assert _refusal(response) == "challenge_invalid"
    assert response.get_json()["challenge"]["token"]


def test_expired_challenge_token_is_refused(client, app, monkeypatch) -> None:
    challenge = fresh_challenge(client)
    with app.app_context():
        bank = runtime().questions
    monkeypatch.setattr(bank, "_clock", lambda: time.time() + bank.ttl_seconds + 1)
    assert _refusal(_post(client, challenge, _right(app, challenge))) == "challenge_expired"


def test_challenge_token_is_valid_until_it_expires(client, app, monkeypatch) -> None:
    challenge = fresh_challenge(client)
    with app.app_context():
        bank = runtime().questions
    monkeypatch.setattr(bank, "_clock", lambda: time.time() + bank.ttl_seconds - 5)
    assert _post(client, challenge, _right(app, challenge)).status_code == 202


def test_foreign_challenge_token_is_refused(client, app, make_app, tmp_path) -> None:
    other_site = make_app(SECRET_KEY="another-installation-" + "k" * 30,
                          DATABASE_URL=f"sqlite:///{tmp_path / 'other.db'}")
    foreign = fresh_challenge(other_site.test_client())
    assert _refusal(_post(client, foreign, _right(app, foreign))) == "challenge_invalid"


def test_token_of_an_older_version_naming_its_question_is_refused(client, app) -> None:
    secret = str(app.config["SECRET_KEY"])
    token = URLSafeTimedSerializer(secret, salt="spamschutz.challenge").dumps(
        {"q": "retired-question", "n": "nonce-1", "t": time.time()}
    )
    challenge = {"token": token, "question": "?"}
    assert _refusal(_post(client, challenge, "7")) == "challenge_unknown"


def test_challenge_token_is_bound_to_its_question(client, app) -> None:
    challenge = fresh_challenge(client)
    with app.app_context():
        other = next(
            q for q in runtime().questions.every_question("de")
            if q.question != challenge["question"] and q.answers[0] != _right(app, challenge)
        )
    assert _refusal(_post(client, challenge, other.answers[0])) == "challenge_wrong"


def test_token_is_dead_after_three_wrong_answers(client, app, stores) -> None:
    challenge = fresh_challenge(client)
    for _ in range(3):
        assert _refusal(_post(client, challenge, "falsch")) == "challenge_wrong"
    response = _post(client, challenge, _right(app, challenge))
    assert _refusal(response) == "challenge_attempts_exceeded"
    assert response.get_json()["challenge"]["token"] != challenge["token"]
    assert "neue Frage" in response.get_json()["message"]
    assert sum(stores.comments.count_by_status().values()) == 0
    fresh = fresh_challenge(client)
    assert _post(client, fresh, _right(app, fresh)).status_code == 202


def test_address_must_wait_after_too_many_wrong_answers(make_app) -> None:
    app = make_app(RATE_LIMIT_WRONG_ANSWERS="4 per 10 minutes")
    client = app.test_client()
    for _ in range(2):  # two tokens, two wrong answers each: the address budget is spent
        challenge = fresh_challenge(client)
        for _ in range(2):
            assert _refusal(_post(client, challenge, "falsch")) == "challenge_wrong"
    challenge = fresh_challenge(client)
    response = _post(client, challenge, _right(app, challenge))
    assert _refusal(response, 429) == "challenge_attempts_exceeded"
    assert 0 < int(response.headers["Retry-After"]) <= 600
    assert "Minuten" in response.get_json()["message"]
    # Another reader elsewhere is not affected.
    other = app.test_client()
    elsewhere = {"REMOTE_ADDR": "198.51.100.23"}
    challenge = other.get("/api/v1/challenge?lang=de", environ_base=elsewhere).get_json()
    response = other.post("/api/v1/comments", json=submission(challenge, _right(app, challenge)),
                          environ_base=elsewhere)
    assert response.status_code == 202


def test_token_carries_a_precise_issue_time(client, app, stores, monkeypatch) -> None:
    with app.app_context():
        bank = runtime().questions
    issued = 1_750_000_000.0
    monkeypatch.setattr(bank, "_clock", lambda: issued)
    challenge = fresh_challenge(client)
    monkeypatch.setattr(bank, "_clock", lambda: issued + 2.375)
    response = _post(client, challenge, _right(app, challenge))
    signals = stores.comments.get_comment(response.get_json()["id"]).signals
    assert signals["seconds_to_submit"] == pytest.approx(2.375)


def test_submission_faster_than_the_minimum_is_flagged(make_app, monkeypatch) -> None:
    app = make_app(MIN_SUBMIT_SECONDS=3)
    client = app.test_client()
    with app.app_context():
        stores = runtime()
    bank = stores.questions
    monkeypatch.setattr(bank, "_clock", lambda: 1_750_000_000.0)
    challenge = fresh_challenge(client)
    monkeypatch.setattr(bank, "_clock", lambda: 1_750_000_002.9)
    response = _post(client, challenge, _right(app, challenge))
    assert stores.comments.get_comment(response.get_json()["id"]).signals["too_fast"] is True


@pytest.mark.parametrize("shared", ["database", "redis"])
def test_challenge_token_cannot_be_replayed_on_another_instance(
    make_app, request, tmp_path, shared
) -> None:
    if shared == "database":
        # Two instances on one database, no Redis: the unique redemption row decides.
        first, second = make_app(), make_app()
    else:
        # Two instances with separate databases but one Redis: only Redis can tell.
        redis_settings = request.getfixturevalue("redis_settings")
        first = make_app(**redis_settings)
        second = make_app(**redis_settings, DATABASE_URL=f"sqlite:///{tmp_path / 'b.db'}")
    challenge = fresh_challenge(first.test_client())
    body = submission(challenge, _right(first, challenge))
    assert first.test_client().post("/api/v1/comments", json=body).status_code == 202
    again = second.test_client().post("/api/v1/comments", json=body)
    assert _refusal(again) == "challenge_used"


def test_wrong_answer_counts_are_shared_through_redis(make_app, redis_settings) -> None:
    first, second = make_app(**redis_settings), make_app(**redis_settings)
    challenge = fresh_challenge(first.test_client())
    for instance in (first, second, first):
        response = instance.test_client().post(
            "/api/v1/comments", json=submission(challenge, "falsch"))
        assert _refusal(response) == "challenge_wrong"
    response = second.test_client().post(
        "/api/v1/comments", json=submission(challenge, _right(first, challenge)))
    assert _refusal(response) == "challenge_attempts_exceeded"


def test_a_wrong_answer_then_a_quick_right_one_is_timed_from_the_first_question(
    make_app, monkeypatch
) -> None:
    app = make_app(MIN_SUBMIT_SECONDS=3)
    client = app.test_client()
    with app.app_context():
        stores = runtime()
    bank = stores.questions
    monkeypatch.setattr(bank, "_clock", lambda: 1_750_000_000.0)
    first = fresh_challenge(client)
    # The reader types for 8 s, answers wrong, and answers the new question within 2 s.
    monkeypatch.setattr(bank, "_clock", lambda: 1_750_000_008.0)
    wrong = _post(client, first, "falsch")
    assert _refusal(wrong) == "challenge_wrong"
    second = wrong.get_json()["challenge"]
    monkeypatch.setattr(bank, "_clock", lambda: 1_750_000_010.0)
    response = _post(client, second, _right(app, second))
    assert response.status_code == 202, response.get_json()
    signals = stores.comments.get_comment(response.get_json()["id"]).signals
    assert signals["too_fast"] is False
    assert signals["seconds_to_submit"] == pytest.approx(10.0)


def test_a_fresh_question_starts_a_fresh_clock(make_app, monkeypatch) -> None:
    # Only a question that replaces a wrong answer continues the form's clock: a reader who
    # fetches a new question gets no credit for time spent on an older one.
    app = make_app(MIN_SUBMIT_SECONDS=3)
    client = app.test_client()
    with app.app_context():
        stores = runtime()
    bank = stores.questions
    monkeypatch.setattr(bank, "_clock", lambda: 1_750_000_000.0)
    fresh_challenge(client)
    monkeypatch.setattr(bank, "_clock", lambda: 1_750_000_008.0)
    challenge = fresh_challenge(client)
    monkeypatch.setattr(bank, "_clock", lambda: 1_750_000_009.0)
    response = _post(client, challenge, _right(app, challenge))
    assert stores.comments.get_comment(response.get_json()["id"]).signals["too_fast"] is True

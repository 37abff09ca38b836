"""Test helpers for talking to the API through the Flask test client."""

from __future__ import annotations

from flask.testing import FlaskClient

from spamschutz.service.extensions import runtime

__all__ = ["answer_for", "fresh_challenge", "post_comment"]


_ANSWERS: dict[int, dict[str, str]] = {}


def answer_for(app, question_text: str) -> str:
    """The accepted answer of a question the app asks (found among every question its bank
    can ask, generated or the site's own)."""
    with app.app_context():
        bank = runtime().questions
    answers = _ANSWERS.get(id(bank))
    if answers is None:
        answers = _ANSWERS[id(bank)] = {q.question: q.answers[0] for q in bank.every_question()}
    return answers[question_text]


def fresh_challenge(client: FlaskClient, lang: str = "de") -> dict:
    """GET a challenge from the API."""
    response = client.get(f"/api/v1/challenge?lang={lang}")
    assert response.status_code == 200
    return response.get_json()


def post_comment(client: FlaskClient, app, answer: str | None = None, headers=None, **fields):
    """Answer a fresh challenge (correctly unless ``answer`` is given) and post a comment."""
    from tests.factories import submission

    challenge = fresh_challenge(client)
    correct = answer_for(app, challenge["question"])
    body = submission(challenge, correct if answer is None else answer, **fields)
    return client.post("/api/v1/comments", json=body, headers=headers or {})

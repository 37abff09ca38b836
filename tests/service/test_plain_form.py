"""The comment form without JavaScript: form-encoded posts that get HTML pages back."""

from __future__ import annotations

import re
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from spamschutz.service.extensions import runtime
from tests.factories import submission
from tests.service.helpers import answer_for, fresh_challenge

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
# What the browsers people use send when they post a form (Chrome, Edge and Opera alike).
BROWSER_ACCEPT = {
    "chromium": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
                "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
    "firefox": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "safari": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
}


def challenge_and_answer(client: FlaskClient, app: Flask) -> tuple[dict[str, object], str]:
    """A fresh German challenge and the right answer to it."""
    challenge = fresh_challenge(client)
    return challenge, answer_for(app, challenge["question"])


def test_plain_form_with_the_right_answer_gets_the_thank_you_page(
    client: FlaskClient, app: Flask, stores
):
    challenge, answer = challenge_and_answer(client, app)
    form = submission(challenge, answer, lang="de", phone="", email="", url="")
    response = client.post("/api/v1/comments", data=form, headers=HTML)
    html = response.get_data(as_text=True)
    assert response.status_code == 202
    assert response.mimetype == "text/html"
    assert "Vielen Dank!" in html and "innerhalb der nächsten 24 Stunden" in html
    assert "<script" not in html
    rows, _ = stores.comments.list_comments(None, thread_id="artikel-42")
    assert [row.author_name for row in rows] == ["Erika Musterfrau"]


def test_thank_you_page_links_back_to_the_article(client: FlaskClient, app: Flask):
    challenge, answer = challenge_and_answer(client, app)
    response = client.post(
        "/api/v1/comments",
        data=submission(challenge, answer),
        headers={**HTML, "Referer": "https://zeitung.example/artikel-42"},
    )
    assert 'href="https://zeitung.example/artikel-42"' in response.get_data(as_text=True)


def test_plain_form_with_a_wrong_answer_gets_the_form_again(
    client: FlaskClient, app: Flask, stores
):
    challenge, _ = challenge_and_answer(client, app)
    text = "Mein <em>langer</em> Beitrag\nmit zwei Zeilen."
    form = submission(challenge, "falsche antwort", text=text, author="Max", lang="de")
    response = client.post("/api/v1/comments", data=form, headers=HTML)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    assert "Die Antwort auf die Spamschutz-Frage stimmt leider nicht." in html
    assert f">{escape(text)}</textarea>" in html
    assert 'name="author" type="text" required maxlength="100"' in html
    assert 'value="Max"' in html
    new_token = re.search(r'name="challenge_token" value="([^"]+)"', html)
    assert new_token and new_token.group(1) != challenge["token"]
    with app.app_context():
        questions = {q.question for q in runtime().questions.every_question()}
    assert any(str(escape(question)) in html for question in questions)
    assert 'name="phone"' in html and "<script" not in html
    assert stores.comments.count_by_status()["pending"] == 0


def test_form_again_keeps_a_missing_field_readable(client: FlaskClient, app: Flask):
    challenge, answer = challenge_and_answer(client, app)
    form = submission(challenge, answer, author="", text="Nur Text", lang="de")
    response = client.post("/api/v1/comments", data=form, headers=HTML)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'role="alert"' in html
    assert ">Nur Text</textarea>" in html


@pytest.mark.parametrize("browser", sorted(BROWSER_ACCEPT))
def test_every_browser_gets_a_page_not_json(client: FlaskClient, app: Flask, browser: str):
    challenge, _ = challenge_and_answer(client, app)
    accept = {"Accept": BROWSER_ACCEPT[browser]}
    wrong = client.post("/api/v1/comments", data=submission(challenge, "falsch"), headers=accept)
    assert (wrong.status_code, wrong.mimetype) == (422, "text/html")
    page = wrong.get_data(as_text=True)
    token = re.search(r'name="challenge_token" value="([^"]+)"', page).group(1)
    question = re.search(r'class="ssz-challenge__question">([^<]+)</label>', page).group(1)
    again = submission({"token": token}, answer_for(app, unescape(question)))
    right = client.post("/api/v1/comments", data=again, headers=accept)
    assert (right.status_code, right.mimetype) == (202, "text/html")
    assert "Vielen Dank!" in right.get_data(as_text=True)


@pytest.mark.parametrize("accept", ["*/*", "application/json", ""])
def test_api_clients_still_get_json_from_a_form_post(client: FlaskClient, app: Flask,
                                                     accept: str):
    challenge, answer = challenge_and_answer(client, app)
    response = client.post("/api/v1/comments", data=submission(challenge, answer),
                           headers={"Accept": accept} if accept else {})
    assert (response.status_code, response.mimetype) == (202, "application/json")

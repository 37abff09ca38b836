"""Every page has the strict CSP and no inline script; hostile comment text is only ever text."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from spamschutz.service.demo.views import DEMO_THREAD
from spamschutz.service.security import CONTENT_SECURITY_POLICY
from tests.conftest import csrf_token_from
from tests.factories import submission
from tests.service.helpers import answer_for, fresh_challenge, post_comment

HTML = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}

HOSTILE_TEXTS = [
    "<script>alert(document.cookie)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">klick</a>',
    '<svg onload=alert(1)><use href="data:image/svg+xml,<svg id=x/>#x"/></svg>',
    '<div style="position:fixed;inset:0;background:url(//evil.example/x.png)">',
    "</textarea><script>alert(2)</script>",
    '"><iframe src=//evil.example></iframe>',
    "{{ config.SECRET_KEY }} {% raw %}",
]


def _no_markup_from(text: str, html: str) -> None:
    """``text`` appears in ``html`` only as text: escaped, never as markup, never evaluated."""
    assert str(escape(text)) in html
    if "<" in text or '"' in text:
        assert text not in html
    assert "test-secret-" not in html  # "{{ config.SECRET_KEY }}" was not rendered


def _assert_strict_page(response, where: str) -> None:
    assert response.headers.get("Content-Security-Policy") == CONTENT_SECURITY_POLICY, where
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    html = response.get_data(as_text=True)
    for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        assert "src=" in attributes and not body.strip(), where
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), where
    assert "<style" not in html and " style=" not in html, where
    assert "javascript:" not in html, where


def _html_pages(client: FlaskClient, app: Flask) -> list[tuple[str, object]]:
    """Every GET page of the app (logged in) and the pages answers to forms and errors make."""
    pages = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.rule.startswith(
            ("/api/", "/static", "/healthz", "/readyz")
        ):
            continue
        pages.append((rule.rule, client.get(rule.rule, follow_redirects=True)))
    challenge = fresh_challenge(client)
    right = submission(challenge, answer_for(app, challenge["question"]))
    pages.append(("received page", client.post("/api/v1/comments", data=right, headers=HTML)))
    wrong = submission(fresh_challenge(client), "falsch")
    pages.append(("form again", client.post("/api/v1/comments", data=wrong, headers=HTML)))
    pages.append(("404 page", client.get("/moderation/no-such-page")))
    pages.append(("CSRF error page", client.post("/moderation/logout")))
    return pages


def test_every_html_page_has_the_strict_csp_and_no_inline_script(client, app, login) -> None:
    login()
    pages = _html_pages(client, app)
    assert {"/demo", "/moderation/", "/moderation/login"} <= {where for where, _ in pages}
    for where, response in pages:
        if response.mimetype == "text/html":
            _assert_strict_page(response, where)
    assert sum(response.mimetype == "text/html" for _, response in pages) >= 6


def test_every_response_has_nosniff_referrer_policy_and_frame_protection(client) -> None:
    for path in ("/demo", "/moderation/login", "/api/v1/challenge", "/healthz",
                 "/api/v1/nothing", "/static/widget.js"):
        response = client.get(path)
        response.close()
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Referrer-Policy"] == "same-origin", path
        assert response.headers["X-Frame-Options"] == "DENY", path
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_hostile_comment_text_is_shown_as_text_in_the_desk(client, app, login, stores,
                                                            text) -> None:
    comment_id = post_comment(client, app, text=text, author=text[:100]).get_json()["id"]
    login()
    status = stores.comments.get_comment(comment_id).status
    html = client.get(f"/moderation/?status={status}").get_data(as_text=True)
    assert f'id="kommentar-{comment_id}"' in html
    _no_markup_from(text, html)


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_hostile_comment_text_is_shown_as_text_on_the_demo_page(client, stores,
                                                                 text) -> None:
    row = stores.comments.add_comment(thread_id=DEMO_THREAD, author_name=text[:100], text=text,
                                      lang="de")
    stores.decisions.decide(row.public_id, "approve", "redaktion")
    html = client.get("/demo").get_data(as_text=True)
    assert "ssz-comment__text" in html
    _no_markup_from(text, html)


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_hostile_comment_text_is_kept_in_the_form_again_as_text(client, app, text) -> None:
    wrong = submission(fresh_challenge(client), "falsch", text=text)
    response = client.post("/api/v1/comments", data=wrong, headers=HTML)
    assert response.status_code == 422
    _no_markup_from(text, response.get_data(as_text=True))


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_thread_api_returns_hostile_text_as_json_data(client, stores, text) -> None:
    row = stores.comments.add_comment(thread_id="t", author_name="A", text=text, lang="de")
    stores.decisions.decide(row.public_id, "approve", "redaktion")
    response = client.get("/api/v1/threads/t/comments")
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_json()["comments"][0]["text"] == text


def test_desk_decision_form_round_trips_hostile_ids_safely(client, login) -> None:
    login()
    token = csrf_token_from(client.get("/moderation/").get_data(as_text=True))
    response = client.post("/moderation/comments/%3Cscript%3E/decision",
                           data={"action": "approve", "csrf_token": token})
    assert response.status_code == 404
    assert "<script>" not in response.get_data(as_text=True)

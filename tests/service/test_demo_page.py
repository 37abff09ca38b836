"""The demo article page: comment widget, a form that works without JavaScript, strict CSP."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from spamschutz.service.demo.views import DEMO_THREAD, DEMO_TITLE
from spamschutz.service.extensions import runtime

XSS_TEXT = "Achtung <script>alert(1)</script> und <img src=x onerror=alert(1)> hier."


def test_demo_page_renders_the_article_and_the_comment_section(client: FlaskClient):
    response = client.get("/demo")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Stadtrat beschließt neue Radwege" in html
    assert (f'<div data-spamschutz-thread="{DEMO_THREAD}" data-title="{DEMO_TITLE}" '
            'data-lang="de">') in html
    assert '<script src="/static/widget.js" defer></script>' in html
    assert 'href="/moderation/"' in html
    assert response.headers["Cache-Control"] == "no-store"


def test_demo_page_renders_the_question_in_a_noscript_plain_form(client: FlaskClient, app: Flask):
    html = client.get("/demo").get_data(as_text=True)
    noscript = html[html.index("<noscript>") : html.index("</noscript>")]
    assert '<form class="ssz-form" method="post" action="/api/v1/comments"' in noscript
    for name in (
        "thread_id",
        "author",
        "email",
        "url",
        "text",
        "challenge_token",
        "challenge_answer",
        "phone",
    ):
        assert f'name="{name}"' in noscript
    assert f'name="thread_id" value="{DEMO_THREAD}"' in noscript
    with app.app_context():
        questions = {q.question for q in runtime().questions.every_question("de")}
    assert any(question in noscript for question in questions)
    assert "Spamschutz: Um zu verhindern, dass hier Roboter Formulare ausfüllen" in noscript
    assert (
        "Die Beiträge werden von der Redaktion geprüft und innerhalb der nächsten "
        "24 Stunden freigeschaltet."
    ) in noscript


def test_honeypot_is_hidden_from_people_and_assistive_technology(client: FlaskClient):
    html = client.get("/demo").get_data(as_text=True)
    honeypot = re.search(r'<div class="ssz-hp" aria-hidden="true">(.*?)</div>', html, re.S)
    assert honeypot is not None
    assert 'name="phone"' in honeypot.group(1)
    assert 'tabindex="-1"' in honeypot.group(1) and 'autocomplete="off"' in honeypot.group(1)
    with client.get("/static/widget.css") as response:
        assert ".ssz-hp {" in response.get_data(as_text=True)


def test_demo_page_has_no_inline_script_or_style(client: FlaskClient):
    response = client.get("/demo")
    html = response.get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts, "the widget script is included"
    assert all("src=" in attributes and not body.strip() for attributes, body in scripts)
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"\son[a-z]+=", html)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_widget_js_is_served_as_javascript(client: FlaskClient):
    with client.get("/static/widget.js") as response:
        assert response.status_code == 200
        assert response.mimetype in ("text/javascript", "application/javascript")
        source = response.get_data(as_text=True)
    assert "document.currentScript" in source
    assert not re.search(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write", source)


def test_demo_page_lists_approved_comments_as_text(client: FlaskClient, stores):
    row = stores.comments.add_comment(
        thread_id=DEMO_THREAD, author_name="<b>Mallory</b>", text=XSS_TEXT, lang="de"
    )
    stores.comments.add_comment(
        thread_id=DEMO_THREAD, author_name="Noch nicht geprüft", text="Wartet", lang="de"
    )
    stores.decisions.decide(row.public_id, "approve", "redaktion")
    html = client.get("/demo").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;b&gt;Mallory&lt;/b&gt;" in html
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "Noch nicht geprüft" not in html

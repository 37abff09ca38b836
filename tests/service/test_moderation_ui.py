"""The moderation desk as a moderator's browser uses it: login, queues, decisions, escaping."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from spamschutz.service.moderation.cards import format_duration, score_badge
from spamschutz.service.moderation.reasons import describe_reason
from spamschutz.service.moderation.views import PAGE_SIZE
from spamschutz.service.storage import Stores
from tests.conftest import MODERATOR_PASSWORD, csrf_token_from
from tests.service.helpers import post_comment

LOGIN_FAILED = "Name oder Passwort ist falsch."  # what the German login page says

XSS_TEXT = "Achtung <script>alert(1)</script> und <img src=x onerror=alert(1)> hier."


def seed_comment(client: FlaskClient, app: Flask, **fields: object) -> str:
    """Submit a comment through the public API, answering its question; returns its id."""
    response = post_comment(client, app, **fields)
    assert response.status_code == 202, response.get_json()
    return response.get_json()["id"]


def decide_through_form(client: FlaskClient, comment_id: str, action: str, status: str):
    """Press a decision button on the queue page, as a browser would."""
    page = client.get(f"/moderation/?status={status}").get_data(as_text=True)
    return client.post(f"/moderation/comments/{comment_id}/decision", data={
        "action": action, "status": status, "sort": "age",
        "csrf_token": csrf_token_from(page)})


@pytest.mark.parametrize("score, band, label, tone", [
    (0.97, "spam", "97\u00a0%", "spam"),
    (0.5, "unsure", "50\u00a0%", "unsure"),
    (0.12, "ham", "12\u00a0%", "ham"),
    (0.999, "spam", "> 99\u00a0%", "spam"),
    (0.001, "ham", "< 1\u00a0%", "ham"),
    (0.0, "ham", "0\u00a0%", "ham"),
    (None, None, "ohne Bewertung", "none"),
])
def test_score_badge_always_shows_the_number(score, band, label, tone):
    badge = score_badge(score, band)
    assert (badge.label, badge.tone) == (label, tone)


@pytest.mark.parametrize("hours, text", [
    (0.001, "weniger als 1 Min."),
    (0.5, "30 Min."),
    (3.2, "3 Std. 12 Min."),
    (5, "5 Std."),
    (24, "1 Tag"),
    (54.5, "2 Tage 6 Std."),
])
def test_durations_read_like_a_person_wrote_them(hours, text):
    assert format_duration(hours) == text


def test_login_page_renders(client: FlaskClient):
    response = client.get("/moderation/login")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="csrf_token"' in html
    assert 'name="name"' in html and 'type="password"' in html


@pytest.mark.parametrize("name, password", [
    ("redaktion", "wrong password"),
    ("nobody", MODERATOR_PASSWORD),
])
def test_wrong_password_and_unknown_user_get_the_same_message(
    client: FlaskClient, moderator: str, name: str, password: str
):
    token = csrf_token_from(client.get("/moderation/login").get_data(as_text=True))
    response = client.post("/moderation/login", data={
        "name": name, "password": password, "csrf_token": token})
    assert response.status_code == 200
    assert LOGIN_FAILED in response.get_data(as_text=True)
    assert client.get("/moderation/").status_code == 303


def test_disabled_moderator_cannot_log_in(client: FlaskClient, moderator: str, stores):
    stores.accounts.set_moderator_disabled(moderator, True)
    token = csrf_token_from(client.get("/moderation/login").get_data(as_text=True))
    response = client.post("/moderation/login", data={
        "name": moderator, "password": MODERATOR_PASSWORD, "csrf_token": token})
    assert LOGIN_FAILED in response.get_data(as_text=True)


def test_successful_login_reaches_the_queue(client: FlaskClient, moderator: str):
    token = csrf_token_from(client.get("/moderation/login").get_data(as_text=True))
    response = client.post("/moderation/login", data={
        "name": moderator, "password": MODERATOR_PASSWORD, "csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/"
    queue = client.get("/moderation/")
    html = queue.get_data(as_text=True)
    assert queue.status_code == 200
    for label in ("Zu prüfen", "Spam-Ordner", "Freigegeben", "Abgelehnt"):
        assert label in html
    assert "Angemeldet als <strong>redaktion</strong>" in html


def test_queue_requires_login(client: FlaskClient):
    response = client.get("/moderation/?status=spam")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/moderation/login?next=")


@pytest.mark.parametrize("next_url, expected", [
    ("/moderation/?status=spam", "/moderation/?status=spam"),
    ("https://evil.example/moderation/", "/moderation/"),
    ("//evil.example/moderation/", "/moderation/"),
    ("/api/v1/challenge", "/moderation/"),
])
def test_login_returns_to_the_page_asked_for_but_never_elsewhere(
    client: FlaskClient, moderator: str, next_url: str, expected: str
):
    token = csrf_token_from(client.get("/moderation/login").get_data(as_text=True))
    response = client.post("/moderation/login", data={
        "name": moderator, "password": MODERATOR_PASSWORD, "csrf_token": token,
        "next": next_url})
    assert response.headers["Location"] == expected


def test_moderation_login_without_csrf_token_is_rejected(client: FlaskClient, moderator: str):
    response = client.post("/moderation/login", data={
        "name": moderator, "password": MODERATOR_PASSWORD})
    assert response.status_code == 400
    assert client.get("/moderation/").status_code == 303


def test_moderation_post_without_csrf_token_is_rejected(client: FlaskClient, app: Flask, login,
                                                        stores):
    comment_id = seed_comment(client, app)
    login()
    response = client.post(f"/moderation/comments/{comment_id}/decision",
                           data={"action": "approve"})
    assert response.status_code == 400
    assert stores.comments.get_comment(comment_id).status != "approved"


def test_logout_ends_the_session(client: FlaskClient, login):
    login()
    token = csrf_token_from(client.get("/moderation/").get_data(as_text=True))
    response = client.post("/moderation/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/login"
    assert client.get("/moderation/").status_code == 303


def test_queue_shows_author_score_badge_and_reasons(client: FlaskClient, app: Flask, login,
                                                     stores):
    comment_id = seed_comment(client, app, author="Karl Beispiel")
    row = stores.comments.get_comment(comment_id)
    login()
    html = client.get(f"/moderation/?status={row.status}").get_data(as_text=True)
    assert "Karl Beispiel" in html
    assert row.score is not None and row.reasons
    assert f'class="badge badge--{row.band}"' in html
    assert f"</span> {escape(score_badge(row.score, row.band).label)}</span>" in html
    first = row.reasons[0]
    toward = "↑ spricht für Spam" if first["direction"] == "spam" else "↓ spricht gegen Spam"
    # The reason in the desk's language, from its code ("„finde“", not the stored English).
    assert f"{toward}: {escape(describe_reason(first, 'de'))}" in html
    assert "Honeypot ausgefüllt" in html and "Zeit bis zum Absenden" in html


def test_unscored_comment_says_so(client: FlaskClient, login, stores):
    stores.comments.add_comment(thread_id="t", author_name="Ohne Modell", text="Hallo", lang="de")
    login()
    html = client.get("/moderation/").get_data(as_text=True)
    assert "ohne Bewertung" in html
    assert 'class="badge badge--none"' in html


def test_approving_through_the_form_publishes_the_comment(client: FlaskClient, app: Flask, login,
                                                          stores):
    comment_id = seed_comment(client, app, thread_id="artikel-7")
    status = stores.comments.get_comment(comment_id).status
    login()
    response = decide_through_form(client, comment_id, "approve", status)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/moderation/?status={status}&sort=age"

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Beitrag von Erika Musterfrau freigegeben." in page
    assert stores.comments.get_comment(comment_id).status == "approved"
    assert stores.decisions.decisions_for(comment_id)[-1].moderator == "redaktion"
    approved = client.get("/moderation/?status=approved").get_data(as_text=True)
    assert f'id="kommentar-{comment_id}"' in approved
    published = client.get("/api/v1/threads/artikel-7/comments").get_json()
    assert [comment["id"] for comment in published["comments"]] == [comment_id]


def test_decision_on_a_stale_card_is_refused(client: FlaskClient, login, stores):
    row = stores.comments.add_comment(thread_id="t", author_name="Anna", text="Hallo", lang="de")
    login()
    token = csrf_token_from(client.get("/moderation/").get_data(as_text=True))
    stores.decisions.decide(row.public_id, "reject", "someone-else")
    response = client.post(f"/moderation/comments/{row.public_id}/decision", data={
        "action": "approve", "row_version": str(row.row_version), "csrf_token": token},
        follow_redirects=True)
    assert "Jemand anderes hat diesen Beitrag inzwischen bearbeitet." in response.get_data(
        as_text=True)
    assert stores.comments.get_comment(row.public_id).status == "rejected"


def test_unknown_action_and_unknown_comment_are_refused(client: FlaskClient, login, stores):
    row = stores.comments.add_comment(thread_id="t", author_name="Anna", text="Hallo", lang="de")
    login()
    token = csrf_token_from(client.get("/moderation/").get_data(as_text=True))
    assert client.post(f"/moderation/comments/{row.public_id}/decision", data={
        "action": "delete", "csrf_token": token}).status_code == 400
    assert client.post("/moderation/comments/no-such-id/decision", data={
        "action": "approve", "csrf_token": token}).status_code == 404


def test_comment_markup_is_escaped_in_the_queue(client: FlaskClient, app: Flask, login,
                                                stores):
    comment_id = seed_comment(client, app, text=XSS_TEXT, author="<b>Mallory</b>")
    login()
    html = client.get(f"/moderation/?status={stores.comments.get_comment(comment_id).status}"
                      ).get_data(as_text=True)
    # Words the model weighed are wrapped in <mark>; the text between stays escaped.
    html = re.sub(r'<mark class="hl hl--(spam|ham)">|</mark>', "", html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;b&gt;Mallory&lt;/b&gt;" in html
    assert "<script>alert(1)" not in html and "<img src=x" not in html


def test_queue_pages_with_a_cursor_and_sorts_by_score(client: FlaskClient, login, stores):
    for number in range(PAGE_SIZE + 3):
        stores.comments.add_comment(thread_id="t", author_name=f"Leser {number:02d}", text="Hallo",
                                    lang="de", score=number / 100, band="ham")
    login()
    first = client.get("/moderation/").get_data(as_text=True)
    assert "Leser 00" in first and f"Leser {PAGE_SIZE - 1:02d}" in first
    assert f"Leser {PAGE_SIZE:02d}" not in first
    marker = 'rel="next" href="'
    start = first.index(marker) + len(marker)
    second = client.get(first[start:first.index('"', start)].replace("&amp;", "&")
                        ).get_data(as_text=True)
    assert f"Leser {PAGE_SIZE:02d}" in second and "Leser 00" not in second
    assert 'rel="next"' not in second

    by_score = client.get("/moderation/?sort=score").get_data(as_text=True)
    assert by_score.index(f"Leser {PAGE_SIZE + 2:02d}") < by_score.index(f"Leser {PAGE_SIZE:02d}")


def test_queue_shows_overdue_comments_against_the_promise(client: FlaskClient, login,
                                                          stores):
    long_ago = datetime.now(UTC) - timedelta(hours=30)
    Stores.open(stores.engine, clock=lambda: long_ago).comments.add_comment(
        thread_id="t", author_name="Geduldig", text="Hallo", lang="de")
    stores.comments.add_comment(thread_id="t", author_name="Frisch", text="Hallo", lang="de")
    login()
    html = client.get("/moderation/").get_data(as_text=True)
    assert "wartet seit <strong>1 Tag 6 Std.</strong>" in html
    assert "1 überfällig" in html
    assert "Zusage: 24 Std." in html


def test_invalid_cursor_falls_back_to_the_first_page(client: FlaskClient, login):
    login()
    response = client.get("/moderation/?after=not-a-cursor", follow_redirects=True)
    assert response.status_code == 200
    assert "Dieser Seitenverweis ist ungültig" in response.get_data(as_text=True)


def test_desk_pages_have_no_inline_script_or_style(client: FlaskClient, login, stores):
    stores.comments.add_comment(thread_id="t", author_name="Anna", text="Hallo", lang="de")
    login()
    response = client.get("/moderation/")
    html = response.get_data(as_text=True)
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts == ['<script src="/static/desk.js" defer>']
    assert "</script>" in html and re.search(r"<script[^>]*>\s*\S+\s*</script>", html) is None
    assert "<style" not in html and " style=" not in html
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_return_address_with_crlf_is_refused_with_400(client: FlaskClient, moderator: str):
    """A CR/LF in ``next`` (a header split: ``Set-Cookie`` smuggled into ``Location``) gave 500."""
    smuggled = "/moderation/%0d%0aSet-Cookie:x=1"
    switch = client.get(f"/moderation/language/en?next={smuggled}")
    assert switch.status_code == 400
    assert "Set-Cookie" not in str(switch.headers.get("Location"))
    assert client.get(f"/moderation/login?next={smuggled}").status_code == 400
    token = csrf_token_from(client.get("/moderation/login").get_data(as_text=True))
    response = client.post("/moderation/login", data={
        "name": moderator, "password": MODERATOR_PASSWORD, "csrf_token": token,
        "next": "/moderation/\r\nSet-Cookie:x=1"})
    assert response.status_code == 400

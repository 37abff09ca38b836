"""Moderator sessions live on the server: new at login, gone at logout and password change,
carried in an HttpOnly, SameSite=Lax cookie that is Secure over HTTPS."""

from __future__ import annotations

import secrets

from flask import Flask
from flask.testing import FlaskClient

from spamschutz.service.auth import hash_password
from tests.conftest import MODERATOR_PASSWORD, csrf_token_from
from tests.service.helpers import post_comment

COOKIE = "spamschutz_session"


def _cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def _with_cookie(app: Flask, value: str) -> FlaskClient:
    """Another browser presenting a copied session cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, value)
    return thief


def _logged_in(client: FlaskClient) -> bool:
    return client.get("/moderation/").status_code == 200


def _log_out(client: FlaskClient):
    token = csrf_token_from(client.get("/moderation/").get_data(as_text=True))
    return client.post("/moderation/logout", data={"csrf_token": token})


def _set_cookie_headers(response) -> str:
    return next(v for v in response.headers.getlist("Set-Cookie") if v.startswith(COOKIE))


def test_copied_session_cookie_stops_working_after_logout(client, app, login) -> None:
    login()
    copied = _cookie(client)
    assert _logged_in(_with_cookie(app, copied))
    assert _log_out(client).status_code == 303
    assert not _logged_in(client)
    assert not _logged_in(_with_cookie(app, copied))


def test_password_change_ends_every_session(client, app, login, stores) -> None:
    login()
    other_browser = app.test_client()
    token = csrf_token_from(other_browser.get("/moderation/login").get_data(as_text=True))
    other_browser.post("/moderation/login", data={
        "name": "redaktion", "password": MODERATOR_PASSWORD, "csrf_token": token})
    assert _logged_in(client) and _logged_in(other_browser)
    stores.accounts.set_moderator_password("redaktion", hash_password("a brand new password"))
    assert not _logged_in(client)
    assert not _logged_in(other_browser)
    assert stores.sessions.count_moderator_sessions("redaktion") == 0


def test_disabling_a_moderator_ends_their_sessions(client, login, stores) -> None:
    login()
    stores.accounts.set_moderator_disabled("redaktion", True)
    assert not _logged_in(client)


def test_login_starts_a_new_session(client, app, moderator) -> None:
    page = client.get("/moderation/login")
    before = _cookie(client)  # the anonymous session holding the login form's CSRF secret
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post("/moderation/login", data={
        "name": moderator, "password": MODERATOR_PASSWORD, "csrf_token": token})
    assert response.status_code == 303
    after = _cookie(client)
    assert after != before
    assert not _logged_in(_with_cookie(app, before))
    assert _logged_in(_with_cookie(app, after))


def test_each_login_gets_its_own_session(app, moderator, stores) -> None:
    cookies = []
    for _ in range(2):
        browser = app.test_client()
        token = csrf_token_from(browser.get("/moderation/login").get_data(as_text=True))
        browser.post("/moderation/login", data={
            "name": moderator, "password": MODERATOR_PASSWORD, "csrf_token": token})
        cookies.append(_cookie(browser))
    assert cookies[0] != cookies[1]
    assert stores.sessions.count_moderator_sessions(moderator) == 2


def test_expired_session_is_refused(client, login, stores) -> None:
    from sqlalchemy import update

    from spamschutz.service.storage import utc_now
    from spamschutz.service.storage.schema import moderator_sessions

    login()
    with stores.engine.begin() as connection:
        connection.execute(update(moderator_sessions).values(expires_at=utc_now()))
    assert not _logged_in(client)


def test_session_cookie_is_httponly_and_samesite_lax(client, stores) -> None:
    stores.accounts.add_moderator("redaktion-2", hash_password(MODERATOR_PASSWORD))
    response = _log_in_response(client)
    assert response.status_code == 303
    header = _set_cookie_headers(response)
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Secure" not in header  # plain HTTP in development


def _log_in_response(client: FlaskClient, base_url: str = "http://localhost"):
    page = client.get("/moderation/login", base_url=base_url)
    token = csrf_token_from(page.get_data(as_text=True))
    # Over HTTPS Flask-WTF also insists on a same-origin Referer, as browsers send it.
    return client.post("/moderation/login", base_url=base_url, data={
        "name": "redaktion-2", "password": MODERATOR_PASSWORD, "csrf_token": token},
        headers={"Referer": f"{base_url}/moderation/login"})


def test_session_cookie_is_secure_over_https(app, stores) -> None:
    stores.accounts.add_moderator("redaktion-2", hash_password(MODERATOR_PASSWORD))
    response = _log_in_response(app.test_client(), base_url="https://localhost")
    assert response.status_code == 303
    assert "Secure" in _set_cookie_headers(response)


def test_session_cookie_is_secure_behind_a_trusted_tls_proxy(make_app) -> None:
    app = make_app(TRUSTED_PROXIES=1)
    client = app.test_client()
    response = client.get("/moderation/login", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in _set_cookie_headers(response)
    untrusted = make_app().test_client()
    response = untrusted.get("/moderation/login", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" not in _set_cookie_headers(response)


def test_session_cookie_is_secure_in_production(make_app) -> None:
    client = make_app(ENV="production", SECRET_KEY=secrets.token_urlsafe(48)).test_client()
    response = client.get("/moderation/login")
    assert "Secure" in _set_cookie_headers(response)


def test_moderation_logout_without_csrf_token_is_rejected(client, login) -> None:
    login()
    response = client.post("/moderation/logout")
    assert response.status_code == 400
    assert _logged_in(client)


def test_moderation_decision_without_csrf_token_is_rejected(client, app, login,
                                                            stores) -> None:
    comment_id = post_comment(client, app).get_json()["id"]
    login()
    response = client.post(f"/moderation/comments/{comment_id}/decision",
                           data={"action": "spam"})
    assert response.status_code == 400
    assert stores.decisions.decisions_for(comment_id) == []


def test_api_decision_with_a_session_needs_the_csrf_token(client, app, login,
                                                          stores) -> None:
    comment_id = post_comment(client, app).get_json()["id"]
    login()
    url = f"/api/v1/moderation/comments/{comment_id}/decision"
    refused = client.post(url, json={"action": "spam"})
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "csrf_failed"
    assert stores.decisions.decisions_for(comment_id) == []
    token = csrf_token_from(client.get("/moderation/").get_data(as_text=True))
    accepted = client.post(url, json={"action": "spam"}, headers={"X-CSRFToken": token})
    assert accepted.status_code == 200

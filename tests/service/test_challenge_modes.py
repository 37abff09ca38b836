"""Mollom-style challenge modes: always, unsure (ask only when the model is unsure), never."""

from __future__ import annotations

import pytest

from spamschutz.model import Thresholds
from spamschutz.service.auth import hash_token, new_token
from spamschutz.service.extensions import runtime

HAM = "Danke für den ausführlichen Bericht über den Stadtrat, sehr informativ."
ZEITUNG = "https://zeitung.example"
FORUM = "https://forum.example"


def _submit(client, headers=None, **fields):
    body = {"thread_id": "artikel-7", "author": "Leserin", "text": HAM, **fields}
    return client.post("/api/v1/comments", json=body, headers=headers or {})


def _from(origin: str) -> dict[str, str]:
    return {"Origin": origin}


@pytest.fixture
def force_band(monkeypatch):
    """Make an app's serving model put every score into one band: ``force_band(app, "ham")``."""

    def force(app, band: str) -> None:
        with app.app_context():
            _, model = runtime().registry.current()
        cuts = {"ham": Thresholds(spam=1.01, unsure=1.005),
                "unsure": Thresholds(spam=1.01, unsure=-0.01),
                "spam": Thresholds(spam=-0.01, unsure=-0.02)}[band]
        monkeypatch.setattr(model, "thresholds", cuts)

    return force


def _bearer(app, role: str) -> dict[str, str]:
    """The header of a new API token with ``role``."""
    token = new_token()
    with app.app_context():
        runtime().accounts.add_api_token(f"test-{role}", hash_token(token), role)
    return {"Authorization": f"Bearer {token}"}


def test_always_mode_requires_an_answer(client):
    response = _submit(client)
    assert response.status_code == 422
    assert client.get("/api/v1/challenge").get_json()["mode"] == "always"


def test_unsure_site_accepts_clear_ham_without_a_question(
    app, client, runner, stores, force_band
):
    result = runner("sites", "set", "zeitung", "--challenge", "unsure", "--origin", ZEITUNG)
    assert result.exit_code == 0
    mode = client.get("/api/v1/challenge?site=zeitung", headers=_from(ZEITUNG)).get_json()["mode"]
    assert mode == "unsure"
    force_band(app, "ham")
    response = _submit(client, headers=_from(ZEITUNG), site="zeitung")
    assert response.status_code == 202
    stored = stores.comments.get_comment(response.get_json()["id"])
    assert stored.status == "pending" and stored.signals["challenge"] == "not_asked"
    assert stored.site == "zeitung"


def test_unsure_site_sends_clear_spam_to_the_spam_folder(
    app, client, runner, stores, force_band
):
    runner("sites", "set", "zeitung", "--challenge", "unsure", "--origin", ZEITUNG)
    force_band(app, "spam")
    response = _submit(client, headers=_from(ZEITUNG), site="zeitung")
    assert response.status_code == 202  # a bot learns nothing from the answer
    assert stores.comments.get_comment(response.get_json()["id"]).status == "spam"


def test_unsure_comment_gets_409_with_a_question_then_passes(app, client, runner, force_band):
    from tests.service.helpers import answer_for

    runner("sites", "set", "zeitung", "--challenge", "unsure", "--origin", ZEITUNG)
    force_band(app, "unsure")
    asked = _submit(client, headers=_from(ZEITUNG), site="zeitung")
    assert asked.status_code == 409
    body = asked.get_json()
    assert body["error"] == "challenge_required"
    challenge = body["challenge"]
    answered = _submit(
        client, headers=_from(ZEITUNG), site="zeitung", challenge_token=challenge["token"],
        challenge_answer=answer_for(app, challenge["question"]),
    )
    assert answered.status_code == 202


def test_never_site_asks_nobody(app, client, runner, force_band):
    runner("sites", "set", "forum", "--challenge", "never", "--origin", FORUM)
    force_band(app, "unsure")
    assert _submit(client, headers=_from(FORUM), site="forum").status_code == 202


def test_a_site_key_shows_the_request_comes_from_the_site(backend_app, force_band):
    with backend_app.app_context():
        runtime().sites.set_site("forum", "never")  # no origin: only a key shows it
    force_band(backend_app, "unsure")
    client = backend_app.test_client()
    assert _submit(client, headers=_bearer(backend_app, "site"), site="forum").status_code == 202
    moderator_key = _bearer(backend_app, "moderator")
    assert _submit(client, headers=moderator_key, site="forum").status_code == 422


def test_the_client_cannot_choose_a_relaxed_challenge_mode(backend_app, force_band):
    """Naming a site with a relaxed mode, without its origin or a site key, is no way past
    the question: no Origin, another site's, a look-alike, an invalid one."""
    with backend_app.app_context():
        runtime().sites.set_site("openforum", "never", "https://trusted.example")
    force_band(backend_app, "ham")
    client = backend_app.test_client()
    for headers in (
        {},
        _from("https://evil.example"),
        _from("https://trusted.example.evil.example"),
        _from("http://trusted.example"),
        _from("null"),
        {"Authorization": "Bearer not-a-key"},
    ):
        answer = _submit(client, headers=headers, site="openforum")
        assert answer.status_code == 422, headers
        assert answer.get_json()["error"] == "challenge_missing"
        mode = client.get("/api/v1/challenge?site=openforum", headers=headers).get_json()["mode"]
        assert mode == "always"
    trusted = _submit(client, headers=_from("HTTPS://Trusted.Example"), site="openforum")
    assert trusted.status_code == 202


def test_an_unproven_request_gets_the_stricter_of_site_and_default(backend_app, make_app):
    with backend_app.app_context():
        runtime().sites.set_site("forum", "never", "https://forum.example")
        runtime().sites.set_site("strict", "always", "https://strict.example")
    # A second instance on the same database whose default mode is "unsure".
    app = make_app(DATABASE_URL=backend_app.config["DATABASE_URL"], CHALLENGE_MODE="unsure")
    client = app.test_client()
    assert client.get("/api/v1/challenge?site=forum").get_json()["mode"] == "unsure"
    assert client.get("/api/v1/challenge?site=strict").get_json()["mode"] == "always"


def test_site_origin_must_be_an_origin(runner):
    result = runner("sites", "set", "forum", "--challenge", "never", "--origin", "forum.example")
    assert result.exit_code != 0 and "--origin" in result.output


def test_unknown_site_falls_back_to_the_default_mode(client):
    assert _submit(client, site="tippfehler").status_code == 422


def test_default_mode_is_configurable(make_app):
    app = make_app(CHALLENGE_MODE="never")
    assert app.test_client().get("/api/v1/challenge").get_json()["mode"] == "never"


def test_api_docs_page_renders_with_a_static_script_only(client):
    page = client.get("/api/docs/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<script src="/static/api-docs.js" defer></script>' in html
    assert "<script>" not in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    script = client.get("/static/api-docs.js")
    assert script.status_code == 200
    script.close()

"""One decision sweeps a campaign across two app instances sharing one database (SQLite file,
and PostgreSQL when SPAMSCHUTZ_TEST_DATABASE_URL is set): decided on one instance, a later
member arriving at the other goes to the spam folder once the detector has linked it; undo and
"not spam" too."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask import Flask

from spamschutz.service.auth import hash_password, hash_token, new_token
from spamschutz.service.extensions import runtime
from tests.conftest import (
    MODERATOR_PASSWORD,
    csrf_token_from,
    database_urls,
    detect_campaigns,
)

# Mild enough that the model leaves them to the moderators (pending), so a sweep has work.
PHONE_SPAM = "Wer mehr über die Wohnung wissen will, ruft mich bitte an: 0151 23456789 ({n})"


@pytest.fixture(params=database_urls())
def instances(request, make_app, tmp_path) -> Iterator[tuple[Flask, Flask, str]]:
    """Two apps on one database and a moderator's API token valid on both."""
    if request.param == "sqlite":
        urls = iter([f"sqlite:///{tmp_path / 'shared.db'}"])
    else:
        from tests.service.storage.conftest import _postgres_schema_url

        urls = _postgres_schema_url(os.environ["SPAMSCHUTZ_TEST_DATABASE_URL"])
    for url in urls:
        first = make_app(DATABASE_URL=url, CHALLENGE_MODE="never")
        second = make_app(DATABASE_URL=url, CHALLENGE_MODE="never")
        token = new_token()
        with first.app_context():
            stores = runtime()
            stores.accounts.add_api_token("desk-tool", hash_token(token), "moderator")
            stores.accounts.add_moderator("redaktion", hash_password(MODERATOR_PASSWORD))
        yield first, second, token


counter = iter(range(10**6))


def submit(app: Flask, text: str | None = None) -> str:
    """A comment of the campaign, in a thread and from an address of its own, as the app's
    detector has linked it a moment later."""
    n = next(counter)
    response = app.test_client().post("/api/v1/comments", json={
        "thread_id": f"artikel-{n}", "author": f"Anbieter {n}",
        "text": text or PHONE_SPAM.format(n=n),
    }, environ_base={"REMOTE_ADDR": f"203.0.113.{n % 250 + 1}"})
    assert response.status_code == 202
    # The answer tells the reader nothing of a campaign, whatever the detection finds.
    assert response.get_json()["status"] == "received"
    detect_campaigns(app)
    return response.get_json()["id"]


def decide(app: Flask, token: str, public_id: str, action: str) -> dict:
    response = app.test_client().post(
        f"/api/v1/moderation/comments/{public_id}/decision", json={"action": action},
        headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def status_of(app: Flask, public_id: str) -> str:
    with app.app_context():
        return runtime().comments.get_comment(public_id).status


def test_a_spam_decision_on_one_instance_sweeps_arrivals_at_the_other(instances):
    first, second, token = instances
    members = [submit(first) for _ in range(3)]
    assert [status_of(second, m) for m in members] == ["pending"] * 3
    decided = decide(second, token, members[0], "spam")
    assert decided["campaign"]["reason"] == "Teil einer Kampagne (3 Beiträge, 3 Artikel)"
    assert [status_of(first, m) for m in members] == ["spam"] * 3
    later = submit(first)
    assert status_of(second, later) == "spam"
    spam_folder = second.test_client().get(
        "/api/v1/moderation/comments?status=spam", headers={
            "Authorization": f"Bearer {token}", "Accept-Language": "en"}).get_json()
    reasons = {c["id"]: c["campaign"]["reason"] for c in spam_folder["comments"]}
    assert reasons[later] == "Part of a campaign (4 comments, 4 articles)"


def test_undo_on_the_desk_of_one_instance_takes_back_the_sweep_made_on_the_other(instances):
    first, second, token = instances
    members = [submit(first) for _ in range(3)]
    decide(first, token, members[0], "spam")
    members.append(submit(second))  # swept on arrival, and taken back with the rest
    assert status_of(first, members[-1]) == "spam"
    desk = second.test_client()
    login_form = desk.get("/moderation/login").get_data(as_text=True)
    desk.post("/moderation/login", data={"name": "redaktion", "password": MODERATOR_PASSWORD,
                                         "csrf_token": csrf_token_from(login_form)})
    csrf = csrf_token_from(desk.get("/moderation/").get_data(as_text=True))
    # The desk's undo button (a plain form post), as a moderator without JavaScript sends it.
    undone = desk.post(f"/moderation/comments/{members[0]}/undo", data={"csrf_token": csrf})
    assert undone.status_code == 303
    assert [status_of(first, m) for m in members] == ["pending"] * 4
    assert status_of(second, submit(first)) == "pending"


def test_not_spam_on_one_instance_stops_the_sweep_on_the_other(instances):
    first, second, token = instances
    members = [submit(first) for _ in range(3)]
    decide(first, token, members[0], "spam")
    decide(second, token, members[1], "ham")
    assert [status_of(first, m) for m in members] == ["spam", "approved", "pending"]
    assert status_of(first, submit(second)) == "pending"

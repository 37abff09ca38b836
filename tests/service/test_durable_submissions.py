"""A 202 means the comment is kept: in the database, or in the spool until the database is back."""

from __future__ import annotations

from pathlib import Path

import pytest

from spamschutz.service import create_app
from spamschutz.service.extensions import runtime
from spamschutz.service.storage.schema import comments
from tests.conftest import detect_campaigns
from tests.factories import submission
from tests.service.helpers import answer_for, fresh_challenge, post_comment
from tests.service.outage import database_file_replaced_by_a_directory
from tests.waiting import wait_until


@pytest.fixture
def app_config(app_config: dict[str, object]) -> dict[str, object]:
    """The shared test configuration without automatic replay: these tests drain by hand."""
    return {**app_config, "SPOOL_REPLAY_SECONDS": 0}


def _all_comments(stores) -> list:
    with stores.engine.connect() as connection:
        return connection.execute(comments.select()).all()


def test_comment_accepted_while_the_database_is_down_is_stored_once_after_recovery_and_drain(
    client, app, stores, runner
) -> None:
    assert client.get("/readyz").status_code == 200  # serving, with its model loaded
    with database_file_replaced_by_a_directory(app):
        assert client.get("/readyz").status_code == 503
        first = post_comment(client, app, text="Geschrieben, als die Datenbank weg war.")
        challenge = fresh_challenge(client)
        page = client.post(
            "/api/v1/comments",
            data=submission(challenge, answer_for(app, challenge["question"])),
            headers={"Accept": "text/html"},
        )
        health = client.get("/healthz")
    assert first.status_code == 202
    assert "24 Stunden" in first.get_json()["message"]
    assert page.status_code == 202 and "24 Stunden" in page.get_data(as_text=True)
    assert health.status_code == 200
    assert health.get_json()["spool"] == {"depth": 2, "failed": 0}

    assert client.get("/readyz").status_code == 200
    result = runner("spool", "drain")
    assert "Stored 2 comment(s)" in result.output
    assert runner("spool", "drain").output.startswith("Stored 0 comment(s)")
    row = stores.comments.get_comment(first.get_json()["id"])
    assert row.text == "Geschrieben, als die Datenbank weg war."
    assert row.score is not None  # scored when it arrived, by the model in memory
    assert len(_all_comments(stores)) == 2
    assert client.get("/healthz").get_json()["spool"] == {"depth": 0, "failed": 0}


def test_comment_spooled_during_an_outage_joins_its_campaign_after_the_replay(
    client, app, stores, runner
) -> None:
    spam = "Schnelles Geld ohne Risiko, ruf an: 0151 23456789 ({n})"
    early = [post_comment(client, app, text=spam.format(n=n), thread_id=f"artikel-{n}")
             for n in (1, 2)]
    with database_file_replaced_by_a_directory(app):
        spooled = post_comment(client, app, text=spam.format(n=3), thread_id="artikel-3")
    assert spooled.status_code == 202
    assert "Stored 1 comment(s)" in runner("spool", "drain").output
    detect_campaigns(app)
    ids = [response.get_json()["id"] for response in (*early, spooled)]
    campaigns = stores.campaigns.campaigns_of(ids)
    assert set(campaigns) == set(ids)
    assert len({campaign.public_id for campaign in campaigns.values()}) == 1


def test_when_neither_database_nor_spool_can_keep_the_comment_the_answer_is_503(
    client, app, app_config, stores
) -> None:
    Path(str(app_config["DATA_DIR"]), "spool").write_text("a file where the spool should be")
    with database_file_replaced_by_a_directory(app):
        response = post_comment(client, app)
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert response.get_json()["error"] == "service_unavailable"
    assert response.get_json()["message"]
    assert _all_comments(stores) == []


def test_full_spool_answers_503_instead_of_accepting(app_config, app) -> None:
    full = create_app({**app_config, "SPOOL_MAX_RECORDS": 1})
    client = full.test_client()
    with database_file_replaced_by_a_directory(full):
        assert post_comment(client, full).status_code == 202
        assert post_comment(client, full).status_code == 503
    with full.app_context():
        runtime().engine.dispose()


def test_client_retries_with_the_same_key_never_create_duplicates_across_an_outage(
    client, app, stores, runner
) -> None:
    challenge = fresh_challenge(client)
    body = submission(challenge, answer_for(app, challenge["question"]))
    headers = {"Idempotency-Key": "form-retry-7"}
    with database_file_replaced_by_a_directory(app):
        first = client.post("/api/v1/comments", json=body, headers=headers)
        during = client.post("/api/v1/comments", json=body, headers=headers)
        assert client.get("/healthz").get_json()["spool"]["depth"] == 1
    after_recovery = client.post("/api/v1/comments", json=body, headers=headers)
    runner("spool", "drain")
    after_drain = client.post("/api/v1/comments", json=body, headers=headers)

    answers = [first, during, after_recovery, after_drain]
    assert {response.status_code for response in answers} == {202}
    assert len({response.get_json()["id"] for response in answers}) == 1
    assert len(_all_comments(stores)) == 1
    assert stores.comments.get_comment(first.get_json()["id"]).idempotency_key == "form-retry-7"


def test_retry_stored_directly_after_recovery_is_not_duplicated_by_the_replay(
    client, app, stores, runner
) -> None:
    """The spool may hold a key that a retry stored meanwhile; the replay must notice."""
    challenge = fresh_challenge(client)
    body = submission(challenge, answer_for(app, challenge["question"]))
    with database_file_replaced_by_a_directory(app):
        first = client.post("/api/v1/comments", json=body, headers={"Idempotency-Key": "k-9"})
    # The client lost the answer and retries with a new question and the same key.
    retry_challenge = fresh_challenge(client)
    retry_body = submission(retry_challenge, answer_for(app, retry_challenge["question"]))
    retry = client.post("/api/v1/comments", json=retry_body, headers={"Idempotency-Key": "k-9"})
    assert retry.get_json()["id"] == first.get_json()["id"]  # answered from the spool
    runner("spool", "drain")
    assert len(_all_comments(stores)) == 1


def test_key_of_a_spooled_comment_is_refused_for_a_different_comment(
    client, app, stores, runner
) -> None:
    challenge = fresh_challenge(client)
    body = submission(challenge, answer_for(app, challenge["question"]))
    with database_file_replaced_by_a_directory(app):
        first = client.post("/api/v1/comments", json=body, headers={"Idempotency-Key": "k-10"})
        other = {**body, "text": "Eine zweite, andere Meinung zum Artikel."}
        refused = client.post("/api/v1/comments", json=other, headers={"Idempotency-Key": "k-10"})
    assert first.status_code == 202
    assert refused.status_code == 422
    assert refused.get_json()["error"] == "idempotency_key_reused"
    runner("spool", "drain")
    assert [comment.text for comment in _all_comments(stores)] == [body["text"]]


def test_challenge_reused_during_an_outage_keeps_every_comment_but_flags_the_copies(
    client, app, stores, runner
) -> None:
    challenge = fresh_challenge(client)
    body = submission(challenge, answer_for(app, challenge["question"]))
    with database_file_replaced_by_a_directory(app):
        ids = [client.post("/api/v1/comments", json=body).get_json()["id"] for _ in range(3)]
    runner("spool", "drain")
    statuses = sorted(stores.comments.get_comment(public_id).status for public_id in ids)
    assert statuses == ["pending", "spam", "spam"]
    assert client.post("/api/v1/comments", json=body).status_code == 422  # and now refused


def test_running_service_replays_the_spool_by_itself_once_the_database_is_back(
    app_config, app, stores
) -> None:
    live = create_app({**app_config, "SPOOL_REPLAY_SECONDS": 0.05})
    client = live.test_client()
    with database_file_replaced_by_a_directory(live):
        accepted = post_comment(client, live)
        client.get("/healthz")  # a replay attempt while the database is still down
    assert accepted.status_code == 202
    replayer = live.extensions["spamschutz.spool_replayer"]

    def spool_empty() -> bool:
        empty = not client.get("/healthz").get_json()["spool"]["depth"]  # a request pokes it
        replayer.join(timeout=5)  # the replay that request started
        return empty

    wait_until(spool_empty, 10, "the service replays its spool", interval=0.06)
    assert stores.comments.get_comment(accepted.get_json()["id"]).status in ("pending", "spam")
    assert len(_all_comments(stores)) == 1
    with live.app_context():
        runtime().engine.dispose()

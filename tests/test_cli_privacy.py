"""Privacy commands: retention purge, export and erasure of a commenter's data, spool status."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from spamschutz.service.campaigns.detector import CAMPAIGN_DETECTOR_EXTENSION
from spamschutz.service.storage import ChallengeStore, Stores
from tests.conftest import detect_campaigns
from tests.service.helpers import post_comment


def _stored(stores, status: str, days_old: float, **fields):
    values = {
        "thread_id": "artikel-1",
        "author_name": "Leser",
        "text": f"{status}, {days_old} Tage alt",
        "lang": "de",
        "status": status,
        "created_at": datetime.now(UTC) - timedelta(days=days_old),
    }
    values.update(fields)
    return stores.comments.add_comment(**values)


def _exists(stores, public_id: str) -> bool:
    from spamschutz.service.storage import NotFound

    try:
        stores.comments.get_comment(public_id)
    except NotFound:
        return False
    return True


def test_purge_deletes_only_spam_and_rejected_comments_older_than_the_retention(
    runner, stores
) -> None:
    doomed = [_stored(stores, "spam", 31), _stored(stores, "rejected", 45)]
    stores.decisions.decide(doomed[1].public_id, "spam", "redaktion")  # decisions go with it
    kept = [
        _stored(stores, "spam", 29),
        _stored(stores, "pending", 90),
        _stored(stores, "approved", 90),
    ]
    result = runner("purge")  # the default retention: SPAMSCHUTZ_RETENTION_DAYS, 30
    assert "Deleted 2 spam or rejected comment(s) older than 30 days" in result.output
    assert not any(_exists(stores, row.public_id) for row in doomed)
    assert all(_exists(stores, row.public_id) for row in kept)

    assert "Deleted 1 spam" in runner("purge", "--older-than-days", "7").output


def test_purge_forgets_challenge_redemptions_only_once_their_tokens_expired(
    runner, stores
) -> None:
    long_ago = datetime.now(UTC) - timedelta(hours=2)  # tokens live 30 minutes
    then = ChallengeStore(stores.challenges.engine, clock=lambda: long_ago)
    then.redeem_challenge("expired-token")
    stores.challenges.redeem_challenge("live-token")
    assert ", 1 expired challenge redemption(s)" in runner("purge").output
    assert stores.challenges.redeem_challenge("expired-token")  # forgotten
    assert not stores.challenges.redeem_challenge("live-token")  # still single-use


def test_privacy_export_prints_every_comment_of_the_address_with_its_decisions(
    runner, client, app, stores
) -> None:
    mine = post_comment(client, app, email="Erika@Example.org", text="Mein erster Kommentar.")
    stores.decisions.decide(mine.get_json()["id"], "approve", "redaktion")
    # Stored under an earlier secret key: the keyed hash no longer matches, the address does.
    older = _stored(stores, "pending", 3, author_email="erika@example.org", email_hash="x")
    post_comment(client, app, email="someone.else@example.org")

    result = runner("privacy", "export", "erika@example.org")
    document = json.loads(result.output)
    assert document["email"] == "erika@example.org"
    by_id = {entry["id"]: entry for entry in document["comments"]}
    assert set(by_id) == {mine.get_json()["id"], older.public_id}
    exported = by_id[mine.get_json()["id"]]
    assert exported["text"] == "Mein erster Kommentar."
    assert exported["author_email"] == "Erika@Example.org"
    assert exported["ip_truncated"] == "127.0.0.0/24"
    assert [decision["action"] for decision in exported["decisions"]] == ["approve"]
    assert "redaktion" not in result.output  # moderators' names are theirs


def test_privacy_erase_blanks_text_and_personal_data_but_keeps_the_decisions(
    runner, client, app, stores
) -> None:
    approved = post_comment(client, app, email="erika@example.org", url="https://erika.example")
    public_id = approved.get_json()["id"]
    stores.decisions.decide(public_id, "approve", "redaktion")
    assert len(stores.decisions.training_labels()) == 1
    other = post_comment(client, app, email="someone.else@example.org").get_json()["id"]

    result = runner("privacy", "erase", "ERIKA@example.org", "--yes")
    assert "Erased 1 comment(s)" in result.output
    row = stores.comments.get_comment(public_id)
    assert (row.text, row.author_name, row.author_email, row.author_url) == ("", "", None, None)
    assert (row.ip_truncated, row.ip_hash, row.email_hash, row.user_agent) == (None,) * 4
    assert not row.reasons
    assert row.status == "approved"
    decisions = stores.decisions.decisions_for(public_id)
    assert [decision.action for decision in decisions] == ["approve"]
    thread = client.get("/api/v1/threads/artikel-42/comments").get_json()["comments"]
    assert public_id not in {comment["id"] for comment in thread}
    assert stores.decisions.training_labels() == []
    assert stores.comments.get_comment(other).text  # nobody else's comment is touched
    assert json.loads(runner("privacy", "export", "erika@example.org").output)["comments"] == []


def test_privacy_erase_asks_before_erasing(runner, client, app, stores) -> None:
    public_id = post_comment(client, app, email="erika@example.org").get_json()["id"]
    result = runner("privacy", "erase", "erika@example.org", input="n\n")
    assert "Aborted" in result.output
    assert stores.comments.get_comment(public_id).text


def test_spool_status_says_how_many_comments_wait(runner) -> None:
    assert runner("spool", "status").output.startswith("0 comment(s) waiting")
    assert json.loads(runner("spool", "status", "--json").output)["depth"] == 0


def test_purge_forgets_the_campaign_index_beyond_its_window(runner, stores) -> None:
    from spamschutz.service.campaigns.fingerprint import fingerprint_comment
    from spamschutz.service.storage import DetectionRules

    long_ago = datetime.now(UTC) - timedelta(days=20)  # the window: 14 days
    old = Stores.open(stores.engine, clock=lambda: long_ago)
    for store in (old, stores):
        row = store.comments.add_comment(thread_id="t", author_name="A", lang="de",
                                         text="Ruf an: 0151 23456789")
        fingerprint = fingerprint_comment(row.text)
        store.campaigns.link_comment(row.public_id, fingerprint.index_keys(), None,
                                     DetectionRules())
    assert "1 comment(s) from the campaign detection's 14-day window" in runner("purge").output
    assert "0 comment(s) from the campaign" in runner("purge").output  # the recent one stays


def test_privacy_erase_forgets_the_comments_in_the_campaign_index(
    runner, client, app, stores
) -> None:
    from sqlalchemy import func, select

    from spamschutz.service.storage.campaign_index import key_hash
    from spamschutz.service.storage.schema import campaign_key_hashes, campaign_prints

    def counts() -> tuple[int, int]:
        with stores.engine.connect() as connection:
            prints = connection.execute(
                select(func.count()).select_from(campaign_prints)).scalar()
            phones = connection.execute(
                select(func.count()).select_from(campaign_key_hashes)
                .where(campaign_key_hashes.c.key_hash == key_hash("p:015123456789"))).scalar()
        return prints, phones

    post_comment(client, app, email="erika@example.org", text="Ruf an: 0151 23456789, Erika")
    post_comment(client, app, email="someone.else@example.org")
    detect_campaigns(app)
    before = counts()
    runner("privacy", "erase", "erika@example.org", "--yes")
    assert (before, counts()) == ((2, 1), (1, 0))


def test_privacy_erase_takes_a_waiting_comment_out_of_the_campaign_detection(
    runner, client, app, stores
) -> None:
    """Erased before the detector read it: its phone number and address never reach the
    campaign index, and its blanked text is not fingerprinted either."""
    from sqlalchemy import func, select

    from spamschutz.service.storage.schema import campaign_key_hashes, campaign_prints

    # The app's own detector stays off here, or it could link the comment first.
    app.extensions[CAMPAIGN_DETECTOR_EXTENSION].stop()
    post_comment(client, app, email="erika@example.org", text="Ruf an: 0151 23456789, Erika")
    assert stores.campaigns.detection_waiting()
    runner("privacy", "erase", "erika@example.org", "--yes")
    assert not stores.campaigns.detection_waiting()
    detect_campaigns(app)
    with stores.engine.connect() as connection:
        prints = connection.execute(select(func.count()).select_from(campaign_prints)).scalar()
        keys = connection.execute(
            select(func.count()).select_from(campaign_key_hashes)).scalar()
    assert (prints, keys) == (0, 0)

"""A comment linked to its campaign in the transaction that stores it, on each backend: the
same campaign as linking it afterwards, a sweep that catches it on arrival, and a failing
detection that never costs the comment (nor the comments stored with it)."""

from __future__ import annotations

import logging

from sqlalchemy import text

from spamschutz.service.campaigns.fingerprint import fingerprint_comment
from spamschutz.service.storage import CampaignLink, DetectionRules

RULES = DetectionRules()
PHONE_SPAM = "Schnelles Geld ohne Risiko, ruf an: 0151 23456789 ({n})"


def store(stores, make_comment, n, text=PHONE_SPAM, observe=None):
    """Store comment ``n`` (its own thread and sender) with its campaign link, as the intake
    does; its id."""
    body = text.format(n=n)
    sender = f"sender-{n}"
    fingerprint = fingerprint_comment(body, senders=(sender,))
    link = CampaignLink(tuple(fingerprint.index_keys()), fingerprint.signature, RULES, observe)
    row = make_comment(text=body, thread_id=f"artikel-{n}", ip_hash=sender, status="pending",
                       band="unsure", score=0.6, campaign=link)
    return row.public_id


def test_comments_stored_with_their_link_form_a_campaign(stores, make_comment):
    timings = []
    ids = [store(stores, make_comment, n, observe=timings.append) for n in range(3)]
    found = stores.campaigns.campaigns_of(ids)
    assert set(found) == set(ids)
    campaign = found[ids[0]]
    assert campaign.status == "open"
    assert (campaign.member_count, campaign.thread_count) == (3, 3)
    assert campaign.shares["phones"] == ["015123456789"]
    assert len(timings) == 3 and all(seconds >= 0 for seconds in timings)


def test_a_sweeping_campaign_catches_a_new_member_in_its_own_transaction(
        stores, make_comment):
    ids = [store(stores, make_comment, n) for n in range(3)]
    stores.decisions.decide(ids[0], "spam", "redaktion")
    later = store(stores, make_comment, 3)
    assert stores.comments.get_comment(later).status == "spam"
    assert [(d.action, d.moderator) for d in stores.decisions.decisions_for(later)] == [
        ("spam", "redaktion")]


def test_a_failing_detection_keeps_the_comment(stores, make_comment, caplog):
    """On PostgreSQL a failed statement spoils its whole transaction unless a savepoint
    contains it: the comment is written in the same transaction as the detection."""
    with stores.engine.begin() as connection:
        connection.execute(text("DROP TABLE campaign_keys"))
    with caplog.at_level(logging.ERROR):
        public_id = store(stores, make_comment, 1)
    assert stores.comments.get_comment(public_id).text.startswith("Schnelles Geld")
    assert "campaign detection failed" in caplog.text
    assert stores.comments.count_by_status()["pending"] == 1


def test_a_retried_submission_is_neither_stored_nor_linked_twice(stores, make_comment):
    fingerprint = fingerprint_comment(PHONE_SPAM.format(n=0), senders=("sender-0",))
    link = CampaignLink(tuple(fingerprint.index_keys()), fingerprint.signature, RULES)
    first = make_comment(text=PHONE_SPAM.format(n=0), ip_hash="sender-0", campaign=link,
                         idempotency_key="retry-1")
    again = make_comment(text=PHONE_SPAM.format(n=0), ip_hash="sender-0", campaign=link,
                         idempotency_key="retry-1")
    assert again.public_id == first.public_id
    assert stores.comments.count_by_status()["pending"] == 1

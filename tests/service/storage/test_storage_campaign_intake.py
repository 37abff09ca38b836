"""Comments queued for the campaign detection when they are stored, and linked afterwards in
batches, on each backend: the same campaign as linking each at once, a sweep that catches a
later member when its batch is linked (and is undone with it), a failing detection that never
costs a comment, a batch stopped midway that the next detector links, two detectors at once,
campaigns merged inside one batch, and a comment erased while its batch is fingerprinted."""

from __future__ import annotations

import logging
import threading

import pytest
from sqlalchemy import text

from spamschutz.service.campaigns.detector import CampaignDetector, campaign_link
from spamschutz.service.storage import (
    CampaignPrint,
    DetectionRules,
    Stores,
    create_engine_for,
    upgrade_database,
)

RULES = DetectionRules()
PHONE_SPAM = "Schnelles Geld ohne Risiko, ruf an: 0151 23456789 ({n})"


def detector(stores) -> CampaignDetector:
    return CampaignDetector(stores.campaigns, RULES, frozenset())


def store(make_comment, n, text=PHONE_SPAM, **fields):
    """Store comment ``n`` (its own thread and sender) queued for the detection, as the
    intake does; its id."""
    row = make_comment(text=text.format(n=n), thread_id=f"artikel-{n}", ip_hash=f"sender-{n}",
                       status="pending", band="unsure", score=0.6,
                       queue_campaign_detection=True, **fields)
    return row.public_id


def test_queued_comments_form_their_campaign_when_the_detector_links_them(
        stores, make_comment):
    ids = [store(make_comment, n) for n in range(3)]
    assert stores.campaigns.campaigns_of(ids) == {}
    assert stores.campaigns.detection_waiting()
    detector(stores).catch_up()
    assert not stores.campaigns.detection_waiting()
    found = stores.campaigns.campaigns_of(ids)
    assert set(found) == set(ids)
    campaign = found[ids[0]]
    assert campaign.status == "open"
    assert (campaign.member_count, campaign.thread_count) == (3, 3)
    assert campaign.shares["phones"] == ["015123456789"]


def test_the_fingerprint_queued_at_intake_is_the_one_the_detector_links_by(
        stores, make_comment):
    """The detector reads the keys queued with a comment, not its text: three comments whose
    texts share nothing, queued with one phone number's key, form that number's campaign."""
    queued = CampaignPrint(("p:015123456789",), shingled=None)
    ids = [store(make_comment, n, text=f"Ein ganz eigener Beitrag Nummer {n}.",
                 campaign_print=queued) for n in range(3)]
    detector(stores).catch_up()
    found = stores.campaigns.campaigns_of(ids)
    assert set(found) == set(ids)
    assert found[ids[0]].shares["phones"] == ["015123456789"]


def test_a_sweeping_campaign_catches_a_later_member_when_its_batch_is_linked(
        stores, make_comment):
    ids = [store(make_comment, n) for n in range(3)]
    detector(stores).catch_up()
    stores.decisions.decide(ids[0], "spam", "redaktion")
    later = store(make_comment, 3)
    assert stores.comments.get_comment(later).status == "pending"  # until its batch
    detector(stores).catch_up()
    assert stores.comments.get_comment(later).status == "spam"
    assert [(d.action, d.moderator) for d in stores.decisions.decisions_for(later)] == [
        ("spam", "redaktion")]
    campaign = stores.campaigns.campaigns_of([later])[later]
    stores.campaigns.undo_sweep(campaign.public_id, "redaktion")
    assert [stores.comments.get_comment(i).status for i in [*ids[1:], later]] == [
        "pending"] * 3


def test_a_failing_detection_keeps_the_comments_and_empties_the_queue(
        stores, make_comment, caplog):
    """On PostgreSQL a failed statement spoils its whole transaction unless a savepoint
    contains it: the batch's comments are linked in one transaction."""
    with stores.engine.begin() as connection:
        connection.execute(text("DROP TABLE campaign_key_hashes"))
    ids = [store(make_comment, n) for n in range(2)]
    with caplog.at_level(logging.ERROR):
        detector(stores).catch_up()
    assert [stores.comments.get_comment(i).text[:14] for i in ids] == ["Schnelles Geld"] * 2
    assert "campaign detection failed" in caplog.text
    assert not stores.campaigns.detection_waiting()


def test_a_retried_submission_is_neither_stored_nor_queued_twice(stores, make_comment):
    first = store(make_comment, 0, idempotency_key="retry-1")
    again = store(make_comment, 0, idempotency_key="retry-1")
    assert again == first
    assert detector(stores).run_batch() == 1


def test_comments_stored_at_once_are_each_queued(stores, make_comment):
    """Comments stored at the same moment share one write transaction, and their queueing one
    statement: each waits for the detection, once."""
    ids: list[str] = []
    threads = [threading.Thread(target=lambda n=n: ids.append(store(make_comment, n)))
               for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids) == 12
    assert detector(stores).run_batch() == 12
    assert stores.campaigns.get_campaign(
        stores.campaigns.campaigns_of(ids)[ids[0]].public_id).member_count == 12


def test_a_batch_whose_transaction_fails_waits_for_the_next_detector(stores, make_comment):
    """A detector stopped mid-batch (a crash, a restart): nothing of the batch is kept, so
    its comments are linked by the next one, once."""
    ids = [store(make_comment, n) for n in range(3)]

    def stopped(batch):
        raise RuntimeError("stopped mid-batch")

    with pytest.raises(RuntimeError):
        stores.campaigns.link_waiting(50, stopped)
    assert stores.campaigns.detection_waiting()
    detector(stores).catch_up()
    assert not stores.campaigns.detection_waiting()
    assert stores.campaigns.campaigns_of(ids)[ids[0]].member_count == 3


def test_two_detectors_at_once_share_the_queue_and_link_each_comment_once(
        stores, make_comment):
    ids = [store(make_comment, n) for n in range(40)]
    detectors = [CampaignDetector(stores.campaigns, RULES, frozenset(), batch_size=3)
                 for _ in range(2)]
    threads = [threading.Thread(target=d.catch_up) for d in detectors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    campaigns = stores.campaigns.campaigns_of(ids)
    assert set(campaigns) == set(ids)
    assert {c.public_id for c in campaigns.values()} == {campaigns[ids[0]].public_id}
    assert stores.campaigns.get_campaign(campaigns[ids[0]].public_id).member_count == 40


def test_a_campaign_merged_in_a_batch_takes_the_batch_later_members(
        stores, make_comment, caplog):
    """One batch: a comment sharing the phone numbers of two campaigns merges them, and a later
    comment of the same batch joins the merged campaign (not the one merged away), in the
    batch's own transaction (not linked again one by one after a failure)."""
    first = [store(make_comment, n, "Kredit sofort: 0151 11111111 ({n})") for n in range(3)]
    second = [store(make_comment, n, "Kredit sofort: 0151 22222222 ({n})") for n in (3, 4, 5)]
    detector(stores).catch_up()
    assert (stores.campaigns.campaigns_of(first)[first[0]].public_id
            != stores.campaigns.campaigns_of(second)[second[0]].public_id)
    bridge = store(make_comment, 6, "Kredit: 0151 11111111 oder 0151 22222222 ({n})")
    later = store(make_comment, 7, "Kredit sofort: 0151 22222222 ({n})")
    with caplog.at_level(logging.WARNING):
        assert detector(stores).run_batch() == 2
    assert "linked again" not in caplog.text
    members = [*first, *second, bridge, later]
    campaigns = stores.campaigns.campaigns_of(members)
    assert {campaigns[i].public_id for i in members} == {campaigns[first[0]].public_id}
    assert stores.campaigns.get_campaign(campaigns[later].public_id).member_count == 8


def test_a_comment_erased_while_its_batch_is_fingerprinted_leaves_the_rest_linked(tmp_path):
    """On SQLite the batch is fingerprinted before the write lock is taken: what changed
    meanwhile is read again in the transaction."""
    url = f"sqlite:///{tmp_path / 'erased.db'}"
    upgrade_database(url)
    sqlite_stores = Stores.open(create_engine_for(url))

    def make_comment(**fields):
        return sqlite_stores.comments.add_comment(author_name="Leser", lang="de", **fields)

    ids = [store(make_comment, n) for n in range(4)]

    def erasing_one(batch):
        with sqlite_stores.engine.begin() as connection:
            connection.execute(text("DELETE FROM comments WHERE public_id = :id"),
                               {"id": ids[0]})
        return [campaign_link(comment, RULES, frozenset()) for comment in batch]

    assert sqlite_stores.campaigns.link_waiting(50, erasing_one) == 3
    assert not sqlite_stores.campaigns.detection_waiting()
    campaigns = sqlite_stores.campaigns.campaigns_of(ids[1:])
    assert {campaigns[i].public_id for i in ids[1:]} == {campaigns[ids[1]].public_id}
    assert campaigns[ids[1]].member_count == 3
    sqlite_stores.engine.dispose()

"""Campaign detection after intake: comments posted through ``POST /api/v1/comments`` and
linked by the app's detector, on real reader comments, and when the detection itself fails."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import text

from spamschutz.service.campaigns.detector import CAMPAIGN_DETECTOR_EXTENSION, campaign_link
from spamschutz.service.campaigns.fingerprint import fingerprint_comment
from spamschutz.service.campaigns.settings import common_domains, detection_rules
from spamschutz.service.extensions import runtime
from tests.conftest import DATASETS, detect_campaigns

GERMAN = DATASETS / "german-reader-comments" / "comments.jsonl"


@pytest.fixture
def open_app(make_app):
    """An app that stores comments without a question (challenge mode ``never``)."""
    return make_app(CHALLENGE_MODE="never")


def submit(client, text, thread="artikel-1", author="Leserin", address="198.51.100.7", **extra):
    """Post a comment as a reader at ``address`` would; the stored comment's id."""
    response = client.post("/api/v1/comments", json={
        "thread_id": thread, "author": author, "text": text, **extra,
    }, environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 202, response.get_data(as_text=True)
    return response.get_json()["id"]


def test_comments_posted_through_the_api_form_a_campaign(open_app):
    client = open_app.test_client()
    ids = [submit(client, f"Kredit ohne Schufa in 24 Stunden, ruf an: 0151 2345678{i}"
                  f" oder 0170 9988776", thread=f"artikel-{i}", address=f"203.0.113.{i}")
           for i in range(3)]
    detect_campaigns(open_app)
    with open_app.app_context():
        found = runtime().campaigns.campaigns_of(ids)
    assert set(found) == set(ids)
    campaign = found[ids[0]]
    assert campaign.status == "open"
    assert campaign.shares["phones"] == ["01709988776"]
    assert (campaign.member_count, campaign.thread_count) == (3, 3)


def test_a_failing_detection_keeps_the_comment_and_says_so_in_the_log(open_app, caplog):
    with open_app.app_context():
        stores = runtime()
        with stores.engine.begin() as connection:
            connection.execute(text("DROP TABLE campaign_key_hashes"))
    client = open_app.test_client()
    with caplog.at_level(logging.ERROR):
        public_id = submit(client, "Ruf an: 0151 23456789, schnelles Geld ohne Risiko")
        detect_campaigns(open_app)
    with open_app.app_context():
        stored = runtime().comments.get_comment(public_id)
        assert not runtime().campaigns.detection_waiting()  # not tried again and again
    assert stored.text.startswith("Ruf an")
    assert "campaign detection failed" in caplog.text


def test_the_fingerprint_taken_at_intake_is_the_one_the_detector_takes_from_the_text(open_app):
    """The intake queues each comment with its fingerprint; a comment queued without one (from
    the spool, or by an earlier version) is fingerprinted by the detector from its text, and
    both must find the same campaigns."""
    # The app's own detector stays off, or it could link the comment before it is read here.
    open_app.extensions[CAMPAIGN_DETECTOR_EXTENSION].stop()
    client = open_app.test_client()
    submit(client, "Ruf an: 0151 23456789, schnelles Geld ohne Risiko, nur heute "
           "und nur für Sie! Mehr auf https://kredit-sofort.example/angebot",
           url="https://kredit-sofort.example")
    with open_app.app_context():
        stores = runtime()
        with stores.engine.connect() as connection:
            queued = dict(connection.execute(text(
                "SELECT b.print_keys, b.shingled_text, c.text, c.author_email, c.author_url,"
                " c.ip_hash, c.email_hash FROM campaign_backlog AS b"
                " JOIN comments AS c ON c.id = b.comment_id")).mappings().one())
    rules, common = detection_rules(open_app.config), common_domains(open_app.config)
    from_queue = campaign_link(queued, rules, common)
    from_text = campaign_link({**queued, "print_keys": None}, rules, common)
    assert from_queue == from_text
    whole = fingerprint_comment(queued["text"], author_url=queued["author_url"],
                                senders=(queued["ip_hash"], queued["email_hash"] or ""),
                                common_domains=common)
    assert (from_text.keys, from_text.signature) == (tuple(whole.index_keys()), whole.signature)
    assert {key.split(":")[0] for key in from_text.keys} >= {"p", "d", "w", "s", "t0"}
    detect_campaigns(open_app)
    with open_app.app_context():
        assert not runtime().campaigns.detection_waiting()


def test_a_fingerprint_failing_at_intake_keeps_the_comment(open_app, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug in the fingerprint")

    monkeypatch.setattr(
        "spamschutz.service.campaigns.detector.fingerprint_before_minhash", broken)
    client = open_app.test_client()
    with caplog.at_level(logging.ERROR):
        public_id = submit(client, "Ruf an: 0151 23456789, schnelles Geld ohne Risiko")
        detect_campaigns(open_app)
    with open_app.app_context():
        assert runtime().comments.get_comment(public_id).text.startswith("Ruf an")
        assert not runtime().campaigns.detection_waiting()
    assert "campaign detection failed" in caplog.text


def test_detection_can_be_switched_off(make_app):
    app = make_app(CHALLENGE_MODE="never", CAMPAIGN_DETECTION=False)
    client = app.test_client()
    ids = [submit(client, f"Ruf an: 0151 23456789 ({i})", thread=f"t{i}",
                  address=f"203.0.113.{i}") for i in range(3)]
    with app.app_context():
        assert not runtime().campaigns.detection_waiting()  # nothing queued
        assert runtime().campaigns.campaigns_of(ids) == {}


@pytest.mark.slow
@pytest.mark.skipif(not GERMAN.exists(), reason=f"{GERMAN} is not present")
def test_real_german_reader_comments_are_never_swept(open_app):
    """1,799 published derStandard.at comments posted through the API, thirty to an article,
    with a campaign among them that a moderator sweeps: no reader's comment goes with it, none
    ends up in a campaign sharing a spam-like element, and hardly any in one at all.

    The stream arrives within seconds here, so each comment comes from its own address: a
    reader's comments of a day in a few seconds would be a burst (tested with a clock in
    tests/service/storage/test_storage_campaigns.py)."""
    client = open_app.test_client()
    lines = GERMAN.read_text(encoding="utf-8").splitlines()
    readers = []
    for index, line in enumerate(lines):
        # A comment the form refuses (a word over 200 characters) is no comment at all.
        response = client.post("/api/v1/comments", json={
            "thread_id": f"artikel-{index // 30}", "author": f"Leser {index % 400}",
            "text": json.loads(line)["text"][:5000],
        }, environ_base={"REMOTE_ADDR": f"10.0.{index // 200}.{index % 200 + 1}"})
        if response.status_code == 202:
            readers.append(response.get_json()["id"])
        if index % 300 == 150:
            submit(open_app.test_client(), f"Wer mehr über die Wohnung wissen will, ruft mich "
                   f"bitte an: 0151 23456789 ({index})", thread=f"artikel-{index // 30}",
                   address=f"203.0.113.{index % 250}")
    detect_campaigns(open_app)
    with open_app.app_context():
        stores = runtime()
        recognised = stores.campaigns.list_campaigns()
        assert [c.shares.get("phones") for c in recognised if c.spam_like] == [["015123456789"]]
        members = [m.public_id for m in stores.campaigns.campaign_members(recognised[0].public_id)]
        stores.decisions.decide(members[0], "spam", "redaktion")
        assert {stores.comments.get_comment(m).status for m in members} == {"spam"}
        swept_readers = [r for r in readers if stores.decisions.decisions_for(r)]
    assert swept_readers == []
    assert sum(c.member_count for c in recognised) - len(members) <= 0.01 * len(lines)

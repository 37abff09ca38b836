"""Campaigns on the desk: the badge on members' cards, the campaign view, decide-all with its
undo, the "in a campaign" filter, and the Prometheus figures."""

from __future__ import annotations

import re

import pytest

from spamschutz.service.campaigns.fingerprint import fingerprint_comment
from spamschutz.service.storage import DetectionRules
from tests.conftest import csrf_token_from

PHONE = "Wer mehr über die Wohnung wissen will, ruft mich bitte an: 0151 23456789 ({n})"


@pytest.fixture
def campaign(stores):
    """Three pending comments sharing a phone number, in three threads, and a reader's."""
    ids = []
    for n in range(3):
        text = PHONE.format(n=n)
        row = stores.comments.add_comment(thread_id=f"artikel-{n}", author_name=f"Anbieter {n}",
                                          text=text, lang="de", score=0.6, band="unsure",
                                          ip_hash=f"sender-{n}")
        fingerprint = fingerprint_comment(text, senders=(f"sender-{n}",))
        result = stores.campaigns.link_comment(row.public_id, fingerprint.index_keys(),
                                               fingerprint.signature, DetectionRules())
        ids.append(row.public_id)
    reader = stores.comments.add_comment(thread_id="artikel-0", author_name="Leserin",
                                         text="Danke für den Artikel!", lang="de")
    return result.campaign_id, ids, reader.public_id


def test_members_carry_a_badge_linking_to_their_campaign(client, login, campaign):
    campaign_id, _ids, _reader = campaign
    login()
    page = client.get("/moderation/").get_data(as_text=True)
    badges = re.findall(r'data-campaign-badge href="([^"]+)">([^<]+)<', page)
    assert len(badges) == 3
    assert {href for href, _ in badges} == {f"/moderation/campaigns/{campaign_id}"}
    assert badges[0][1] == "Teil einer Kampagne (3 Beiträge, 3 Artikel)"


def test_the_in_a_campaign_filter_shows_only_members(client, login, campaign):
    _, ids, reader = campaign
    login()
    page = client.get("/moderation/?campaign=1").get_data(as_text=True)
    assert all(f'data-id="{public_id}"' in page for public_id in ids)
    assert f'data-id="{reader}"' not in page
    assert client.get("/moderation/?campaign=yes").status_code == 400


def test_the_campaign_view_shows_what_members_share(client, login, campaign):
    campaign_id, _ids, _ = campaign
    login()
    page = client.get(f"/moderation/campaigns/{campaign_id}").get_data(as_text=True)
    assert "<code>015123456789</code>" in page
    assert page.count("data-member=") == 3
    assert all(f"<code>artikel-{n}</code>" in page for n in range(3))
    assert "data-timeline" in page
    assert client.get("/moderation/campaigns").get_data(as_text=True).count("data-campaign=") == 1


def test_decide_all_sweeps_and_its_undo_takes_it_back(client, login, campaign, stores):
    campaign_id, ids, reader = campaign
    login()
    page = client.get(f"/moderation/campaigns/{campaign_id}").get_data(as_text=True)
    token = csrf_token_from(page)
    swept = client.post(f"/moderation/campaigns/{campaign_id}/decision",
                        data={"action": "spam", "csrf_token": token}, follow_redirects=True)
    assert "3 Beiträge in den Spam-Ordner verschoben" in swept.get_data(as_text=True)
    assert [stores.comments.get_comment(i).status for i in ids] == ["spam"] * 3
    assert stores.comments.get_comment(reader).status == "pending"
    undone = client.post(f"/moderation/campaigns/{campaign_id}/undo",
                         data={"csrf_token": token}, follow_redirects=True)
    assert "3 Beiträge zurück" in undone.get_data(as_text=True)
    assert [stores.comments.get_comment(i).status for i in ids] == ["pending"] * 3


def test_not_spam_for_all_dissolves_the_campaign(client, login, campaign, stores):
    campaign_id, _ids, _ = campaign
    login()
    token = csrf_token_from(client.get(f"/moderation/campaigns/{campaign_id}")
                            .get_data(as_text=True))
    client.post(f"/moderation/campaigns/{campaign_id}/decision",
                data={"action": "ham", "csrf_token": token})
    assert stores.campaigns.get_campaign(campaign_id).status == "dissolved"


def test_campaign_decision_without_csrf_token_is_rejected(client, login, campaign, stores):
    campaign_id, ids, _ = campaign
    login()
    response = client.post(f"/moderation/campaigns/{campaign_id}/decision",
                           data={"action": "spam"})
    assert response.status_code == 400
    assert stores.comments.get_comment(ids[0]).status == "pending"


def test_unknown_campaigns_and_actions_are_refused(client, login, campaign):
    campaign_id, _, _ = campaign
    login()
    assert client.get("/moderation/campaigns/not-an-id").status_code == 404
    assert client.get("/moderation/campaigns/00000000-0000-4000-8000-000000000000"
                      ).status_code == 404
    token = csrf_token_from(client.get("/moderation/").get_data(as_text=True))
    response = client.post(f"/moderation/campaigns/{campaign_id}/decision",
                           data={"action": "approve", "csrf_token": token})
    assert response.status_code == 400


def test_the_campaign_view_needs_a_login(client, campaign):
    campaign_id, _, _ = campaign
    response = client.get(f"/moderation/campaigns/{campaign_id}")
    assert response.status_code in (302, 303)


def test_metrics_count_open_campaigns_and_swept_comments(client, campaign, stores):
    _, ids, _ = campaign
    stores.decisions.decide(ids[0], "spam", "redaktion")
    text = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_data(
        as_text=True)
    assert "spamschutz_campaigns_open 1.0" in text
    assert "spamschutz_campaign_comments_swept 2.0" in text
    assert "spamschutz_campaign_detection_duration_seconds" in text

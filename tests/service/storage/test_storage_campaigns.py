"""Campaign detection in storage, on each backend: each kind of link, the rules that keep
readers out, and the window."""

from __future__ import annotations

import json

import pytest

from spamschutz.service.campaigns.fingerprint import fingerprint_comment
from spamschutz.service.storage import DetectionRules

RULES = DetectionRules()
SPAM = ("Ich verdiene jetzt {n} Euro im Monat von zu Hause aus, ganz ohne Vorkenntnisse und "
        "ohne Risiko. Schaut mal rein, {name}!")


@pytest.fixture
def post(stores, make_comment):
    """Store a comment and run the detection on it, as the intake does."""

    def post(text, thread="article-1", sender="sender-a", email=None, url=None, **fields):
        # The model is unsure about them unless a test says otherwise.
        fields = {"status": "pending", "band": "unsure", "score": 0.6, **fields}
        row = make_comment(text=text, thread_id=thread, ip_hash=sender, author_email=email,
                           author_url=url, **fields)
        fingerprint = fingerprint_comment(text, author_email=email, author_url=url,
                                          senders=(sender or "",))
        result = stores.campaigns.link_comment(row.public_id, fingerprint.index_keys(),
                                               fingerprint.signature, RULES)
        return row, result

    return post


def test_near_duplicate_texts_across_threads_form_a_campaign(post, stores):
    results = [post(SPAM.format(n=1000 * i, name=name), thread=f"article-{i}", sender=f"s{i}")[1]
               for i, name in enumerate(("Anna", "Peter", "Maria", "Jonas"))]
    assert results[0] is None  # nothing to compare with yet
    assert results[1].status == "forming"  # two comments are a coincidence
    assert results[2].detected and results[2].status == "open"
    campaign = stores.campaigns.get_campaign(results[3].campaign_id)
    assert (campaign.member_count, campaign.thread_count) == (4, 4)
    assert campaign.shares.get("text") is True
    assert not campaign.spam_like


def test_a_shared_link_domain_across_threads_and_authors_is_spam_like(post, stores):
    texts = ["Günstige Kredite hier: https://kredit-{n}.fastcash.example.biz/x",
             "Ich habe bei www.fastcash.example.biz/a{n} bestellt, top",
             "Wer Geld braucht: fastcash.example.biz/{n}"]
    results = [post(text.format(n=i), thread=f"t{i}", sender=f"s{i}")[1]
               for i, text in enumerate(texts)]
    assert results[-1].detected
    campaign = stores.campaigns.get_campaign(results[-1].campaign_id)
    assert campaign.spam_like
    assert campaign.shares["domains"] == ["example.biz"]


def test_a_news_site_readers_cite_in_their_own_words_is_no_campaign(post, stores):
    texts = ["Laut https://www.timesofisrael.com/a ist das falsch", "Siehe timesofisrael.com/b",
             "Die timesofisrael.com/c berichtet anders", "Quelle: timesofisrael.com/d"]
    for i, text in enumerate(texts):
        _, result = post(text, thread=f"t{i}", sender=f"s{i}", band="ham", score=0.1)
    assert result.status == "forming"
    assert stores.campaigns.list_campaigns() == []


def test_one_site_linked_in_one_thread_by_its_readers_is_no_link(post):
    for i in range(4):
        _, result = post(f"Mehr dazu: https://fastcash.example.biz/{i}", thread="t1",
                         sender=f"s{i}")
        assert result is None


def test_the_same_phone_number_with_varying_text(post, stores):
    texts = ["Kredit sofort, ruf an: +49 151 2345 6789", "Schnelles Geld? 0151/23456789",
             "WhatsApp 0049 151 23456789 für Infos"]
    results = [post(text, thread=f"t{i}", sender=f"s{i}")[1] for i, text in enumerate(texts)]
    campaign = stores.campaigns.get_campaign(results[-1].campaign_id)
    assert campaign.status == "open"
    assert campaign.shares["phones"] == ["015123456789"]


def test_the_same_e_mail_address_in_the_text(post, stores):
    results = [post(f"Schreib mir an hilfe@kredit-sofort.example ({i})", thread=f"t{i}",
                    sender=f"s{i}")[1] for i in range(3)]
    assert stores.campaigns.get_campaign(results[-1].campaign_id).shares["emails"] == [
        "hilfe@kredit-sofort.example"]


def test_a_burst_from_one_sender_across_threads(post, stores, clock):
    results = []
    texts = ["Wer braucht schon Fakten", "Alles Lüge, glaubt ihnen nichts",
             "Die Medien verschweigen es wieder", "Wacht endlich auf, Leute"]
    for i, text in enumerate(texts):
        results.append(post(text, thread=f"t{i}", sender="bot")[1])
        clock.advance(minutes=1)
    assert [r.status for r in results[1:]] == ["forming", "forming", "open"]
    assert stores.campaigns.get_campaign(results[-1].campaign_id).shares["sender"] is True


def test_a_slow_sender_is_no_burst(post, clock):
    texts = ["Guter Punkt", "Das sehe ich anders", "Wieder was gelernt", "Stimmt leider",
             "Wo bleibt die Opposition?"]
    for i, text in enumerate(texts):
        _, result = post(text, thread=f"t{i}", sender="reader")
        assert result is None
        clock.advance(minutes=30)


def test_one_reader_in_one_thread_is_a_conversation(post):
    for n in range(4):
        _, result = post(f"Ruf mich an 0151 23456789, Nummer {n}", thread="t1", sender="same")
        assert result is None


def test_short_common_texts_never_form_a_campaign(post):
    for i, text in enumerate(["Danke!", "Danke!", "Danke!", "Sehe ich genauso.", "Danke!"]):
        assert post(text, thread=f"t{i}", sender=f"s{i}")[1] is None


def test_links_to_common_sites_never_form_a_campaign(post):
    for i in range(5):
        _, result = post(f"Quelle: https://de.wikipedia.org/wiki/Thema_{i}", thread=f"t{i}",
                         sender=f"s{i}")
        assert result is None


def test_comments_outside_the_window_are_not_compared(post, clock):
    post("Ruf an: 0151 23456789", thread="t0", sender="s0")
    clock.advance(days=RULES.window_days + 1)
    assert post("Ruf an: 0151 23456789", thread="t1", sender="s1")[1] is None


def test_two_campaigns_that_meet_become_one(post, stores):
    a = [post(f"Geld verdienen mit tipps-{i}.moneymaker.example.net", thread=f"a{i}",
              sender=f"a{i}")[1] for i in range(3)]
    b = [post(f"Infos unter 0151 99887766 ({i})", thread=f"b{i}", sender=f"b{i}")[1]
         for i in range(3)]
    assert a[-1].campaign_id != b[-1].campaign_id
    _, both = post("moneymaker.example.net oder 0151 99887766", thread="c", sender="c")
    campaign = stores.campaigns.get_campaign(both.campaign_id)
    assert campaign.member_count == 7
    assert campaign.shares["domains"] == ["example.net"]
    assert campaign.shares["phones"] == ["015199887766"]


def test_linking_the_same_comment_again_changes_nothing(post, stores):
    row, _ = post("Ruf an: 0151 23456789", thread="t0", sender="s0")
    fingerprint = fingerprint_comment("Ruf an: 0151 23456789")
    keys = fingerprint.index_keys()
    assert stores.campaigns.link_comment(row.public_id, keys, None, RULES) is None


def test_a_campaign_webhook_is_queued_when_it_is_recognised(post, stores):
    stores.webhooks.add_webhook_endpoint("https://cms.example.org/hook", "s" * 32,
                                    ["campaign.detected"])
    for i in range(3):
        post(f"Ruf an: 0151 23456789 ({i})", thread=f"t{i}", sender=f"s{i}")
    deliveries = stores.webhooks.list_deliveries()
    assert [d.event for d in deliveries] == ["campaign.detected"]
    body = json.loads(deliveries[0].body)
    assert body["data"]["campaign"]["members"] == 3
    assert body["data"]["campaign"]["shares"]["phones"] == ["015123456789"]


def test_a_slow_campaign_over_days_is_still_one_campaign(post, stores, clock):
    """One comment every other day for ten days: inside the window, so one campaign."""
    results = []
    for day in range(6):
        results.append(post(f"Sie haben gewonnen! Melden Sie sich bei gewinn@preisbuero.example "
                            f"(Aktion {day})", thread=f"t{day}", sender=f"s{day}")[1])
        clock.advance(days=2)
    assert results[2].status == "open"
    campaign = stores.campaigns.get_campaign(results[-1].campaign_id)
    assert campaign.member_count == 6
    assert (campaign.last_seen - campaign.first_seen).days == 10


def test_a_website_field_shared_across_articles_is_spam_like_whatever_the_text(post, stores):
    """Backlink spam: short, harmless-looking texts whose website field names one domain."""
    results = [post(text, thread=f"t{i}", sender=f"s{i}", band="ham", score=0.1,
                    url="https://www.seo-backlinks-kaufen.biz/shop")[1]
               for i, text in enumerate(["Danke!", "Sehr interessant.", "Genau so."])]
    campaign = stores.campaigns.get_campaign(results[-1].campaign_id)
    assert campaign.status == "open" and campaign.spam_like
    assert campaign.shares["websites"] == ["seo-backlinks-kaufen.biz"]

"""One decision sweeps a campaign, on each backend: pending and later members go to the spam
folder, undo takes the whole sweep back, "not spam" dissolves it, and every swept comment is
a training label."""

from __future__ import annotations

import pytest

from spamschutz.service.campaigns.fingerprint import fingerprint_comment
from spamschutz.service.storage import ConflictError, DetectionRules

RULES = DetectionRules()


@pytest.fixture
def post(stores, make_comment):
    """Store a pending comment sharing a phone number, in its own thread, and link it."""
    counter = iter(range(1000))

    def post(text="Schnelles Geld ohne Risiko, ruf an: 0151 23456789", **fields):
        n = next(counter)
        fields = {"thread_id": f"artikel-{n}", "ip_hash": f"sender-{n}", "status": "pending",
                  "band": "unsure", "score": 0.6, **fields}
        row = make_comment(text=text, **fields)
        fingerprint = fingerprint_comment(text, senders=(fields["ip_hash"],))
        result = stores.campaigns.link_comment(row.public_id, fingerprint.index_keys(),
                                               fingerprint.signature, RULES)
        return row.public_id, result

    return post


def statuses(stores, ids):
    return [stores.comments.get_comment(public_id).status for public_id in ids]


def test_a_spam_decision_on_a_member_sweeps_pending_and_later_members(post, stores):
    ids = [post()[0] for _ in range(4)]
    stores.decisions.decide(ids[0], "spam", "redaktion")
    assert statuses(stores, ids) == ["spam"] * 4
    later, result = post()
    assert result.swept == 1
    assert stores.comments.get_comment(later).status == "spam"
    trail = stores.decisions.decisions_for(later)
    assert [(d.action, d.moderator) for d in trail] == [("spam", "redaktion")]
    assert stores.campaigns.campaign_figures() == {"open": 1, "sweeping": 1, "swept": 4}


def test_undoing_the_decision_undoes_the_whole_sweep(post, stores):
    ids = [post()[0] for _ in range(4)]
    stores.decisions.decide(ids[0], "spam", "redaktion")
    stores.decisions.undo_decision(ids[0], "redaktion")
    assert statuses(stores, ids) == ["pending"] * 4
    later, result = post()
    assert result.swept == 0 and stores.comments.get_comment(later).status == "pending"
    assert [d.action for d in stores.decisions.decisions_for(ids[1])] == ["spam", "undo"]


def test_not_spam_on_a_member_dissolves_the_sweep(post, stores):
    ids = [post()[0] for _ in range(4)]
    stores.decisions.decide(ids[0], "spam", "redaktion")
    stores.decisions.decide(ids[2], "ham", "chefin")
    assert statuses(stores, ids) == ["spam", "pending", "approved", "pending"]
    later, result = post()
    assert result.status == "dissolved" and result.swept == 0
    assert stores.comments.get_comment(later).status == "pending"
    # Dissolved for good: another spam decision on a member sweeps nothing.
    stores.decisions.decide(ids[1], "spam", "redaktion")
    assert statuses(stores, [ids[3], later]) == ["pending", "pending"]


def test_a_member_decided_since_keeps_its_decision_when_the_sweep_is_undone(post, stores):
    ids = [post()[0] for _ in range(3)]
    stores.decisions.decide(ids[0], "spam", "redaktion")
    stores.decisions.decide(ids[1], "reject", "chefin")
    stores.decisions.undo_decision(ids[0], "redaktion")
    assert statuses(stores, ids) == ["pending", "rejected", "pending"]


def test_swept_comments_become_training_labels(post, stores):
    ids = [post()[0] for _ in range(3)]
    stores.decisions.decide(ids[0], "spam", "redaktion")
    labels = {label["id"]: label["label"] for label in stores.decisions.training_labels()}
    assert labels == dict.fromkeys(ids, "spam")


def test_a_decision_before_the_campaign_is_recognised_sweeps_once_it_is(post, stores):
    first = post()[0]
    stores.decisions.decide(first, "spam", "redaktion")
    second, result = post()
    assert result.status == "forming" and stores.comments.get_comment(second).status == "pending"
    third, result = post()
    assert result.status == "open" and result.swept == 2
    assert statuses(stores, [second, third]) == ["spam", "spam"]


def test_text_alone_sweeps_only_after_a_moderator_said_spam(post, stores):
    text = ("Ich verdiene jetzt {n} Euro im Monat von zu Hause aus, ganz ohne Vorkenntnisse "
            "und ohne Risiko. Schaut mal rein!")
    ids = [post(text.format(n=1000 * i))[0] for i in range(4)]
    assert statuses(stores, ids) == ["pending"] * 4
    stores.decisions.decide(ids[3], "spam", "redaktion")
    assert statuses(stores, ids) == ["spam"] * 4


def test_a_reader_approved_by_a_moderator_is_never_swept(post, stores):
    reader = post()[0]
    stores.decisions.decide(reader, "approve", "redaktion")
    others = [post()[0] for _ in range(3)]
    stores.decisions.decide(others[0], "spam", "redaktion")
    assert statuses(stores, [reader, *others]) == ["approved", "spam", "pending", "pending"]


def test_decide_all_sweeps_the_campaign_and_its_undo_takes_it_back(post, stores):
    ids = [post()[0] for _ in range(3)]
    campaign = stores.campaigns.campaigns_of(ids)[ids[0]].public_id
    assert stores.campaigns.sweep_campaign(campaign, "redaktion") == 3
    assert stores.campaigns.get_campaign(campaign).sweeps
    assert stores.campaigns.undo_sweep(campaign, "redaktion") == 3
    assert statuses(stores, ids) == ["pending"] * 3
    assert not stores.campaigns.get_campaign(campaign).sweeps


def test_the_swept_comments_own_undo_is_refused_only_when_too_late(post, stores, clock):
    ids = [post()[0] for _ in range(3)]
    stores.decisions.decide(ids[0], "spam", "redaktion")
    stores.decisions.undo_decision(ids[1], "redaktion")  # one swept comment back on its own
    assert statuses(stores, ids) == ["spam", "pending", "spam"]
    clock.advance(hours=1)
    with pytest.raises(ConflictError):
        stores.decisions.undo_decision(ids[2], "redaktion")


def test_a_burst_from_one_address_is_swept_only_by_a_decision_on_all(stores, make_comment):
    """Readers behind one mobile-network address look like one sender: a spam decision on
    one of their comments must not sweep the others."""
    texts = ["Wer braucht schon Fakten", "Alles Lüge, glaubt ihnen nichts",
             "Die Medien verschweigen es wieder", "Wacht endlich auf, Leute", "Stimmt so"]
    ids = []
    for n, text in enumerate(texts):
        row = make_comment(text=text, thread_id=f"t{n}", ip_hash="carrier-nat", band="unsure")
        fingerprint = fingerprint_comment(text, senders=("carrier-nat",))
        result = stores.campaigns.link_comment(row.public_id, fingerprint.index_keys(), None, RULES)
        ids.append(row.public_id)
    assert result.status == "open"
    stores.decisions.decide(ids[0], "spam", "redaktion")
    assert statuses(stores, ids[1:]) == ["pending"] * 4
    assert stores.campaigns.sweep_campaign(result.campaign_id, "redaktion") == 4


def test_a_published_comment_joining_a_sweeping_campaign_takes_the_sweep_back(
        post, stores, make_comment):
    ids = [post()[0] for _ in range(3)]
    stores.decisions.decide(ids[0], "spam", "redaktion")
    assert statuses(stores, ids[1:]) == ["spam", "spam"]
    text = "Gute Idee, ich rufe die Nummer 0151 23456789 morgen an."
    reader = make_comment(text=text, thread_id="leserbrief", ip_hash="leserin")
    stores.decisions.decide(reader.public_id, "approve", "chefin")
    fingerprint = fingerprint_comment(text, senders=("leserin",))
    result = stores.campaigns.link_comment(reader.public_id, fingerprint.index_keys(), None, RULES)
    assert result.status == "dissolved"
    assert statuses(stores, ids) == ["spam", "pending", "pending"]

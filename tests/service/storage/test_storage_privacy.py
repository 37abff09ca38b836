"""Retention purge, export and erasure at the storage seam, on every backend."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from spamschutz.service.campaigns.fingerprint import fingerprint_comment
from spamschutz.service.storage import DetectionRules, NotFound
from spamschutz.service.storage.schema import campaign_key_hashes, campaign_prints, comments


def _gone(stores, public_id: str) -> bool:
    try:
        stores.comments.get_comment(public_id)
    except NotFound:
        return True
    return False


def test_purge_removes_old_spam_and_rejected_comments_with_their_decisions(
    stores, make_comment, clock
) -> None:
    old_spam = make_comment(status="spam")
    old_rejected = make_comment()
    stores.decisions.decide(old_rejected.public_id, "reject", "redaktion")
    old_pending = make_comment()
    clock.advance(days=40)
    new_spam = make_comment(status="spam")
    assert stores.privacy.purge_comments(clock.now - timedelta(days=30)) == 2
    assert _gone(stores, old_spam.public_id) and _gone(stores, old_rejected.public_id)
    assert not _gone(stores, old_pending.public_id)
    assert not _gone(stores, new_spam.public_id)


def test_purge_and_erasure_leave_nothing_of_the_comments_in_the_campaign_index(
    stores, make_comment, clock
) -> None:
    def linked(**fields):
        row = make_comment(text="Ruf an: 0151 23456789, sofort", **fields)
        fingerprint = fingerprint_comment(row.text)
        stores.campaigns.link_comment(row.public_id, fingerprint.index_keys(),
                                      fingerprint.signature, DetectionRules())
        return row

    linked(status="spam")
    clock.advance(days=40)
    linked(author_email="erika@example.org", email_hash="h1")
    kept = linked(thread_id="article-2")
    with stores.engine.connect() as connection:
        kept_id = connection.execute(
            select(comments.c.id).where(comments.c.public_id == kept.public_id)).scalar_one()
        assert connection.execute(select(func.count()).select_from(campaign_prints)).scalar() == 3
    assert stores.privacy.purge_comments(clock.now - timedelta(days=30)) == 1
    assert stores.privacy.erase_commenter("erika@example.org", "h1") == 1
    with stores.engine.connect() as connection:
        printed = set(connection.execute(select(campaign_prints.c.comment_id)).scalars())
        keyed = set(connection.execute(select(campaign_key_hashes.c.comment_id)).scalars())
    assert printed == keyed == {kept_id}


def test_commenter_is_found_by_keyed_hash_or_by_address_in_any_case(
    stores, make_comment
) -> None:
    by_hash = make_comment(author_email="Erika@Example.org", email_hash="h1")
    by_address = make_comment(author_email="erika@example.org", email_hash="old-key-hash")
    only_hash = make_comment(author_email=None, email_hash="h1")
    make_comment(author_email="max@example.org", email_hash="h2")
    stores.decisions.decide(by_hash.public_id, "approve", "redaktion")
    found = stores.privacy.comments_of_commenter("ERIKA@example.org ", "h1")
    assert [entry.comment.public_id for entry in found] == [
        by_hash.public_id,
        by_address.public_id,
        only_hash.public_id,
    ]
    assert [decision.action for decision in found[0].decisions] == ["approve"]


def test_erasure_blanks_personal_data_and_leaves_others_alone(
    stores, make_comment
) -> None:
    mine = make_comment(
        author_email="erika@example.org",
        author_url="https://erika.example",
        email_hash="h1",
        ip_truncated="203.0.113.0/24",
        ip_hash="ip",
        user_agent="Firefox",
        reasons=[{"feature": "word", "weight": 1.0}],
    )
    theirs = make_comment(author_email="max@example.org", email_hash="h2")
    assert stores.privacy.erase_commenter("erika@example.org", "h1") == 1
    row = stores.comments.get_comment(mine.public_id)
    assert (row.text, row.author_name, row.author_email, row.author_url) == ("", "", None, None)
    assert (row.email_hash, row.ip_truncated, row.ip_hash, row.user_agent) == (None,) * 4
    assert not row.reasons
    assert row.row_version == mine.row_version + 1
    assert stores.comments.get_comment(theirs.public_id).text == theirs.text

"""Retention purge, export and erasure at the storage seam, on every backend."""

from __future__ import annotations

from datetime import timedelta

from spamschutz.service.storage import NotFound


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

"""Comments: idempotent submission, the keyset-paged queue, counts and decisions."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError

from spamschutz.service.storage import CommentRow, ConflictError, NotFound
from spamschutz.service.storage.comments import ChallengeAlreadyRedeemed


def _page_through(stores, sort, status="pending", limit=3):
    seen, cursor, pages = [], None, 0
    while True:
        rows, cursor = stores.comments.list_comments(status=status, sort=sort, limit=limit,
                                                      after=cursor)
        seen.extend(rows)
        pages += 1
        if cursor is None:
            return seen, pages


def test_added_comment_is_read_back_with_aware_utc_times(stores, make_comment, clock):
    added = make_comment(
        author_email="erika@example.org",
        reasons=["link_in_text"],
        signals={"honeypot": False, "seconds_to_submit": 12.5},
        ip_hash="a" * 64,
    )
    fetched = stores.comments.get_comment(added.public_id)
    assert fetched == added
    assert isinstance(fetched, CommentRow)
    assert fetched.status == "pending" and fetched.row_version == 1
    assert fetched.reasons == ("link_in_text",)
    assert fetched.signals == {"honeypot": False, "seconds_to_submit": 12.5}
    assert fetched.created_at == clock.now and fetched.created_at.tzinfo == UTC


def test_unknown_comment_is_not_found(stores):
    with pytest.raises(NotFound):
        stores.comments.get_comment("00000000-0000-4000-8000-000000000000")


def test_same_idempotency_key_returns_the_first_comment(stores, make_comment):
    first = make_comment(idempotency_key="form-42", text="first")
    again = make_comment(idempotency_key="form-42", text="second")
    assert again == first
    assert stores.comments.count_by_status()["pending"] == 1


def test_concurrent_submissions_with_one_key_store_one_comment(stores, make_comment):
    results, barrier = [], threading.Barrier(6)

    def submit():
        barrier.wait()
        results.append(make_comment(idempotency_key="double-click"))

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({row.public_id for row in results}) == 1
    assert stores.comments.count_by_status()["pending"] == 1


def test_unknown_status_or_band_is_refused(make_comment):
    with pytest.raises(ValueError, match="status"):
        make_comment(status="deleted")
    with pytest.raises(ValueError, match="band"):
        make_comment(band="maybe")


@pytest.mark.parametrize("sort", ["age", "newest"])
def test_time_sorted_pages_return_every_comment_once_in_order(
    stores, make_comment, clock, sort
):
    added = []
    for number in range(10):
        if number % 3 == 0:  # several comments share a timestamp: id breaks the tie
            clock.advance(seconds=1)
        added.append(make_comment(text=f"comment {number}"))
    make_comment(status="spam")  # filtered out by status

    seen, pages = _page_through(stores, sort)

    expected = added if sort == "age" else added[::-1]
    assert [row.public_id for row in seen] == [row.public_id for row in expected]
    assert pages == 4


@pytest.mark.parametrize("sort", ["score", "-score"])
def test_score_sorted_pages_put_unscored_first_and_return_every_comment_once(
    stores, make_comment, sort
):
    scores = [0.5, None, 0.9, 0.5, 0.1, None, 0.9, 0.5, 0.0, None, 0.7]
    added = [make_comment(score=score, band=None) for score in scores]

    seen, _ = _page_through(stores, sort, limit=4)

    def key(row):
        if row.score is None:
            return (0, 0.0, added.index(row))
        return (1, -row.score if sort == "score" else row.score, added.index(row))

    assert [row.public_id for row in seen] == [row.public_id for row in sorted(added, key=key)]


def test_pages_can_be_limited_to_one_thread_and_all_statuses(stores, make_comment):
    mine = [make_comment(thread_id="t-1"), make_comment(thread_id="t-1", status="spam")]
    make_comment(thread_id="t-2")
    rows, cursor = stores.comments.list_comments(status=None, thread_id="t-1", limit=10)
    assert [row.public_id for row in rows] == [row.public_id for row in mine]
    assert cursor is None


@pytest.mark.parametrize("cursor", ["not-a-cursor", "eyJzIjoiYWdlIn0", "W10"])
def test_malformed_cursor_is_a_value_error(stores, cursor):
    with pytest.raises(ValueError, match="cursor"):
        stores.comments.list_comments(status="pending", after=cursor)


def test_cursor_of_one_sort_is_refused_by_another(stores, make_comment):
    make_comment()
    make_comment()
    _, cursor = stores.comments.list_comments(status="pending", sort="age", limit=1)
    with pytest.raises(ValueError, match="cursor"):
        stores.comments.list_comments(status="pending", sort="score", after=cursor)


def test_counts_include_every_status(stores, make_comment):
    nothing = {"pending": 0, "spam": 0, "approved": 0, "rejected": 0}
    assert stores.comments.count_by_status() == nothing
    make_comment()
    make_comment()
    make_comment(status="spam")
    assert stores.comments.count_by_status() == {**nothing, "pending": 2, "spam": 1}


def test_oldest_pending_is_the_longest_waiting_comment(stores, make_comment, clock):
    assert stores.comments.oldest_pending_at() is None
    first_at = clock.now
    make_comment()
    clock.advance(hours=2)
    make_comment()
    make_comment(status="spam")
    assert stores.comments.oldest_pending_at() == first_at


def test_count_pending_older_than_counts_only_waiting_comments(stores, make_comment, clock):
    make_comment()
    make_comment(status="spam")
    cutoff = clock.advance(hours=1)
    make_comment()
    assert stores.comments.count_pending_older_than(cutoff) == 1
    assert stores.comments.count_pending_older_than(clock.advance(seconds=1)) == 2


def test_decision_updates_the_comment_and_records_an_audit_row(stores, make_comment, clock):
    comment = make_comment()
    decided_at = clock.advance(minutes=5)
    decided = stores.decisions.decide(comment.public_id, "approve", "mod-anna",
                                      expected_row_version=1)
    assert decided.status == "approved"
    assert decided.row_version == 2
    assert (decided.decided_at, decided.decided_by) == (decided_at, "mod-anna")
    [decision] = stores.decisions.decisions_for(comment.public_id)
    assert (decision.action, decision.from_status, decision.to_status) == (
        "approve",
        "pending",
        "approved",
    )
    assert decision.moderator == "mod-anna" and decision.created_at == decided_at


@pytest.mark.parametrize(
    ("action", "status"),
    [("approve", "approved"), ("reject", "rejected"), ("spam", "spam"), ("ham", "approved")],
)
def test_each_action_leads_to_its_status(stores, make_comment, action, status):
    comment = make_comment()
    assert stores.decisions.decide(comment.public_id, action, "mod").status == status


def test_decision_with_a_stale_row_version_is_a_conflict(stores, make_comment):
    comment = make_comment()
    stores.decisions.decide(comment.public_id, "spam", "mod-anna", expected_row_version=1)
    with pytest.raises(ConflictError):
        stores.decisions.decide(comment.public_id, "approve", "mod-ben", expected_row_version=1)
    assert stores.comments.get_comment(comment.public_id).status == "spam"
    assert len(stores.decisions.decisions_for(comment.public_id)) == 1


def test_unknown_action_is_a_value_error(stores, make_comment):
    with pytest.raises(ValueError, match="action"):
        stores.decisions.decide(make_comment().public_id, "delete", "mod")


def test_deciding_an_unknown_comment_is_not_found(stores):
    with pytest.raises(NotFound):
        stores.decisions.decide("missing", "approve", "mod")
    with pytest.raises(NotFound):
        stores.decisions.decisions_for("missing")


def test_approved_comments_of_a_thread_come_oldest_first(stores, make_comment, clock):
    first, second = make_comment(), make_comment()
    make_comment()  # still pending
    make_comment(thread_id="other-article")
    for comment in (second, first):
        clock.advance(seconds=1)
        stores.decisions.decide(comment.public_id, "approve", "mod")
    approved = stores.comments.approved_comments("article-1")
    assert [row.public_id for row in approved] == [first.public_id, second.public_id]


def test_training_labels_follow_the_latest_decision_and_skip_plain_rejects(
    stores, make_comment, clock
):
    approved = make_comment(text="approved", author_url="https://example.org")
    corrected = make_comment(text="spam, then ham")
    rejected = make_comment(text="rude but not spam")
    spam_then_rejected = make_comment(text="spam, then rejected")
    make_comment(text="undecided")
    for comment, action in [
        (approved, "approve"),
        (corrected, "spam"),
        (rejected, "reject"),
        (spam_then_rejected, "spam"),
        (corrected, "ham"),
        (spam_then_rejected, "reject"),
    ]:
        clock.advance(minutes=1)
        stores.decisions.decide(comment.public_id, action, "mod")

    labels = stores.decisions.training_labels()

    assert [(label["text"], label["label"]) for label in labels] == [
        ("approved", "ham"),
        ("spam, then ham", "ham"),
    ]
    assert labels[0] == {
        "id": approved.public_id,
        "text": "approved",
        "label": "ham",
        "author": "Erika Mustermann",
        "email": None,
        "url": "https://example.org",
        "lang": "de",
        "decided_at": datetime(2025, 3, 1, 12, 1, tzinfo=UTC),
    }


def test_training_labels_since_keeps_only_recent_decisions(stores, make_comment, clock):
    old, new = make_comment(text="old"), make_comment(text="new")
    stores.decisions.decide(old.public_id, "spam", "mod")
    cutoff = clock.advance(days=1)
    stores.decisions.decide(new.public_id, "spam", "mod")
    berlin_summer = timezone(timedelta(hours=2))  # a cut-off in another zone is the same instant
    since = cutoff.astimezone(berlin_summer)
    assert [label["text"] for label in stores.decisions.training_labels(since=since)] == ["new"]


def test_concurrent_decisions_without_expected_version_are_all_recorded(stores, make_comment):
    comment = make_comment()
    barrier, errors = threading.Barrier(3), []

    def decide(action):
        barrier.wait()
        try:
            stores.decisions.decide(comment.public_id, action, f"mod-{action}")
        except Exception as error:  # collected: an exception in a thread is otherwise lost
            errors.append(error)

    threads = [threading.Thread(target=decide, args=(a,)) for a in ("approve", "spam", "ham")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    history = stores.decisions.decisions_for(comment.public_id)
    assert stores.comments.get_comment(comment.public_id).row_version == 4
    # Each decision starts from the status the previous one left behind.
    assert [decision.from_status for decision in history[1:]] == [
        decision.to_status for decision in history[:-1]
    ]


def test_undone_decision_gives_back_the_earlier_label(stores, make_comment, clock):
    comment = make_comment(text="first spam, then approved by mistake, undone")
    stores.decisions.decide(comment.public_id, "spam", "mod")
    clock.advance(seconds=5)
    stores.decisions.decide(comment.public_id, "approve", "mod")
    clock.advance(seconds=5)
    stores.decisions.undo_decision(comment.public_id, "mod")
    labels = stores.decisions.training_labels()
    assert [(label["id"], label["label"]) for label in labels] == [(comment.public_id, "spam")]


def test_undone_only_decision_is_no_label(stores, make_comment, clock):
    comment = make_comment(text="approved by mistake, undone")
    stores.decisions.decide(comment.public_id, "approve", "mod")
    clock.advance(seconds=5)
    stores.decisions.undo_decision(comment.public_id, "mod")
    assert stores.decisions.training_labels() == []


def test_comment_with_a_redeemed_token_is_refused_and_nothing_is_stored(
    stores, make_comment
):
    first = make_comment(challenge_token_id="token-1", refuse_redeemed_token=True)
    with pytest.raises(ChallengeAlreadyRedeemed):
        make_comment(
            challenge_token_id="token-1", refuse_redeemed_token=True, idempotency_key="retry"
        )
    assert [row.public_id for row in stores.comments.list_comments()[0]] == [first.public_id]
    # The refused transaction rolled back whole.
    assert stores.challenges.redeem_challenge("token-2")


def test_comment_and_its_token_redemption_are_one_transaction(stores, make_comment):
    # A comment the database refuses (here: a public id that is taken) must not leave its
    # token redeemed.
    taken = make_comment().public_id
    with pytest.raises(IntegrityError):
        make_comment(public_id=taken, challenge_token_id="token-3")
    assert stores.challenges.redeem_challenge("token-3")  # still unused


def test_concurrent_comments_each_get_their_own_outcome(stores, make_comment):
    # Comments stored at the same time share transactions: a replayed token refuses only
    # its comment, a taken public id fails only its own, and every other one is stored.
    taken = make_comment().public_id
    barrier, outcomes = threading.Barrier(13), {}

    def submit(index: int, **fields):
        barrier.wait()
        try:
            outcomes[index] = make_comment(text=f"Kommentar {index}", **fields)
        except Exception as error:  # collected: an exception in a thread is otherwise lost
            outcomes[index] = error

    threads = [
        threading.Thread(
            target=submit,
            args=(i,),
            kwargs={"challenge_token_id": f"token-{i % 6}", "refuse_redeemed_token": True},
        )
        for i in range(12)
    ]
    threads.append(threading.Thread(target=submit, args=(12,), kwargs={"public_id": taken}))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    stored = {i: row for i, row in outcomes.items() if isinstance(row, CommentRow)}
    refused = [i for i, error in outcomes.items() if isinstance(error, ChallengeAlreadyRedeemed)]
    assert sorted(i % 6 for i in stored) == list(range(6))  # one comment per token
    assert sorted(i % 6 for i in refused) == list(range(6))
    assert isinstance(outcomes[12], IntegrityError)
    listed = {row.public_id: row for row in stores.comments.list_comments(limit=100)[0]}
    assert len(listed) == 7
    for row in stored.values():
        assert listed[row.public_id] == row


def test_report_is_a_label_that_changes_no_status(stores, make_comment, clock):
    reported = make_comment(text="checked and called spam", status="spam", band="spam")
    stores.decisions.record_report(reported.public_id, "ham", "akismet:wordpress")
    after = stores.comments.get_comment(reported.public_id)
    assert (after.status, after.decided_by) == ("spam", None)
    assert after.row_version == reported.row_version
    assert [(label["id"], label["label"]) for label in stores.decisions.training_labels()] == [
        (reported.public_id, "ham")
    ]
    # A moderator's decision and its undo pass the report by: the undo takes back the decision.
    clock.advance(seconds=5)
    stores.decisions.decide(reported.public_id, "approve", "mod")
    stores.decisions.record_report(reported.public_id, "spam", "akismet:wordpress")
    clock.advance(seconds=5)
    assert stores.decisions.undo_decision(reported.public_id, "mod").status == "spam"
    numbers = stores.statistics.dashboard_numbers()
    assert sum(numbers.decisions_per_day) == 2  # the approve and its undo, not the reports


def test_report_of_an_unknown_label_is_refused(stores, make_comment):
    comment = make_comment()
    with pytest.raises(ValueError, match="label"):
        stores.decisions.record_report(comment.public_id, "approve", "akismet:x")

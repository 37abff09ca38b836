"""The decision policy: honeypot and clear spam to the folder, all else to a human."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from spamschutz.model import Thresholds
from spamschutz.service.decision import Signals, decide_verdict

THRESHOLDS = Thresholds(spam=0.9, unsure=0.5)
SEVERITY = {"pending": 0, "spam": 1}


def test_clear_spam_goes_to_the_spam_folder() -> None:
    assert decide_verdict(0.95, THRESHOLDS, Signals()).status == "spam"


def test_unsure_and_ham_wait_for_review() -> None:
    assert decide_verdict(0.6, THRESHOLDS, Signals()).band == "unsure"
    assert decide_verdict(0.6, THRESHOLDS, Signals()).status == "pending"
    assert decide_verdict(0.1, THRESHOLDS, Signals()).status == "pending"


def test_filled_honeypot_goes_to_the_spam_folder_whatever_the_score() -> None:
    verdict = decide_verdict(0.01, THRESHOLDS, Signals(honeypot_filled=True))
    assert verdict.status == "spam"
    assert "honeypot" in verdict.reasons


def test_unscored_comment_waits_for_a_human() -> None:
    verdict = decide_verdict(None, None, Signals())
    assert verdict.status == "pending"
    assert verdict.reasons == ("unscored",)


def test_too_fast_is_a_reason_not_a_block() -> None:
    verdict = decide_verdict(0.1, THRESHOLDS, Signals(too_fast=True))
    assert verdict.status == "pending"
    assert "too_fast" in verdict.reasons


@given(st.floats(0, 1), st.floats(0, 1), st.booleans())
def test_a_higher_score_never_gives_a_milder_verdict(low: float, high: float, honeypot: bool):
    low, high = sorted((low, high))
    signals = Signals(honeypot_filled=honeypot)
    assert (
        SEVERITY[decide_verdict(high, THRESHOLDS, signals).status]
        >= SEVERITY[decide_verdict(low, THRESHOLDS, signals).status]
    )


@given(st.none() | st.floats(0, 1), st.booleans(), st.booleans())
def test_a_too_fast_submission_never_changes_where_a_comment_goes(
    score: float | None, honeypot: bool, too_fast: bool
) -> None:
    thresholds = THRESHOLDS if score is not None else None
    plain = decide_verdict(score, thresholds, Signals(honeypot_filled=honeypot))
    flagged = decide_verdict(score, thresholds, Signals(honeypot_filled=honeypot,
                                                        too_fast=too_fast))
    assert flagged.status == plain.status
    assert ("too_fast" in flagged.reasons) == too_fast

"""Agreement between model versions and moderators, per week and per version, and the scores
recent comments got: the figures the dashboard and /metrics show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spamschutz.service.storage.statistics import Agreement


def test_agreement_counts_kept_decisions_per_version_and_week(
    stores, make_comment, clock
) -> None:
    # Week of Monday 24 February: v1 put one in the spam folder that a moderator published,
    # and scored one harmless that a moderator called spam; one ordinary approval.
    published = make_comment(model_version="v1", score=0.97, band="spam", status="spam")
    missed = make_comment(model_version="v1", score=0.05, band="ham")
    agreed = make_comment(model_version="v1", score=0.02, band="ham")
    stores.decisions.decide(published.public_id, "ham", "redaktion")
    stores.decisions.decide(missed.public_id, "spam", "redaktion")
    stores.decisions.decide(agreed.public_id, "approve", "redaktion")
    # Week of Monday 3 March: v2 agreed once; an undone decision, an unscored comment and a
    # test submission do not count.
    clock.advance(days=7)
    confirmed = make_comment(model_version="v2", score=0.99, band="spam", status="spam")
    stores.decisions.decide(confirmed.public_id, "spam", "redaktion")
    undone = make_comment(model_version="v2", score=0.95, band="spam", status="spam")
    stores.decisions.decide(undone.public_id, "ham", "redaktion")
    stores.decisions.undo_decision(undone.public_id, "redaktion")
    unscored = make_comment(score=None, band=None)
    stores.decisions.decide(unscored.public_id, "approve", "redaktion")
    test_only = make_comment(
        model_version="v2", score=0.9, band="spam", status="spam", is_test=True
    )
    stores.decisions.decide(test_only.public_id, "ham", "redaktion")

    assert stores.statistics.agreement_by_week(weeks=4) == [
        Agreement("v2", datetime(2025, 3, 3, tzinfo=UTC), 1, 0, 0),
        Agreement("v1", datetime(2025, 2, 24, tzinfo=UTC), 3, 1, 1),
    ]
    assert stores.statistics.agreement_by_week(weeks=1) == [
        Agreement("v2", datetime(2025, 3, 3, tzinfo=UTC), 1, 0, 0)
    ]
    by_version = stores.statistics.agreement_by_version()
    assert by_version == [Agreement("v2", None, 1, 0, 0), Agreement("v1", None, 3, 1, 1)]
    assert by_version[1].overruled_share == pytest.approx(2 / 3)


def test_recent_scores_are_one_versions_scores_since_a_moment(
    stores, make_comment, clock
) -> None:
    make_comment(model_version="v1", score=0.2)
    clock.advance(days=8)
    make_comment(model_version="v1", score=0.4, band="ham")
    make_comment(model_version="v1", score=0.9, band="spam", status="spam")
    make_comment(model_version="v2", score=0.5, band="unsure")
    make_comment(model_version="v1", score=0.3, is_test=True)
    since = clock() - timedelta(days=7)
    assert sorted(stores.statistics.recent_scores("v1", since)) == [0.4, 0.9]
    assert stores.statistics.recent_scores("v1", since, limit=1) in ([0.4], [0.9])
    assert stores.statistics.recent_scores("v3", since) == []

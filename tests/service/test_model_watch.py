"""Watching the model: agreement with the moderators per week and version, and score drift of
recent comments against the training data, on the dashboard and in /metrics."""

from __future__ import annotations

import numpy as np
import pytest

from spamschutz.service.model_watch import (
    MIN_RECENT_COMMENTS,
    ks_distance,
    population_stability,
    score_drift,
)
from spamschutz.service.moderation.language import LANG_COOKIE
from tests.conftest import csrf_token_from
from tests.factories import HAM_TEXTS, SPAM_TEXTS
from tests.service.helpers import post_comment

BALANCED = {"edges": np.linspace(0, 1, 21).round(4).tolist(), "counts": [10] * 20}


def test_identical_distributions_show_no_drift() -> None:
    assert population_stability([5, 10, 20, 10], [50, 100, 200, 100]) == pytest.approx(0)
    assert ks_distance([5, 10, 20, 10], [50, 100, 200, 100]) == pytest.approx(0)
    scores = np.linspace(0.0, 0.999, 400)  # spread like the training data
    drift = score_drift("v1", {"score_histogram": BALANCED}, scores)
    assert drift.level == "stable" and not drift.warning
    assert drift.recent == 400 and drift.psi == pytest.approx(0, abs=0.01)


def test_comments_all_scored_high_are_a_major_shift_from_a_balanced_training_set() -> None:
    drift = score_drift("v1", {"score_histogram": BALANCED}, [0.97] * MIN_RECENT_COMMENTS)
    assert drift.level == "major" and drift.warning
    assert drift.psi > 0.25 and drift.ks == pytest.approx(0.95)
    low, high, training, recent = drift.ranges[-1]
    assert (low, high) == (0.8, 1.0) and training == pytest.approx(0.2) and recent == 1.0


def test_drift_needs_enough_recent_comments_and_a_stored_reference() -> None:
    few = score_drift("v1", {"score_histogram": BALANCED}, [0.5] * (MIN_RECENT_COMMENTS - 1))
    assert few.level == "too_few" and few.psi is None and not few.warning
    older_model = score_drift("v0", {"cv_metrics": {}}, [0.5] * 500)
    assert older_model.level == "no_reference" and older_model.psi is None


def test_trained_models_keep_their_training_score_distribution(tiny_model) -> None:
    histogram = tiny_model.metadata["score_histogram"]
    assert len(histogram["edges"]) == len(histogram["counts"]) + 1 == 21
    assert sum(histogram["counts"]) == tiny_model.metadata["data"]["n"]


def _decide(client, public_id: str, action: str, queue: str) -> None:
    token = csrf_token_from(client.get(f"/moderation/?status={queue}").get_data(as_text=True))
    response = client.post(
        f"/moderation/comments/{public_id}/decision",
        data={"action": action, "csrf_token": token, "status": queue},
    )
    assert response.status_code == 303


def _value(metrics: str, sample: str) -> float:
    line = next(line for line in metrics.splitlines() if line.startswith(sample + " "))
    return float(line.rsplit(" ", 1)[1])


def test_a_spam_wave_and_overruled_decisions_show_on_the_dashboard_and_in_metrics(
    app, client, login, tiny_model
) -> None:
    # Readers post through the API: a spam wave, all scored high, and one ordinary comment.
    posted = []
    for i in range(MIN_RECENT_COMMENTS):
        response = post_comment(client, app, text=f"{SPAM_TEXTS[i % len(SPAM_TEXTS)]} {i}")
        assert response.status_code == 202
        posted.append(response.get_json()["id"])
    ordinary = post_comment(client, app, text=HAM_TEXTS[0])
    assert ordinary.status_code == 202

    # A moderator publishes one comment from the spam folder and calls the ordinary one spam.
    login()
    _decide(client, posted[0], "ham", "spam")
    _decide(client, ordinary.get_json()["id"], "spam", "pending")
    _decide(client, posted[1], "spam", "spam")  # agrees with the model

    version = tiny_model.version
    html = client.get("/moderation/dashboard").get_data(as_text=True)
    assert 'data-drift-level="major" role="alert"' in html
    assert "Achtung: Die Beiträge der letzten 7 Tage erhalten deutlich andere Scores" in html
    week_row = html[html.index(f'data-week-version="{version}"') :]
    week_row = week_row[: week_row.index("</tr>")]
    assert "<td>3</td>" in week_row  # three decided comments this week
    assert "data-week-false-positives>1<" in week_row and "data-week-misses>1<" in week_row
    assert "66,7\u00a0%" in week_row  # two of three overruled
    version_row = html[html.index(f'data-version="{version}"') :]
    assert "aktiv" in version_row[: version_row.index("</tr>")]

    client.set_cookie(LANG_COOKIE, "en")
    english = client.get("/moderation/dashboard").get_data(as_text=True)
    assert "Warning: the comments of the last 7 days get clearly different scores" in english
    assert "Agreement with the moderators per week" in english

    metrics = client.get("/metrics").get_data(as_text=True)
    assert _value(metrics, f'spamschutz_model_moderated_comments{{version="{version}"}}') == 3
    for kind in ("false_positive", "miss"):
        sample = f'spamschutz_model_overruled_comments{{kind="{kind}",version="{version}"}}'
        assert _value(metrics, sample) == 1
    assert _value(metrics, "spamschutz_model_drift_comments") == MIN_RECENT_COMMENTS + 1
    assert _value(metrics, "spamschutz_model_drift_psi") > 0.25


def test_a_quiet_site_is_told_there_are_too_few_comments_to_compare(app, client, login) -> None:
    assert post_comment(client, app, text=HAM_TEXTS[1]).status_code == 202
    login()
    html = client.get("/moderation/dashboard").get_data(as_text=True)
    assert 'data-drift-level="too_few"' in html
    assert (
        f"Zu wenige Beiträge für einen Vergleich: 1 in 7 Tagen, nötig sind "
        f"{MIN_RECENT_COMMENTS}." in html
    )
    assert "Noch keine Entscheidungen über vom Modell bewertete Beiträge." in html
    assert "spamschutz_model_drift_psi" not in client.get("/metrics").get_data(as_text=True)

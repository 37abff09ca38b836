"""The desk's dashboard: decisions per day, queue size over time, and how the model is doing:
agreement with the moderators per week and per version, score drift, the versions' reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import render_template

from spamschutz.service.extensions import runtime
from spamschutz.service.i18n import N_
from spamschutz.service.model_watch import DRIFT_DAYS, MIN_RECENT_COMMENTS, score_drift
from spamschutz.service.moderation import bp
from spamschutz.service.moderation.access import login_required
from spamschutz.service.moderation.cards import QUEUES

__all__ = ["AGREEMENT_WEEKS", "SHOWN_VERSIONS", "dashboard"]

AGREEMENT_WEEKS = 8
SHOWN_VERSIONS = 10
# Drift levels and model statuses -> the catalog keys of what the dashboard says about them.
DRIFT_LEVELS = {
    "stable": N_("drift.stable"), "moderate": N_("drift.moderate"), "major": N_("drift.major"),
}
VERSION_STATUSES = {
    "active": N_("versions.active"), "candidate": N_("versions.candidate"),
    "retired": N_("versions.retired"),
}


@bp.get("/dashboard")
@login_required
def dashboard():
    """Numbers computed from the comments and decisions tables, and the model catalog."""
    stores = runtime()
    numbers = stores.statistics.dashboard_numbers()
    active = stores.models.active_model()
    rows = list(zip(numbers.days, numbers.decisions_per_day, numbers.pending_at_day_end,
                    strict=True))
    drift = None
    if active is not None:
        since = datetime.now(UTC) - timedelta(days=DRIFT_DAYS)
        drift = score_drift(active.version, active.metadata,
                            stores.statistics.recent_scores(active.version, since))
    by_version = {row.model_version: row for row in stores.statistics.agreement_by_version()}
    return render_template(
        "moderation/dashboard.html",
        numbers=numbers,
        rows=rows,
        most=max([1, *numbers.decisions_per_day, *numbers.pending_at_day_end]),
        active=active,
        counts=stores.comments.count_by_status(),
        queues=QUEUES,
        drift=drift,
        min_recent=MIN_RECENT_COMMENTS,
        weeks=stores.statistics.agreement_by_week(AGREEMENT_WEEKS),
        versions=stores.models.list_models()[:SHOWN_VERSIONS],
        by_version=by_version,
        drift_levels=DRIFT_LEVELS,
        version_statuses=VERSION_STATUSES,
    )

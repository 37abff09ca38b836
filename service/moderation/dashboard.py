"""The desk's dashboard: decisions per day, queue size over time, overruled model, model."""

from __future__ import annotations

from flask import render_template

from service.extensions import runtime
from service.moderation import bp
from service.moderation.access import login_required

__all__ = ["dashboard"]


@bp.get("/dashboard")
@login_required
def dashboard():
    """Numbers computed from the comments and decisions tables, and the active model."""
    repository = runtime().repository
    numbers = repository.dashboard_numbers()
    active = repository.active_model()
    rows = list(zip(numbers.days, numbers.decisions_per_day, numbers.pending_at_day_end,
                    strict=True))
    return render_template(
        "moderation/dashboard.html",
        numbers=numbers,
        rows=rows,
        most=max([1, *numbers.decisions_per_day, *numbers.pending_at_day_end]),
        active=active,
        counts=repository.count_by_status(),
    )

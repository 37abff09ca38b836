"""The desk: the four review queues and the decisions taken on them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for

from service.api.validation import is_public_id
from service.extensions import runtime
from service.moderation import bp
from service.moderation.access import login_required
from service.moderation.cards import (
    ACTION_DONE,
    ACTION_LABELS,
    QUEUES,
    SORT_LABELS,
    comment_card,
    queue_health,
)
from service.storage import ConflictError, NotFound

__all__ = ["PAGE_SIZE", "decide", "queue"]

PAGE_SIZE = 25
def _queue_args(source: dict[str, str]) -> tuple[str, str, str | None]:
    status = source.get("status") or "pending"
    sort = source.get("sort") or "age"
    if status not in QUEUES or sort not in SORT_LABELS:
        abort(400)
    return status, sort, source.get("after") or None


@bp.get("/")
@login_required
def queue():
    """One page of a queue (``status``), oldest first or most spam-like first (``sort``)."""
    status, sort, after = _queue_args(request.args.to_dict())
    repository = runtime().repository
    try:
        rows, cursor = repository.list_comments(status, sort=sort, limit=PAGE_SIZE, after=after)
    except ValueError:
        flash("Dieser Seitenverweis ist ungültig; hier ist die erste Seite.", "error")
        return redirect(url_for(".queue", status=status, sort=sort), 303)

    now = datetime.now(UTC)
    promise_hours = int(current_app.config["PROMISE_HOURS"])
    overdue = repository.count_pending_older_than(now - timedelta(hours=promise_hours))
    return render_template(
        "moderation/queue.html",
        status=status,
        sort=sort,
        after=after,
        next_cursor=cursor,
        cards=[comment_card(row, now, promise_hours) for row in rows],
        counts=repository.count_by_status(),
        health=queue_health(repository.oldest_pending_at(), now, promise_hours, overdue),
        queues=QUEUES,
        sort_labels=SORT_LABELS,
        action_labels=ACTION_LABELS,
    )


def _expected_version(raw: str | None) -> int | None:
    if not raw:
        return None
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    if not (raw.isascii() and raw.isdigit() and int(raw) < 2**31):
        abort(400)
    return int(raw)


@bp.post("/comments/<public_id>/decision")
@login_required
def decide(public_id: str):
    """Apply ``action`` to one comment and return to the queue page it was taken on."""
    if not is_public_id(public_id):
        abort(404)
    action = request.form.get("action", "")
    if action not in ACTION_LABELS:
        abort(400)
    status, sort, after = _queue_args(request.form.to_dict())
    expected = _expected_version(request.form.get("row_version"))
    try:
        row = runtime().repository.decide(public_id, action, g.moderator.name,
                                          expected_row_version=expected)
    except NotFound:
        abort(404)
    except ConflictError:
        flash("Jemand anderes hat diesen Beitrag inzwischen bearbeitet. "
              "Bitte prüfen Sie ihn noch einmal.", "error")
    else:
        flash(f"Beitrag von {row.author_name} {ACTION_DONE[action]}.", "success")
    return redirect(url_for(".queue", status=status, sort=sort, after=after), 303)

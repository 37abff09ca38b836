"""The desk: the four review queues with their filters, sort orders and the promise bar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from spamschutz.service.extensions import runtime
from spamschutz.service.i18n import N_, translate
from spamschutz.service.moderation import bp
from spamschutz.service.moderation.access import login_required, safe_next
from spamschutz.service.moderation.cards import (
    ACTION_DONE,
    ACTION_EFFECTS,
    ACTIONS,
    QUEUES,
    SORTS,
    comment_card,
    queue_health,
)
from spamschutz.service.moderation.language import DESK_LANGUAGES, LANG_COOKIE, desk_language
from spamschutz.service.storage import QueueFilter

__all__ = ["KEY_HELP", "PAGE_SIZE", "QueueView", "queue", "queue_view", "switch_language"]

PAGE_SIZE = 25
_FILTER_FIELDS = ("q", "thread", "lang", "min", "max", "reason", "campaign")
_MAX_FILTER_LENGTH = 200
# Comments due within this many hours are flagged as "due soon" on the promise bar.
_DUE_SOON_HOURS = 2
# The keyboard shortcuts' help: key and what it does.
KEY_HELP = (
    ("j", N_("key.j")), ("k", N_("key.k")), ("a", N_("key.a")), ("r", N_("key.r")),
    ("s", N_("key.s")), ("h", N_("key.h")), ("x", N_("key.x")), ("u", N_("key.u")),
    ("?", N_("key.q")),
)


@dataclass(frozen=True)
class QueueView:
    """Where the moderator is: queue, sort order, page cursor and filters (as typed)."""

    status: str
    sort: str
    after: str | None
    filters: dict[str, str]

    def url_args(self, **changes: Any) -> dict[str, Any]:
        """Query arguments for a link to this view with ``changes`` applied."""
        args: dict[str, Any] = {"status": self.status, "sort": self.sort, **self.filters}
        if self.after:
            args["after"] = self.after
        args.update(changes)
        return {key: value for key, value in args.items() if value not in (None, "")}


def _percent(raw: str) -> float | None:
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        abort(400)
    if not 0 <= value <= 100:
        abort(400)
    return value / 100


def queue_view(source: Any) -> QueueView:
    """The view described by a query string or a posted form; 400 for impossible values."""
    status = source.get("status") or "pending"
    sort = source.get("sort") or "age"
    if status not in QUEUES or sort not in SORTS:
        abort(400)
    filters = {}
    for name in _FILTER_FIELDS:
        value = (source.get(name) or "").strip()
        if len(value) > _MAX_FILTER_LENGTH:
            abort(400)
        if value:
            filters[name] = value
    if filters.get("lang") not in (None, "de", "en") or filters.get("campaign") not in (None, "1"):
        abort(400)
    for name in ("min", "max"):
        if name in filters:
            _percent(filters[name])
    return QueueView(status, sort, source.get("after") or None, filters)


def _unsure_band() -> tuple[float, float]:
    # The active model's thresholds when it is loaded; the usual defaults otherwise.
    try:
        loaded = runtime().registry.current()
    except Exception:  # a model fault must not take the desk down
        loaded = None
    thresholds = getattr(loaded[1], "thresholds", None) if loaded else None
    if thresholds is None:
        return (0.5, 0.9)
    return (float(thresholds.unsure), float(thresholds.spam))


def _query_filter(view: QueueView) -> QueueFilter:
    filters = view.filters
    return QueueFilter(
        thread_id=filters.get("thread"),
        lang=filters.get("lang"),
        min_score=_percent(filters["min"]) if "min" in filters else None,
        max_score=_percent(filters["max"]) if "max" in filters else None,
        reason=filters.get("reason"),
        search=filters.get("q"),
        in_campaign="campaign" in filters,
        unsure_band=_unsure_band(),
    )


@bp.get("/")
@login_required
def queue():
    """One page of a queue (``status``), sorted by ``age``, ``score`` or ``uncertainty``,
    narrowed by thread, language, score range, reason and a text search."""
    view = queue_view(request.args)
    lang = desk_language()
    stores = runtime()
    try:
        rows, cursor = stores.comments.list_comments(
            view.status, sort=view.sort, limit=PAGE_SIZE, after=view.after,
            filters=_query_filter(view))
    except ValueError:
        flash(translate("flash.bad_cursor", lang), "error")
        return redirect(url_for(".queue", **view.url_args(after=None)), 303)

    now = datetime.now(UTC)
    promise_hours = int(current_app.config["PROMISE_HOURS"])
    deadline = now - timedelta(hours=promise_hours)
    overdue = stores.comments.count_pending_older_than(deadline)
    due_soon = stores.comments.count_pending_older_than(
        deadline + timedelta(hours=_DUE_SOON_HOURS)) - overdue
    histories = stores.comments.commenter_histories(rows)
    audits = stores.decisions.decisions_for_many(row.public_id for row in rows)
    campaigns = stores.campaigns.campaigns_of(row.public_id for row in rows)
    cards = [
        comment_card(row, now, promise_hours, lang, histories.get(row.public_id),
                     audits.get(row.public_id, ()), campaigns.get(row.public_id))
        for row in rows
    ]
    return render_template(
        "moderation/queue.html",
        view=view,
        status=view.status,
        sort=view.sort,
        after=view.after,
        next_cursor=cursor,
        cards=cards,
        counts=stores.comments.count_by_status(),
        health=queue_health(stores.comments.oldest_pending_at(), now, promise_hours, overdue,
                            due_soon, lang),
        queues=QUEUES,
        sorts=SORTS,
        actions=ACTIONS,
        action_effects=ACTION_EFFECTS,
        action_done=ACTION_DONE,
        key_help=KEY_HELP,
    )


@bp.get("/language/<lang>")
def switch_language(lang: str):
    """Remember the desk language in a cookie and go back to the page the moderator was on."""
    if lang not in DESK_LANGUAGES:
        abort(404)
    target = safe_next(request.args.get("next")) or url_for(".queue")
    response = make_response(redirect(target, 303))
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, httponly=True,
                        samesite="Lax", secure=request.is_secure)
    return response

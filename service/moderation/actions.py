"""Decisions taken on the desk without JavaScript: one comment, many at once, and undo.

Each answers a plain form post with a message and a redirect back to the queue. The desk's
script takes the same decisions through the moderation API (``/api/v1/moderation``, with the
session and its CSRF token): one JSON door for decisions, with one error shape.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, request, url_for

from spamschutz.service.api.rules import MAX_BULK_IDS
from spamschutz.service.api.validation import is_public_id
from spamschutz.service.extensions import runtime
from spamschutz.service.i18n import translate
from spamschutz.service.moderation import bp
from spamschutz.service.moderation.access import login_required
from spamschutz.service.moderation.cards import ACTION_DONE, ACTIONS, QUEUES
from spamschutz.service.moderation.language import desk_language
from spamschutz.service.moderation.views import queue_view
from spamschutz.service.storage import ConflictError, NotFound

__all__ = ["decide", "decide_many", "undo"]


def _expected_version(raw: str | None) -> int | None:
    if not raw:
        return None
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    if not (raw.isascii() and raw.isdigit() and int(raw) < 2**31):
        abort(400)
    return int(raw)


def _back_to_queue():
    view = queue_view(request.form)
    return redirect(url_for(".queue", **view.url_args()), 303)


def _done_text(action: str, row: Any) -> str:
    if action == "undo":
        return translate("done.undo", desk_language(),
                         queue=translate(QUEUES[row.status], desk_language()))
    return translate(ACTION_DONE[action], desk_language())


def _decided_text(row: Any, action: str) -> str:
    return translate("flash.decided", desk_language(), author=row.author_name,
                     done=_done_text(action, row))


def _refused(message: str):
    flash(message, "error")
    return _back_to_queue()


@bp.post("/comments/<public_id>/decision")
@login_required
def decide(public_id: str):
    """Apply ``action`` to one comment and return to the queue page it was taken on."""
    if not is_public_id(public_id):
        abort(404)
    action = request.form.get("action", "")
    if action not in ACTIONS:
        abort(400)
    queue_view(request.form)  # refuse impossible return addresses before acting
    expected = _expected_version(request.form.get("row_version"))
    try:
        row = runtime().decisions.decide(public_id, action, g.moderator.name,
                                         expected_row_version=expected)
    except NotFound:
        abort(404)
    except ConflictError:
        return _refused(translate("flash.conflict", desk_language()))
    flash(_decided_text(row, action), "success")
    # Without JavaScript the undo button rides along with the message on the next page.
    flash(row.public_id, "undo")
    return _back_to_queue()


@bp.post("/comments/<public_id>/undo")
@login_required
def undo(public_id: str):
    """Take the latest decision on the comment back; recorded as a decision of its own."""
    if not is_public_id(public_id):
        abort(404)
    queue_view(request.form)
    try:
        row = runtime().decisions.undo_decision(public_id, g.moderator.name)
    except NotFound:
        abort(404)
    except ConflictError:
        return _refused(translate("flash.undo_conflict", desk_language()))
    flash(_decided_text(row, "undo"), "success")
    return _back_to_queue()


@bp.post("/decisions")
@login_required
def decide_many():
    """Apply one ``action`` to every selected comment (``ids``) of the page."""
    action = request.form.get("action", "")
    if action not in ACTIONS:
        abort(400)
    queue_view(request.form)
    ids = list(dict.fromkeys(request.form.getlist("ids")))
    if len(ids) > MAX_BULK_IDS or not all(is_public_id(item) for item in ids):
        abort(400)
    if not ids:
        return _refused(translate("flash.bulk_none", desk_language()))
    decided = []
    for public_id in ids:
        try:
            decided.append(runtime().decisions.decide(public_id, action, g.moderator.name))
        except (NotFound, ConflictError):
            continue
    message = translate("flash.bulk", desk_language(), count=len(decided),
                        done=translate(ACTION_DONE[action], desk_language()))
    flash(message, "success")
    return _back_to_queue()

"""``GET /api/v1/threads/<thread_id>/comments``: what readers may see of a thread."""

from __future__ import annotations

from flask import request

from spamschutz.service.api import bp
from spamschutz.service.api.validation import check_line
from spamschutz.service.extensions import runtime
from spamschutz.service.i18n import pick_language

__all__ = ["thread_comments"]


@bp.get("/threads/<path:thread_id>/comments")
def thread_comments(thread_id: str):
    """The approved comments of a thread, oldest first (no e-mail, no scores)."""
    thread_id = check_line(thread_id, "thread_id", 200, pick_language(request.args.get("lang")))
    rows = runtime().comments.approved_comments(thread_id)
    return {
        "thread_id": thread_id,
        "comments": [
            {
                "id": row.public_id,
                "author": row.author_name,
                "url": row.author_url,
                "text": row.text,
                "created_at": row.created_at.isoformat(),
            }
            for row in rows
        ],
    }

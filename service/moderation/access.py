"""Who may use the desk: the ``login_required`` guard and a safe return address after login."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import abort, g, redirect, request, url_for

from spamschutz.service.auth import session_moderator
from spamschutz.service.moderation import bp

__all__ = ["login_required", "safe_next"]


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``view`` only for a logged-in moderator (``g.moderator``); others go to the login.

    A GET remembers where the moderator wanted to go; a POST does not, because replaying a
    decision after a login would act on a page the moderator has not seen.
    """

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        principal = session_moderator()
        if principal is None:
            wanted = request.full_path if request.method == "GET" else None
            return redirect(url_for("moderation.login", next=safe_next(wanted)), 303)
        g.moderator = principal
        return view(*args, **kwargs)

    return guarded


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path inside the desk, else ``None`` (no open redirect).

    A target with a control character (a CR/LF would split the ``Location`` header) is no
    address anybody means: the request is refused with 400.
    """
    if not target:
        return None
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        abort(400, description="The return address holds a control character.")
    parts = urlsplit(target)
    prefix = url_for("moderation.queue")
    if parts.scheme or parts.netloc or "\\" in target or not parts.path.startswith(prefix):
        return None
    return target.rstrip("?")


@bp.context_processor
def _inject_moderator() -> dict[str, Any]:
    from spamschutz.service.moderation.language import desk_language

    lang = desk_language()
    return {"moderator": g.get("moderator"), "desk_lang": lang, "lang": lang}

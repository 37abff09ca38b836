"""The moderator's choice of the desk's language (German by default, English one click away).

The choice lives in its own cookie, not in the session: it must survive logout and login
(which start new sessions) and be there on the login page already.
"""

from __future__ import annotations

from flask import g, request

__all__ = ["DESK_LANGUAGES", "LANG_COOKIE", "desk_language"]

DESK_LANGUAGES = ("de", "en")
LANG_COOKIE = "spamschutz_desk_lang"


def desk_language() -> str:
    """The moderator's chosen language (cookie), German unless English was chosen."""
    if "desk_lang" not in g:
        chosen = request.cookies.get(LANG_COOKIE)
        g.desk_lang = chosen if chosen in DESK_LANGUAGES else "de"
    return g.desk_lang

"""The moderation desk: a server-rendered review queue behind a moderator login.

Its security posture differs from the API's: a session cookie, CSRF tokens on every form
(Flask-WTF's app-wide ``CSRFProtect``) and the strict CSP with no inline script or style.
"""

from __future__ import annotations

from flask import Blueprint

__all__ = ["bp"]

bp = Blueprint("moderation", __name__)

# View modules attach their routes to ``bp`` when imported.
from spamschutz.service.moderation import (  # noqa: E402, F401
    actions,
    campaigns,
    dashboard,
    login,
    reports,
    views,
)

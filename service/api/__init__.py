"""The JSON API used by comment forms, integrations and moderation tools (``/api/v1``)."""

from __future__ import annotations

from flask import Blueprint, Flask

from spamschutz.service.api.errors import APIError, register_error_handlers

__all__ = ["APIError", "bp", "register_api"]

bp = Blueprint("api", __name__)

# Route modules attach their views to ``bp`` when imported.
from spamschutz.service.api import (  # noqa: E402, F401
    challenge,
    comments,
    moderation,
    openapi,
    score,
    threads,
    webhooks,
)


def register_api(app: Flask) -> None:
    """Mount the API under ``/api/v1``; it uses tokens, not cookies, so CSRF does not apply."""
    from spamschutz.service.api import akismet, docs
    from spamschutz.service.extensions import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp, url_prefix="/api/v1")
    # Akismet plugins post forms without CSRF tokens; the site key authenticates them.
    csrf.exempt(akismet.bp)
    app.register_blueprint(akismet.bp, url_prefix="/1.1")
    app.register_blueprint(docs.bp, url_prefix="/api/docs")
    register_error_handlers(app)

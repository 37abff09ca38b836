"""The JSON API used by comment forms, integrations and moderation tools (``/api/v1``)."""

from __future__ import annotations

from flask import Blueprint, Flask

from service.api.errors import APIError, register_error_handlers

__all__ = ["APIError", "bp", "register_api"]

bp = Blueprint("api", __name__)

# Route modules attach their views to ``bp`` when imported.
from service.api import challenge, comments, moderation, openapi, score, threads  # noqa: E402, F401


def register_api(app: Flask) -> None:
    """Mount the API under ``/api/v1``; it uses tokens, not cookies, so CSRF does not apply."""
    from service.extensions import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp, url_prefix="/api/v1")
    register_error_handlers(app)

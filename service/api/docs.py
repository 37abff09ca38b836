"""``/api/docs``: the OpenAPI document as a readable page, rendered by a self-hosted script.

No CDN and no inline script: the page loads ``static/api-docs.js``, which fetches
``/api/v1/openapi.json`` and builds the page with DOM methods, so the strict CSP holds.
"""

from __future__ import annotations

from flask import Blueprint, render_template

__all__ = ["bp"]

bp = Blueprint("api_docs", __name__)


@bp.get("/")
def index():
    """The API reference page."""
    return render_template("api_docs.html")

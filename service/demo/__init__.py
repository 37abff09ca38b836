"""A demo article page with a comment section: the widget, and a form that needs no JavaScript."""

from __future__ import annotations

from flask import Blueprint

__all__ = ["bp"]

bp = Blueprint("demo", __name__)

# View modules attach their routes to ``bp`` when imported.
from spamschutz.service.demo import views  # noqa: E402, F401

"""Cross-origin access for the comment widget: only the public endpoints, only listed sites.

A news site embeds the widget on its own pages, so the browser calls this service from the
site's origin. Only ``ALLOWED_ORIGINS`` may, only for the question, the submission and the
thread's comments, never with cookies (the public API needs none, and a moderator's session
must never ride along), and only with the two headers the widget sends.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from flask_cors import CORS

__all__ = ["PUBLIC_PATHS", "allowed_origins", "init_cors"]

PUBLIC_PATHS = r"^/api/v1/(challenge|comments|threads/.+/comments)$"


def allowed_origins(setting: str) -> list[str]:
    """The origins in a comma-separated setting, normalised; ``ValueError`` for anything that
    is not ``scheme://host[:port]`` (a path or a wildcard would widen access by mistake)."""
    origins = []
    for raw in setting.split(","):
        origin = raw.strip().rstrip("/")
        if not origin:
            continue
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or (
            parts.query or parts.fragment or parts.username or "*" in origin
        ):
            raise ValueError(f"{raw.strip()!r} is not an origin like https://www.example.de")
        origins.append(f"{parts.scheme}://{parts.netloc}".lower())
    return origins


def init_cors(app: Flask) -> None:
    """Answer CORS requests (and preflights) from ``ALLOWED_ORIGINS`` on the public endpoints."""
    origins = allowed_origins(str(app.config.get("ALLOWED_ORIGINS") or ""))
    if not origins:
        return
    CORS(
        app,
        resources={PUBLIC_PATHS: {"origins": origins}},
        methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Content-Type", "Idempotency-Key"],
        supports_credentials=False,
        max_age=600,
        vary_header=True,
    )

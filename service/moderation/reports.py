"""The stored training report of a model version, for logged-in moderators only.

The report quotes comments (the worst mistakes), so it is never a static file. It is served
as written, under the report's own policy: inline styles and embedded images, no script, no
remote loads, sandboxed, never framed.
"""

from __future__ import annotations

from flask import Response, abort

from service.extensions import runtime
from service.moderation import bp
from service.moderation.access import login_required
from service.storage import NotFound

__all__ = ["REPORT_POLICY", "model_report"]

REPORT_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'; sandbox"
)


@bp.get("/models/<version>/report")
@login_required
def model_report(version: str) -> Response:
    """The HTML report written when ``version`` was trained; 404 when it has none."""
    try:
        row = runtime().repository.get_model(version)
    except NotFound:
        abort(404)
    if not (row.metadata or {}).get("report"):
        abort(404)
    # The path comes from the store and the catalogued version, never from the request or the
    # metadata, so no crafted value can point it elsewhere.
    path = runtime().models.store.report_path(row.version)
    try:
        body = path.read_bytes()  # a few hundred kilobytes of self-contained HTML
    except FileNotFoundError:
        abort(404)
    response = Response(body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = REPORT_POLICY
    response.headers["Cache-Control"] = "no-store"  # it quotes readers' comments
    return response

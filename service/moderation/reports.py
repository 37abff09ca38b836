"""The stored reports of a model version (training, latest evaluation), for logged-in moderators.

The report quotes comments (the worst mistakes), so it is never a static file. It is served
as written, under the report's own policy: inline styles and embedded images, no script, no
remote loads, sandboxed, never framed.
"""

from __future__ import annotations

from flask import Response, abort

from spamschutz.service.extensions import runtime
from spamschutz.service.moderation import bp
from spamschutz.service.moderation.access import login_required
from spamschutz.service.storage import NotFound

__all__ = ["REPORT_POLICY", "model_evaluation", "model_report"]

REPORT_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'; sandbox"
)


def _stored_report(version: str, kept: bool, path_of) -> Response:
    # The path comes from the store and the catalogued version, never from the request or the
    # metadata, so no crafted value can point it elsewhere.
    if not kept:
        abort(404)
    try:
        body = path_of(version).read_bytes()  # a few hundred kilobytes of self-contained HTML
    except FileNotFoundError:
        abort(404)
    response = Response(body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = REPORT_POLICY
    response.headers["Cache-Control"] = "no-store"  # it quotes readers' comments
    return response


def _catalogued(version: str):
    try:
        return runtime().models.get_model(version)
    except NotFound:
        abort(404)


@bp.get("/models/<version>/report")
@login_required
def model_report(version: str) -> Response:
    """The HTML report written when ``version`` was trained; 404 when it has none."""
    row = _catalogued(version)
    kept = bool((row.metadata or {}).get("report"))
    return _stored_report(row.version, kept, runtime().registry.store.report_path)


@bp.get("/models/<version>/evaluation")
@login_required
def model_evaluation(version: str) -> Response:
    """The HTML report of the latest ``spamschutz evaluate --model version --report``."""
    row = _catalogued(version)
    kept = bool(((row.metadata or {}).get("evaluation") or {}).get("report"))
    return _stored_report(row.version, kept, runtime().registry.store.evaluation_path)

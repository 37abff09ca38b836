"""Webhook deliveries for admins: see what failed and send it again."""

from __future__ import annotations

from flask import request

from spamschutz.service.api import bp
from spamschutz.service.api.access import require
from spamschutz.service.api.errors import APIError
from spamschutz.service.extensions import runtime
from spamschutz.service.storage import DELIVERY_STATUSES, NotFound

__all__ = ["list_deliveries", "retry_delivery"]

_MAX_ID = 2**31 - 1


@bp.get("/webhooks/deliveries")
@require("admin")
def list_deliveries():
    """The newest deliveries (up to ``limit``), optionally only one ``status`` (``failed``…)."""
    status = request.args.get("status") or None
    if status is not None and status not in DELIVERY_STATUSES:
        raise APIError(
            400, "invalid_status", f"'status' must be one of: {', '.join(DELIVERY_STATUSES)}."
        )
    try:
        limit = int(request.args.get("limit", 100))
    except ValueError as error:
        raise APIError(400, "invalid_limit", "'limit' must be a number from 1 to 500.") from error
    if not 1 <= limit <= 500:
        raise APIError(400, "invalid_limit", "'limit' must be a number from 1 to 500.")
    rows = runtime().webhooks.list_deliveries(status, limit=limit)
    return {"deliveries": [row.as_json() for row in rows]}


@bp.post("/webhooks/deliveries/<int:delivery_id>/retry")
@require("admin")
def retry_delivery(delivery_id: int):
    """Queue an undelivered delivery for another attempt now."""
    if delivery_id > _MAX_ID:
        raise APIError(404, "delivery_not_found", "No undelivered webhook delivery with this id.")
    try:
        runtime().webhooks.retry_delivery(delivery_id)
    except NotFound as error:
        raise APIError(
            404, "delivery_not_found", "No undelivered webhook delivery with this id."
        ) from error
    return {"id": delivery_id, "status": "pending"}, 202

"""Liveness and readiness."""

from __future__ import annotations

from flask import Blueprint

from spamschutz.service.extensions import runtime
from spamschutz.service.storage import StorageUnavailable, ping_database

__all__ = ["bp"]

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Alive: the process answers. Reports the model state and the comments waiting in the
    spool for the database, but never fails on either."""
    registry = runtime().registry
    registry.current()
    spool = runtime().spool.status()
    return {
        "status": "ok",
        "model_version": registry.version,
        "model_problem": registry.problem,
        "spool": {"depth": spool.depth, "failed": spool.failed},
    }


@bp.get("/readyz")
def readyz():
    """Ready: the database answers and a model is loaded."""
    registry = runtime().registry
    checks = {"database": "ok", "model": "ok"}
    try:
        ping_database(runtime().engine)
    except StorageUnavailable:
        checks["database"] = "unavailable"
    if registry.current() is None:
        checks["model"] = registry.problem or "not loaded"
    ready = all(value == "ok" for value in checks.values())
    return {"status": "ready" if ready else "not_ready", "checks": checks}, 200 if ready else 503

"""Promotions announced by PostgreSQL: every instance loads a newly activated model at once.

Activating a model sends a notification on :data:`PROMOTION_CHANNEL` in the same transaction
(``service/storage/catalog.py``), whoever activates it: ``spamschutz models promote``,
``rollback``, ``retrain``, another instance. Each serving process keeps one connection that
LISTENs and wakes its :class:`spamschutz.model.ModelRegistry`, which then asks the catalog as it
does on its regular poll. The poll stays the fallback: while the connection is down, or on SQLite,
which has no notifications, a promotion arrives within ``MODEL_REFRESH_SECONDS``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy import Engine

from spamschutz.service.storage import PROMOTION_CHANNEL

__all__ = ["PROMOTION_CHANNEL", "promotion_listener"]

log = logging.getLogger(__name__)

# How long to wait before listening again after the connection failed (the poll covers it).
_RETRY_SECONDS = 5.0


def promotion_listener(
    engine: Engine, stop: threading.Event | None = None
) -> Callable[[Callable[[], None]], None] | None:
    """A ``listen`` function for :class:`spamschutz.model.ModelRegistry` on ``engine``'s database,
    or ``None`` when the database cannot announce (SQLite)."""
    if engine.dialect.name != "postgresql":
        return None
    # A connection of its own, outside the pool: it is held for as long as the process runs.
    dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    stopped = stop or threading.Event()

    def listen(wake: Callable[[], None]) -> None:
        import psycopg

        while not stopped.is_set():
            try:
                with psycopg.connect(dsn, autocommit=True) as connection:
                    connection.execute(f"LISTEN {PROMOTION_CHANNEL}")
                    wake()  # whatever was activated while nobody listened
                    for _notice in connection.notifies():
                        wake()
                        if stopped.is_set():
                            return
            except Exception as error:  # the poll goes on; listening is tried again
                log.warning("not listening for model promotions: %s", type(error).__name__)
            stopped.wait(_RETRY_SECONDS)

    return listen

"""A running instance replays its spool into the database by itself, once the database is back.

Each request makes a cheap check: a clock comparison, and at most every
``SPOOL_REPLAY_SECONDS`` a listing of the spool directory. When the spool holds records and no
replay runs in this process, a background thread drains it, so no request waits for it. Several
workers may do this at once: each record is claimed by exactly one of them (see
:mod:`spamschutz.service.storage.spool`). The app factory starts no thread; an idle instance with an
empty spool never starts one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import Flask

from spamschutz.service.background import PokedJob
from spamschutz.service.storage import CommentStore, Spool, drain_spool

__all__ = ["SPOOL_REPLAYER_EXTENSION", "SpoolReplayer", "init_spool_replay"]

log = logging.getLogger(__name__)

SPOOL_REPLAYER_EXTENSION = "spamschutz.spool_replayer"


class SpoolReplayer:
    """Starts a background drain of ``spool`` at most every ``interval_seconds``."""

    def __init__(
        self,
        spool: Spool,
        comments: CommentStore,
        interval_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.spool = spool
        self.comments = comments
        self.interval_seconds = interval_seconds
        self._job = PokedJob(
            "spool-replay", lambda: spool.depth() > 0, self._drain, interval_seconds, clock
        )
        self.poke = self._job.poke
        self.join = self._job.join

    def _drain(self) -> None:
        try:
            drain_spool(self.spool, self.comments)
        except Exception:
            # A background thread has nobody to raise to; the records stay for the next pass.
            log.exception("spool replay failed; retrying in %s s", self.interval_seconds)


def init_spool_replay(app: Flask) -> None:
    """Replay the app's spool in the background (unless ``SPOOL_REPLAY_SECONDS`` is 0)."""
    interval = float(app.config["SPOOL_REPLAY_SECONDS"])  # type: ignore[arg-type]
    if interval <= 0:
        return
    runtime = app.extensions["spamschutz"]
    replayer = SpoolReplayer(runtime.spool, runtime.comments, interval)
    app.extensions[SPOOL_REPLAYER_EXTENSION] = replayer
    app.before_request(replayer.poke)

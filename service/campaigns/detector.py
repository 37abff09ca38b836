"""The campaign detection behind the intake: comments are stored first and queued in the
database; a detector links them to their campaigns afterwards, in batches.

Linked in the request, the detection made every reader wait for it (1.4 to 5.8 ms with
100,000 comments in the window on SQLite; queueing costs 0.06 to 0.1 ms). A batch shares
the transaction, one look-up of the window and one write of its index among its comments
(:mod:`~spamschutz.service.storage.campaign_batch`); the fingerprints stay per comment
(bench/README.md, Campaigns). The queue is a
table (``campaign_backlog``), written with the comment: a crash or a restart loses no
comment's detection, and every instance's detector takes its share. A campaign that sweeps
moves a later member to the spam folder when its batch is linked, a moment after it was
stored; the reader's answer (``202``, "received") never said more.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask import Flask

from spamschutz.service.background import PokedJob
from spamschutz.service.campaigns.fingerprint import fingerprint_comment
from spamschutz.service.campaigns.settings import common_domains, detection_rules
from spamschutz.service.observability.metrics import observe_campaign_detection
from spamschutz.service.storage import CampaignLink, CampaignStore, DetectionRules

__all__ = [
    "CAMPAIGN_DETECTOR_EXTENSION",
    "CampaignDetector",
    "campaign_link",
    "init_campaign_detector",
]

log = logging.getLogger(__name__)

CAMPAIGN_DETECTOR_EXTENSION = "spamschutz.campaign_detector"

# Comments linked in one transaction at most. Under load the queue grows while a batch is
# linked, so batches grow with the load and their fixed costs shrink per comment; alone, a
# comment is a batch. A batch's comments share its look-up of the window (keys such as one
# sender's or a repeated text's are read once for all of them), its write and its commit: in
# batches of 400 instead of 50, the linking took about 40 % less CPU per comment (in-process,
# bench.http's comments). On SQLite the write lock is held for the batch's statements and
# links, not its fingerprints.
BATCH_SIZE = 400
# After a batch that did not fill, the detector waits up to this long for the next one to
# gather, so that under load a batch holds the comments of that time rather than the few
# stored while the last batch ran (at 600 comments a second, about 150 rather than 60). With
# the batch's own time, it is how long a later member of a sweeping campaign stays pending.
BATCH_DELAY_SECONDS = 0.25
# It stops waiting once a step of this long brought no comment (no request poked it): when a
# burst ends, its last comments are linked 0.05 s later instead of 0.25 s.
GATHER_STEP_SECONDS = 0.05
# How often an idle instance asks the database whether comments wait (at most, and only on
# a request), and how long a detector thread keeps looking after its last batch.
CHECK_SECONDS = 0.25
LINGER_SECONDS = 1.0


def campaign_link(
    comment: Mapping[str, Any], rules: DetectionRules, common: frozenset[str]
) -> CampaignLink | None:
    """The fingerprint of a stored ``comment`` (its ``text``, ``author_email``,
    ``author_url``, ``ip_hash`` and ``email_hash``) as the link the store needs.

    Failure policy: an error here (a bug, an odd text) costs the campaign one member, never
    the comment, which is stored already: it is logged and ``None`` returned.
    """
    try:
        fingerprint = fingerprint_comment(
            comment["text"],
            author_email=comment.get("author_email"),
            author_url=comment.get("author_url"),
            senders=(comment.get("ip_hash") or "", comment.get("email_hash") or ""),
            common_domains=common,
        )
    except Exception:  # the comment must not suffer for the detection: see the docstring
        log.exception("campaign detection failed for comment %s; it stays unlinked",
                      comment.get("id"))
        return None
    return CampaignLink(tuple(dict.fromkeys(fingerprint.index_keys())), fingerprint.signature,
                        rules)


class CampaignDetector:
    """Links queued comments to their campaigns, a batch at a time.

    Requests ``poke`` it after they answer (a clock comparison; at most every
    :data:`CHECK_SECONDS` one query): a background thread then links batches while comments
    wait and stops soon after the queue is empty, so an idle instance runs no thread.
    :meth:`run_batch` and :meth:`catch_up` do the same work in the caller's thread; any
    number of detectors may run at once, in one process or many.
    """

    def __init__(
        self,
        campaigns: CampaignStore,
        rules: DetectionRules,
        common: frozenset[str],
        batch_size: int = BATCH_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.campaigns = campaigns
        self.rules = rules
        self.common = common
        self.batch_size = batch_size
        self._clock = clock
        self._stopping = threading.Event()
        self._poked = threading.Event()
        self._job = PokedJob("campaign-detector", self._waiting, self._run, CHECK_SECONDS,
                             clock)

    @classmethod
    def from_config(cls, campaigns: CampaignStore, config: Mapping[str, object]
                    ) -> CampaignDetector:
        """A detector with the ``CAMPAIGN_*`` settings; ``ValueError`` names a bad one."""
        return cls(campaigns, detection_rules(config), common_domains(config))

    def poke(self) -> None:
        """Start linking in the background if comments wait (see the class docstring)."""
        if not self._stopping.is_set():
            # Seen by a running thread before it stops: a comment stored as it was about
            # to stop would otherwise wait for the next request's poke. Set only when clear:
            # setting takes the event's lock, on every request.
            if not self._poked.is_set():
                self._poked.set()
            self._job.poke()

    def stop(self, timeout_seconds: float | None = None) -> None:
        """Start no more batches and wait for the running one: before the database's
        connections are closed. What still waits stays queued for another detector."""
        self._stopping.set()
        self._job.join(timeout_seconds)

    def run_batch(self) -> int:
        """Link a batch of waiting comments; how many comments it held."""
        started = time.perf_counter()
        linked = self.campaigns.link_waiting(self.batch_size, self._prepare)
        if linked:
            # The metric is per comment: the batch's whole time (its fingerprints, links and
            # commit) shared out among its comments.
            each = (time.perf_counter() - started) / linked
            for _ in range(linked):
                observe_campaign_detection(each)
        return linked

    def _prepare(self, batch: Sequence[Mapping[str, Any]]) -> list[CampaignLink | None]:
        return [campaign_link(comment, self.rules, self.common) for comment in batch]

    def catch_up(self, timeout_seconds: float = 30.0) -> None:
        """Link batches until no comment waits, those another detector is linking included;
        ``TimeoutError`` if some still wait by then."""
        deadline = self._clock() + timeout_seconds
        while self.run_batch() or self.campaigns.detection_waiting():
            if self._clock() > deadline:
                raise TimeoutError("comments still wait for the campaign detection")
            time.sleep(0.01)  # another instance holds the rest (PostgreSQL) or links on

    def _waiting(self) -> bool:
        try:
            return self.campaigns.detection_waiting()
        except Exception:  # the request itself will meet (and report) a database problem
            return False

    def _run(self) -> None:
        idle_since = self._clock()
        while not self._stopping.is_set():
            self._poked.clear()
            try:
                linked = self.run_batch() if self._waiting() else 0
            except Exception:
                # A background thread has nobody to raise to; the batch's transaction was
                # rolled back, so its comments stay queued for the next pass.
                log.exception("campaign detection failed for a batch; it is tried again")
                return
            if linked:
                idle_since = self._clock()
            elif self._clock() - idle_since > LINGER_SECONDS and not self._poked.is_set():
                return
            if not linked:
                self._stopping.wait(BATCH_DELAY_SECONDS)  # idle: look again a moment later
            elif linked < self.batch_size:
                self._gather()

    def _gather(self) -> None:
        """Wait for the next batch to gather while comments keep arriving (see
        :data:`BATCH_DELAY_SECONDS`)."""
        deadline = self._clock() + BATCH_DELAY_SECONDS
        while self._clock() < deadline:
            self._poked.clear()
            if self._stopping.wait(GATHER_STEP_SECONDS) or not self._poked.is_set():
                return


def init_campaign_detector(app: Flask) -> None:
    """Link the app's queued comments in the background (unless ``CAMPAIGN_DETECTION`` is
    off: then comments are not queued either)."""
    if not app.config.get("CAMPAIGN_DETECTION", True):
        return
    detector = CampaignDetector.from_config(app.extensions["spamschutz"].campaigns, app.config)
    app.extensions[CAMPAIGN_DETECTOR_EXTENSION] = detector

    @app.after_request
    def poke(response):
        detector.poke()  # after the request: the comment it stored is committed and waits
        return response

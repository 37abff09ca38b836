"""The campaign detection behind the intake: comments are stored first and queued in the
database; a detector links them to their campaigns afterwards, in batches.

Linked in the request, the detection made every reader wait for it (1.4 to 5.8 ms with
100,000 comments in the window on SQLite; queueing costs 0.06 to 0.1 ms). A batch shares
the transaction, one look-up of the window and one write of its index among its comments
(:mod:`~spamschutz.service.storage.campaign_batch`). The fingerprint is taken at intake,
right after the score whose normalised text it reuses, and queued with the comment, all but
its text's MinHash: the detector takes that for the whole batch at once, NumPy giving up the
interpreter lock a few times a batch rather than about ten times a comment (bench/README.md,
Campaigns). The queue is a table
(``campaign_backlog``), written with the comment: a crash or a restart loses no comment's
detection, and every instance's detector takes its share. A campaign that sweeps
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
from spamschutz.service.campaigns.fingerprint import (
    Fingerprint,
    fingerprint_before_minhash,
    with_minhashes,
)
from spamschutz.service.campaigns.settings import common_domains, detection_rules
from spamschutz.service.observability.metrics import observe_campaign_detection
from spamschutz.service.storage import (
    CampaignLink,
    CampaignPrint,
    CampaignStore,
    DetectionRules,
)

__all__ = [
    "CAMPAIGN_DETECTOR_EXTENSION",
    "CampaignDetector",
    "campaign_link",
    "campaign_links",
    "campaign_print",
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


def campaign_print(comment: Mapping[str, Any], common: frozenset[str]) -> CampaignPrint | None:
    """The fingerprint of a comment (its ``text``, ``author_email``, ``author_url``,
    ``ip_hash`` and ``email_hash``) as the intake queues it: all but its text's MinHash,
    which the detector takes for a batch at once (see
    :func:`~spamschutz.service.campaigns.fingerprint.with_minhashes`).

    Failure policy: an error here (a bug, an odd text) costs the campaign one member, never
    the comment: it is logged and ``None`` returned.
    """
    try:
        fingerprint = fingerprint_before_minhash(
            comment["text"],
            author_email=comment.get("author_email"),
            author_url=comment.get("author_url"),
            senders=(comment.get("ip_hash") or "", comment.get("email_hash") or ""),
            common_domains=common,
        )
    except Exception:  # the comment must not suffer for the detection: see the docstring
        log.exception("campaign detection failed for comment %s; it stays unlinked",
                      comment.get("id", "being stored"))
        return None
    return CampaignPrint(tuple(dict.fromkeys(fingerprint.index_keys())), fingerprint.shingled)


def campaign_links(
    batch: Sequence[Mapping[str, Any]], rules: DetectionRules, common: frozenset[str]
) -> list[CampaignLink | None]:
    """The link the store needs for each queued comment of ``batch``: from the fingerprint
    queued with it (``print_keys``, one per line, and ``shingled_text``) or, queued without
    one, from its fields (see :func:`campaign_print`), with its text's MinHash, taken for the
    whole batch at once; ``None`` for a comment whose fingerprint failed."""
    prints = [
        CampaignPrint(tuple(comment["print_keys"].split("\n")) if comment["print_keys"] else (),
                      comment["shingled_text"])
        if comment.get("print_keys") is not None else campaign_print(comment, common)
        for comment in batch
    ]
    present = [found for found in prints if found is not None]
    try:
        texts: list[Fingerprint | None] = list(_minhashes(present))
    except Exception:  # one text's failure must not cost the others theirs: one at a time
        log.exception("the campaign MinHash failed for a batch; taken one comment at a time")
        texts = [_minhash_or_none(found) for found in present]
    of_present = iter(texts)
    links: list[CampaignLink | None] = []
    for found in prints:
        text = next(of_present) if found is not None else None
        links.append(None if found is None or text is None else CampaignLink(
            (*text.text_keys, *found.keys), text.signature, rules))
    return links


def campaign_link(
    comment: Mapping[str, Any], rules: DetectionRules, common: frozenset[str]
) -> CampaignLink | None:
    """:func:`campaign_links` of one comment."""
    return campaign_links([comment], rules, common)[0]


def _minhashes(prints: Sequence[CampaignPrint]) -> list[Fingerprint]:
    return with_minhashes([Fingerprint(shingled=found.shingled) for found in prints])


def _minhash_or_none(found: CampaignPrint) -> Fingerprint | None:
    try:
        return _minhashes([found])[0]
    except Exception:  # see campaign_print's failure policy
        log.exception("campaign detection failed for a comment; it stays unlinked")
        return None


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

    def fingerprint(self, comment: Mapping[str, Any]) -> CampaignPrint | None:
        """The fingerprint of a comment about to be stored, queued with it (see
        :func:`campaign_print`): taken at intake right after the comment's score, whose
        normalised text it reuses; the detector adds the MinHash."""
        return campaign_print(comment, self.common)

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
        return campaign_links(batch, self.rules, self.common)

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

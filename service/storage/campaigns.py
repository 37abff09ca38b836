"""Campaigns in storage (``runtime().campaigns``): linking each new comment to the recent ones,
the sweeps that moderators' decisions start, and reading campaigns back.

Every instance writes to and reads from the same tables, so a campaign is recognised across
instances. The store is the door; behind it, one module per job: the window's index
(:mod:`~spamschutz.service.storage.campaign_index`), the pure rules
(:mod:`~spamschutz.service.storage.campaign_rules`), joining and recounting campaigns
(:mod:`~spamschutz.service.storage.campaign_linking`), sweeps
(:mod:`~spamschutz.service.storage.campaign_sweeps`) and reads
(:mod:`~spamschutz.service.storage.campaign_reads`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import nullcontext
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select

from spamschutz.service.storage.campaign_backlog import (
    comments_waiting,
    still_waiting,
    take_from_queue,
    take_waiting_comments,
    waiting_comments,
)
from spamschutz.service.storage.campaign_batch import link_stored_comments
from spamschutz.service.storage.campaign_reads import (
    campaign_by_public_id,
    campaign_counts,
    campaigns_of_comments,
    members_of_campaign,
    recent_campaigns,
)
from spamschutz.service.storage.campaign_records import (
    CampaignLink,
    CampaignMember,
    CampaignRow,
    DetectionRules,
    LinkResult,
)
from spamschutz.service.storage.campaign_rules import swept_by_one_decision
from spamschutz.service.storage.campaign_sweeps import sweep_pending_members, undo_sweep_decisions
from spamschutz.service.storage.engine import detection_lock_for
from spamschutz.service.storage.errors import NotFound, SchemaMissing, StorageUnavailable
from spamschutz.service.storage.group_commit import GroupCommit
from spamschutz.service.storage.records import as_utc, utc_now
from spamschutz.service.storage.schema import (
    campaign_key_hashes,
    campaign_members,
    campaign_prints,
    campaigns,
    comments,
)
from spamschutz.service.storage.webhooks import EventOutbox, QueuesEvents

__all__ = ["CampaignStore"]

log = logging.getLogger(__name__)

# Built once, the values passed as parameters: building them per comment cost more than
# running them.
_COMMENT_TO_LINK = select(
    comments.c.id, comments.c.thread_id, comments.c.created_at, comments.c.email_hash,
    comments.c.ip_hash,
).where(comments.c.public_id == bindparam("public_id"))


class CampaignStore(QueuesEvents):
    """Campaign detection and sweeps (``runtime().campaigns``).

    Comments linked at the same time by threads of a process share a transaction
    (:class:`GroupCommit`), as their storing does: under load a transaction per comment
    would queue every worker behind SQLite's write lock once more.
    """

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime] = utc_now,
        outbox: EventOutbox | None = None,
    ) -> None:
        super().__init__(engine, clock, outbox)
        self._campaign_links = GroupCommit(self._link_batch, batch_errors=(StorageUnavailable,))
        self._detection_lock = detection_lock_for(engine.url)

    def link_comment(
        self,
        public_id: str,
        keys: Sequence[str],
        signature: bytes | None,
        rules: DetectionRules,
    ) -> LinkResult | None:
        """Index a stored comment and join it to the campaign of the recent comments it shares
        a key with (creating or merging campaigns); ``None`` when it shares nothing.

        Comments of one sender in one thread are a conversation, never a campaign: a link
        needs another thread or another sender (for a sender's burst: another thread within
        ``rules.burst_minutes``). When the campaign sweeps, the comment goes to the spam
        folder in this transaction. Linking a comment a second time changes nothing.

        The service links comments in batches (:meth:`link_waiting`); this links one at once.
        """
        link = CampaignLink(tuple(dict.fromkeys(keys)), signature, rules)
        return self._campaign_links.submit((public_id, link))

    def _link_batch(
        self, batch: Sequence[tuple[str, CampaignLink]]
    ) -> list[LinkResult | Exception | None]:
        """Link comments in one write transaction, in order (see :class:`GroupCommit`)."""
        with self._write_transaction() as connection:
            return [self._link_by_public_id(connection, public_id, link)
                    for public_id, link in batch]

    def _link_by_public_id(
        self, connection: Connection, public_id: str, link: CampaignLink
    ) -> LinkResult | Exception | None:
        comment = connection.execute(
            _COMMENT_TO_LINK, {"public_id": public_id}).mappings().one_or_none()
        if comment is None:
            return NotFound(f"no comment {public_id!r}")
        return self._link_stored(connection, [(comment, link)])[0]

    # The detector's batches (service/campaigns/detector.py): comments stored with
    # CommentStore.add_comment(queue_campaign_detection=True) wait in the backlog.

    def detection_waiting(self) -> bool:
        """Whether stored comments wait to be linked to their campaign."""
        with self._transaction() as connection:
            return comments_waiting(connection)

    def link_waiting(
        self,
        limit: int,
        prepare: Callable[[Sequence[Mapping[str, Any]]], Sequence[CampaignLink | None]],
    ) -> int:
        """Link up to ``limit`` waiting comments, the oldest first, in one transaction that
        also takes them out of the queue; how many it took.

        ``prepare(comments)`` gives each comment's link (``None`` when its fingerprint
        failed: it leaves the queue unlinked), from its ``id``, ``thread_id``,
        ``created_at``, ``ip_hash``, ``email_hash`` and the fingerprint queued with it
        (``print_keys``, ``shingled_text``) or, queued without one, its ``text``,
        ``author_email`` and ``author_url``. On PostgreSQL it runs inside the transaction,
        the batch's rows locked against other instances meanwhile. On SQLite it runs before
        the transaction, which holds the database's one write lock that the comments' own
        inserts wait for: the detectors take a lock of their own instead
        (:func:`detection_lock_for`), so no two read the same comments, and one that finds it
        taken links nothing (``0``): the other takes the comments that wait when it is done,
        in one batch rather than two.

        Failure policy: an error in one comment's detection (a bug, a conflict) must not
        cost the batch's others. The batch is linked without a savepoint per comment (in a
        profile of batches of 25 on SQLite, the savepoints' statements took a fifth of the
        batch's time); when it fails, it is rolled back and linked again with one, so the
        failing comment's detection alone is dropped and it leaves the queue unlinked.
        """
        with self._detection_lock.held_if_free() if self._detection_lock else nullcontext(
                True) as free:
            if not free:
                return 0  # another detector is linking, and takes what waits next
            try:
                return self._link_batch_of_waiting(limit, prepare)
            except Exception as error:
                # A database that is down fails the next try too; a table missing may be one
                # comment's statements' alone (the queue's own is read again, and fails then).
                if isinstance(error, StorageUnavailable) and not isinstance(
                        error, SchemaMissing):
                    raise
                log.warning("a batch of the campaign detection failed; it is linked again "
                            "one comment at a time", exc_info=True)
            return self._link_batch_of_waiting(limit, prepare, one_at_a_time=True)

    def _link_batch_of_waiting(
        self,
        limit: int,
        prepare: Callable[[Sequence[Mapping[str, Any]]], Sequence[CampaignLink | None]],
        one_at_a_time: bool = False,
    ) -> int:
        fingerprinted = None
        if self._detection_lock is not None:  # SQLite: fingerprinted before the write lock
            with self._transaction() as connection:
                batch = waiting_comments(connection, limit)
            if not batch:
                return 0
            fingerprinted = list(zip(batch, prepare(batch), strict=True))
        with self._write_transaction() as connection:
            if fingerprinted is None:  # PostgreSQL: out of the queue as they are read
                batch = take_waiting_comments(connection, limit)
                pairs = list(zip(batch, prepare(batch), strict=True)) if batch else []
            else:
                still = still_waiting(connection, [comment for comment, _ in fingerprinted])
                pairs = [(comment, link) for comment, link in fingerprinted
                         if comment["id"] in still]
            if not pairs:
                return 0
            linking = [(comment, link) for comment, link in pairs if link is not None]
            if one_at_a_time:
                for comment, link in linking:
                    self._link_in_savepoint(connection, comment, link)
            else:
                self._link_stored(connection, linking)
            if fingerprinted is not None:
                take_from_queue(connection, [comment["id"] for comment, _ in pairs])
            return len(pairs)

    def _link_in_savepoint(
        self, connection: Connection, comment: Mapping[str, Any], link: CampaignLink
    ) -> None:
        """Link a stored comment inside ``connection``'s transaction, in a savepoint: an
        error rolls back this comment's detection alone (on PostgreSQL a failed statement
        would spoil the whole transaction) and is logged."""
        # The savepoint's statements are sent as they are: SQLAlchemy's begin_nested() took
        # more time than all of the detection's queries.
        connection.exec_driver_sql("SAVEPOINT campaign_link")
        try:
            self._link_stored(connection, [(comment, link)])
        except Exception:  # one comment's detection must not cost the batch: see above
            connection.exec_driver_sql("ROLLBACK TO SAVEPOINT campaign_link")
            log.exception("campaign detection failed for comment %s; it stays unlinked",
                          comment["id"])
        connection.exec_driver_sql("RELEASE SAVEPOINT campaign_link")

    def _link_stored(
        self, connection: Connection, batch: Sequence[tuple[Mapping[str, Any], CampaignLink]]
    ) -> list[LinkResult | None]:
        """Link stored comments (each its ``id``, ``thread_id``, ``created_at``,
        ``email_hash`` and ``ip_hash``, with its link), in order: the work of
        :meth:`link_comment`."""
        return link_stored_comments(connection, batch, self._now, self._queue_event)

    # Decisions: called by DecisionStore.decide and DecisionStore.undo_decision on the
    # connection of their transaction, so a decision and its sweep commit together.

    def after_decision(
        self, connection: Connection, comment_id: int, action: str, moderator: str,
        now: datetime,
    ) -> int:
        """A moderator decided a comment: a spam decision on a member starts its campaign's
        sweep, "not spam" or approve dissolves it. How many other comments moved."""
        member = connection.execute(
            select(campaigns, campaign_members.c.sweep_decision_id)
            .join(campaign_members, campaign_members.c.campaign_id == campaigns.c.id)
            .where(campaign_members.c.comment_id == comment_id)
            .with_for_update(of=campaigns)
        ).mappings().one_or_none()
        if member is None:
            return 0
        if member["sweep_decision_id"] is not None:
            # Decided by a person now: the sweep's undo leaves it alone.
            connection.execute(campaign_members.update()
                               .where(campaign_members.c.comment_id == comment_id)
                               .values(sweep_decision_id=None))
        if member["status"] == "dissolved":
            return 0
        if action in ("approve", "ham"):
            return self._dissolve(connection, member["id"], moderator, now)
        if action != "spam" or member["sweeping"] or not swept_by_one_decision(
                member["shares"] or {}, member["spam_like"]):
            return 0
        connection.execute(campaigns.update().where(campaigns.c.id == member["id"]).values(
            sweeping=True, swept_at=now, swept_by=moderator, trigger_comment_id=comment_id))
        if member["status"] != "open":
            return 0  # sweeps once it is recognised
        return sweep_pending_members(connection, member["id"], moderator, now,
                                     self._queue_event)

    def after_undo(
        self, connection: Connection, comment_id: int, moderator: str, now: datetime
    ) -> int:
        """The decision that started a sweep was undone: so is the sweep."""
        campaign = connection.execute(
            select(campaigns.c.id).where(campaigns.c.trigger_comment_id == comment_id,
                                         campaigns.c.sweeping.is_(True))
        ).scalar_one_or_none()
        if campaign is None:
            return 0
        return self._stop_sweep(connection, campaign, moderator, now)

    def _stop_sweep(
        self, connection: Connection, campaign_id: int, moderator: str, now: datetime
    ) -> int:
        connection.execute(campaigns.update().where(campaigns.c.id == campaign_id).values(
            sweeping=False, swept_at=None, swept_by=None, trigger_comment_id=None))
        return undo_sweep_decisions(connection, campaign_id, moderator, now, self._queue_event)

    def _dissolve(
        self, connection: Connection, campaign_id: int, moderator: str, now: datetime
    ) -> int:
        returned = self._stop_sweep(connection, campaign_id, moderator, now)
        connection.execute(campaigns.update().where(campaigns.c.id == campaign_id).values(
            status="dissolved", dissolved_at=now, dissolved_by=moderator))
        return returned

    # The desk's campaign view: decide all, undo, read.

    def _campaign_for_update(self, connection: Connection, public_id: str) -> Mapping[str, Any]:
        row = connection.execute(
            select(campaigns).where(campaigns.c.public_id == public_id).with_for_update()
        ).mappings().one_or_none()
        if row is None:
            raise NotFound(f"no campaign {public_id!r}")
        return row

    def sweep_campaign(self, public_id: str, moderator: str) -> int:
        """Spam for the whole campaign: its pending members now, later members on arrival.

        How many moved. A dissolved campaign is opened again by this explicit decision.
        """
        now = self._now()
        with self._write_transaction() as connection:
            row = self._campaign_for_update(connection, public_id)
            connection.execute(campaigns.update().where(campaigns.c.id == row["id"]).values(
                status="open", sweeping=True, swept_at=now, swept_by=moderator,
                trigger_comment_id=None, dissolved_at=None, dissolved_by=None,
                detected_at=row["detected_at"] or now))
            return sweep_pending_members(connection, row["id"], moderator, now,
                                         self._queue_event)

    def undo_sweep(self, public_id: str, moderator: str) -> int:
        """Take the campaign's sweep back: swept members return to the queue; how many."""
        with self._write_transaction() as connection:
            row = self._campaign_for_update(connection, public_id)
            return self._stop_sweep(connection, row["id"], moderator, self._now())

    def dissolve_campaign(self, public_id: str, moderator: str) -> int:
        """"Not spam" for the campaign: its sweep is undone and it never sweeps again."""
        with self._write_transaction() as connection:
            row = self._campaign_for_update(connection, public_id)
            return self._dissolve(connection, row["id"], moderator, self._now())

    def get_campaign(self, public_id: str) -> CampaignRow:
        """The campaign with ``public_id``; :class:`NotFound` if there is none."""
        with self._transaction() as connection:
            return campaign_by_public_id(connection, public_id)

    def campaign_members(self, public_id: str, limit: int = 500) -> list[CampaignMember]:
        """The campaign's comments, oldest first."""
        with self._transaction() as connection:
            return members_of_campaign(connection, public_id, limit)

    def list_campaigns(self, status: str | None = None, limit: int = 100) -> list[CampaignRow]:
        """Recognised campaigns (forming ones aside), the most recently active first."""
        with self._transaction() as connection:
            return recent_campaigns(connection, status, limit)

    def campaigns_of(self, public_ids: Iterable[str]) -> dict[str, CampaignRow]:
        """The recognised campaign of each comment that is in one (for the desk's badges)."""
        with self._transaction() as connection:
            return campaigns_of_comments(connection, public_ids)

    def campaign_figures(self) -> dict[str, int]:
        """Open campaigns, sweeping ones, and comments their sweeps hold in the spam folder."""
        with self._transaction() as connection:
            return campaign_counts(connection)

    def purge_campaign_window(self, older_than: datetime) -> int:
        """Forget the detection's index before ``older_than`` (campaigns and members stay)."""
        cutoff = as_utc(older_than)
        with self._transaction() as connection:
            connection.execute(campaign_key_hashes.delete()
                               .where(campaign_key_hashes.c.created_at < cutoff))
            return connection.execute(
                campaign_prints.delete().where(campaign_prints.c.created_at < cutoff)
            ).rowcount

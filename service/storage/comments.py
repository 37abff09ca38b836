"""Comments: storing submissions, reading them back, the moderation queue, threads and a
commenter's other comments."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, select

from spamschutz.service.storage import keyset
from spamschutz.service.storage.campaign_backlog import queue_for_detection
from spamschutz.service.storage.campaign_records import CampaignPrint
from spamschutz.service.storage.desk import (
    CommenterHistory,
    QueueFilter,
    commenter_histories_of,
    filter_clauses,
    uncertainty_column,
)
from spamschutz.service.storage.errors import NotFound, StorageError, StorageUnavailable
from spamschutz.service.storage.group_commit import GroupCommit
from spamschutz.service.storage.privacy import ERASED_TEXT
from spamschutz.service.storage.records import CommentRow, as_utc, utc_now
from spamschutz.service.storage.schema import (
    COMMENT_STATUSES,
    SCORE_BANDS,
    challenge_redemptions,
    comments,
)
from spamschutz.service.storage.webhooks import EventOutbox, QueuesEvents, event_data

__all__ = [
    "MAX_PAGE_SIZE",
    "ChallengeAlreadyRedeemed",
    "CommentStore",
    "comment_by_public_id",
]

MAX_PAGE_SIZE = 1000


class ChallengeAlreadyRedeemed(StorageError):
    """The comment's challenge token was redeemed before; nothing was stored."""


@dataclass(frozen=True)
class _NewComment:
    values: dict[str, Any]
    challenge_token_id: str | None
    refuse_redeemed_token: bool
    queue_campaign_detection: bool
    campaign_print: CampaignPrint | None


class CommentStore(QueuesEvents):
    """Comments: storing, reading, the queue's pages and counts (``runtime().comments``).

    Comments stored at the same time by threads of a process share a transaction
    (:class:`GroupCommit`): under load, the per-transaction costs were most of a comment's.
    A new comment can be queued for the campaign detection in the transaction that stores
    it; the detector links it afterwards (:meth:`CampaignStore.link_waiting`).
    """

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime] = utc_now,
        outbox: EventOutbox | None = None,
    ) -> None:
        super().__init__(engine, clock, outbox)
        self._comment_writes = GroupCommit(self._write_comments, batch_errors=(StorageUnavailable,))

    def add_comment(
        self,
        *,
        thread_id: str,
        author_name: str,
        text: str,
        lang: str,
        status: str = "pending",
        author_email: str | None = None,
        author_url: str | None = None,
        score: float | None = None,
        band: str | None = None,
        reasons: Sequence[Mapping[str, Any]] = (),
        model_version: str | None = None,
        signals: Mapping[str, Any] | None = None,
        ip_truncated: str | None = None,
        ip_hash: str | None = None,
        email_hash: str | None = None,
        user_agent: str | None = None,
        idempotency_key: str | None = None,
        public_id: str | None = None,
        created_at: datetime | None = None,
        challenge_token_id: str | None = None,
        refuse_redeemed_token: bool = False,
        source: str = "form",
        is_test: bool = False,
        permalink: str | None = None,
        site: str | None = None,
        thread_title: str | None = None,
        queue_campaign_detection: bool = False,
        campaign_print: CampaignPrint | None = None,
    ) -> CommentRow:
        """Store a new comment; a repeated ``idempotency_key`` returns the first one instead.

        ``public_id`` and ``created_at`` default to a new UUID and now; the spool passes the id
        it already gave the reader and the time the comment was received. With
        ``challenge_token_id`` the token is redeemed in the same transaction, so a comment is
        never stored without its redemption nor a token redeemed without its comment, and the
        database's write lock is taken once (per batch of comments stored at the same time,
        see :class:`GroupCommit`). A token redeemed before by another
        submission: with ``refuse_redeemed_token`` (a reader's submission, who can still be
        asked again) nothing is stored and :class:`ChallengeAlreadyRedeemed` is raised;
        without it (a spooled comment, whose reader was already promised it) the comment is
        stored in the spam folder with the reason ``challenge_reused``: reuse is what a bot
        does, and online it would have been refused.

        A newly stored comment queues the ``comment.received`` webhook in the same transaction.
        ``source`` says where it came from (``form`` or ``akismet``); ``is_test`` keeps it out
        of the training data.

        With ``queue_campaign_detection`` a newly stored comment is queued for the campaign
        detection in the same transaction, so it is never stored without its place in the
        queue (a retry of a stored comment is not queued again). The detector links it
        afterwards, in a batch (:mod:`spamschutz.service.campaigns.detector`); a campaign
        that sweeps moves it to the spam folder then. ``campaign_print`` is the comment's
        fingerprint, taken at intake; without it the detector takes it from the text. The row
        returned is the comment as inserted.
        """
        if status not in COMMENT_STATUSES:
            raise ValueError(f"unknown comment status {status!r}")
        if band is not None and band not in SCORE_BANDS:
            raise ValueError(f"unknown score band {band!r}")
        values = {
            "public_id": public_id or str(uuid.uuid4()),
            "idempotency_key": idempotency_key,
            "thread_id": thread_id,
            "author_name": author_name,
            "author_email": author_email,
            "author_url": author_url,
            "text": text,
            "lang": lang,
            "status": status,
            "score": score,
            "band": band,
            "reasons": list(reasons),
            "model_version": model_version,
            "signals": dict(signals or {}),
            "ip_truncated": ip_truncated,
            "ip_hash": ip_hash,
            "email_hash": email_hash,
            "user_agent": user_agent,
            "created_at": self._now() if created_at is None else as_utc(created_at),
            "row_version": 1,
            "source": source,
            "is_test": is_test,
            "permalink": permalink,
            "site": site,
            "thread_title": thread_title,
        }
        new = _NewComment(values, challenge_token_id, refuse_redeemed_token,
                          queue_campaign_detection, campaign_print)
        return CommentRow.from_row(self._comment_writes.submit(new))

    def _write_comments(
        self, batch: Sequence[_NewComment]
    ) -> list[Mapping[str, Any] | Exception]:
        """Store comments in one write transaction (see :class:`GroupCommit`)."""
        with self._write_transaction() as connection:
            now = self._now()
            queued: list[tuple[int, CampaignPrint | None]] = []
            stored = [self._insert_comment(connection, new, now, queued) for new in batch]
            queue_for_detection(connection, queued)  # one statement for the batch
            return stored

    def _insert_comment(
        self,
        connection: Connection,
        new: _NewComment,
        now: datetime,
        queued: list[tuple[int, CampaignPrint | None]],
    ) -> Mapping[str, Any] | Exception:
        values = new.values
        if new.challenge_token_id is not None and not self._insert_unless_duplicate(
            connection,
            challenge_redemptions,
            {"token_id": new.challenge_token_id, "redeemed_at": now},
            "token_id",
        ):
            if new.refuse_redeemed_token:
                # Nothing was written for this comment; the others of its batch go on.
                return ChallengeAlreadyRedeemed("the challenge token was used before")
            values = {**values, "status": "spam"}
            reasons_so_far = list(values["signals"].get("verdict_reasons") or [])
            values["signals"] = {
                **values["signals"],
                "challenge": "reused",
                "verdict_reasons": [*reasons_so_far, "challenge_reused"],
            }
        # A retried submission (double click, client retry) must not create a second comment;
        # whichever request inserts first wins, the others read its row.
        comment_id = self._insert_returning_id_unless_duplicate(
            connection, comments, values, "idempotency_key")
        if comment_id is None:
            return connection.execute(
                _COMMENT_BY_IDEMPOTENCY_KEY, {"key": values["idempotency_key"]}
            ).mappings().one()
        # The stored row is what was inserted: reading it back (RETURNING) and decoding its
        # JSON again cost a fifth of the write, inside the write lock.
        row = {**values, "decided_at": None, "decided_by": None}
        self._queue_event(connection, "comment.received", event_data(row), now)
        if new.queue_campaign_detection:
            queued.append((comment_id, new.campaign_print))
        return row

    def get_comment(self, public_id: str) -> CommentRow:
        """The comment with ``public_id``; :class:`NotFound` if there is none."""
        with self._transaction() as connection:
            return CommentRow.from_row(comment_by_public_id(connection, public_id))

    def find_akismet_check(
        self, text: str, author_name: str, permalink: str | None
    ) -> CommentRow | None:
        """The newest Akismet check of this content, author and permalink, if one was kept."""
        query = (
            select(comments)
            .where(
                comments.c.source == "akismet",
                comments.c.text == text,
                comments.c.author_name == author_name,
                comments.c.permalink.is_(None)
                if permalink is None
                else comments.c.permalink == permalink,
            )
            .order_by(comments.c.id.desc())
            .limit(1)
        )
        with self._transaction() as connection:
            row = connection.execute(query).mappings().first()
        return CommentRow.from_row(row) if row else None

    def find_comment_by_idempotency_key(self, idempotency_key: str) -> CommentRow | None:
        """The comment a client stored earlier under ``idempotency_key``, if any."""
        query = select(comments).where(comments.c.idempotency_key == idempotency_key)
        with self._transaction() as connection:
            row = connection.execute(query).mappings().one_or_none()
        return CommentRow.from_row(row) if row else None

    def list_comments(
        self,
        status: str | None = None,
        sort: str = "age",
        limit: int = 50,
        after: str | None = None,
        thread_id: str | None = None,
        filters: QueueFilter | None = None,
    ) -> tuple[list[CommentRow], str | None]:
        """One page of comments and the cursor of the next page (``None`` on the last page).

        ``sort`` is one of :data:`keyset.SORTS`: ``age`` (oldest first), ``newest``, ``score``
        (most spam-like first), ``-score`` or ``uncertainty`` (nearest the unsure band of
        ``filters.unsure_band`` first); unscored comments lead the score orders.
        ``filters`` narrows by thread, language, score range, reason and a text search.
        ``after`` is the cursor returned with the previous page; ``ValueError`` if malformed.
        """
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}")
        if status is not None and status not in COMMENT_STATUSES:
            raise ValueError(f"unknown comment status {status!r}")
        filters = filters or QueueFilter()
        computed = {"uncertainty": uncertainty_column(filters.unsure_band)}
        query = (
            select(comments, computed["uncertainty"].label("uncertainty"))
            .order_by(*keyset.order_by(comments, sort, computed))
            .limit(limit + 1)
            .where(_NOT_TEST_TRAFFIC, *filter_clauses(filters))
        )
        if status is not None:
            query = query.where(comments.c.status == status)
        if thread_id is not None:
            query = query.where(comments.c.thread_id == thread_id)
        if after is not None:
            query = query.where(
                keyset.after_cursor(
                    comments, sort, keyset.decode_cursor(sort, after), computed
                )
            )
        with self._transaction() as connection:
            rows = connection.execute(query).mappings().all()
        # One row more than asked for tells whether another page exists without counting.
        cursor = keyset.encode_cursor(sort, rows[limit - 1]) if len(rows) > limit else None
        return [CommentRow.from_row(row) for row in rows[:limit]], cursor

    def count_by_status(self) -> dict[str, int]:
        """How many comments each status holds; every status is present."""
        query = (
            select(comments.c.status, func.count())
            .where(_NOT_TEST_TRAFFIC)
            .group_by(comments.c.status)
        )
        with self._transaction() as connection:
            counts = dict.fromkeys(COMMENT_STATUSES, 0)
            counts.update({status: count for status, count in connection.execute(query)})
        return counts

    def count_by_language(self) -> dict[str, int]:
        """How many comments (test traffic aside) are in each language."""
        query = (
            select(comments.c.lang, func.count())
            .where(_NOT_TEST_TRAFFIC)
            .group_by(comments.c.lang)
        )
        with self._transaction() as connection:
            return {lang: count for lang, count in connection.execute(query)}

    def count_pending_older_than(self, cutoff: datetime) -> int:
        """How many pending comments arrived before ``cutoff`` (uses the status/age index)."""
        query = (
            select(func.count())
            .select_from(comments)
            .where(comments.c.status == "pending", comments.c.created_at < cutoff,
                   _NOT_TEST_TRAFFIC)
        )
        with self._transaction() as connection:
            return int(connection.execute(query).scalar_one())

    def oldest_pending_at(self) -> datetime | None:
        """When the longest-waiting pending comment arrived (``None`` if the queue is empty)."""
        query = select(func.min(comments.c.created_at)).where(
            comments.c.status == "pending", _NOT_TEST_TRAFFIC)
        with self._transaction() as connection:
            oldest = connection.execute(query).scalar_one_or_none()
        return None if oldest is None else as_utc(oldest)

    def approved_comments(self, thread_id: str, limit: int = 200) -> list[CommentRow]:
        """The published comments of a thread, oldest first."""
        query = (
            select(comments)
            .where(
                comments.c.thread_id == thread_id,
                comments.c.status == "approved",
                comments.c.text != ERASED_TEXT,  # erased at the author's request
            )
            .order_by(comments.c.created_at, comments.c.id)
            .limit(limit)
        )
        with self._transaction() as connection:
            rows = connection.execute(query).mappings().all()
        return [CommentRow.from_row(row) for row in rows]

    def commenter_histories(
        self, rows: Sequence[CommentRow], limit: int = 5
    ) -> dict[str, CommenterHistory]:
        """For each comment, the commenter's other comments by e-mail (newest first, at most
        ``limit``) and the number of other comments from the same address hash."""
        email_hashes = sorted({row.email_hash for row in rows if row.email_hash})
        ip_hashes = sorted({row.ip_hash for row in rows if row.ip_hash})
        found: Sequence[Any] = []
        address_rows: Sequence[Any] = []
        with self._transaction() as connection:
            if email_hashes:
                found = connection.execute(
                    select(comments.c.public_id, comments.c.thread_id, comments.c.created_at,
                           comments.c.status, comments.c.text, comments.c.email_hash)
                    .where(comments.c.email_hash.in_(email_hashes))
                    .order_by(comments.c.created_at.desc(), comments.c.id.desc())
                    .limit(500)
                ).mappings().all()
            if ip_hashes:
                address_rows = connection.execute(
                    select(comments.c.ip_hash, comments.c.email_hash, func.count())
                    .where(comments.c.ip_hash.in_(ip_hashes))
                    .group_by(comments.c.ip_hash, comments.c.email_hash)
                ).all()
        return commenter_histories_of(rows, found, address_rows, limit)


# Akismet's is_test=1 checks are kept (a client's submit-spam finds them) but are no work for
# the editors: they stay out of the queues, their counts and the review promise.
_NOT_TEST_TRAFFIC = comments.c.is_test.is_(False)

# Built once, the values passed as parameters: building them per call cost more than running
# them, inside the write lock.
_COMMENT_BY_IDEMPOTENCY_KEY = select(comments).where(
    comments.c.idempotency_key == bindparam("key")
)


def comment_by_public_id(
    connection: Connection, public_id: str, for_update: bool = False
) -> Mapping[str, Any]:
    query = select(comments).where(comments.c.public_id == public_id)
    if for_update:
        query = query.with_for_update()
    row = connection.execute(query).mappings().one_or_none()
    if row is None:
        raise NotFound(f"no comment {public_id!r}")
    return row

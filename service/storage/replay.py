"""Replaying spooled comments into the database, each exactly once.

Exactly once rests on two things. Every record is inserted under its idempotency key, and an
insert under a key that is already stored returns the stored row instead of adding one. A
record's file is deleted only after its insert committed. So a crash between the commit and
the deletion leaves the file behind, and the next replay finds the row and just deletes it.

The challenge token is redeemed in the same transaction as the insert. A token another
submission redeemed first (a bot reusing one answer while the database was down) does not
drop the comment, whose reader already got a ``202``: it is stored in the spam folder with the
reason ``challenge_reused``, where moderators can still restore it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from spamschutz.service.storage.errors import StorageUnavailable
from spamschutz.service.storage.records import CommentRow
from spamschutz.service.storage.spool import Spool, SpooledComment, SpoolRecordError

if TYPE_CHECKING:
    from spamschutz.service.storage.comments import CommentStore

__all__ = ["DrainReport", "drain_spool", "replay_record"]

log = logging.getLogger(__name__)


@dataclass
class DrainReport:
    """What one pass over the spool did."""

    stored: int = 0  # inserted into the database
    duplicates: int = 0  # a client's retry had already stored the same submission
    set_aside: int = 0  # refused for a lasting reason, moved to failed/
    database_unavailable: bool = False  # stopped early; the rest waits for the next pass
    remaining: int = 0  # records still waiting after the pass


def replay_record(comments: CommentStore, record: SpooledComment) -> CommentRow:
    """Insert one spooled comment (idempotent); the row stored under its key."""
    return comments.add_comment(
        **record.comment,
        idempotency_key=record.idempotency_key,
        public_id=record.public_id,
        created_at=record.received_at,
        challenge_token_id=None if record.challenge_redeemed else record.challenge_token_id,
    )


def drain_spool(spool: Spool, comments: CommentStore) -> DrainReport:
    """Replay every waiting record, oldest first; stop when the database is unavailable."""
    report = DrainReport()
    spool.recover_stale()
    for claimed in spool.claim_waiting():
        outcome = _replay_claimed(spool, comments, claimed)
        if outcome == "unavailable":
            report.database_unavailable = True
            break
        if outcome == "stored":
            report.stored += 1
        elif outcome == "duplicate":
            report.duplicates += 1
        elif outcome == "set_aside":
            report.set_aside += 1
    report.remaining = spool.depth()
    if report.stored or report.duplicates or report.set_aside:
        log.info(
            "spool replay: %d stored, %d duplicates, %d set aside, %d waiting",
            report.stored,
            report.duplicates,
            report.set_aside,
            report.remaining,
        )
    return report


def _replay_claimed(spool: Spool, comments: CommentStore, claimed: Path) -> str:
    try:
        record = spool.read(claimed)
    except FileNotFoundError:
        return "gone"  # handed back as stale and claimed by another process meanwhile
    except (OSError, SpoolRecordError) as error:
        spool.set_aside(claimed, f"unreadable record: {error}")
        return "set_aside"
    try:
        row = replay_record(comments, record)
    except StorageUnavailable:
        spool.release(claimed)
        return "unavailable"
    except Exception as error:
        # Anything else (a value the schema refuses, a lost race on a unique column) must not
        # block the records behind it, nor lose this one: stored after all, or kept aside.
        try:
            row_or_none = comments.find_comment_by_idempotency_key(record.idempotency_key)
        except StorageUnavailable:
            spool.release(claimed)
            return "unavailable"
        if row_or_none is None:
            spool.set_aside(claimed, f"{type(error).__name__}: {error}")
            return "set_aside"
        row = row_or_none
    spool.complete(claimed)
    return "stored" if row.public_id == record.public_id else "duplicate"

"""The detection's queue (``campaign_backlog``): comments stored but not yet linked to their
campaign, queued with the comment and taken out in the transaction that links them.

A detector takes the oldest waiting comments in its write transaction and deletes them there:
if the transaction fails (a crash, a restart, the database gone) they wait again, and none is
linked twice. On PostgreSQL one statement takes them out and reads them, and the rows another
instance's detector holds are skipped (``FOR UPDATE SKIP LOCKED``), so instances share the
queue instead of queueing for it; on SQLite the write transaction holds the database's one
write lock, and detectors take turns.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, case, delete, exists, select

from spamschutz.service.storage.campaign_records import CampaignPrint
from spamschutz.service.storage.records import as_utc
from spamschutz.service.storage.schema import campaign_backlog, comments
from spamschutz.service.storage.transactions import driver_executemany, driver_rows

__all__ = [
    "comments_waiting",
    "queue_for_detection",
    "still_waiting",
    "take_from_queue",
    "take_waiting_comments",
    "waiting_comments",
]

# What the detection reads of a queued comment: the linking's fields, the fingerprint taken
# at intake and, for a comment queued without one, the fields to take it from.
_QUEUED_FIELDS = (
    comments.c.id, comments.c.thread_id, comments.c.created_at, comments.c.ip_hash,
    comments.c.email_hash, comments.c.author_email, comments.c.author_url,
)
_QUEUED_NAMES = (*(column.name for column in _QUEUED_FIELDS), "print_keys", "shingled_text",
                 "text")

# Written with each comment, inside the intake's write transaction, by the driver itself:
# SQLAlchemy's compiled form took twenty times SQLite's 1 µs, and its ``exec_driver_sql``
# added about 20 µs to the 8 the insert takes through the driver's cursor (in-process, a
# comment stored with its print queued against one stored without).
_QUEUE = {
    "sqlite": "INSERT INTO campaign_backlog (comment_id, print_keys, shingled_text)"
              " VALUES (?, ?, ?)",
    "postgresql": "INSERT INTO campaign_backlog (comment_id, print_keys, shingled_text)"
                  " VALUES (%s, %s, %s)",
}
_ANY_WAITING = select(exists().select_from(campaign_backlog))
# SQLite's statements go to the driver as they are: SQLAlchemy's compilation and rows took
# longer than SQLite's own work (bench.http's comments in batches of 88: reading, checking
# and taking a comment 25 to 33 µs, sent to the driver 8). The text is read only for a
# comment queued without its fingerprint.
_SQLITE_WAITING = (
    "SELECT " + ", ".join(f"c.{column.name}" for column in _QUEUED_FIELDS)  # noqa: S608
    + ", b.print_keys, b.shingled_text, CASE WHEN b.print_keys IS NULL THEN c.text END"
    " FROM campaign_backlog AS b JOIN comments AS c ON c.id = b.comment_id"
    " ORDER BY b.comment_id LIMIT ?"
)
_SQLITE_STILL_WAITING = ("SELECT comment_id FROM campaign_backlog"
                         " WHERE comment_id IN (SELECT value FROM json_each(?))")
_SQLITE_TAKE = ("DELETE FROM campaign_backlog"
                " WHERE comment_id IN (SELECT value FROM json_each(?))")
# PostgreSQL: the claim, the read and the take in one round trip instead of three.
_TAKEN = (
    delete(campaign_backlog)
    .where(campaign_backlog.c.comment_id.in_(
        select(campaign_backlog.c.comment_id).order_by(campaign_backlog.c.comment_id)
        .limit(bindparam("limit")).with_for_update(skip_locked=True)))
    .returning(campaign_backlog.c.comment_id, campaign_backlog.c.print_keys,
               campaign_backlog.c.shingled_text)
    .cte("taken")
)
_TAKE_OLDEST = (
    select(*_QUEUED_FIELDS, _TAKEN.c.print_keys, _TAKEN.c.shingled_text,
           case((_TAKEN.c.print_keys.is_(None), comments.c.text)).label("text"))
    .join(_TAKEN, _TAKEN.c.comment_id == comments.c.id)
    .order_by(comments.c.id)
)


def queue_for_detection(
    connection: Connection, queued: Sequence[tuple[int, CampaignPrint | None]]
) -> None:
    """Queue comments inserted in ``connection``'s transaction for the detection, each id
    with its fingerprint (``None``: the detector takes it from the text)."""
    if queued:
        driver_executemany(connection, _QUEUE[connection.dialect.name], [
            (comment_id, None, None) if found is None
            else (comment_id, "\n".join(found.keys), found.shingled)
            for comment_id, found in queued])


def comments_waiting(connection: Connection) -> bool:
    """Whether any comment waits for the detection."""
    return bool(connection.execute(_ANY_WAITING).scalar())


def waiting_comments(connection: Connection, limit: int) -> list[Mapping[str, Any]]:
    """Up to ``limit`` waiting comments, the oldest first, left in the queue (SQLite): their
    ``id``, ``thread_id``, ``created_at``, ``ip_hash``, ``email_hash``, ``author_email``,
    ``author_url``, ``print_keys`` and ``shingled_text`` (the fingerprint taken at intake,
    keys one per line) and ``text`` (only where ``print_keys`` is ``None``)."""
    waiting = []
    for row in driver_rows(connection, _SQLITE_WAITING, (limit,)):
        comment = dict(zip(_QUEUED_NAMES, row, strict=True))
        comment["created_at"] = as_utc(datetime.fromisoformat(comment["created_at"]))
        waiting.append(comment)
    return waiting


def take_waiting_comments(connection: Connection, limit: int) -> list[Mapping[str, Any]]:
    """Up to ``limit`` waiting comments, the oldest first, taken out of the queue in this
    transaction (PostgreSQL; rows another transaction holds are skipped): the fields of
    :func:`waiting_comments`. If the transaction fails they wait again."""
    return list(connection.execute(_TAKE_OLDEST, {"limit": limit}).mappings().all())


def still_waiting(connection: Connection, batch: Sequence[Mapping[str, Any]]) -> set[int]:
    """The ids of the comments of ``batch`` (read by :func:`waiting_comments` in an earlier
    transaction) that still wait: not taken by another detector, nor deleted, since
    (SQLite)."""
    ids = json.dumps([comment["id"] for comment in batch])
    return {row[0] for row in driver_rows(connection, _SQLITE_STILL_WAITING, (ids,))}


def take_from_queue(connection: Connection, comment_ids: Sequence[int]) -> None:
    """Take comments out of the queue, in the transaction that links them (SQLite)."""
    driver_rows(connection, _SQLITE_TAKE, (json.dumps(list(comment_ids)),))

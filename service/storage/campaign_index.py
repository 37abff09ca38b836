"""The detection's window: a new comment's print (``campaign_prints``) and keys
(``campaign_keys``) written, and the recent comments that share a key read back, in one call
per comment.

Each backend gets the statements that are cheapest for it. PostgreSQL takes all the keys as one
array parameter: one statement writes the print and the keys and reads, per key, the newest
comments under it (``unnest`` and a ``LATERAL`` index range), the same text whatever the number
of keys, so it is prepared and planned once (a ``UNION`` of one query per key took longer to
plan than to run), and one round trip instead of three.
SQLite plans in microseconds and runs in-process: the ``UNION`` is kept there, sent to the
driver as it is, and the keys go in as one JSON array parameter (``json_each``): one statement
whatever their number (an ``executemany`` processed each row's parameters).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, DateTime, Integer, LargeBinary, String, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY

from spamschutz.service.storage.records import as_utc

__all__ = ["CANDIDATES_PER_KEY", "index_and_find_candidates"]

# The candidates read per key of a new comment: a key shared by thousands (one address behind
# a proxy, a wave of identical texts) must not make each look-up read them all, which grew the
# work per comment with the window (bench.http's comments, all from one address: 82 % fewer
# per second). The newest comments of each key are the ones that matter, and a campaign holds
# together through each member's link to a few of the others.
CANDIDATES_PER_KEY = 20


def index_and_find_candidates(
    connection: Connection,
    comment: Mapping[str, Any],
    sender: str | None,
    signature: bytes | None,
    keys: Sequence[str],
    since: datetime,
) -> list[Mapping[str, Any]]:
    """Write the stored ``comment``'s print (its ``id``, ``thread_id``, ``created_at``, the
    ``sender`` and the text's ``signature``) and ``keys`` to the window and return the comments
    since ``since`` that share a key, at most :data:`CANDIDATES_PER_KEY` per key, newest first:
    rows of ``key``, ``comment_id``, ``thread_id``, ``sender``, ``signature``, ``created_at``
    and ``campaign_id`` (``None`` outside a campaign). A comment whose print is there already
    (a client's retry of a comment linked before) is neither written again nor linked: no rows.

    The comments of the same ``sender`` in the same thread are left in the database: they never
    link (a conversation), and under one busy sender (bench.http posts every comment from one
    address into one thread) reading them back cost more than the query. They are left out
    after each key's newest are chosen, not before: a sender's many comments in one thread
    would otherwise all be read to find others.
    """
    if connection.dialect.name != "postgresql":
        return _sqlite_index_and_find(connection, comment, sender, signature, keys, since)
    return list(connection.execute(_POSTGRESQL_INDEX_AND_FIND, {
        "comment_id": comment["id"], "thread_id": comment["thread_id"], "sender": sender,
        "since": since, "created_at": comment["created_at"], "signature": signature,
        "keys": list(keys)}).mappings().all())


_CANDIDATE_COLUMNS = {
    "key": String(), "comment_id": Integer(), "thread_id": String(), "sender": String(),
    "signature": LargeBinary(), "created_at": DateTime(timezone=True),
    "campaign_id": Integer(),
}

# The rows are written by the statement's first parts; its look-up does not see them (a
# data-modifying WITH runs on the statement's snapshot), so the comment never finds itself.
# Keys are written and looked up only when the print was new (joined with "printed").
_POSTGRESQL_INDEX_AND_FIND = text("""
WITH printed AS (
    INSERT INTO campaign_prints (comment_id, thread_id, sender, signature, created_at)
    VALUES (:comment_id, :thread_id, CAST(:sender AS VARCHAR), :signature, :created_at)
    ON CONFLICT (comment_id) DO NOTHING
    RETURNING comment_id
), written AS (
    INSERT INTO campaign_keys (key, comment_id, created_at)
    SELECT wanted.key, printed.comment_id, :created_at
    FROM printed CROSS JOIN unnest(:keys) AS wanted(key)
)
SELECT newest.* FROM printed CROSS JOIN unnest(:keys) AS wanted(key)
CROSS JOIN LATERAL (
    SELECT k.key, k.comment_id, p.thread_id, p.sender, p.signature, p.created_at,
           m.campaign_id
    FROM campaign_keys AS k
    JOIN campaign_prints AS p ON p.comment_id = k.comment_id
    LEFT OUTER JOIN campaign_members AS m ON m.comment_id = k.comment_id
    WHERE k.key = wanted.key AND k.created_at >= :since AND k.comment_id != :comment_id
    ORDER BY k.created_at DESC
    LIMIT :per_key
) AS newest
WHERE NOT (newest.thread_id = :thread_id AND newest.sender IS NOT NULL
           AND newest.sender IS NOT DISTINCT FROM CAST(:sender AS VARCHAR))
""").bindparams(
    bindparam("keys", type_=ARRAY(String())),
    bindparam("signature", type_=LargeBinary()),
    bindparam("created_at", type_=DateTime(timezone=True)),
    bindparam("since", type_=DateTime(timezone=True)),
    bindparam("per_key", value=CANDIDATES_PER_KEY),
).columns(**_CANDIDATE_COLUMNS)


# SQLite's statements go to the driver as they are: SQLAlchemy's compilation cache look-up,
# parameter processing and row processing around them took as long as SQLite's own work
# (the queries run in-process, in microseconds). Times are stored as SQLAlchemy stores
# them on SQLite (UTC digits, microseconds always written), so its own queries and these
# compare alike.
_SQLITE_PRINT = (
    "INSERT INTO campaign_prints (comment_id, thread_id, sender, signature, created_at)"
    " VALUES (:comment_id, :thread_id, :sender, :signature, :created_at)"
    " ON CONFLICT (comment_id) DO NOTHING"
)
_SQLITE_INSERT_KEYS = (
    "INSERT INTO campaign_keys (key, comment_id, created_at)"
    " SELECT value, :comment_id, :created_at FROM json_each(:keys)"
)
# Only the parameters' names are formatted into it; every value is a parameter.
_SQLITE_NEWEST_OF_KEY = (
    "SELECT * FROM (SELECT k.key, k.comment_id, p.thread_id, p.sender, p.signature,"
    " p.created_at, m.campaign_id FROM campaign_keys AS k"
    " JOIN campaign_prints AS p ON p.comment_id = k.comment_id"
    " LEFT OUTER JOIN campaign_members AS m ON m.comment_id = k.comment_id"
    " WHERE k.key = :key_{index} AND k.created_at >= :since AND k.comment_id != :comment_id"
    " ORDER BY k.created_at DESC LIMIT :per_key)"
)
_CANDIDATE_NAMES = tuple(_CANDIDATE_COLUMNS)


def _sqlite_time(value: datetime) -> str:
    value = as_utc(value)
    return f"{value:%Y-%m-%d %H:%M:%S}.{value.microsecond:06d}"


@functools.cache
def _sqlite_union_of_keys(count: int, by_sender: bool) -> str:
    """SQLite's look-up: one index range (``key``, ``created_at``) per key, in a ``UNION``."""
    union = " UNION ALL ".join(_SQLITE_NEWEST_OF_KEY.format(index=index)
                               for index in range(count))
    if not by_sender:
        return union
    return ("SELECT * FROM (" + union + ") WHERE NOT (thread_id = :thread_id"  # noqa: S608
            " AND sender IS NOT NULL AND sender = :sender)")


def _sqlite_index_and_find(
    connection: Connection,
    comment: Mapping[str, Any],
    sender: str | None,
    signature: bytes | None,
    keys: Sequence[str],
    since: datetime,
) -> list[Mapping[str, Any]]:
    # The driver's connection, in the transaction SQLAlchemy began on it.
    cursor = connection.connection.driver_connection.cursor()
    try:
        created = _sqlite_time(comment["created_at"])
        cursor.execute(_SQLITE_PRINT, {
            "comment_id": comment["id"], "thread_id": comment["thread_id"], "sender": sender,
            "signature": signature, "created_at": created})
        if cursor.rowcount != 1 or not keys:
            return []
        cursor.execute(_sqlite_union_of_keys(len(keys), sender is not None), {
            "since": _sqlite_time(since), "comment_id": comment["id"],
            "per_key": CANDIDATES_PER_KEY,
            "thread_id": comment["thread_id"], "sender": sender,
            **{f"key_{index}": key for index, key in enumerate(keys)}})
        found = [dict(zip(_CANDIDATE_NAMES, row, strict=True)) for row in cursor.fetchall()]
        cursor.execute(_SQLITE_INSERT_KEYS, {
            "keys": json.dumps(list(keys)), "comment_id": comment["id"], "created_at": created})
    finally:
        cursor.close()
    for row in found:
        row["created_at"] = datetime.fromisoformat(row["created_at"])
    return found

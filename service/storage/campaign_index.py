"""The detection's window: a new comment's print (``campaign_prints``) and keys
(``campaign_keys``) written, and the recent comments that share a key read back, in one call
per comment.

Each backend gets the statements that are cheapest for it. PostgreSQL takes all the keys as one
array parameter: one statement writes the print and the keys and reads, per key, the newest
comments under it (``unnest`` and a ``LATERAL`` index range), the same text whatever the number
of keys, so it is prepared and planned once (a ``UNION`` of one query per key took longer to
plan than to run), and one round trip instead of three.
SQLite plans in microseconds and runs in-process: the ``UNION`` is kept there, and the keys go
in as one JSON array parameter (``json_each``): one statement whatever their number, its
parameters processed once (a multi-row ``INSERT`` built per key count has no cache key in
SQLAlchemy and was compiled again for every comment; an ``executemany`` processed each row's).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    Executable,
    Integer,
    LargeBinary,
    Select,
    String,
    and_,
    bindparam,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import ARRAY

from spamschutz.service.storage.schema import campaign_keys, campaign_members, campaign_prints

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
    parameters = {"comment_id": comment["id"], "thread_id": comment["thread_id"],
                  "sender": sender, "since": since, "created_at": comment["created_at"]}
    if connection.dialect.name == "postgresql":
        return list(connection.execute(_POSTGRESQL_INDEX_AND_FIND, {
            **parameters, "signature": signature, "keys": list(keys)}).mappings().all())
    if connection.execute(_SQLITE_PRINT, {
        "comment_id": comment["id"], "thread_id": comment["thread_id"], "sender": sender,
        "signature": signature, "created_at": comment["created_at"],
    }).rowcount != 1:
        return []
    if not keys:
        return []
    found = connection.execute(
        _union_of_keys(len(keys), sender is not None),
        {**parameters, **{f"key_{index}": key for index, key in enumerate(keys)}},
    ).mappings().all()
    connection.execute(_SQLITE_INSERT_KEYS, {
        "keys": json.dumps(list(keys)), "comment_id": comment["id"],
        "created_at": comment["created_at"]})
    return list(found)


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


_SQLITE_INSERT_KEYS = text(
    "INSERT INTO campaign_keys (key, comment_id, created_at)"
    " SELECT value, :comment_id, :created_at FROM json_each(:keys)"
).bindparams(bindparam("created_at", type_=DateTime(timezone=True)))

_SQLITE_PRINT = (
    sqlite.insert(campaign_prints).on_conflict_do_nothing(index_elements=["comment_id"])
    # rowcount of an INSERT is only reported when asked for (SQLAlchemy 2.0.28+).
    .execution_options(preserve_rowcount=True)
)


def _newest_of_key(index: int) -> Select[Any]:
    return (
        select(campaign_keys.c.key, campaign_keys.c.comment_id, campaign_prints.c.thread_id,
               campaign_prints.c.sender, campaign_prints.c.signature,
               campaign_prints.c.created_at, campaign_members.c.campaign_id)
        .join(campaign_prints, campaign_prints.c.comment_id == campaign_keys.c.comment_id)
        .outerjoin(campaign_members,
                   campaign_members.c.comment_id == campaign_keys.c.comment_id)
        .where(campaign_keys.c.key == bindparam(f"key_{index}"),
               campaign_keys.c.created_at >= bindparam("since"),
               campaign_keys.c.comment_id != bindparam("comment_id"))
        .order_by(campaign_keys.c.created_at.desc())
        .limit(CANDIDATES_PER_KEY)
    )


@functools.cache
def _union_of_keys(count: int, by_sender: bool) -> Executable:
    """SQLite's look-up: one index range (``key``, ``created_at``) per key, in a ``UNION``."""
    parts = [_newest_of_key(index).subquery().select() for index in range(count)]
    newest = (parts[0] if count == 1 else union_all(*parts)).subquery()
    if not by_sender:
        return select(newest)
    return select(newest).where(~and_(
        newest.c.thread_id == bindparam("thread_id"),
        newest.c.sender.is_not(None),
        newest.c.sender == bindparam("sender"),
    ))

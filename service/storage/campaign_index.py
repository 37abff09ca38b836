"""The detection's window: the prints (``campaign_prints``) and keys (``campaign_keys``) of
the comments linked so far, read and written a batch of comments at a time.

A batch costs the same few statements whatever its size: one look-up of every key its comments
have (each key's newest comments), one write of their prints and keys. Linked one by one, each
comment cost three statements, each giving up the interpreter lock to the request threads
while the batch held SQLite's write lock, which their own inserts waited for (bench/README.md,
Campaigns). The look-up runs before the write, so a
comment never finds itself; comments of the same batch find each other in
:mod:`~spamschutz.service.storage.campaign_batch`.

PostgreSQL takes the keys as one array parameter and reads each key's newest comments through
``unnest`` and a ``LATERAL`` index range: the same text whatever the number of keys, so it is
prepared and planned once. SQLite takes them as one JSON array (``json_each``), each key's
newest found by a correlated index range; its statements go to the driver as they are
(SQLAlchemy's compilation and row processing around them took as long as SQLite's own work).

PostgreSQL's statements go to the driver too, prepared and in binary: a batch's hundreds of
rows took SQLAlchemy twice the driver's time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection

from spamschutz.service.storage.records import as_utc
from spamschutz.service.storage.transactions import driver_rows

__all__ = ["CANDIDATES_PER_KEY", "newest_under_keys", "write_prints_and_keys"]

# The candidates read per key: a key shared by thousands (one address behind a proxy, a wave
# of identical texts) must not make each look-up read them all, which grew the work per
# comment with the window (bench.http's comments, all from one address: 82 % fewer per
# second). The newest comments of each key are the ones that matter, and a campaign holds
# together through each member's link to a few of the others.
CANDIDATES_PER_KEY = 20

_PRINT_NAMES = ("comment_id", "thread_id", "sender", "signature", "created_at")
_created = itemgetter("created_at")


def newest_under_keys(
    connection: Connection, keys: Sequence[str], since: datetime
) -> dict[str, list[dict[str, Any]]]:
    """For each of ``keys``, the comments in the window since ``since`` that have it, at most
    :data:`CANDIDATES_PER_KEY`, newest first: their prints, rows of ``comment_id``,
    ``thread_id``, ``sender``, ``signature`` and ``created_at`` (a comment found under several
    keys is one row, listed under each). A key nobody has is missing."""
    found: dict[str, list[dict[str, Any]]] = {}
    if not keys:
        return found
    if connection.dialect.name == "postgresql":
        for keys_found, *fields in driver_rows(connection, _POSTGRESQL_NEWEST, {
                "keys": list(keys), "since": since, "per_key": CANDIDATES_PER_KEY}):
            comment = dict(zip(_PRINT_NAMES, fields, strict=True))
            for key in keys_found:
                found.setdefault(key, []).append(comment)
    else:
        for key, comment in _sqlite_newest(connection, keys, since):
            found.setdefault(key, []).append(comment)
    for rows_of_key in found.values():
        rows_of_key.sort(key=_created, reverse=True)
    return found


def write_prints_and_keys(connection: Connection, prints: Sequence[Mapping[str, Any]]) -> set[int]:
    """Write each of ``prints`` (a comment's ``comment_id``, ``thread_id``, ``sender``,
    ``signature``, ``created_at`` and ``keys``) to the window; the comment ids written. A
    comment whose print is there already (a client's retry of a comment linked before) is not
    written again, and not among them: it must not be linked twice."""
    if not prints:
        return set()
    if connection.dialect.name == "postgresql":
        return {row[0] for row in driver_rows(connection, _POSTGRESQL_WRITE, {
            "ids": [p["comment_id"] for p in prints],
            "threads": [p["thread_id"] for p in prints],
            "senders": [p["sender"] for p in prints],
            "signatures": [p["signature"] for p in prints],
            "times": [p["created_at"] for p in prints],
            "key_ids": [p["comment_id"] for p in prints for _ in p["keys"]],
            "keys": [key for p in prints for key in p["keys"]],
        })}
    return _sqlite_write(connection, prints)


# A comment found under several keys is one row with the keys it was found under, its print
# read and sent once: bench.campaign_cost's batches of 25 found about 1,000 (key, comment)
# pairs in 200 comments, and the server's time and the driver's halved.
_POSTGRESQL_NEWEST = """
SELECT found.keys, p.comment_id, p.thread_id, p.sender, p.signature, p.created_at
FROM (
    SELECT newest.comment_id, array_agg(newest.key) AS keys
    FROM unnest(%(keys)s::varchar[]) AS wanted(key)
    CROSS JOIN LATERAL (
        SELECT k.key, k.comment_id FROM campaign_keys AS k
        WHERE k.key = wanted.key AND k.created_at >= %(since)s
        ORDER BY k.created_at DESC
        LIMIT %(per_key)s
    ) AS newest
    GROUP BY newest.comment_id
) AS found
JOIN campaign_prints AS p ON p.comment_id = found.comment_id
"""

# The keys are written only for the prints that were new (joined with "printed").
_POSTGRESQL_WRITE = """
WITH printed AS (
    INSERT INTO campaign_prints (comment_id, thread_id, sender, signature, created_at)
    SELECT * FROM unnest(%(ids)s::integer[], %(threads)s::varchar[], %(senders)s::varchar[],
                         %(signatures)s::bytea[], %(times)s::timestamptz[])
    ON CONFLICT (comment_id) DO NOTHING
    RETURNING comment_id, created_at
), written AS (
    INSERT INTO campaign_keys (key, comment_id, created_at)
    SELECT wanted.key, printed.comment_id, printed.created_at
    FROM unnest(%(key_ids)s::integer[], %(keys)s::varchar[]) AS wanted(comment_id, key)
    JOIN printed ON printed.comment_id = wanted.comment_id
)
SELECT comment_id FROM printed
"""


# Times are stored as SQLAlchemy stores them on SQLite (UTC digits, microseconds always
# written), so its own queries and these compare alike. The keys' comments are read first,
# then each comment's print once: a comment is found under several keys (its text's bands,
# its sender), and its print read once instead of with each took the look-up about 30 %
# less CPU (bench.http's comments in batches of 400).
_SQLITE_NEWEST = (
    "SELECT wanted.value, k.comment_id FROM json_each(:keys) AS wanted"
    " JOIN campaign_keys AS k ON k.id IN (SELECT id FROM campaign_keys"
    "  WHERE key = wanted.value AND created_at >= :since"
    "  ORDER BY created_at DESC LIMIT :per_key)"
)
_SQLITE_PRINTS = (
    "SELECT comment_id, thread_id, sender, signature, created_at FROM campaign_prints"
    " WHERE comment_id IN (SELECT value FROM json_each(:ids))"
)
_SQLITE_PRINTED = ("SELECT comment_id FROM campaign_prints"
                   " WHERE comment_id IN (SELECT value FROM json_each(:ids))")
# One prepared statement run for each key: SQLite's JSON functions (one array of every key,
# each row taken apart by json_extract) took two to three times as long (bench.http's
# comments in batches of 88: 55 to 66 against 19 to 27 µs a comment, prints included).
_SQLITE_INSERT_KEY = "INSERT INTO campaign_keys (key, comment_id, created_at) VALUES (?, ?, ?)"


def _sqlite_time(value: datetime) -> str:
    value = as_utc(value)
    return f"{value:%Y-%m-%d %H:%M:%S}.{value.microsecond:06d}"


def _sqlite_insert_prints(count: int) -> str:
    rows = ", ".join("(?, ?, ?, ?, ?)" for _ in range(count))
    return ("INSERT INTO campaign_prints (comment_id, thread_id, sender, signature,"  # noqa: S608
            f" created_at) VALUES {rows}")


def _sqlite_newest(
    connection: Connection, keys: Sequence[str], since: datetime
) -> list[tuple[str, dict[str, Any]]]:
    pairs = driver_rows(connection, _SQLITE_NEWEST, {
        "keys": json.dumps(list(keys)), "since": _sqlite_time(since),
        "per_key": CANDIDATES_PER_KEY})
    prints = {}
    for values in driver_rows(connection, _SQLITE_PRINTS,
                              {"ids": json.dumps(list({cid for _, cid in pairs}))}):
        stored = dict(zip(_PRINT_NAMES, values, strict=True))
        stored["created_at"] = as_utc(datetime.fromisoformat(stored["created_at"]))
        prints[stored["comment_id"]] = stored
    return [(key, prints[comment_id]) for key, comment_id in pairs if comment_id in prints]


def _sqlite_write(connection: Connection, prints: Sequence[Mapping[str, Any]]) -> set[int]:
    # Inside the write transaction nobody else writes prints: those found here are the
    # retries', and the rest are new.
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(_SQLITE_PRINTED, {"ids": json.dumps([p["comment_id"] for p in prints])})
        there = {row[0] for row in cursor.fetchall()}
        new = [p for p in prints if p["comment_id"] not in there]
        if not new:
            return set()
        times = {p["comment_id"]: _sqlite_time(p["created_at"]) for p in new}
        cursor.execute(_sqlite_insert_prints(len(new)), [
            value for p in new for value in (
                p["comment_id"], p["thread_id"], p["sender"], p["signature"],
                times[p["comment_id"]])])
        cursor.executemany(_SQLITE_INSERT_KEY, [
            (key, p["comment_id"], times[p["comment_id"]]) for p in new for key in p["keys"]])
    finally:
        cursor.close()
    return {p["comment_id"] for p in new}

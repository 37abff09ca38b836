"""The detection's window: the prints (``campaign_prints``) and keys (``campaign_key_hashes``)
of the comments linked so far, read and written a batch of comments at a time.

A batch costs the same few statements whatever its size: one look-up of every key its comments
have (each key's newest comments), one write of their prints and keys. Linked one by one, each
comment cost three statements, each giving up the interpreter lock to the request threads
while the batch held SQLite's write lock, which their own inserts waited for (bench/README.md,
Campaigns). The look-up runs before the write, so a
comment never finds itself; comments of the same batch find each other in
:mod:`~spamschutz.service.storage.campaign_batch`.

A key is stored as its 64-bit hash (:func:`key_hash`) in a table that is its own index,
ordered by hash, time and comment: a row is one B-tree entry, and a key's newest comments are
the end of its range. The callers keep the keys' texts (a key's kind matters to the rules).

PostgreSQL takes the hashes as one array parameter and reads each key's newest comments
through ``unnest`` and a ``LATERAL`` index range: the same text whatever the number of keys,
so it is prepared and planned once. SQLite takes them as one JSON array (``json_each``); each
key's newest are those at or after its :data:`CANDIDATES_PER_KEY`-th newest time, found by a
correlated range. The statements go to the driver as they are (SQLAlchemy's compilation and
row processing around them took as long as the database's own work), PostgreSQL's prepared
and in binary.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection

from spamschutz.service.storage.records import as_utc
from spamschutz.service.storage.transactions import driver_executemany, driver_rows

__all__ = [
    "CANDIDATES_PER_KEY",
    "key_hash",
    "newest_under_keys",
    "packed_hashes",
    "unpacked_hashes",
    "write_prints_and_keys",
]

# The candidates read per key: a key shared by thousands (one address behind a proxy, a wave
# of identical texts) must not make each look-up read them all, which grew the work per
# comment with the window (bench.http's comments, all from one address: 82 % fewer per
# second). The newest comments of each key are the ones that matter, and a campaign holds
# together through each member's link to a few of the others.
CANDIDATES_PER_KEY = 20

_PRINT_NAMES = ("comment_id", "thread_id", "sender", "signature", "created_at")
_created = itemgetter("created_at")


def key_hash(key: str) -> int:
    """The 64-bit hash (signed, as the databases' integers are) a key is stored as. It must
    never change: the stored keys would no longer be found."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little",
                          signed=True)


def packed_hashes(hashes: Iterable[int]) -> bytes:
    """Key hashes as a print keeps them (``key_hashes``)."""
    hashes = list(hashes)
    return struct.pack(f"<{len(hashes)}q", *hashes)


def unpacked_hashes(data: bytes | None) -> tuple[int, ...]:
    """The key hashes :func:`packed_hashes` packed (none for ``None``)."""
    return struct.unpack(f"<{len(data) // 8}q", data) if data else ()


def newest_under_keys(
    connection: Connection, keys: Mapping[int, str], since: datetime
) -> dict[str, list[dict[str, Any]]]:
    """For each of ``keys`` (each key's :func:`key_hash` → the key), the comments in the
    window since ``since`` that have it, at most :data:`CANDIDATES_PER_KEY`, newest first:
    their prints, rows of ``comment_id``, ``thread_id``, ``sender``, ``signature`` and
    ``created_at`` (a comment found under several keys is one row, listed under each). A key
    nobody has is missing."""
    found: dict[str, list[dict[str, Any]]] = {}
    if not keys:
        return found
    if connection.dialect.name == "postgresql":
        for hashes_found, *fields in driver_rows(connection, _POSTGRESQL_NEWEST, {
                "hashes": list(keys), "since": since, "per_key": CANDIDATES_PER_KEY}):
            comment = dict(zip(_PRINT_NAMES, fields, strict=True))
            for hashed in hashes_found:
                found.setdefault(keys[hashed], []).append(comment)
    else:
        for hashed, comment in _sqlite_newest(connection, list(keys), since):
            found.setdefault(keys[hashed], []).append(comment)
    for rows_of_key in found.values():
        rows_of_key.sort(key=_created, reverse=True)
        # SQLite's range may end on a time several comments share.
        del rows_of_key[CANDIDATES_PER_KEY:]
    return found


def write_prints_and_keys(connection: Connection, prints: Sequence[Mapping[str, Any]]) -> set[int]:
    """Write each of ``prints`` (a comment's ``comment_id``, ``thread_id``, ``sender``,
    ``signature``, ``created_at`` and ``key_hashes``, its keys' :func:`key_hash`) to the
    window; the comment ids written. A comment whose print is there already (a client's retry
    of a comment linked before) is not written again, and not among them: it must not be
    linked twice."""
    if not prints:
        return set()
    if connection.dialect.name == "postgresql":
        return {row[0] for row in driver_rows(connection, _POSTGRESQL_WRITE, {
            "ids": [p["comment_id"] for p in prints],
            "threads": [p["thread_id"] for p in prints],
            "senders": [p["sender"] for p in prints],
            "signatures": [p["signature"] for p in prints],
            "packed": [packed_hashes(p["key_hashes"]) for p in prints],
            "times": [p["created_at"] for p in prints],
            "hash_ids": [p["comment_id"] for p in prints for _ in p["key_hashes"]],
            "hashes": [hashed for p in prints for hashed in p["key_hashes"]],
        })}
    return _sqlite_write(connection, prints)


# A comment found under several keys is one row with the keys it was found under, its print
# read and sent once: bench.campaign_cost's batches of 25 found about 1,000 (key, comment)
# pairs in 200 comments, and the server's time and the driver's halved.
_POSTGRESQL_NEWEST = """
SELECT found.hashes, p.comment_id, p.thread_id, p.sender, p.signature, p.created_at
FROM (
    SELECT newest.comment_id, array_agg(newest.key_hash) AS hashes
    FROM unnest(%(hashes)s::bigint[]) AS wanted(key_hash)
    CROSS JOIN LATERAL (
        SELECT k.key_hash, k.comment_id FROM campaign_key_hashes AS k
        WHERE k.key_hash = wanted.key_hash AND k.created_at >= %(since)s
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
    INSERT INTO campaign_prints (comment_id, thread_id, sender, signature, key_hashes,
                                 created_at)
    SELECT * FROM unnest(%(ids)s::integer[], %(threads)s::varchar[], %(senders)s::varchar[],
                         %(signatures)s::bytea[], %(packed)s::bytea[], %(times)s::timestamptz[])
    ON CONFLICT (comment_id) DO NOTHING
    RETURNING comment_id, created_at
), written AS (
    INSERT INTO campaign_key_hashes (key_hash, comment_id, created_at)
    SELECT wanted.key_hash, printed.comment_id, printed.created_at
    FROM unnest(%(hash_ids)s::integer[], %(hashes)s::bigint[]) AS wanted(comment_id, key_hash)
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
    "SELECT wanted.value, k.comment_id FROM json_each(:hashes) AS wanted"
    " JOIN campaign_key_hashes AS k ON k.key_hash = wanted.value AND k.created_at >= coalesce("
    "  (SELECT created_at FROM campaign_key_hashes WHERE key_hash = wanted.value"
    "   AND created_at >= :since ORDER BY created_at DESC LIMIT 1 OFFSET :per_key - 1),"
    "  :since)"
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
_SQLITE_INSERT_KEY = ("INSERT INTO campaign_key_hashes (key_hash, comment_id, created_at)"
                      " VALUES (?, ?, ?)")


def _sqlite_time(value: datetime) -> str:
    value = as_utc(value)
    return f"{value:%Y-%m-%d %H:%M:%S}.{value.microsecond:06d}"


def _sqlite_insert_prints(count: int) -> str:
    rows = ", ".join("(?, ?, ?, ?, ?, ?)" for _ in range(count))
    return ("INSERT INTO campaign_prints (comment_id, thread_id, sender, signature,"  # noqa: S608
            f" key_hashes, created_at) VALUES {rows}")


def _sqlite_newest(
    connection: Connection, hashes: Sequence[int], since: datetime
) -> list[tuple[int, dict[str, Any]]]:
    pairs = driver_rows(connection, _SQLITE_NEWEST, {
        "hashes": json.dumps(hashes), "since": _sqlite_time(since),
        "per_key": CANDIDATES_PER_KEY})
    prints = {}
    for values in driver_rows(connection, _SQLITE_PRINTS,
                              {"ids": json.dumps(list({cid for _, cid in pairs}))}):
        stored = dict(zip(_PRINT_NAMES, values, strict=True))
        stored["created_at"] = as_utc(datetime.fromisoformat(stored["created_at"]))
        prints[stored["comment_id"]] = stored
    return [(hashed, prints[comment_id]) for hashed, comment_id in pairs
            if comment_id in prints]


def _sqlite_write(connection: Connection, prints: Sequence[Mapping[str, Any]]) -> set[int]:
    # Inside the write transaction nobody else writes prints: those found here are the
    # retries', and the rest are new.
    there = {row[0] for row in driver_rows(
        connection, _SQLITE_PRINTED, {"ids": json.dumps([p["comment_id"] for p in prints])})}
    new = [p for p in prints if p["comment_id"] not in there]
    if not new:
        return set()
    times = {p["comment_id"]: _sqlite_time(p["created_at"]) for p in new}
    driver_rows(connection, _sqlite_insert_prints(len(new)), [
        value for p in new for value in (
            p["comment_id"], p["thread_id"], p["sender"], p["signature"],
            packed_hashes(p["key_hashes"]), times[p["comment_id"]])])
    driver_executemany(connection, _SQLITE_INSERT_KEY, [
        (hashed, p["comment_id"], times[p["comment_id"]])
        for p in new for hashed in p["key_hashes"]])
    return {p["comment_id"] for p in new}

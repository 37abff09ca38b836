"""Linking stored comments to their campaigns, a batch at a time in one transaction.

The window is read once for the whole batch (every key's newest comments) and its prints and
keys written once (:mod:`~spamschutz.service.storage.campaign_index`); then each comment is
linked in order, oldest first, as if alone: it sees the window's comments and the batch's
earlier ones, at most :data:`CANDIDATES_PER_KEY` per key, the newest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from spamschutz.service.storage.campaign_index import (
    CANDIDATES_PER_KEY,
    key_hash,
    newest_under_keys,
    write_prints_and_keys,
)
from spamschutz.service.storage.campaign_linking import join_campaign
from spamschutz.service.storage.campaign_records import CampaignLink, LinkResult
from spamschutz.service.storage.campaign_rules import linked_candidates
from spamschutz.service.storage.campaign_sweeps import QueueEvent
from spamschutz.service.storage.records import as_utc

__all__ = ["link_stored_comments"]

def link_stored_comments(
    connection: Connection,
    batch: Sequence[tuple[Mapping[str, Any], CampaignLink]],
    now: Callable[[], datetime],
    queue_event: QueueEvent,
) -> list[LinkResult | None]:
    """Link each stored comment of ``batch`` (its ``id``, ``thread_id``, ``created_at``,
    ``email_hash`` and ``ip_hash``, with its link) to the recent comments it shares a key
    with, in order; per comment, what joining did (``None``: it shares nothing, or it was
    linked before).

    Comments of one sender in one thread are a conversation, never a campaign: such
    candidates are left out here, after each key's newest were chosen (a sender's many
    comments in one thread would otherwise all be read to find others).
    """
    if not batch:
        return []
    prints = [_print(comment, link) for comment, link in batch]
    since = min(p["created_at"] - timedelta(days=link.rules.window_days)
                for p, (_, link) in zip(prints, batch, strict=True))
    stored = newest_under_keys(connection, {
        hashed: key for p in prints for hashed, key in zip(p["key_hashes"], p["keys"],
                                                            strict=True)}, since)
    written = write_prints_and_keys(connection, prints)
    # The batch is newer than the window, as it is unless a replay brought old comments:
    # then each key's newest are the batch's and then the window's, no sort needed.
    after_window = not stored or min(map(_created, prints)) >= max(
        rows[0]["created_at"] for rows in stored.values())
    earlier: dict[str, list[dict[str, Any]]] = {}
    results: list[LinkResult | None] = []
    for mine, (_, link) in zip(prints, batch, strict=True):
        if mine["comment_id"] not in written:
            results.append(None)
            continue
        candidates = _candidates(mine, stored, earlier,
                                 mine["created_at"] - timedelta(days=link.rules.window_days),
                                 after_window)
        for key in mine["keys"]:
            newest_first = earlier.setdefault(key, [])
            newest_first.insert(0, mine)
            del newest_first[CANDIDATES_PER_KEY:]
        links = linked_candidates(candidates, mine["thread_id"], mine["sender"],
                                  mine["created_at"], link.signature, link.rules)
        if not links:
            results.append(None)
            continue
        results.append(join_campaign(connection, mine["comment_id"], links, link.rules,
                                     now(), queue_event))
    return results


def _print(comment: Mapping[str, Any], link: CampaignLink) -> dict[str, Any]:
    return {"comment_id": comment["id"], "thread_id": comment["thread_id"],
            "sender": comment["email_hash"] or comment["ip_hash"],
            "signature": link.signature, "created_at": as_utc(comment["created_at"]),
            "keys": link.keys, "key_hashes": [key_hash(key) for key in link.keys]}


def _candidates(
    mine: Mapping[str, Any],
    stored: Mapping[str, list[dict[str, Any]]],
    earlier: Mapping[str, list[dict[str, Any]]],
    since: datetime,
    after_window: bool,
) -> list[tuple[str, dict[str, Any]]]:
    """(key, print) of each candidate: a print found under several keys is listed with each.
    ``after_window``: the batch's comments are all newer than the window's."""
    thread, sender = mine["thread_id"], mine["sender"]
    found = []
    for key in mine["keys"]:
        for row in _newest(earlier.get(key, ()), stored.get(key, ()), after_window):
            # Not the same sender in the same thread: a conversation (see the caller).
            if row["created_at"] >= since and (
                    sender is None or row["sender"] != sender or row["thread_id"] != thread):
                found.append((key, row))
    return found


def _newest(in_batch: Sequence[dict[str, Any]], in_window: Sequence[dict[str, Any]],
            after_window: bool) -> Sequence[dict[str, Any]]:
    """A key's newest :data:`CANDIDATES_PER_KEY` of the batch's earlier comments and the
    window's, each newest first."""
    if not in_batch or not in_window:
        return (in_batch or in_window)[:CANDIDATES_PER_KEY]
    if after_window or min(map(_created, in_batch)) >= in_window[0]["created_at"]:
        return [*in_batch, *in_window[:CANDIDATES_PER_KEY - len(in_batch)]]
    return sorted((*in_batch, *in_window), key=_created, reverse=True)[:CANDIDATES_PER_KEY]


def _created(row: Mapping[str, Any]) -> datetime:
    return row["created_at"]

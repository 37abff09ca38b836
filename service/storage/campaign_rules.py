"""The detection's rules, pure: which candidates a comment is linked to, what a campaign
shares, when it is recognised and when one decision sweeps it. No database here: the store
(:mod:`spamschutz.service.storage.campaigns`) reads and writes, these decide."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from spamschutz.service.campaigns import minhash
from spamschutz.service.storage.campaign_records import DetectionRules
from spamschutz.service.storage.records import as_utc

__all__ = [
    "SHARE_OF_LINK",
    "SPAM_LIKE",
    "STORED_LINK",
    "best_link",
    "linked_candidates",
    "merged_shares",
    "recognised",
    "share_key",
    "shared_kinds",
    "swept_by_one_decision",
]

# Which link names a member's tie, most telling first; and the keys' prefixes.
_LINK_ORDER = ("phone", "email", "website", "domain", "text", "mail_domain", "sender")
_LINK_OF_PREFIX = {"t": "text", "d": "domain", "p": "phone", "e": "email", "m": "mail_domain",
                   "s": "sender", "w": "website"}
# Where a campaign's ``shares`` lists the values of each kind of link.
SHARE_OF_LINK = {"domain": "domains", "phone": "phones", "email": "emails",
                 "mail_domain": "mail_domains", "website": "websites"}
# A website field's domain is stored as a link domain (the members' ``link`` column).
STORED_LINK = {"website": "domain"}
# What makes a campaign spam-like: a shared phone number, e-mail address or website field's
# domain (see fingerprint.Fingerprint.website); a shared link
# domain (never a common site, see fingerprint.COMMON_DOMAINS) only while the model does not
# find most of its members harmless: readers cite the same news site in their own words
# (1,799 derStandard.at comments link 8 sites more than once), a link campaign is spam.
SPAM_LIKE = ("phone", "email", "website")
# Links that are about the thread's subject are no sign of a campaign when the same reader
# or others cite them in one discussion: a domain ties comments of different threads only.
_OTHER_THREAD_ONLY = ("domain", "mail_domain", "website")


def share_key(key: str) -> tuple[str, str]:
    """An index key as (kind of link, value): ``d:example.com`` -> ("domain", "example.com")."""
    prefix, _, value = key.partition(":")
    return _LINK_OF_PREFIX.get(prefix[:1], "text"), value


def linked_candidates(
    candidates: Sequence[tuple[str, Mapping[str, Any]]],
    thread_id: str,
    sender: str | None,
    created: datetime,
    signature: bytes | None,
    rules: DetectionRules,
) -> dict[int, tuple[str, set[str]]]:
    """The candidates, (key, print) pairs, the comment is linked to: comment id -> (best
    link, shared keys)."""
    mine = minhash.decode_signature(signature) if signature else None
    found: dict[int, tuple[str, set[str]]] = {}
    compared: dict[int, bool] = {}
    for key, row in candidates:
        link, _ = share_key(key)
        other_thread = row["thread_id"] != thread_id
        other_sender = sender is None or row["sender"] != sender
        if link == "sender":
            gap = abs((created - as_utc(row["created_at"])).total_seconds())
            ok = other_thread and gap <= rules.burst_minutes * 60
        elif not (other_thread or other_sender):
            ok = False  # one person in one thread: a conversation
        elif link in _OTHER_THREAD_ONLY:
            ok = other_thread
        elif link == "text":
            if row["comment_id"] not in compared:
                compared[row["comment_id"]] = (
                    mine is not None and row["signature"] is not None
                    and minhash.estimated_similarity(
                        mine, minhash.decode_signature(row["signature"])) >= rules.similarity)
            ok = compared[row["comment_id"]]
        else:
            ok = True
        if not ok:
            continue
        best, keys = found.get(row["comment_id"], (link, set()))
        keys.add(key if link != "text" else "t:")
        found[row["comment_id"]] = (best_link({best, link}), keys)
    return found


def shared_kinds(links: Mapping[int, tuple[str, set[str]]]) -> set[tuple[str, str]]:
    """Every (kind, value) the comment shares with the candidates it is linked to."""
    return {share_key(key) for _, keys in links.values() for key in keys}


def best_link(kinds: set[str]) -> str:
    """The most telling of ``kinds`` of link (a phone number before a shared text)."""
    return next(kind for kind in _LINK_ORDER if kind in kinds)


def merged_shares(first: Mapping[str, Any] | None, second: Mapping[str, Any] | None) -> dict:
    """What two campaigns share together, when one is folded into the other."""
    merged: dict[str, Any] = dict(first or {})
    for name, value in (second or {}).items():
        if isinstance(value, list):
            merged[name] = sorted(set(merged.get(name) or ()) | set(value))
        else:
            merged[name] = bool(merged.get(name)) or bool(value)
    return merged


def swept_by_one_decision(shares: Mapping[str, Any], spam_like: bool) -> bool:
    """Whether a spam decision on one member sweeps the rest: when they share a spam-like
    element or a long text. A burst from one address alone is shown, never swept by one
    decision: a mobile network or an office puts many readers behind one address, so only
    the moderator's decision on the whole campaign (decide all) sweeps it."""
    return spam_like or bool(shares.get("text"))


def recognised(
    shares: Mapping[str, Any], spam_like: bool, members: int, threads: int,
    rules: DetectionRules,
) -> bool:
    """Enough members across threads, and something a campaign has and readers do not: a
    spam-like element, a long shared text, or one sender's burst across many threads."""
    if members < rules.min_members or threads < 2:
        return False
    return spam_like or bool(shares.get("text")) or (
        bool(shares.get("sender")) and threads >= rules.burst_threads)

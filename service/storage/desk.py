"""What the moderation desk asks of storage beside a page of comments: the queue's filters,
its sort by uncertainty, and the records of a commenter's other comments."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, Text, case, cast, or_, select

from spamschutz.service.storage.records import CommentRow, as_utc
from spamschutz.service.storage.schema import campaign_members, campaigns, comments

__all__ = [
    "CommenterHistory",
    "HistoryEntry",
    "QueueFilter",
    "commenter_histories_of",
    "filter_clauses",
    "uncertainty_column",
]


@dataclass(frozen=True)
class QueueFilter:
    """What a moderator narrowed the queue to; empty fields do not filter."""

    thread_id: str | None = None
    lang: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    reason: str | None = None
    search: str | None = None
    # Only comments of a recognised campaign.
    in_campaign: bool = False
    # The model's "unsure" band (from its unsure threshold up to its spam threshold), for the
    # uncertainty sort.
    unsure_band: tuple[float, float] = (0.5, 0.9)


def _json_fragment(term: str) -> str:
    # Reasons are stored as JSON text, with non-ASCII characters escaped (\u00fc); the term is
    # escaped the same way so that LIKE finds "für" inside the stored text on both backends.
    return json.dumps(term)[1:-1]


def filter_clauses(filters: QueueFilter) -> list[ColumnElement[bool]]:
    """WHERE clauses for ``filters`` (text matches ignore case; % and _ match themselves)."""
    clauses: list[ColumnElement[bool]] = []
    if filters.thread_id:
        clauses.append(comments.c.thread_id == filters.thread_id)
    if filters.lang:
        clauses.append(comments.c.lang == filters.lang)
    if filters.min_score is not None:
        clauses.append(comments.c.score >= filters.min_score)
    if filters.max_score is not None:
        clauses.append(comments.c.score <= filters.max_score)
    if filters.reason:
        fragment = _json_fragment(filters.reason)
        clauses.append(or_(
            cast(comments.c.reasons, Text).icontains(fragment, autoescape=True),
            cast(comments.c.signals, Text).icontains(fragment, autoescape=True),
        ))
    if filters.in_campaign:
        clauses.append(comments.c.id.in_(
            select(campaign_members.c.comment_id)
            .join(campaigns, campaigns.c.id == campaign_members.c.campaign_id)
            .where(campaigns.c.status != "forming")))
    if filters.search:
        clauses.append(or_(
            comments.c.text.icontains(filters.search, autoescape=True),
            comments.c.author_name.icontains(filters.search, autoescape=True),
            comments.c.thread_id.icontains(filters.search, autoescape=True),
        ))
    return clauses


def uncertainty_column(band: tuple[float, float]) -> ColumnElement[Any]:
    """How far a comment's score lies from the unsure band (0 inside it; NULL if unscored)."""
    low, high = band
    score = comments.c.score
    return cast(
        case(
            (score.is_(None), None),
            (score < low, low - score),
            (score > high, score - high),
            else_=0.0,
        ),
        Float,
    )


@dataclass(frozen=True)
class HistoryEntry:
    """An earlier comment by the same commenter (same e-mail address)."""

    public_id: str
    thread_id: str
    created_at: datetime
    status: str
    text: str


@dataclass(frozen=True)
class CommenterHistory:
    """A commenter's other comments: those with the same e-mail address, newest first, and
    how many others came from the same network address (a weak hint: a household, an office
    or a proxy share one address)."""

    same_email: list[HistoryEntry]
    same_address: int = 0


def commenter_histories_of(
    rows: Sequence[CommentRow],
    same_email: Sequence[Mapping[str, Any]],
    address_counts: Sequence[tuple[str, str | None, int]],
    limit: int,
) -> dict[str, CommenterHistory]:
    """Each comment's :class:`CommenterHistory`, from the comments sharing an e-mail hash with
    one of ``rows`` (newest first) and the comment counts per address and e-mail hash."""
    histories: dict[str, CommenterHistory] = {}
    for row in rows:
        entries = [
            HistoryEntry(other["public_id"], other["thread_id"], as_utc(other["created_at"]),
                         other["status"], other["text"])
            for other in same_email
            if row.email_hash and other["email_hash"] == row.email_hash
            and other["public_id"] != row.public_id
        ][:limit]
        # Comments from the address that are neither this one nor by the same e-mail.
        same_address = sum(
            count for ip_hash, email_hash, count in address_counts
            if row.ip_hash and ip_hash == row.ip_hash
            and not (row.email_hash and email_hash == row.email_hash)
        )
        if row.ip_hash and not row.email_hash:
            same_address -= 1  # the comment itself, counted in the e-mail-less group
        histories[row.public_id] = CommenterHistory(entries, max(0, same_address))
    return histories

"""What the moderation desk asks of storage beyond a page of the queue: filters, a commenter's
history, the audit trail of many comments at once, undo, and the dashboard's numbers."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, Text, and_, case, cast, func, or_, select

from spamschutz.service.storage.campaigns import CampaignStore
from spamschutz.service.storage.errors import ConflictError, NotFound
from spamschutz.service.storage.records import CommentRow, DecisionRow, as_utc
from spamschutz.service.storage.schema import (
    REPORT_ACTIONS,
    campaign_members,
    campaigns,
    comments,
    decisions,
)
from spamschutz.service.storage.webhooks import EVENT_OF_STATUS, event_data

__all__ = [
    "UNDO_SECONDS",
    "CommenterHistory",
    "DashboardNumbers",
    "DeskStore",
    "HistoryEntry",
    "QueueFilter",
    "filter_clauses",
    "uncertainty_column",
]

# How long after a decision it can still be undone. The desk offers the button for a few
# seconds; the server allows more, because the page without JavaScript shows it on the next
# page load, and a slow moderator should still be able to take a misclick back.
UNDO_SECONDS = 600


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


@dataclass(frozen=True)
class DashboardNumbers:
    """The desk's dashboard: activity per day and how often moderators overruled the model."""

    days: list[datetime]
    decisions_per_day: list[int]
    pending_at_day_end: list[int]
    decisions_total: int
    false_positives: int  # published after the model put them in the spam folder
    misses: int  # marked spam although the model scored them harmless
    overrule_window_days: int


class DeskStore(CampaignStore):
    """Desk-related repository methods; mixed into :class:`Repository`."""

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
        histories: dict[str, CommenterHistory] = {}
        for row in rows:
            entries = [
                HistoryEntry(other["public_id"], other["thread_id"], as_utc(other["created_at"]),
                             other["status"], other["text"])
                for other in found
                if row.email_hash and other["email_hash"] == row.email_hash
                and other["public_id"] != row.public_id
            ][:limit]
            # Comments from the address that are neither this one nor by the same e-mail.
            same_address = sum(
                count for ip_hash, email_hash, count in address_rows
                if row.ip_hash and ip_hash == row.ip_hash
                and not (row.email_hash and email_hash == row.email_hash)
            )
            if row.ip_hash and not row.email_hash:
                same_address -= 1  # the comment itself, counted in the e-mail-less group
            histories[row.public_id] = CommenterHistory(entries, max(0, same_address))
        return histories

    def decisions_for_many(self, public_ids: Iterable[str]) -> dict[str, list[DecisionRow]]:
        """Every decision on each of the comments, oldest first (unknown ids: empty lists)."""
        wanted = list(dict.fromkeys(public_ids))
        result: dict[str, list[DecisionRow]] = {public_id: [] for public_id in wanted}
        if not wanted:
            return result
        query = (
            select(decisions, comments.c.public_id)
            .join(comments, decisions.c.comment_id == comments.c.id)
            .where(comments.c.public_id.in_(wanted))
            .order_by(decisions.c.id)
        )
        with self._transaction() as connection:
            for row in connection.execute(query).mappings():
                result[row["public_id"]].append(DecisionRow.from_row(row))
        return result

    def undo_decision(self, public_id: str, moderator: str) -> CommentRow:
        """Take back the latest decision on a comment: its earlier status comes back.

        The undo is itself recorded (action ``undo``), so the audit trail keeps both, and the
        webhook of the status the comment is in again is queued (``comment.pending`` when it
        is back in the review queue), so a site takes back what it published. Refused
        with :class:`ConflictError` when the latest decision is an undo already, is older than
        :data:`UNDO_SECONDS`, or the comment changed since (its status is not the decision's).
        """
        now = self._now()
        with self._transaction() as connection:
            current = connection.execute(
                select(comments).where(comments.c.public_id == public_id).with_for_update()
            ).mappings().one_or_none()
            if current is None:
                raise NotFound(f"no comment {public_id!r}")
            history = connection.execute(
                select(decisions).where(decisions.c.comment_id == current["id"],
                                        decisions.c.action.not_in(REPORT_ACTIONS))
                .order_by(decisions.c.id.desc()).limit(2)
            ).mappings().all()
            if (
                not history
                or history[0]["action"] == "undo"
                or history[0]["to_status"] != current["status"]
                or now - as_utc(history[0]["created_at"]) > timedelta(seconds=UNDO_SECONDS)
            ):
                raise ConflictError("there is no recent decision on this comment to undo")
            last = history[0]
            # Who decided before stays on record when the status goes back to their decision.
            earlier = history[1] if len(history) > 1 else None
            restored_by = (earlier["moderator"], earlier["created_at"]) if (
                earlier is not None and earlier["to_status"] == last["from_status"]
                and earlier["action"] != "undo") else (None, None)
            changed = connection.execute(
                comments.update()
                .where(comments.c.id == current["id"],
                       comments.c.row_version == current["row_version"])
                .values(status=last["from_status"], decided_by=restored_by[0],
                        decided_at=restored_by[1], row_version=comments.c.row_version + 1)
            ).rowcount
            if changed != 1:
                raise ConflictError("the comment was changed by someone else; reload it")
            connection.execute(decisions.insert().values(
                comment_id=current["id"], action="undo", from_status=current["status"],
                to_status=last["from_status"], moderator=moderator, created_at=now))
            row = connection.execute(
                select(comments).where(comments.c.id == current["id"])
            ).mappings().one()
            self._queue_event(connection, EVENT_OF_STATUS[row["status"]], event_data(row), now)
            # Undoing the decision that started a campaign's sweep undoes the sweep too.
            self._after_undo(connection, current["id"], moderator, now)
        return CommentRow.from_row(row)

    def dashboard_numbers(self, days: int = 14, overrule_days: int = 30) -> DashboardNumbers:
        """Decisions per day and pending queue size at each day's end (UTC) for ``days`` days,
        and the overrulings of the last ``overrule_days`` days."""
        now = self._now()
        today = now.replace(hour=0, minute=0, second=0, microsecond=0)
        starts = [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
        window_start = starts[0]
        ends = [min(start + timedelta(days=1), now) for start in starts]
        first_leave = (
            select(decisions.c.comment_id, func.min(decisions.c.created_at).label("left_at"))
            .where(decisions.c.from_status == "pending",
                   decisions.c.action.not_in(REPORT_ACTIONS))
            .group_by(decisions.c.comment_id)
            .subquery()
        )
        queue_query = (
            select(comments.c.created_at, comments.c.status, first_leave.c.left_at)
            .outerjoin(first_leave, first_leave.c.comment_id == comments.c.id)
            .where(or_(
                comments.c.status == "pending",
                and_(first_leave.c.left_at.is_not(None), first_leave.c.left_at >= window_start),
            ))
        )
        decision_times = select(decisions.c.created_at).where(
            decisions.c.created_at >= window_start, decisions.c.action.not_in(REPORT_ACTIONS))
        overrule_start = now - timedelta(days=overrule_days)
        false_positive_query = select(func.count()).select_from(decisions).where(
            decisions.c.created_at >= overrule_start,
            decisions.c.from_status == "spam",
            decisions.c.action.in_(("approve", "ham")),
        )
        miss_query = (
            select(func.count()).select_from(decisions)
            .join(comments, comments.c.id == decisions.c.comment_id)
            .where(decisions.c.created_at >= overrule_start, decisions.c.action == "spam",
                   comments.c.band == "ham")
        )
        with self._transaction() as connection:
            queue_rows = connection.execute(queue_query).all()
            times = [as_utc(value) for (value,) in connection.execute(decision_times)]
            false_positives = int(connection.execute(false_positive_query).scalar_one())
            misses = int(connection.execute(miss_query).scalar_one())

        per_day: dict[datetime, int] = defaultdict(int)
        for moment in times:
            per_day[moment.replace(hour=0, minute=0, second=0, microsecond=0)] += 1
        pending = []
        for end in ends:
            count = 0
            for created_at, status, left_at in queue_rows:
                if as_utc(created_at) > end:
                    continue
                if left_at is None:
                    count += status == "pending"
                elif as_utc(left_at) > end or (status == "pending" and end == now):
                    count += 1  # pending then; or back in the queue now after an undo
            pending.append(count)
        return DashboardNumbers(
            days=starts,
            decisions_per_day=[per_day.get(start, 0) for start in starts],
            pending_at_day_end=pending,
            decisions_total=len(times),
            false_positives=false_positives,
            misses=misses,
            overrule_window_days=overrule_days,
        )

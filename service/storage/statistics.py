"""Figures operators watch, read at scrape time: the review queue, model/moderator disagreement
per model version and week, the scores recent comments got, and the desk's dashboard.

Read from the database rather than counted in each process, so every instance reports the
same, complete figures whatever instance or worker handled the requests behind them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, select

from spamschutz.service.storage.records import as_utc
from spamschutz.service.storage.schema import REPORT_ACTIONS, comments, decisions
from spamschutz.service.storage.transactions import TransactionalStore

__all__ = ["Agreement", "DashboardNumbers", "QueueStatistics", "StatisticsStore"]

# A moderator publishing what the model put in the spam band, or sending to the spam folder
# what it called ham: the cases a retrain should learn from.
_DISAGREEMENTS = {
    "model_spam_moderator_ham": and_(
        comments.c.band == "spam", decisions.c.action.in_(("approve", "ham"))
    ),
    "model_ham_moderator_spam": and_(comments.c.band == "ham", decisions.c.action == "spam"),
}


# A comment's latest kept decision, against the band the model gave it. Undone decisions are
# gone from the comment (its status and decider went back), so they do not count.
_MODERATED = and_(
    comments.c.decided_by.is_not(None),
    comments.c.band.is_not(None),
    comments.c.model_version.is_not(None),
    comments.c.is_test.is_(False),
)
_FALSE_POSITIVE = and_(comments.c.band == "spam", comments.c.status == "approved")
_MISS = and_(comments.c.band == "ham", comments.c.status == "spam")


@dataclass(frozen=True)
class Agreement:
    """How the moderators' decisions compare with one model version's bands.

    ``week``: the Monday (UTC) the decisions were taken in, or ``None`` for all time.
    ``moderated``: comments the version scored that a moderator decided; ``false_positives``:
    of those, published although the model had put them in the spam folder; ``misses``:
    marked spam although the model scored them harmless.
    """

    model_version: str
    week: datetime | None
    moderated: int
    false_positives: int
    misses: int

    @property
    def overruled_share(self) -> float | None:
        """Share of moderated comments where the moderator overruled the model's band."""
        if not self.moderated:
            return None
        return (self.false_positives + self.misses) / self.moderated


@dataclass(frozen=True)
class QueueStatistics:
    """The review queue now, and how often moderators overruled the model."""

    pending: int
    oldest_pending_at: datetime | None
    overdue: int
    disagreements: dict[str, int]

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


class StatisticsStore(TransactionalStore):
    """Queue figures, the model's agreement with moderators and the desk's dashboard
    (``runtime().statistics``)."""

    def queue_statistics(self, promise_deadline: datetime) -> QueueStatistics:
        """Pending comments, the oldest one's arrival, how many arrived before
        ``promise_deadline`` (now minus the promise) and disagreement counts by kind."""
        pending = comments.c.status == "pending"
        with self._transaction() as connection:
            count, oldest = connection.execute(
                select(func.count(), func.min(comments.c.created_at)).where(pending)
            ).one()
            overdue = connection.execute(
                select(func.count()).where(
                    pending, comments.c.created_at < as_utc(promise_deadline)
                )
            ).scalar_one()
            joined = decisions.join(comments, decisions.c.comment_id == comments.c.id)
            disagreements = {
                kind: connection.execute(
                    select(func.count()).select_from(joined).where(condition)
                ).scalar_one()
                for kind, condition in _DISAGREEMENTS.items()
            }
        return QueueStatistics(
            pending=int(count),
            oldest_pending_at=as_utc(oldest) if oldest is not None else None,
            overdue=int(overdue),
            disagreements=disagreements,
        )

    def agreement_by_version(self) -> list[Agreement]:
        """Moderated comments and overrulings per model version, all time, newest version first."""
        query = (
            select(
                comments.c.model_version,
                func.count(),
                func.sum(case((_FALSE_POSITIVE, 1), else_=0)),
                func.sum(case((_MISS, 1), else_=0)),
            )
            .where(_MODERATED)
            .group_by(comments.c.model_version)
            .order_by(comments.c.model_version.desc())
        )
        with self._transaction() as connection:
            rows = connection.execute(query).all()
        return [
            Agreement(version, None, int(total), int(wrong or 0), int(missed or 0))
            for version, total, wrong, missed in rows
        ]

    def agreement_by_week(self, weeks: int = 12) -> list[Agreement]:
        """Moderated comments and overrulings per model version and week of the decision, for
        the last ``weeks`` weeks (Monday to Sunday, UTC), newest week first."""
        today = self._now().replace(hour=0, minute=0, second=0, microsecond=0)
        monday = today - timedelta(days=today.weekday())
        start = monday - timedelta(weeks=weeks - 1)
        # Folded into weeks here, not with date functions, which PostgreSQL and SQLite spell
        # differently; four small columns of one quarter's decisions are cheap to read.
        query = select(
            comments.c.decided_at, comments.c.model_version, comments.c.band, comments.c.status
        ).where(_MODERATED, comments.c.decided_at >= start)
        totals: dict[tuple[datetime, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        with self._transaction() as connection:
            for decided_at, version, band, status in connection.execute(query):
                day = as_utc(decided_at)
                week = (day - timedelta(days=day.weekday())).replace(
                    hour=0, minute=0, second=0, microsecond=0
                )
                figures = totals[(week, version)]
                figures[0] += 1
                figures[1] += band == "spam" and status == "approved"
                figures[2] += band == "ham" and status == "spam"
        return [
            Agreement(version, week, *figures)
            for (week, version), figures in sorted(
                totals.items(), key=lambda item: (-item[0][0].timestamp(), item[0][1])
            )
        ]

    def recent_scores(self, model_version: str, since: datetime, limit: int = 5000) -> list[float]:
        """Scores ``model_version`` gave comments that arrived since ``since`` (the newest
        ``limit``; test submissions left out)."""
        query = (
            select(comments.c.score)
            .where(
                comments.c.model_version == model_version,
                comments.c.score.is_not(None),
                comments.c.created_at >= as_utc(since),
                comments.c.is_test.is_(False),
            )
            .order_by(comments.c.created_at.desc())
            .limit(limit)
        )
        with self._transaction() as connection:
            return [float(score) for (score,) in connection.execute(query)]

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

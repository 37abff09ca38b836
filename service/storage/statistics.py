"""Figures operators watch, read at scrape time: the review queue, model/moderator disagreement
per model version and week, and the scores recent comments got.

Read from the database rather than counted in each process, so every instance reports the
same, complete figures whatever instance or worker handled the requests behind them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select

from spamschutz.service.storage.records import as_utc
from spamschutz.service.storage.schema import comments, decisions
from spamschutz.service.storage.transactions import TransactionalStore

__all__ = ["Agreement", "QueueStatistics", "StatisticsStore"]

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


class StatisticsStore(TransactionalStore):
    """Queue figures and the model's agreement with moderators (``runtime().statistics``)."""

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

"""Figures operators watch, read at scrape time: the review queue and model/moderator disagreement.

Read from the database rather than counted in each process, so every instance reports the
same, complete figures whatever instance or worker handled the requests behind them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select

from service.storage.records import as_utc
from service.storage.schema import comments, decisions
from service.storage.transactions import TransactionalStore

__all__ = ["QueueStatistics", "StatisticsStore"]

# A moderator publishing what the model put in the spam band, or sending to the spam folder
# what it called ham: the cases a retrain should learn from.
_DISAGREEMENTS = {
    "model_spam_moderator_ham": and_(
        comments.c.band == "spam", decisions.c.action.in_(("approve", "ham"))
    ),
    "model_ham_moderator_spam": and_(comments.c.band == "ham", decisions.c.action == "spam"),
}


@dataclass(frozen=True)
class QueueStatistics:
    """The review queue now, and how often moderators overruled the model."""

    pending: int
    oldest_pending_at: datetime | None
    overdue: int
    disagreements: dict[str, int]


class StatisticsStore(TransactionalStore):
    """Operational statistics; mixed into :class:`Repository`."""

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

"""The decisions moderators take on comments, their undo, the audit trail, and the training
labels they make."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, false, func, select

from spamschutz.service.storage.campaigns import CampaignStore
from spamschutz.service.storage.comments import comment_by_public_id
from spamschutz.service.storage.errors import ConflictError, NotFound
from spamschutz.service.storage.privacy import ERASED_TEXT
from spamschutz.service.storage.records import CommentRow, DecisionRow, as_utc, utc_now
from spamschutz.service.storage.schema import ACTION_TO_STATUS, REPORT_ACTIONS, comments, decisions
from spamschutz.service.storage.webhooks import (
    EVENT_OF_STATUS,
    EventOutbox,
    QueuesEvents,
    event_data,
)

__all__ = ["UNDO_SECONDS", "DecisionStore"]

# How long after a decision it can still be undone. The desk offers the button for a few
# seconds; the server allows more, because the page without JavaScript shows it on the next
# page load, and a slow moderator should still be able to take a misclick back.
UNDO_SECONDS = 600

# A decision without an expected row_version retries this often when another moderator
# changes the same comment between our read and our write.
_DECIDE_ATTEMPTS = 3
_LABEL_OF_ACTION = {"approve": "ham", "ham": "ham", "spam": "spam", **REPORT_ACTIONS}
_LABEL_OF_STATUS = {"approved": "ham", "spam": "spam"}


class DecisionStore(QueuesEvents):
    """Moderators' decisions, their undo and the labels drawn from them
    (``runtime().decisions``).

    A decision on a member of a campaign sweeps it or dissolves its sweep in the same
    transaction: ``campaigns`` (the campaign store) is handed the decision's connection
    (:meth:`CampaignStore.after_decision`, :meth:`CampaignStore.after_undo`).
    """

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime] = utc_now,
        outbox: EventOutbox | None = None,
        *,
        campaigns: CampaignStore,
    ) -> None:
        super().__init__(engine, clock, outbox)
        self._campaigns = campaigns

    def decide(
        self,
        public_id: str,
        action: str,
        moderator: str,
        expected_row_version: int | None = None,
    ) -> CommentRow:
        """Apply a moderator's ``action`` (approve, reject, spam, ham) and record it.

        With ``expected_row_version`` the change only happens if nobody changed the comment
        since the moderator saw it; otherwise :class:`ConflictError`.
        """
        if action not in ACTION_TO_STATUS:
            raise ValueError(f"unknown moderation action {action!r}")
        for _ in range(_DECIDE_ATTEMPTS):
            with self._write_transaction() as connection:
                # FOR UPDATE makes concurrent PostgreSQL decisions queue instead of retrying;
                # SQLite ignores it and relies on the row_version guard and the retries.
                current = comment_by_public_id(connection, public_id, for_update=True)
                version = (
                    current["row_version"] if expected_row_version is None else expected_row_version
                )
                updated = self._apply_decision(connection, current, action, moderator, version)
                if updated is not None:
                    return updated
            if expected_row_version is not None:
                break
        raise ConflictError("the comment was changed by someone else; reload it and try again")

    def _apply_decision(
        self,
        connection: Connection,
        current: Mapping[str, Any],
        action: str,
        moderator: str,
        version: int,
    ) -> CommentRow | None:
        now, to_status = self._now(), ACTION_TO_STATUS[action]
        changed = connection.execute(
            comments.update()
            .where(comments.c.id == current["id"], comments.c.row_version == version)
            .values(
                status=to_status,
                decided_at=now,
                decided_by=moderator,
                row_version=comments.c.row_version + 1,
            )
        ).rowcount
        if changed != 1:
            return None
        updated = comment_by_public_id(connection, current["public_id"])
        if current["status"] != to_status:
            self._queue_event(connection, EVENT_OF_STATUS[to_status], event_data(updated), now)
        connection.execute(
            decisions.insert().values(
                comment_id=current["id"],
                action=action,
                from_status=current["status"],
                to_status=to_status,
                moderator=moderator,
                created_at=now,
            )
        )
        self._campaigns.after_decision(connection, current["id"], action, moderator, now)
        return CommentRow.from_row(updated)

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
            self._campaigns.after_undo(connection, current["id"], moderator, now)
        return CommentRow.from_row(row)

    def record_report(self, public_id: str, label: str, reporter: str) -> DecisionRow:
        """Record a site's ``label`` (spam or ham) for a comment, changing nothing else.

        A report is a training label on the comment's audit trail, like a moderator's spam or
        ham decision, but the comment keeps its status: feedback from an integration (Akismet's
        submit-ham) never publishes and never takes a comment down; only a moderator does.
        """
        action = f"report_{label}"
        if action not in REPORT_ACTIONS:
            raise ValueError(f"unknown label {label!r}")
        with self._write_transaction() as connection:
            current = comment_by_public_id(connection, public_id)
            inserted = connection.execute(
                decisions.insert().values(
                    comment_id=current["id"],
                    action=action,
                    from_status=current["status"],
                    to_status=current["status"],
                    moderator=reporter,
                    created_at=self._now(),
                )
            ).inserted_primary_key[0]
            row = connection.execute(
                select(decisions, comments.c.public_id)
                .join(comments, decisions.c.comment_id == comments.c.id)
                .where(decisions.c.id == inserted)
            ).mappings().one()
        return DecisionRow.from_row(row)

    def decisions_for(self, public_id: str) -> list[DecisionRow]:
        """Every decision on the comment, oldest first; :class:`NotFound` for an unknown id."""
        query = (
            select(decisions, comments.c.public_id)
            .join(comments, decisions.c.comment_id == comments.c.id)
            .where(comments.c.public_id == public_id)
            .order_by(decisions.c.id)
        )
        with self._transaction() as connection:
            comment_by_public_id(connection, public_id)
            rows = connection.execute(query).mappings().all()
        return [DecisionRow.from_row(row) for row in rows]

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

    def training_labels(self, since: datetime | None = None) -> list[dict[str, Any]]:
        """Labelled examples from moderators' latest decision on each comment.

        approve and ham make a ``ham`` label, spam a ``spam`` label. A plain reject is not a
        label: comments are rejected for rudeness or being off-topic, which says nothing about
        spam. A later decision overrides an earlier one, so corrections win. ``since`` keeps
        only comments whose latest decision is at or after that time.
        """
        latest = (
            select(func.max(decisions.c.id).label("id")).group_by(decisions.c.comment_id).subquery()
        )
        query = (
            select(comments, decisions.c.action, decisions.c.created_at.label("labelled_at"))
            .select_from(latest)
            .join(decisions, decisions.c.id == latest.c.id)
            .join(comments, comments.c.id == decisions.c.comment_id)
            .where(
                decisions.c.action.in_((*_LABEL_OF_ACTION, "undo")),
                comments.c.text != ERASED_TEXT,  # an erased comment teaches nothing
                comments.c.is_test == false(),  # Akismet's is_test=1: never training data
            )
            .order_by(decisions.c.id)
        )
        if since is not None:
            query = query.where(decisions.c.created_at >= as_utc(since))
        with self._transaction() as connection:
            rows = connection.execute(query).mappings().all()
        return [
            {
                "id": row["public_id"],
                "text": row["text"],
                "label": label,
                "author": row["author_name"],
                "email": row["author_email"],
                "url": row["author_url"],
                "lang": row["lang"],
                "decided_at": as_utc(row["labelled_at"]),
            }
            for row in rows
            if (label := _label_of(row["action"], row["status"])) is not None
        ]


def _label_of(action: str, status: str) -> str | None:
    """The training label of a comment's latest decision.

    An undo brings the earlier decision's status back, so the status then tells the label.
    """
    if action == "undo":
        return _LABEL_OF_STATUS.get(status)
    return _LABEL_OF_ACTION.get(action)

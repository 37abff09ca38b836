"""Sweeping a campaign: its pending members to the spam folder, and taking that back.

Functions on an open connection, called inside the transaction of the decision (or the
comment) that caused them, so a sweep is never half done. Each swept comment gets a ``spam``
decision in the name of the moderator who started the sweep (a training label like any
decision); the member remembers that decision, so the sweep can be undone exactly: a comment
that anybody decided since is left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from spamschutz.service.storage.schema import REPORT_ACTIONS, campaign_members, comments, decisions
from spamschutz.service.storage.webhooks import EVENT_OF_STATUS, event_data

__all__ = ["QueueEvent", "sweep_pending_members", "undo_sweep_decisions"]

# ``WebhookStore._queue_event``: (connection, event, data, now) -> number queued.
QueueEvent = Callable[[Connection, str, Mapping[str, Any], datetime], int]


def sweep_pending_members(
    connection: Connection,
    campaign_id: int,
    moderator: str,
    now: datetime,
    queue_event: QueueEvent,
) -> int:
    """Move the campaign's pending members to the spam folder; how many were moved."""
    pending = connection.execute(
        select(comments)
        .join(campaign_members, campaign_members.c.comment_id == comments.c.id)
        .where(campaign_members.c.campaign_id == campaign_id, comments.c.status == "pending")
        .order_by(comments.c.id)
    ).mappings().all()
    swept = 0
    for row in pending:
        changed = connection.execute(
            comments.update()
            .where(comments.c.id == row["id"], comments.c.row_version == row["row_version"])
            .values(status="spam", decided_at=now, decided_by=moderator,
                    row_version=comments.c.row_version + 1)
        ).rowcount
        if changed != 1:
            continue  # decided by someone else in the meantime: theirs stands
        decision_id = connection.execute(
            decisions.insert().values(comment_id=row["id"], action="spam",
                                      from_status="pending", to_status="spam",
                                      moderator=moderator, created_at=now)
        ).inserted_primary_key[0]
        connection.execute(
            campaign_members.update()
            .where(campaign_members.c.comment_id == row["id"])
            .values(sweep_decision_id=decision_id)
        )
        queue_event(connection, EVENT_OF_STATUS["spam"],
                    event_data({**row, "status": "spam"}), now)
        swept += 1
    return swept


def undo_sweep_decisions(
    connection: Connection,
    campaign_id: int,
    moderator: str,
    now: datetime,
    queue_event: QueueEvent,
) -> int:
    """Put the members the sweep moved back where they were; how many went back.

    A member whose latest decision is no longer the sweep's (a moderator decided it since)
    keeps that decision. Each return is recorded as an ``undo`` decision.
    """
    swept = connection.execute(
        select(campaign_members.c.comment_id, campaign_members.c.sweep_decision_id)
        .where(campaign_members.c.campaign_id == campaign_id,
               campaign_members.c.sweep_decision_id.is_not(None))
    ).all()
    returned = 0
    for comment_id, decision_id in swept:
        connection.execute(
            campaign_members.update()
            .where(campaign_members.c.comment_id == comment_id)
            .values(sweep_decision_id=None)
        )
        latest = connection.execute(
            select(decisions)
            .where(decisions.c.comment_id == comment_id,
                   decisions.c.action.not_in(REPORT_ACTIONS))
            .order_by(decisions.c.id.desc()).limit(1)
        ).mappings().first()
        if latest is None or latest["id"] != decision_id:
            continue
        current = connection.execute(
            select(comments).where(comments.c.id == comment_id)
        ).mappings().one()
        if current["status"] != latest["to_status"]:
            continue
        connection.execute(
            comments.update()
            .where(comments.c.id == comment_id)
            .values(status=latest["from_status"], decided_at=None, decided_by=None,
                    row_version=comments.c.row_version + 1)
        )
        connection.execute(
            decisions.insert().values(comment_id=comment_id, action="undo",
                                      from_status=current["status"],
                                      to_status=latest["from_status"],
                                      moderator=moderator, created_at=now)
        )
        queue_event(connection, EVENT_OF_STATUS[latest["from_status"]],
                    event_data({**current, "status": latest["from_status"]}), now)
        returned += 1
    return returned

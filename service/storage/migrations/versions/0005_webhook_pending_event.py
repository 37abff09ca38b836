"""Undo queues a webhook: endpoints that took every event also get the new ``comment.pending``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_EVERY_EARLIER_EVENT = {"comment.received", "comment.approved", "comment.rejected", "comment.spam"}
_NEW_EVENT = "comment.pending"
_endpoints = sa.table(
    "webhook_endpoints", sa.column("id", sa.Integer), sa.column("events", sa.JSON)
)


def _rewrite_events(change: Callable[[list[str]], list[str] | None]) -> None:
    """Store ``change(events)`` for every endpoint where it is not ``None``."""
    connection = op.get_bind()
    for endpoint_id, events in connection.execute(sa.select(_endpoints.c.id, _endpoints.c.events)):
        changed = change(list(events or ()))
        if changed is not None:
            connection.execute(
                _endpoints.update().where(_endpoints.c.id == endpoint_id).values(events=changed)
            )


def _with_new_event(events: list[str]) -> list[str] | None:
    if set(events) >= _EVERY_EARLIER_EVENT and _NEW_EVENT not in events:
        return [*events, _NEW_EVENT]
    return None


def _without_new_event(events: list[str]) -> list[str] | None:
    return [event for event in events if event != _NEW_EVENT] if _NEW_EVENT in events else None


def upgrade() -> None:
    """An endpoint subscribed to all events (the default of ``webhooks add``) gets the new one;
    one that chose some events keeps its choice."""
    _rewrite_events(_with_new_event)


def downgrade() -> None:
    """Forget the event: no endpoint subscribes to it."""
    _rewrite_events(_without_new_event)

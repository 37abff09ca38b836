"""Webhook endpoints and the outbox of deliveries to them.

Events are written to ``webhook_deliveries`` by :func:`enqueue_event` inside the transaction that
changed the comment: a rolled-back change sends nothing, and a committed one is never lost when
the receiver is down. A delivery worker claims due rows one at a time (see
:meth:`WebhookStore.claim_delivery`), so two workers never send the same row twice.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from spamschutz.service.storage.errors import NotFound
from spamschutz.service.storage.records import as_utc, utc_now
from spamschutz.service.storage.schema import webhook_deliveries, webhook_endpoints
from spamschutz.service.storage.transactions import TransactionalStore

__all__ = [
    "ENDPOINT_CACHE_SECONDS",
    "EVENT_OF_STATUS",
    "WEBHOOK_EVENTS",
    "DeliveryRow",
    "EndpointRow",
    "EventOutbox",
    "QueuesEvents",
    "SubscriptionCache",
    "WebhookStore",
    "enqueue_event",
    "event_data",
]

# The event telling a receiver that a moderator's decision (or its undo) put a comment in a
# status. ``comment.pending``: an undone decision put the comment back in the review queue.
EVENT_OF_STATUS = {
    "approved": "comment.approved",
    "rejected": "comment.rejected",
    "spam": "comment.spam",
    "pending": "comment.pending",
}
# ``campaign.detected``: comments were recognised as one campaign (service/campaigns/).
WEBHOOK_EVENTS = ("comment.received", *EVENT_OF_STATUS.values(), "campaign.detected")
# How long a worker trusts the list of active endpoints it read before reading it again. Every
# stored comment queues an event, and reading the (usually empty) list was a tenth of the
# comment's database work. An endpoint added or disabled through the same stores counts
# at once; one added or disabled elsewhere (the CLI, another worker or instance) within these
# seconds: events of comments stored in between are not queued for a new endpoint, and still
# are for a disabled one.
ENDPOINT_CACHE_SECONDS = 2.0

# An active endpoint's id and the events it subscribed to.
Subscription = tuple[int, tuple[str, ...]]


@dataclass(frozen=True)
class EndpointRow:
    """A receiver of webhooks and the events it subscribed to."""

    id: int
    url: str
    secret: str
    events: tuple[str, ...]
    created_at: datetime
    disabled_at: datetime | None


@dataclass(frozen=True)
class DeliveryRow:
    """One event for one endpoint, with its delivery state."""

    id: int
    endpoint_id: int
    url: str
    secret: str
    event_id: str
    event: str
    body: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None

    def as_json(self) -> dict[str, object]:
        """The delivery as admins see it (without the endpoint's secret)."""
        return {
            "id": self.id,
            "endpoint_id": self.endpoint_id,
            "url": self.url,
            "event_id": self.event_id,
            "event": self.event,
            "status": self.status,
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at.isoformat(),
            "last_error": self.last_error,
            "created_at": self.created_at.isoformat(),
            "delivered_at": self.delivered_at.isoformat() if self.delivered_at else None,
        }


def _endpoint(row: Mapping[str, Any]) -> EndpointRow:
    return EndpointRow(
        id=row["id"],
        url=row["url"],
        secret=row["secret"],
        events=tuple(row["events"] or ()),
        created_at=as_utc(row["created_at"]),
        disabled_at=as_utc(row["disabled_at"]) if row["disabled_at"] else None,
    )


def _delivery(row: Mapping[str, Any]) -> DeliveryRow:
    return DeliveryRow(
        id=row["id"],
        endpoint_id=row["endpoint_id"],
        url=row["url"],
        secret=row["secret"],
        event_id=row["event_id"],
        event=row["event"],
        body=row["body"],
        status=row["status"],
        attempts=row["attempts"],
        next_attempt_at=as_utc(row["next_attempt_at"]),
        last_error=row["last_error"],
        created_at=as_utc(row["created_at"]),
        delivered_at=as_utc(row["delivered_at"]) if row["delivered_at"] else None,
    )


_DELIVERY_COLUMNS = (webhook_deliveries, webhook_endpoints.c.url, webhook_endpoints.c.secret)


_ACTIVE_ENDPOINTS = select(webhook_endpoints.c.id, webhook_endpoints.c.events).where(
    webhook_endpoints.c.disabled_at.is_(None)
)


def event_data(row: Mapping[str, Any]) -> dict[str, Any]:
    """What a webhook tells a CMS about a comment: enough to publish it without polling."""
    created = as_utc(row["created_at"])
    return {
        "comment": {
            "id": row["public_id"],
            "thread_id": row["thread_id"],
            "author": row["author_name"],
            "url": row["author_url"],
            "text": row["text"],
            "lang": row["lang"],
            "status": row["status"],
            "score": row["score"],
            "band": row["band"],
            "source": row["source"],
            "site": row["site"],
            "created_at": created.isoformat(),
        }
    }


def active_subscriptions(connection: Connection) -> tuple[Subscription, ...]:
    """Every active endpoint with the events it subscribed to."""
    return tuple((row.id, tuple(row.events or ())) for row in connection.execute(_ACTIVE_ENDPOINTS))


def enqueue_event(
    connection: Connection,
    event: str,
    data: Mapping[str, Any],
    now: datetime,
    subscriptions: Sequence[Subscription] | None = None,
) -> int:
    """Queue ``event`` for every active endpoint subscribed to it; how many were queued.

    ``subscriptions`` is the list of active endpoints when the caller has it at hand (see
    :class:`SubscriptionCache`); otherwise it is read in this transaction. The body is fixed
    here, so every retry sends (and signs) exactly the same bytes and the receiver can
    deduplicate by the event ``id``.
    """
    if event not in WEBHOOK_EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    if subscriptions is None:
        subscriptions = active_subscriptions(connection)
    targets = [endpoint_id for endpoint_id, events in subscriptions if event in events]
    if not targets:
        return 0
    event_id = str(uuid.uuid4())
    body = json.dumps(
        {"id": event_id, "type": event, "created_at": now.isoformat(), "data": dict(data)},
        separators=(",", ":"),
        ensure_ascii=False,
    )
    connection.execute(
        webhook_deliveries.insert(),
        [
            {
                "endpoint_id": endpoint_id,
                "event_id": event_id,
                "event": event,
                "body": body,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for endpoint_id in targets
        ],
    )
    return len(targets)


class SubscriptionCache:
    """The active endpoints as last read, trusted for ``ttl_seconds`` (see
    :data:`ENDPOINT_CACHE_SECONDS`); ``clock`` is monotonic seconds (injectable for tests)."""

    def __init__(
        self,
        ttl_seconds: float = ENDPOINT_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._entry: tuple[float, tuple[Subscription, ...]] | None = None
        # Counts clears, so that a list read before a change is not kept after it.
        self._generation = 0

    def get(self, connection: Connection) -> tuple[Subscription, ...]:
        """The cached list, or the list read through ``connection`` once its time is up."""
        entry = self._entry
        if entry is not None and self._clock() < entry[0]:
            return entry[1]
        generation = self._generation
        subscriptions = active_subscriptions(connection)
        if self.ttl_seconds > 0 and generation == self._generation:
            self._entry = (self._clock() + self.ttl_seconds, subscriptions)
        return subscriptions

    def clear(self) -> None:
        """Forget the list (after an endpoint was added or disabled)."""
        self._generation += 1
        self._entry = None


class EventOutbox:
    """Queues webhook events in the transaction of the change they report, with the list of
    active endpoints kept for a few seconds (``subscription_cache``, see
    :class:`SubscriptionCache`). One outbox is shared by the stores that write events and the
    :class:`WebhookStore`, which forgets the list when it adds or disables an endpoint."""

    def __init__(self, subscription_cache: SubscriptionCache | None = None) -> None:
        self.subscription_cache = subscription_cache or SubscriptionCache()

    def queue(
        self, connection: Connection, event: str, data: Mapping[str, Any], now: datetime
    ) -> int:
        """:func:`enqueue_event` with the cached list of active endpoints."""
        return enqueue_event(connection, event, data, now, self.subscription_cache.get(connection))


class QueuesEvents(TransactionalStore):
    """Base of the stores whose writes queue webhook events in their own transaction."""

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime] = utc_now,
        outbox: EventOutbox | None = None,
    ) -> None:
        super().__init__(engine, clock)
        self.outbox = outbox or EventOutbox()

    def _queue_event(
        self, connection: Connection, event: str, data: Mapping[str, Any], now: datetime
    ) -> int:
        return self.outbox.queue(connection, event, data, now)


class WebhookStore(QueuesEvents):
    """Webhook endpoints and the deliveries to them.

    ``outbox`` is the :class:`EventOutbox` of the stores that queue events: adding or
    disabling an endpoint here counts for their next event at once.
    """

    def add_webhook_endpoint(self, url: str, secret: str, events: Sequence[str]) -> EndpointRow:
        """Register a receiver for ``events`` (all of :data:`WEBHOOK_EVENTS` when empty)."""
        unknown = sorted(set(events) - set(WEBHOOK_EVENTS))
        if unknown:
            raise ValueError(f"unknown webhook events: {', '.join(unknown)}")
        values = {
            "url": url,
            "secret": secret,
            "events": list(dict.fromkeys(events or WEBHOOK_EVENTS)),
            "created_at": self._now(),
        }
        with self._transaction() as connection:
            inserted = connection.execute(webhook_endpoints.insert().values(**values))
            new_id = inserted.inserted_primary_key[0]
            row = connection.execute(
                select(webhook_endpoints).where(webhook_endpoints.c.id == new_id)
            ).mappings().one()
        self.outbox.subscription_cache.clear()
        return _endpoint(row)

    def list_webhook_endpoints(self) -> list[EndpointRow]:
        """Every endpoint, oldest first."""
        with self._transaction() as connection:
            rows = connection.execute(
                select(webhook_endpoints).order_by(webhook_endpoints.c.id)
            ).mappings().all()
        return [_endpoint(row) for row in rows]

    def disable_webhook_endpoint(self, endpoint_id: int) -> None:
        """Stop sending new events to the endpoint; :class:`NotFound` for an unknown id."""
        with self._transaction() as connection:
            changed = connection.execute(
                webhook_endpoints.update()
                .where(webhook_endpoints.c.id == endpoint_id)
                .values(disabled_at=self._now())
            ).rowcount
        self.outbox.subscription_cache.clear()
        if changed != 1:
            raise NotFound(f"no webhook endpoint {endpoint_id}")

    def list_deliveries(self, status: str | None = None, limit: int = 100) -> list[DeliveryRow]:
        """Deliveries, newest first, optionally only those with ``status``."""
        query = (
            select(*_DELIVERY_COLUMNS)
            .join(webhook_endpoints, webhook_endpoints.c.id == webhook_deliveries.c.endpoint_id)
            .order_by(webhook_deliveries.c.id.desc())
            .limit(limit)
        )
        if status is not None:
            query = query.where(webhook_deliveries.c.status == status)
        with self._transaction() as connection:
            rows = connection.execute(query).mappings().all()
        return [_delivery(row) for row in rows]

    def due_delivery_ids(self, limit: int = 100) -> list[int]:
        """Pending deliveries whose next attempt is due, oldest first."""
        query = (
            select(webhook_deliveries.c.id)
            .where(
                webhook_deliveries.c.status == "pending",
                webhook_deliveries.c.next_attempt_at <= self._now(),
            )
            .order_by(webhook_deliveries.c.next_attempt_at, webhook_deliveries.c.id)
            .limit(limit)
        )
        with self._transaction() as connection:
            return list(connection.execute(query).scalars())

    def next_delivery_at(self) -> datetime | None:
        """When the earliest pending delivery is due (``None``: nothing pending)."""
        query = select(func.min(webhook_deliveries.c.next_attempt_at)).where(
            webhook_deliveries.c.status == "pending"
        )
        with self._transaction() as connection:
            due = connection.execute(query).scalar_one_or_none()
        return None if due is None else as_utc(due)

    def claim_delivery(self, delivery_id: int, lease: timedelta) -> DeliveryRow | None:
        """Take a due delivery for ``lease``; ``None`` if another worker took it first.

        Claiming moves ``next_attempt_at`` past the lease with a compare-and-set on its old
        value, so of two workers only one sends; a worker that dies mid-send leaves the row
        to be retried when the lease ends.
        """
        now = self._now()
        with self._transaction() as connection:
            row = connection.execute(
                select(*_DELIVERY_COLUMNS)
                .join(webhook_endpoints, webhook_endpoints.c.id == webhook_deliveries.c.endpoint_id)
                .where(webhook_deliveries.c.id == delivery_id)
            ).mappings().one_or_none()
            if row is None or row["status"] != "pending" or as_utc(row["next_attempt_at"]) > now:
                return None
            claimed = connection.execute(
                webhook_deliveries.update()
                .where(
                    webhook_deliveries.c.id == delivery_id,
                    webhook_deliveries.c.status == "pending",
                    webhook_deliveries.c.next_attempt_at == row["next_attempt_at"],
                )
                .values(next_attempt_at=now + lease)
            ).rowcount
        return _delivery(row) if claimed == 1 else None

    def record_delivery_result(
        self,
        delivery_id: int,
        *,
        delivered: bool,
        error: str | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        """Count an attempt: delivered, retried at ``retry_at``, or failed for good."""
        now = self._now()
        values: dict[str, Any] = {"attempts": webhook_deliveries.c.attempts + 1}
        if delivered:
            values.update(status="delivered", delivered_at=now, last_error=None)
        elif retry_at is not None:
            values.update(next_attempt_at=retry_at, last_error=(error or "")[:500])
        else:
            values.update(status="failed", last_error=(error or "")[:500])
        with self._transaction() as connection:
            connection.execute(
                webhook_deliveries.update()
                .where(webhook_deliveries.c.id == delivery_id)
                .values(**values)
            )

    def retry_delivery(self, delivery_id: int) -> None:
        """Send a failed (or pending) delivery again now; :class:`NotFound` for an unknown id."""
        with self._transaction() as connection:
            changed = connection.execute(
                webhook_deliveries.update()
                .where(
                    webhook_deliveries.c.id == delivery_id,
                    webhook_deliveries.c.status != "delivered",
                )
                .values(status="pending", next_attempt_at=self._now())
            ).rowcount
        if changed != 1:
            raise NotFound(f"no undelivered webhook delivery {delivery_id}")

"""Signed webhook delivery: the worker that empties the outbox of ``webhook_deliveries``.

Each request carries ``X-Spamschutz-Signature: t=<unix time>,v1=<hex>``, where ``v1`` is
HMAC-SHA256 with the endpoint's secret over ``"<t>.<body>"``: the receiver recomputes it, and
rejects old timestamps so a captured request cannot be replayed later. ``X-Spamschutz-Event``
names the event and ``X-Spamschutz-Delivery`` its id, by which a receiver drops a duplicate (a
delivery whose answer was lost is sent again: at-least-once, made exactly-once by the id).

A failed attempt is retried after ``WEBHOOK_RETRY_SECONDS``, doubling each time, until
``WEBHOOK_MAX_ATTEMPTS``; then the delivery is ``failed`` until someone retries it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from flask import Flask

from spamschutz.service.background import PokedJob
from spamschutz.service.storage import WebhookStore
from spamschutz.service.webhook_targets import Network, parse_networks, refused_target

__all__ = [
    "WEBHOOK_WORKER_EXTENSION",
    "DeliveryPolicy",
    "WebhookWorker",
    "deliver_due",
    "init_webhook_worker",
    "sign",
    "verify_signature",
]

log = logging.getLogger(__name__)

WEBHOOK_WORKER_EXTENSION = "spamschutz.webhook_worker"
SIGNATURE_HEADER = "X-Spamschutz-Signature"
# A delivery is claimed for this long; a worker that dies mid-send frees it when it ends.
_LEASE = timedelta(seconds=120)


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The ``X-Spamschutz-Signature`` header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(
    secret: str, body: bytes, header: str, now: float | None = None, tolerance: int = 300
) -> bool:
    """What a receiver does: check the signature and that it is at most ``tolerance`` s old."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard the worker tries: attempts, first retry delay (doubling), request timeout."""

    max_attempts: int = 8
    retry_seconds: float = 30.0
    timeout_seconds: float = 5.0
    allowed_networks: tuple[Network, ...] = ()  # private networks webhooks may reach

    @classmethod
    def from_config(cls, config: dict[str, object]) -> DeliveryPolicy:
        """The policy of an app's (or the CLI's) configuration."""
        return cls(
            max_attempts=int(config["WEBHOOK_MAX_ATTEMPTS"]),  # type: ignore[arg-type]
            retry_seconds=float(config["WEBHOOK_RETRY_SECONDS"]),  # type: ignore[arg-type]
            timeout_seconds=float(config["WEBHOOK_TIMEOUT_SECONDS"]),  # type: ignore[arg-type]
            allowed_networks=parse_networks(str(config["WEBHOOK_ALLOWED_NETWORKS"])),
        )

    def retry_delay(self, attempts_so_far: int) -> timedelta:
        """Exponential backoff: the wait after the ``attempts_so_far``-th failed attempt."""
        return timedelta(seconds=self.retry_seconds * 2 ** max(0, attempts_so_far - 1))


def deliver_due(
    webhooks: WebhookStore,
    policy: DeliveryPolicy,
    client: httpx.Client | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> dict[str, int]:
    """Send every delivery that is due now, once; counts of ``delivered``/``retry``/``failed``."""
    counts = {"delivered": 0, "retry": 0, "failed": 0}
    own_client = client is None
    http = client or httpx.Client(timeout=policy.timeout_seconds, follow_redirects=False)
    try:
        for delivery_id in webhooks.due_delivery_ids():
            delivery = webhooks.claim_delivery(delivery_id, _LEASE)
            if delivery is None:
                continue  # another worker has it
            body = delivery.body.encode()
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "spamschutz-webhooks/1",
                "X-Spamschutz-Event": delivery.event,
                "X-Spamschutz-Delivery": delivery.event_id,
                SIGNATURE_HEADER: sign(delivery.secret, body, int(clock().timestamp())),
            }
            # Checked again now: a name may resolve to a private address by now.
            error = refused_target(delivery.url, policy.allowed_networks)
            if error is not None:
                error = f"refused: {error}"
            else:
                try:
                    response = http.post(delivery.url, content=body, headers=headers)
                    if not 200 <= response.status_code < 300:
                        error = f"HTTP {response.status_code}"
                except httpx.HTTPError as failure:
                    error = f"{type(failure).__name__}: {failure}"
            attempts = delivery.attempts + 1
            if error is None:
                webhooks.record_delivery_result(delivery_id, delivered=True)
                counts["delivered"] += 1
            elif attempts >= policy.max_attempts:
                log.warning("webhook %s to %s failed: %s", delivery_id, delivery.url, error)
                webhooks.record_delivery_result(delivery_id, delivered=False, error=error)
                counts["failed"] += 1
            else:
                retry_at = clock() + policy.retry_delay(attempts)
                webhooks.record_delivery_result(
                    delivery_id, delivered=False, error=error, retry_at=retry_at
                )
                counts["retry"] += 1
    finally:
        if own_client:
            http.close()
    return counts


class WebhookWorker:
    """A background thread that sends due deliveries while any are pending, then stops.

    Requests ``poke`` it (a clock comparison, at most every ``interval_seconds`` one query), so
    an instance without webhooks never runs a thread, and one with pending deliveries keeps
    retrying them on schedule even when no further request arrives.
    """

    def __init__(
        self,
        webhooks: WebhookStore,
        policy: DeliveryPolicy,
        interval_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.webhooks = webhooks
        self.policy = policy
        self.interval_seconds = interval_seconds
        self._job = PokedJob("webhooks", self._pending, self._run, interval_seconds, clock)
        self.poke = self._job.poke
        self.join = self._job.join

    def _pending(self) -> bool:
        try:
            return self.webhooks.next_delivery_at() is not None
        except Exception:  # the request itself will meet (and report) a database problem
            return False

    def _run(self) -> None:
        while True:
            try:
                deliver_due(self.webhooks, self.policy)
                due = self.webhooks.next_delivery_at()
            except Exception:
                # A background thread has nobody to raise to; the rows stay for the next pass.
                log.exception("webhook delivery failed; retrying in %s s", self.interval_seconds)
                due = datetime.now(UTC) + timedelta(seconds=self.interval_seconds)
            if due is None:
                return
            wait = (due - datetime.now(UTC)).total_seconds()
            time.sleep(min(max(wait, 0.05), self.interval_seconds))


def init_webhook_worker(app: Flask) -> None:
    """Deliver the app's webhooks in the background (unless ``WEBHOOK_DELIVERY_SECONDS`` is 0)."""
    interval = float(app.config["WEBHOOK_DELIVERY_SECONDS"])  # type: ignore[arg-type]
    if interval <= 0:
        return
    runtime = app.extensions["spamschutz"]
    worker = WebhookWorker(
        runtime.webhooks, DeliveryPolicy.from_config(app.config), interval
    )
    app.extensions[WEBHOOK_WORKER_EXTENSION] = worker
    app.after_request(_poke_after(worker))


def _poke_after(worker: WebhookWorker):
    def poke(response):
        worker.poke()  # after the request: the comment it stored is committed and due now
        return response

    return poke

"""Which webhook events decisions and their undo queue, and how older endpoints learn of a new
event."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import insert, select

from spamschutz.service.storage import create_engine_for, upgrade_database
from spamschutz.service.storage.schema import webhook_endpoints
from spamschutz.service.storage.webhooks import WEBHOOK_EVENTS


def _events(stores) -> list[tuple[str, str]]:
    """(event, comment status in its body) of every queued delivery, oldest first."""
    deliveries = sorted(stores.webhooks.list_deliveries(), key=lambda delivery: delivery.id)
    return [
        (delivery.event, json.loads(delivery.body)["data"]["comment"]["status"])
        for delivery in deliveries
    ]


def test_undoing_an_approval_tells_receivers_the_comment_is_pending_again(
    stores, make_comment
) -> None:
    stores.webhooks.add_webhook_endpoint("https://cms.example/hooks", "secret", [])
    comment = make_comment()
    stores.decisions.decide(comment.public_id, "approve", "mod")
    stores.decisions.undo_decision(comment.public_id, "mod")
    assert _events(stores) == [
        ("comment.received", "pending"),
        ("comment.approved", "approved"),
        ("comment.pending", "pending"),
    ]


def test_undo_that_restores_a_decided_status_sends_that_status_event(
    stores, make_comment
) -> None:
    comment = make_comment(status="spam")
    stores.webhooks.add_webhook_endpoint("https://cms.example/hooks", "secret", [])
    stores.decisions.decide(comment.public_id, "ham", "mod")  # published from the spam folder
    stores.decisions.undo_decision(comment.public_id, "mod")
    assert _events(stores) == [("comment.approved", "approved"), ("comment.spam", "spam")]


def test_undo_events_go_only_to_endpoints_that_asked_for_them(
    stores, make_comment
) -> None:
    stores.webhooks.add_webhook_endpoint(
        "https://cms.example/hooks", "secret", ["comment.approved"]
    )
    comment = make_comment()
    stores.decisions.decide(comment.public_id, "approve", "mod")
    stores.decisions.undo_decision(comment.public_id, "mod")
    assert _events(stores) == [("comment.approved", "approved")]


def test_endpoints_that_took_every_event_get_the_pending_event_after_the_upgrade(
    database_url: str,
) -> None:
    upgrade_database(database_url, "0004")
    engine = create_engine_for(database_url)
    earlier_events = [event for event in WEBHOOK_EVENTS if event != "comment.pending"]
    try:
        with engine.begin() as connection:
            for events in (earlier_events, ["comment.approved", "comment.spam"]):
                connection.execute(
                    insert(webhook_endpoints).values(
                        url="https://cms.example/hooks",
                        secret="secret",
                        events=events,
                        created_at=datetime.now(UTC),
                    )
                )
        upgrade_database(database_url)
        with engine.connect() as connection:
            stored = connection.execute(
                select(webhook_endpoints.c.events).order_by(webhook_endpoints.c.id)
            ).scalars().all()
    finally:
        engine.dispose()
    assert stored == [[*earlier_events, "comment.pending"], ["comment.approved", "comment.spam"]]

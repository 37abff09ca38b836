"""The list of active webhook endpoints is cached for a few seconds, never longer."""

from __future__ import annotations

from sqlalchemy import Engine

from spamschutz.service.storage.webhooks import (
    ENDPOINT_CACHE_SECONDS,
    SubscriptionCache,
    WebhookStore,
)


class Ticks:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_endpoint_cache_lasts_only_a_few_seconds() -> None:
    assert 0 < ENDPOINT_CACHE_SECONDS <= 5


def test_endpoint_added_elsewhere_gets_events_once_the_cache_time_is_up(
    engine: Engine, stores, make_comment
) -> None:
    ticks = Ticks()
    stores.webhooks.outbox.subscription_cache = SubscriptionCache(ttl_seconds=2.0, clock=ticks)
    make_comment()  # reads, and keeps, the empty list
    elsewhere = WebhookStore(engine)  # the CLI, another worker or instance
    endpoint = elsewhere.add_webhook_endpoint("https://cms.example/hooks", "secret", [])
    make_comment()
    assert stores.webhooks.list_deliveries() == []  # within the cache time
    ticks.now = 2.0
    queued = make_comment()
    [delivery] = stores.webhooks.list_deliveries()
    assert delivery.endpoint_id == endpoint.id
    assert queued.public_id in delivery.body

    elsewhere.disable_webhook_endpoint(endpoint.id)
    ticks.now = 4.0
    make_comment()
    assert len(stores.webhooks.list_deliveries()) == 1


def test_endpoint_added_or_disabled_through_the_same_stores_counts_at_once(
    stores, make_comment
) -> None:
    make_comment()
    endpoint = stores.webhooks.add_webhook_endpoint("https://cms.example/hooks", "secret", [])
    make_comment()
    assert len(stores.webhooks.list_deliveries()) == 1
    stores.webhooks.disable_webhook_endpoint(endpoint.id)
    make_comment()
    assert len(stores.webhooks.list_deliveries()) == 1


def test_a_list_read_while_an_endpoint_changes_is_not_kept(stores, monkeypatch) -> None:
    from spamschutz.service.storage import webhooks

    cache = SubscriptionCache(ttl_seconds=60.0)
    read = webhooks.active_subscriptions

    def read_while_an_endpoint_is_added(connection):
        subscriptions = read(connection)
        stores.webhooks.add_webhook_endpoint("https://cms.example/hooks", "secret", [])
        cache.clear()  # what the webhook store that added it does
        return subscriptions

    monkeypatch.setattr(webhooks, "active_subscriptions", read_while_an_endpoint_is_added)
    with stores.webhooks.engine.connect() as connection:
        assert cache.get(connection) == ()
    monkeypatch.undo()
    with stores.webhooks.engine.connect() as connection:
        assert len(cache.get(connection)) == 1

"""service/rate_limit_memory.py's MovingWindowMemory implements the storage interface ``limits``
documents for custom storages. These tests prove it counts exactly like ``limits``' own memory
storage, with one sweeping thread instead of a timer per hit."""

from __future__ import annotations

import threading
import time

import pytest
from limits import parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import (
    FixedWindowRateLimiter,
    MovingWindowRateLimiter,
    RateLimiter,
)

from spamschutz.service.rate_limit_memory import MovingWindowMemory

STEPS = [("a", True), ("a", True), ("b", True), ("a", False), ("c", True)] * 4


@pytest.mark.parametrize("strategy", [MovingWindowRateLimiter, FixedWindowRateLimiter])
def test_it_counts_exactly_like_limits_own_memory_storage(strategy: type[RateLimiter]) -> None:
    plain, ours = strategy(MemoryStorage()), strategy(MovingWindowMemory())
    for item in (parse("5 per minute"), parse("1 per minute"), parse("3 per hour")):
        for key, count in STEPS:
            answers = [
                limiter.hit(item, key) if count else limiter.test(item, key)
                for limiter in (plain, ours)
            ]
            assert answers[0] == answers[1]
            stats = [limiter.get_window_stats(item, key) for limiter in (plain, ours)]
            assert stats[0].remaining == stats[1].remaining
            assert stats[0].reset_time == pytest.approx(stats[1].reset_time, abs=1)
        assert plain.hit(item, "bulk", cost=2) == ours.hit(item, "bulk", cost=2)
        assert plain.hit(item, "bulk", cost=9) == ours.hit(item, "bulk", cost=9)
    for limiter in (plain, ours):
        limiter.clear(parse("5 per minute"), "a")
    assert plain.test(parse("5 per minute"), "a") == ours.test(parse("5 per minute"), "a")


def test_the_service_gets_it_by_its_storage_address() -> None:
    assert isinstance(storage_from_string("spamschutz-memory://"), MovingWindowMemory)


def test_it_sweeps_with_one_thread_instead_of_a_timer_per_hit() -> None:
    storage = MovingWindowMemory()
    limiter = MovingWindowRateLimiter(storage)
    before = {thread.ident for thread in threading.enumerate()}
    for number in range(200):
        limiter.hit(parse("1000 per minute"), f"client-{number}")
    started = [t for t in threading.enumerate() if t.ident not in before]
    assert [t.name for t in started] == ["rate-limit-expiry"]


def test_a_sweep_drops_what_has_expired_and_keeps_the_rest() -> None:
    storage = MovingWindowMemory()
    limiter = MovingWindowRateLimiter(storage)
    limiter.hit(parse("5 per minute"), "minute")
    limiter.hit(parse("5 per hour"), "hour")
    storage.incr("counter", 60)
    storage.drop_expired(now=time.time() + 120)
    assert storage.keys() == {"LIMITER/hour/5/1/hour"}
    assert limiter.get_window_stats(parse("5 per hour"), "hour").remaining == 4

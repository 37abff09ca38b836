"""service/ratelimits.py's SweptMemoryStorage leans on two private methods of ``limits``'
MemoryStorage (name-mangled). These tests fail loudly when a ``limits`` release changes them,
and prove the swept storage counts exactly like the original."""

from __future__ import annotations

import hashlib
import inspect
import threading

import limits
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from spamschutz.service.ratelimits import SweptMemoryStorage

# The two private methods and the public ones that call the scheduler, as in the releases
# checked (limits 5.1.0 to 5.8.0). A new digest: read the new MemoryStorage, check that
# SweptMemoryStorage still replaces the per-hit timer and sweeps with the same method, then
# add the digest here.
CHECKED_DIGESTS = {"402eafffd3288bfb"}


def _internals_digest() -> str:
    private = [
        inspect.getsource(MemoryStorage._MemoryStorage__schedule_expiry),  # type: ignore[attr-defined]
        inspect.getsource(MemoryStorage._MemoryStorage__expire_events),  # type: ignore[attr-defined]
    ]
    callers = sorted(
        name
        for name, member in vars(MemoryStorage).items()
        if callable(member) and "self.__schedule_expiry()" in inspect.getsource(member)
    )
    return hashlib.sha256("\n".join(private + callers).encode()).hexdigest()[:16]


def test_the_private_methods_of_limits_are_the_ones_the_swept_storage_was_checked_against():
    assert _internals_digest() in CHECKED_DIGESTS, (
        f"limits {limits.__version__} changed MemoryStorage's private expiry methods, which "
        "service/ratelimits.py's SweptMemoryStorage overrides and calls: check it against "
        "this release, then add the new digest to CHECKED_DIGESTS"
    )


def test_the_swept_storage_counts_exactly_like_limits_own():
    item = parse("5 per minute")
    plain = MovingWindowRateLimiter(MemoryStorage())
    swept = MovingWindowRateLimiter(SweptMemoryStorage())
    for limiter in (plain, swept):
        limiter.hit(parse("1 per minute"), "warm-up")  # both start their expiry machinery
    steps = [("a", True), ("a", True), ("b", True), ("a", False)] * 4
    for key, count in steps:
        answers = [
            limiter.hit(item, key) if count else limiter.test(item, key)
            for limiter in (plain, swept)
        ]
        assert answers[0] == answers[1]
        stats = [limiter.get_window_stats(item, key).remaining for limiter in (plain, swept)]
        assert stats[0] == stats[1]


def test_the_swept_storage_sweeps_with_one_thread_instead_of_a_timer_per_hit():
    storage = SweptMemoryStorage()
    limiter = MovingWindowRateLimiter(storage)
    before = {thread.ident for thread in threading.enumerate()}
    for number in range(200):
        limiter.hit(parse("1000 per minute"), f"client-{number}")
    started = [t for t in threading.enumerate() if t.ident not in before]
    assert [t.name for t in started] == ["rate-limit-expiry"]
    # What it calls each sweep is the original's own expiry: it drops expired windows.
    storage._MemoryStorage__expire_events()  # type: ignore[attr-defined]

"""What keeps a challenge token from being guessed or reused, across every running instance.

* **Wrong answers** are counted per token and per client address. A token takes at most
  ``CHALLENGE_MAX_WRONG_ANSWERS`` wrong answers, then it is dead; an address that gave
  ``RATE_LIMIT_WRONG_ANSWERS`` wrong answers must wait. The answers to a question are few (a
  small number, a colour), so without these budgets a bot would simply try them all.
* **Redemption** makes a token single-use: a unique database row always, written in the
  transaction that stores the comment, and with Redis also a ``SET NX`` key that expires with
  the token. Redis answers replays without touching the database and keeps tokens single-use
  while the database is briefly away (the spooled comment's token is redeemed on replay).

Counters share the rate limiter's storage (Redis when configured, else process memory). A
failing counter store never blocks a reader: it is logged and the check lets the answer
through, since the submission rate limit and single use still hold.
"""

from __future__ import annotations

import functools
import logging
import math
import time

import redis
from flask import Flask, current_app
from limits import RateLimitItem, RateLimitItemPerSecond, parse
from limits.strategies import RateLimiter

from spamschutz.service.ratelimits import rate_counters

__all__ = [
    "address_wait_seconds",
    "claim_challenge",
    "init_challenge_guard",
    "record_wrong_answer",
    "token_has_attempts_left",
]

log = logging.getLogger(__name__)

_EXTENSION = "spamschutz.redis"


def init_challenge_guard(app: Flask) -> None:
    """Create the app's Redis client when ``REDIS_URL`` is set (it connects on first use)."""
    url = str(app.config.get("REDIS_URL") or "")
    app.extensions[_EXTENSION] = (
        redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1) if url else None
    )


def _redis() -> redis.Redis | None:
    return current_app.extensions.get(_EXTENSION)


def _counters() -> RateLimiter:
    return rate_counters().limiter


def _token_budget() -> RateLimitItemPerSecond:
    config = current_app.config
    return _per_seconds(
        int(config["CHALLENGE_MAX_WRONG_ANSWERS"]), int(config["CHALLENGE_TTL_SECONDS"])
    )


def _address_budget() -> RateLimitItem:
    return _parsed(str(current_app.config["RATE_LIMIT_WRONG_ANSWERS"]))


# Every answered challenge reads both budgets; parsing the setting each time was a visible
# part of the check. The settings of a process are few, so these caches stay tiny.
@functools.lru_cache(maxsize=16)
def _parsed(setting: str) -> RateLimitItem:
    return parse(setting)


@functools.lru_cache(maxsize=16)
def _per_seconds(amount: int, seconds: int) -> RateLimitItemPerSecond:
    return RateLimitItemPerSecond(amount, seconds)


def token_has_attempts_left(token_id: str) -> bool:
    """False once the token has taken its allowance of wrong answers."""
    try:
        return _counters().test(_token_budget(), "wrong-answers", "token", token_id)
    except Exception:  # any storage failure: see the module docstring
        log.warning("cannot read the wrong-answer count of a token", exc_info=True)
        return True


def address_wait_seconds(address: str) -> int:
    """Seconds ``address`` must wait before it may answer again (0: it may answer now)."""
    budget = _address_budget()
    try:
        counters = _counters()
        if counters.test(budget, "wrong-answers", "address", address):
            return 0
        reset_at = counters.get_window_stats(budget, "wrong-answers", "address", address)[0]
    except Exception:  # any storage failure: see the module docstring
        log.warning("cannot read the wrong-answer count of an address", exc_info=True)
        return 0
    return max(1, math.ceil(reset_at - time.time()))


def record_wrong_answer(token_id: str, address: str) -> None:
    """Count one wrong answer against the token and against the address."""
    try:
        counters = _counters()
        counters.hit(_token_budget(), "wrong-answers", "token", token_id)
        counters.hit(_address_budget(), "wrong-answers", "address", address)
    except Exception:  # any storage failure: see the module docstring
        log.warning("cannot count a wrong answer", exc_info=True)


def claim_challenge(token_id: str) -> bool:
    """``False`` when Redis already holds the token's redemption (a replay, refused without
    touching the database); ``True`` otherwise, and then Redis holds it from now on.

    Without Redis, or when it fails, always ``True``: the database's redemption row, written
    in the transaction that stores the comment, decides.
    """
    client = _redis()
    if client is None:
        return True
    key = f"{current_app.config['REDIS_KEY_PREFIX']}:challenge:used:{token_id}"
    # Kept a minute longer than the token lives, so an expired token's key is never gone
    # while the token could still be accepted.
    ttl = int(current_app.config["CHALLENGE_TTL_SECONDS"]) + 60
    try:
        return bool(client.set(key, "1", nx=True, ex=ttl))
    except redis.RedisError:
        log.warning("Redis unavailable; challenge tokens are checked in the database only")
        return True

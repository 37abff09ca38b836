"""Per-client rate limits on questions, comments and moderator logins (``limits``).

Counters live in Redis when ``REDIS_URL`` is set, so every instance and worker shares them;
otherwise in each process's memory (then a limit holds per gunicorn worker). If Redis fails,
limits fall back to memory instead of failing requests: rate limiting must never take the
comment form down.

One set of counters per app, not a module-level one: its storage comes from the app's
configuration, and two apps in one process (tests, or two sites) must not share counters by
accident. Counter keys are the ones Flask-Limiter, used before, wrote: ``(client, endpoint)``
under the same Redis prefix, so counts carry over an upgrade.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, after_this_request, current_app, jsonify, request
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter, RateLimiter
from werkzeug.exceptions import TooManyRequests

from spamschutz.service.i18n import message, pick_language
from spamschutz.service.negotiation import wants_html_page
from spamschutz.service.proxies import client_address
from spamschutz.service.rate_limit_memory import MovingWindowMemory

__all__ = [
    "LIMITS",
    "EndpointLimit",
    "RateCounters",
    "RateLimited",
    "init_rate_limits",
    "rate_counters",
]

log = logging.getLogger(__name__)

_EXTENSION = "spamschutz.limiter"


def _login_account() -> str:
    # The account name as typed, hashed: the per-account counter must not depend on case or
    # surrounding spaces, and names need not sit in Redis in clear text.
    name = request.form.get("name", "").strip().casefold()
    return "account:" + hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()[:32]


def _login_address_and_account() -> str:
    return f"{client_address()}|{_login_account()}"


def _login_failed(response: Response) -> bool:
    # A successful login redirects (303); everything else (the form again, a CSRF error)
    # counts against the budget. Successes cost nothing, so moderators are never locked out
    # by their own logins.
    return response.status_code != 303


@dataclass(frozen=True)
class EndpointLimit:
    """A limit from setting ``setting`` on ``endpoint``, counted per ``key``.

    With ``clean_key``, a request over the limit still passes when nothing was counted under
    ``clean_key()`` within the window (and what is counted is counted there too): a limit on
    a moderator's account must slow down guessing without locking out the moderator.
    """

    endpoint: str
    setting: str
    key: Callable[[], str] = client_address
    methods: tuple[str, ...] | None = None
    counts: Callable[[Response], bool] | None = None  # None: every request counts
    clean_key: Callable[[], str] | None = None


LIMITS = (
    EndpointLimit("api.get_challenge", "RATE_LIMIT_CHALLENGES"),
    # The demo page hands out a question too; it must not be a way around that limit.
    EndpointLimit("demo.article", "RATE_LIMIT_CHALLENGES"),
    EndpointLimit("api.submit_comment", "RATE_LIMIT_COMMENTS"),
    EndpointLimit("moderation.login", "RATE_LIMIT_LOGIN", methods=("POST",), counts=_login_failed),
    # Failed logins for one account from anywhere: past the limit, only addresses that have not
    # failed on this account within the window may try. Guessing from many addresses stays
    # slow (each new address gets one guess), and no number of attacking addresses can lock
    # the moderator out, who logs in from an address that never failed (a lockout for
    # everyone was a denial of service anybody could start).
    EndpointLimit(
        "moderation.login",
        "RATE_LIMIT_LOGIN_ACCOUNT",
        key=_login_account,
        methods=("POST",),
        counts=_login_failed,
        clean_key=_login_address_and_account,
    ),
)


# How long counting stays in memory after Redis failed before Redis is tried again.
_SHARED_RETRY_SECONDS = 30.0


def _storage(config: Mapping[str, object]) -> tuple[str, dict[str, Any]]:
    redis_url = str(config.get("REDIS_URL") or "")
    if not redis_url:
        return "spamschutz-memory://", {}
    return redis_url, {
        "key_prefix": f"{config['REDIS_KEY_PREFIX']}:limits",
        # A slow Redis must not hold up the comment form; the memory fallback takes over.
        "socket_timeout": 1,
        "socket_connect_timeout": 1,
    }


class RateCounters:
    """The app's moving-window counters: in Redis when configured, else in process memory.

    When Redis fails, counting goes on in memory (then per worker) instead of failing
    requests, and Redis is tried again after :data:`_SHARED_RETRY_SECONDS`; when memory
    fails too, the request is let through. Rate limiting must never take the form down.
    """

    def __init__(self, storage_uri: str, options: Mapping[str, Any] | None = None) -> None:
        self.shared = MovingWindowRateLimiter(storage_from_string(storage_uri, **(options or {})))
        self.local = (
            self.shared
            if isinstance(self.shared.storage, MovingWindowMemory)
            else MovingWindowRateLimiter(MovingWindowMemory())
        )
        self._shared_failed_at: float | None = None

    @property
    def limiter(self) -> RateLimiter:
        """The counters to use now: the shared ones, or memory while they are failing."""
        failed_at = self._shared_failed_at
        if failed_at is not None and time.monotonic() - failed_at < _SHARED_RETRY_SECONDS:
            return self.local
        return self.shared

    def allows(self, item: RateLimitItem, *identifiers: str, count: bool = True) -> bool:
        """Whether one more request within ``item`` is allowed; counted when ``count``."""
        limiter = self.limiter
        try:
            return limiter.hit(item, *identifiers) if count else limiter.test(item, *identifiers)
        except Exception:  # any storage failure: see the class docstring
            if limiter is self.local:
                log.exception("cannot count a rate limit; the request is let through")
                return True
            log.warning("rate limit storage unreachable; counting in memory for now")
            self._shared_failed_at = time.monotonic()
            return self.allows(item, *identifiers, count=count)

    def untouched(self, item: RateLimitItem, *identifiers: str) -> bool:
        """Whether nothing was counted for ``identifiers`` within ``item``'s window."""
        try:
            return self.limiter.get_window_stats(item, *identifiers).remaining >= item.amount
        except Exception:  # unknown: not clean
            log.warning("cannot read a rate limit's window", exc_info=True)
            return False

    def seconds_until_allowed(self, item: RateLimitItem, *identifiers: str) -> int:
        """Whole seconds until the window of ``item`` lets one more request in (at least 1)."""
        try:
            reset_at = self.limiter.get_window_stats(item, *identifiers).reset_time
        except Exception:  # the refusal stands; only the hint is missing
            log.warning("cannot read a rate limit's window", exc_info=True)
            return 60
        return max(1, math.ceil(reset_at - time.time()))


class RateLimited(TooManyRequests):
    """A request over its limit; ``retry_after`` seconds until it would be let in."""

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after


def _limit_view(
    view: Callable[..., Any], limit: EndpointLimit, item: RateLimitItem, counters: RateCounters
) -> Callable[..., Any]:
    """``view`` behind ``limit``, counted per ``(limit.key(), endpoint)``.

    A limit with ``counts`` only tests before the view and counts afterwards if the answer
    says so (a refused request counts too, so hammering keeps the door shut).
    """
    methods = frozenset(limit.methods or ())

    @functools.wraps(view)
    def limited(*args: Any, **kwargs: Any) -> Any:
        if methods and request.method not in methods:
            return view(*args, **kwargs)
        identifiers = (limit.key(), limit.endpoint)
        clean = None if limit.clean_key is None else (limit.clean_key(), limit.endpoint)
        if limit.counts is not None:
            after_this_request(_count_if(limit.counts, item, (identifiers, clean), counters))
        if not counters.allows(item, *identifiers, count=limit.counts is None) and (
            clean is None or not counters.untouched(item, *clean)
        ):
            raise RateLimited(counters.seconds_until_allowed(item, *identifiers))
        return view(*args, **kwargs)

    return limited


def _count_if(
    counts: Callable[[Response], bool],
    item: RateLimitItem,
    identifier_sets: tuple[tuple[str, str] | None, ...],
    counters: RateCounters,
) -> Callable[[Response], Response]:
    def count(response: Response) -> Response:
        if counts(response):
            for identifiers in identifier_sets:
                if identifiers is not None:
                    counters.allows(item, *identifiers)
        return response

    return count


def init_rate_limits(app: Flask) -> RateCounters:
    """Create the app's counters, put :data:`LIMITS` on their views and answer 429 as JSON.

    Call after every blueprint is registered: limits wrap the registered view functions.
    Each view's limit is checked by one call to its counters. Flask-Limiter did the same
    with a resolution of default, blueprint and decorated limits, exemptions and a request
    context of its own around it, a quarter of a question's time (see bench/README.md).
    """
    storage_uri, options = _storage(app.config)
    counters = RateCounters(storage_uri, options)
    app.extensions[_EXTENSION] = counters
    for limit in LIMITS:
        item = parse(str(app.config[limit.setting]))
        view = app.view_functions[limit.endpoint]
        app.view_functions[limit.endpoint] = _limit_view(view, limit, item, counters)
    app.register_error_handler(RateLimited, _too_many_requests)
    return counters


def rate_counters() -> RateCounters:
    """The current app's rate-limit counters."""
    return current_app.extensions[_EXTENSION]


def _reader_wants_page() -> bool:
    # The demo page and the plain HTML form are read by people: they get a page, not JSON.
    if request.endpoint == "demo.article":
        return True
    return request.endpoint == "api.submit_comment" and wants_html_page()


def _rate_limited_page(seconds: int) -> Response:
    from flask import make_response, render_template

    lang = pick_language(request.values.get("lang"))
    return make_response(render_template(
        "public/rate_limited.html", lang=lang, message=message("rate_limited", lang,
                                                               seconds=seconds)))


def _too_many_requests(error: RateLimited):
    seconds = error.retry_after
    if request.endpoint == "moderation.login":
        from spamschutz.service.moderation.login import throttled_login_page

        response = throttled_login_page(seconds)
    elif _reader_wants_page():
        response = _rate_limited_page(seconds)
    else:
        public = request.endpoint in ("api.get_challenge", "api.submit_comment")
        lang = pick_language(request.args.get("lang")) if public else "en"
        response = jsonify(
            {"error": "rate_limited", "message": message("rate_limited", lang, seconds=seconds)}
        )
    response.status_code = 429
    response.headers["Retry-After"] = str(seconds)
    return response

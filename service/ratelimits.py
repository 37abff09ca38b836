"""Per-client rate limits on questions, comments and moderator logins (Flask-Limiter).

Counters live in Redis when ``REDIS_URL`` is set, so every instance and worker shares them;
otherwise in each process's memory (then a limit holds per gunicorn worker). If Redis fails,
limits fall back to memory instead of failing requests: rate limiting must never take the
comment form down.

One limiter per app, not a module-level one: its storage comes from the app's configuration,
and two apps in one process (tests, or two sites) must not share counters by accident.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from flask import Flask, Response, current_app, jsonify, request
from flask_limiter import Limiter, RateLimitExceeded
from limits.storage import MemoryStorage

from service.messages import message, pick_language
from service.proxies import client_address

__all__ = [
    "LIMITS",
    "EndpointLimit",
    "SweptMemoryStorage",
    "init_rate_limits",
    "rate_limiter",
    "retry_after_seconds",
]

_EXTENSION = "spamschutz.limiter"


def _login_account() -> str:
    # The account name as typed, hashed: the per-account counter must not depend on case or
    # surrounding spaces, and names need not sit in Redis in clear text.
    name = request.form.get("name", "").strip().casefold()
    return "account:" + hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()[:32]


def _login_failed(response: Response) -> bool:
    # A successful login redirects (303); everything else (the form again, a CSRF error)
    # counts against the budget. Successes cost nothing, so moderators are never locked out
    # by their own logins.
    return response.status_code != 303


@dataclass(frozen=True)
class EndpointLimit:
    """A limit from setting ``setting`` on ``endpoint``, counted per ``key``."""

    endpoint: str
    setting: str
    key: Callable[[], str] = client_address
    methods: tuple[str, ...] | None = None
    counts: Callable[[Response], bool] | None = None  # None: every request counts


LIMITS = (
    EndpointLimit("api.get_challenge", "RATE_LIMIT_CHALLENGES"),
    # The demo page hands out a question too; it must not be a way around that limit.
    EndpointLimit("demo.article", "RATE_LIMIT_CHALLENGES"),
    EndpointLimit("api.submit_comment", "RATE_LIMIT_COMMENTS"),
    EndpointLimit("moderation.login", "RATE_LIMIT_LOGIN", methods=("POST",), counts=_login_failed),
    EndpointLimit(
        "moderation.login",
        "RATE_LIMIT_LOGIN_ACCOUNT",
        key=_login_account,
        methods=("POST",),
        counts=_login_failed,
    ),
)


# How often the in-memory counters drop what has expired. Expiry only frees memory: a counter
# or window that is out of date is recognised as such when it is read.
_MEMORY_SWEEP_SECONDS = 1.0


class SweptMemoryStorage(MemoryStorage):
    """``limits``' in-memory storage, its expired entries dropped by one long-lived thread.

    The original starts a new 10 ms timer thread at the first hit after the previous one
    ended, so under steady traffic about a hundred threads a second, each start waiting for
    the GIL: a tenth of the comment endpoint's time. Its expiry method is private, hence the
    mangled name; should a new ``limits`` rename it, this falls back to the original scheme.
    """

    STORAGE_SCHEME: ClassVar[list[str]] = ["spamschutz-memory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        self._sweeper: threading.Thread | None = None
        self._sweeper_guard = threading.Lock()
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    def _MemoryStorage__schedule_expiry(self) -> None:
        sweeper = self._sweeper
        if sweeper is not None and sweeper.is_alive():
            return
        with self._sweeper_guard:
            if self._sweeper is None or not self._sweeper.is_alive():
                # A weak reference: the thread ends with the storage (tests build many apps).
                self._sweeper = threading.Thread(
                    target=_sweep, args=(weakref.ref(self),), name="rate-limit-expiry",
                    daemon=True,
                )
                self._sweeper.start()


def _sweep(storage_ref: weakref.ref[SweptMemoryStorage]) -> None:
    while True:
        time.sleep(_MEMORY_SWEEP_SECONDS)
        storage = storage_ref()
        if storage is None:
            return
        storage._MemoryStorage__expire_events()  # type: ignore[attr-defined]
        del storage


def _storage(config: dict[str, object]) -> tuple[str, dict[str, object]]:
    redis_url = str(config.get("REDIS_URL") or "")
    if not redis_url:
        return "spamschutz-memory://", {}
    return redis_url, {
        "key_prefix": f"{config['REDIS_KEY_PREFIX']}:limits",
        # A slow Redis must not hold up the comment form; the memory fallback takes over.
        "socket_timeout": 1,
        "socket_connect_timeout": 1,
    }


def init_rate_limits(app: Flask) -> Limiter:
    """Create the app's limiter, put :data:`LIMITS` on their views and answer 429 as JSON.

    Call after every blueprint is registered: limits wrap the registered view functions.
    """
    storage_uri, options = _storage(app.config)
    limiter = Limiter(
        key_func=client_address,
        storage_uri=storage_uri,
        storage_options=options,  # type: ignore[arg-type]
        strategy="moving-window",
        swallow_errors=True,
        in_memory_fallback_enabled=True,
    )
    limiter.init_app(app)
    # Flask-Limiter also checks every request before its view, for default and
    # application-wide limits. spamschutz has none: each limit sits on its view (below) and
    # is checked there. The hook only cost every request, the scoring API's included, time.
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    app.extensions[_EXTENSION] = limiter
    for limit in LIMITS:
        decorate = limiter.limit(
            str(app.config[limit.setting]),
            key_func=limit.key,
            methods=list(limit.methods) if limit.methods else None,
            deduct_when=limit.counts,
        )
        app.view_functions[limit.endpoint] = decorate(app.view_functions[limit.endpoint])
    app.register_error_handler(RateLimitExceeded, _too_many_requests)
    return limiter


def rate_limiter() -> Limiter:
    """The current app's limiter."""
    return current_app.extensions[_EXTENSION]


def retry_after_seconds() -> int:
    """Whole seconds until the limit this request broke lets the client in again (at least 1)."""
    breached = rate_limiter().current_limit
    if breached is None:
        return 60
    return max(1, math.ceil(breached.reset_at - time.time()))


def _reader_wants_page() -> bool:
    # The demo page and the plain HTML form are read by people: they get a page, not JSON.
    if request.endpoint == "demo.article":
        return True
    return (
        request.endpoint == "api.submit_comment"
        and not request.is_json
        and request.accept_mimetypes.best == "text/html"
    )


def _rate_limited_page(seconds: int) -> Response:
    from flask import make_response, render_template

    lang = pick_language(request.values.get("lang"))
    return make_response(render_template(
        "public/rate_limited.html", lang=lang, message=message("rate_limited", lang,
                                                               seconds=seconds)))


def _too_many_requests(error: RateLimitExceeded):
    seconds = retry_after_seconds()
    if request.endpoint == "moderation.login":
        from service.moderation.login import throttled_login_page

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

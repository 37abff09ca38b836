"""Structured logs: one JSON object per line, a request id on every line, no commenter data.

Commenters' e-mail addresses and IP addresses are masked in every message (a handler filter,
so it covers third-party loggers too); comment text is never passed to a logger in the first
place, and the access line logs the path without its query string.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import random
import re
import sys
import time
from datetime import UTC, datetime
from logging.config import dictConfig
from typing import Any

from flask import Flask, Response, g, has_request_context, request

__all__ = [
    "JsonFormatter",
    "MaskPersonalData",
    "RequestContext",
    "init_request_logging",
    "log_access",
    "logging_config",
    "mask_personal_data",
    "request_id_for",
    "resolved_log_format",
]

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy's request id may look like: enough for UUIDs and most tracing ids, nothing that
# could forge a log line.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# The whole run of address characters that holds an address (dots at its end left out), tried
# once from the run's start: tried from every "+" of a long run, a pattern for the address
# alone was quadratic, and a request's path is the client's to choose.
_EMAIL = re.compile(
    r"(?<![\w.+@-])(?=[\w.+@-]*?[\w.+-]@[\w-]+\.[\w-])[\w.+@-]*[\w+@-]", re.UNICODE
)
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]*\d)")
_IPV6_CANDIDATE = re.compile(
    r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}"
    r"(?::(?:\d{1,3}\.){3}\d{1,3})?"  # an IPv4-mapped tail, ::ffff:192.0.2.1
    r"(?![\w:]|\.\d)"
)
# PostgreSQL explains a refused row on a DETAIL line with the row's values ("Failing row
# contains (...)", "Key (email)=(...) already exists"): a commenter's name and text.
_DETAIL = re.compile(r"(?m)^DETAIL:[^\n]*")
# Probes and scrapers call these every few seconds; their successes would drown the log.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_CONTEXT_FIELDS = ("request_id", "method", "path", "status", "duration")
_ACCESS = logging.getLogger("spamschutz.access")


def _mask_ipv6(match: re.Match[str]) -> str:
    try:
        address = ipaddress.IPv6Address(match.group(0))
    except ValueError:
        return match.group(0)  # a time like 12:30:45, not an address
    return _masked(address, match.group(0))


def _mask_ipv4(match: re.Match[str]) -> str:
    try:
        address = ipaddress.IPv4Address(match.group(0))
    except ValueError:
        return match.group(0)  # a version number like 1.2.3.400
    return _masked(address, match.group(0))


def _masked(address: ipaddress.IPv4Address | ipaddress.IPv6Address, text: str) -> str:
    # This machine's own addresses (loopback, "every interface") belong to no commenter; the
    # server's listen address ("Listening at: http://127.0.0.1:8000") stays readable.
    return text if address.is_loopback or address.is_unspecified else "[ip]"


def mask_personal_data(text: str) -> str:
    """``text`` with e-mail addresses replaced by ``[email]``, IP addresses by ``[ip]`` and
    the row data of a PostgreSQL error's ``DETAIL`` line by ``[row]``."""
    if "." not in text and ":" not in text:
        # Every pattern needs a dot (e-mail domains, IPv4) or colons (IPv6); most lines,
        # such as the access line of an API path, have neither and need no regex at all.
        return text
    if "DETAIL:" in text:
        text = _DETAIL.sub("DETAIL:  [row]", text)
    text = _EMAIL.sub("[email]", text)
    text = _IPV6_CANDIDATE.sub(_mask_ipv6, text)  # first: an IPv6 address may end in IPv4
    return _IPV4.sub(_mask_ipv4, text)


class MaskPersonalData(logging.Filter):
    """Masks e-mail and IP addresses in a record's message, arguments merged in first."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite ``record`` in place; never drops it."""
        message = record.getMessage()
        masked = mask_personal_data(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        return True


class RequestContext(logging.Filter):
    """Adds the current request's id, method and path to every record logged during it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Annotate ``record`` when logged inside a request; never drops it."""
        if has_request_context() and not hasattr(record, "request_id"):
            record.request_id = g.get("request_id")
            record.method = request.method
            record.path = mask_personal_data(request.path)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request fields when there
    are any, and the traceback of an exception, all masked."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_personal_data(record.getMessage()),
        }
        for field in _CONTEXT_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and key not in entry and not key.startswith("_"):
                entry[key] = value if isinstance(value, int | float | bool) else str(value)
        if record.exc_info:
            entry["exception"] = mask_personal_data(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def resolved_log_format(log_format: str, stream: Any = None) -> str:
    """``json`` or ``text``: ``auto`` is text for a person at a terminal, JSON for a log
    collector (anything that is not a terminal)."""
    if log_format != "auto":
        return log_format
    stream = sys.stderr if stream is None else stream
    return "text" if getattr(stream, "isatty", lambda: False)() else "json"


def logging_config(level: str = "INFO", log_format: str = "auto") -> dict[str, Any]:
    """A :func:`logging.config.dictConfig` mapping: the root logger and gunicorn's loggers to
    stderr, JSON (or plain text) lines, masked, with the request context."""
    log_format = resolved_log_format(log_format)
    formatter = (
        {"()": JsonFormatter}
        if log_format == "json"
        else {
            # Through the factory: dictConfig passes "defaults" to the formatter only from
            # Python 3.12 on, and without it every record outside a request failed to format.
            "()": logging.Formatter,
            "fmt": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
            "defaults": {"request_id": "-"},
        }
    )
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": "spamschutz",
        "filters": ["request_context", "mask_personal_data"],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"spamschutz": formatter},
        "filters": {
            "request_context": {"()": RequestContext},
            "mask_personal_data": {"()": MaskPersonalData},
        },
        "handlers": {"stderr": handler},
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": [], "propagate": True},
            # Requests are logged by the app, with their id; gunicorn's access log would
            # repeat each one without it, and with the query string.
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }


def request_id_for(offered: str, trusted_proxies: int) -> str:
    """The id of a request whose ``X-Request-ID`` header is ``offered`` (may be empty)."""
    # A proxy's id is only believed from a proxy we trust (the same setting ProxyFix uses),
    # so a client cannot choose the id that ties its requests together in the log.
    if trusted_proxies > 0 and _REQUEST_ID.match(offered):
        return offered
    # 128 random bits as 32 hex digits, the shape of the uuid4 hex used before. An id only
    # ties log lines together and guards nothing, so the process's own generator will do
    # (reseeded in every forked worker) instead of a system call per request.
    return f"{random.getrandbits(128):032x}"


def log_access(
    request_id: str | None, method: str, path: str, status: int, duration: float
) -> None:
    """The access line of one answered request (``duration`` in seconds); the path masked
    like a message (a thread id may be an e-mail or IP address)."""
    path = mask_personal_data(path)
    _ACCESS.log(
        logging.WARNING if status >= 500 else logging.INFO,
        "%s %s %s",
        method,
        path,
        status,
        extra={
            "request_id": request_id,
            "method": method,
            "path": path,
            "status": status,
            "duration": round(duration, 4),
        },
    )


def init_request_logging(app: Flask) -> None:
    """Give each request an id (echoed in ``X-Request-ID``) and log one access line per
    request, except successful health checks and scrapes."""
    if not logging.getLogger().handlers:
        dictConfig(logging_config(str(app.config["LOG_LEVEL"]), str(app.config["LOG_FORMAT"])))

    @app.before_request
    def _start_request() -> None:
        g.request_id = request_id_for(
            request.headers.get(REQUEST_ID_HEADER, ""),
            int(app.config.get("TRUSTED_PROXIES") or 0),
        )
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response: Response) -> Response:
        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        started = g.get("request_started")
        if started is None or (request.path in QUIET_PATHS and response.status_code < 400):
            return response
        log_access(
            request_id,
            request.method,
            request.path,
            response.status_code,
            time.perf_counter() - started,
        )
        return response

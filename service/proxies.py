"""The client's address, trusting exactly as many reverse proxies as configured.

``X-Forwarded-For`` is written by whoever sends the request, so by default (``TRUSTED_PROXIES``
0) it is ignored and the address is the TCP peer's. Behind N proxies, werkzeug's ``ProxyFix``
takes the Nth address from the right: the one the outermost trusted proxy saw. Whatever a
client puts further left is never used, so a forged header cannot dodge a rate limit.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

__all__ = ["UNKNOWN_ADDRESS", "client_address", "trust_proxies"]

# Requests over a Unix socket have no address; they share one rate-limit bucket.
UNKNOWN_ADDRESS = "unknown"


def trust_proxies(app: Flask) -> None:
    """Wrap the app in ``ProxyFix`` for ``TRUSTED_PROXIES`` hops (nothing when 0).

    ``X-Forwarded-Proto`` is trusted for the same hops, so ``request.is_secure`` knows that
    the browser used HTTPS even when the proxy talks plain HTTP to us.
    """
    hops = int(app.config["TRUSTED_PROXIES"])
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def client_address() -> str:
    """The address of the client making the current request."""
    return request.remote_addr or UNKNOWN_ADDRESS

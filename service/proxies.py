"""The client's address, trusting exactly as many reverse proxies as configured.

``X-Forwarded-For`` is written by whoever sends the request, so by default (``TRUSTED_PROXIES``
0) it is ignored and the address is the TCP peer's. Behind N proxies, werkzeug's ``ProxyFix``
takes the Nth address from the right: the one the outermost trusted proxy saw. Whatever a
client puts further left is never used, so a forged header cannot dodge a rate limit.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from spamschutz.service.privacy import address_key, keyed_hash

__all__ = ["UNKNOWN_ADDRESS", "client_address", "client_address_hash", "trust_proxies"]

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
    """The client making the current request, as rate limits count it: its address in one
    spelling, an IPv6 client's network (:func:`spamschutz.service.privacy.address_key`)."""
    key = address_key(request.remote_addr, int(current_app.config["IPV6_NETWORK_PREFIX"]))
    return key or UNKNOWN_ADDRESS


def client_address_hash(address: str | None) -> str | None:
    """The keyed hash of ``address`` as stored with a comment: of its one spelling, so that a
    commenter's earlier comments are found however the address was written."""
    prefix = int(current_app.config["IPV6_NETWORK_PREFIX"])
    return keyed_hash(address_key(address, prefix), str(current_app.config["SECRET_KEY"]))

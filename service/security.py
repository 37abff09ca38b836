"""Security headers on every response, and session cookies that are Secure over HTTPS."""

from __future__ import annotations

from flask import Flask, Request, Response, has_request_context, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "NO_STORE_PREFIXES",
    "SECURITY_HEADERS",
    "SecureWhenHttpsSessionInterface",
    "register_security_headers",
]

# No inline script or style anywhere: attacker-written comment text that slipped through
# escaping still could not run. Every asset is served by the service itself.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
# Answers under these paths are personal or change with every request: never cached.
NO_STORE_PREFIXES = ("/api/", "/moderation")


class SecureWhenHttpsSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, with the ``Secure`` flag whenever HTTPS is in use.

    ``SESSION_COOKIE_SECURE`` (set in production) forces it; otherwise a request that came
    over HTTPS, directly or through a trusted proxy's ``X-Forwarded-Proto``, gets it too, so a
    development install behind TLS never sends the moderator's cookie over plain HTTP.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """An empty session when the request has no session cookie, as Flask's would be,
        without building the cookie signer first: comment forms and integrations never
        send the cookie, and that construction was a measurable part of their requests."""
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        """``True`` in production or when the current request is HTTPS."""
        forced = super().get_cookie_secure(app)
        return forced or (has_request_context() and request.is_secure)


def register_security_headers(app: Flask) -> None:
    """Add CSP, nosniff, referrer and framing headers to every response.

    Set on JSON and error responses too, not only on pages: a browser that is made to render
    any of them (an old one sniffing types, an error page) still runs no script and cannot
    frame it.
    """

    @app.after_request
    def add_headers(response: Response) -> Response:
        headers = response.headers
        for name, value in SECURITY_HEADERS:
            headers.setdefault(name, value)
        if request.path.startswith(NO_STORE_PREFIXES):
            headers.setdefault("Cache-Control", "no-store")
        return response

"""Endpoint guards: which roles may call, by token or by moderator session."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request

from spamschutz.service.api.errors import APIError
from spamschutz.service.auth import Principal, session_moderator, token_principal
from spamschutz.service.extensions import csrf

__all__ = ["allows", "require"]


def allows(principal: Principal, roles: tuple[str, ...]) -> bool:
    """Whether ``principal`` has one of ``roles`` (admin always has)."""
    return principal.role == "admin" or principal.role in roles


def require(
    *roles: str, allow_session: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let the view run only for a token with one of ``roles`` (admin always may).

    With ``allow_session`` a logged-in moderator may call too; a state-changing request then
    needs the CSRF token, because a browser sends the session cookie on its own.
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            principal: Principal | None = None
            if request.headers.get("Authorization"):
                principal = token_principal()
                if principal is None:
                    raise APIError(
                        401, "invalid_token", "The API token is not valid or was revoked."
                    )
            elif allow_session:
                principal = session_moderator()
                if principal is not None and request.method not in ("GET", "HEAD", "OPTIONS"):
                    csrf.protect()
            if principal is None:
                raise APIError(
                    401,
                    "unauthorized",
                    "Send a valid API token as 'Authorization: Bearer <token>'.",
                )
            if not allows(principal, roles):
                raise APIError(
                    403, "forbidden", f"This needs one of the roles: {', '.join(roles)}."
                )
            g.principal = principal
            return view(*args, **kwargs)

        return guarded

    return decorator

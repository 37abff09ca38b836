"""Who is calling: API tokens (hashed at rest, with a role) and moderator sessions."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import g, request, session

from spamschutz.service.extensions import runtime
from spamschutz.service.storage import AccountStore

__all__ = [
    "ROLES",
    "SESSION_LIFETIME",
    "Principal",
    "hash_password",
    "hash_token",
    "log_in",
    "log_out",
    "new_token",
    "principal_for_header",
    "session_moderator",
    "token_principal",
    "verify_password",
]

# site: comment forms and integrations (score); moderator: the review queue; admin: everything.
ROLES = ("site", "moderator", "admin")
# A moderator logs in once per working day; the cookie and the server record both end then.
SESSION_LIFETIME = timedelta(hours=12)
_SESSION_ID = "sid"
_PRINCIPAL = "spamschutz_session_principal"

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the user does not exist, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    name: str
    role: str
    via: str  # "token" or "session"


def new_token() -> str:
    """A fresh random API token (shown once; only its hash is stored)."""
    return "ssz_" + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """SHA-256 of a token: tokens are long random strings, so a fast hash is enough."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    """argon2id hash of a moderator password."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; constant work whether or not the user exists."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def token_principal() -> Principal | None:
    """The caller named by ``Authorization: Bearer <token>``, if the token is valid."""
    return principal_for_header(request.headers.get("Authorization", ""), runtime().accounts)


def principal_for_header(header: str, accounts: AccountStore) -> Principal | None:
    """The caller named by an ``Authorization`` header's bearer token, if the token is valid."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    row = accounts.find_api_token(hash_token(token.strip()))
    return Principal(name=row.name, role=row.role, via="token") if row else None


def log_in(name: str, epoch: int) -> bool:
    """Start a fresh server-side session for moderator ``name``; ``False`` if refused.

    The cookie session is cleared and gets a new random id, so a session planted before the
    login (session fixation) is never the logged-in one. ``epoch`` is the account's
    ``session_epoch`` read when the password was checked (see ``start_moderator_session``).
    """
    session_id = secrets.token_urlsafe(32)
    started = runtime().sessions.start_moderator_session(
        name, hash_token(session_id), SESSION_LIFETIME, epoch
    )
    session.clear()
    g.pop(_PRINCIPAL, None)
    if not started:
        return False
    session[_SESSION_ID] = session_id
    session.permanent = True
    return True


def log_out() -> None:
    """End the moderator session on the server too: the cookie, even a copy, stops working."""
    session_id = session.get(_SESSION_ID)
    if isinstance(session_id, str) and session_id:
        runtime().sessions.end_moderator_session(hash_token(session_id))
    session.clear()
    g.pop(_PRINCIPAL, None)


def session_moderator() -> Principal | None:
    """The logged-in moderator, if the session still exists on the server.

    Looked up once per request. A cookie whose session ended (logout, password change,
    account disabled, expiry) is cleared.
    """
    if _PRINCIPAL in g:
        return g.get(_PRINCIPAL)
    principal = None
    session_id = session.get(_SESSION_ID)
    if isinstance(session_id, str) and session_id:
        row = runtime().sessions.moderator_for_session(hash_token(session_id))
        if row is None:
            session.clear()
        else:
            principal = Principal(name=row.name, role="moderator", via="session")
    g.setdefault(_PRINCIPAL, principal)
    return principal

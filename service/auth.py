"""Who is calling: API tokens (hashed at rest, with a role) and moderator sessions."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import request, session

from service.extensions import runtime

__all__ = [
    "ROLES",
    "Principal",
    "hash_password",
    "hash_token",
    "log_in",
    "log_out",
    "new_token",
    "session_moderator",
    "token_principal",
    "verify_password",
]

# site: comment forms and integrations (score); moderator: the review queue; admin: everything.
ROLES = ("site", "moderator", "admin")

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
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    row = runtime().repository.find_api_token(hash_token(token.strip()))
    return Principal(name=row.name, role=row.role, via="token") if row else None


def log_in(name: str, epoch: int) -> None:
    """Start a fresh moderator session (a new session, so a planted one cannot be kept)."""
    session.clear()
    session["moderator"] = name
    session["epoch"] = epoch
    session.permanent = True


def log_out() -> None:
    """End the moderator session."""
    session.clear()


def session_moderator() -> Principal | None:
    """The logged-in moderator, if the session is still valid (password unchanged)."""
    name = session.get("moderator")
    if not name:
        return None
    row = runtime().repository.get_moderator(name)
    if row is None or row.disabled or row.session_epoch != session.get("epoch"):
        session.clear()
        return None
    return Principal(name=row.name, role="moderator", via="session")

"""Plain, immutable records the stores hand out instead of database rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "CommentRow",
    "DecisionRow",
    "ModelRow",
    "ModeratorRow",
    "TokenRow",
    "as_utc",
    "utc_now",
]


def utc_now() -> datetime:
    """The current time as an aware UTC datetime (the stores' default clock)."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime; a naive value is taken to be UTC already.

    SQLite has no time zones: it stores the wall-clock digits and returns naive datetimes.
    Every write converts to UTC first, so naive values read back are UTC by construction.
    """
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _maybe_utc(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


@dataclass(frozen=True)
class CommentRow:
    """One comment with its verdict and moderation state, identified by ``public_id``."""

    public_id: str
    thread_id: str
    author_name: str
    author_email: str | None
    author_url: str | None
    text: str
    lang: str
    status: str
    score: float | None
    band: str | None
    reasons: tuple[str, ...]
    model_version: str | None
    signals: dict[str, Any]
    ip_truncated: str | None
    ip_hash: str | None
    email_hash: str | None
    user_agent: str | None
    idempotency_key: str | None
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    row_version: int
    source: str = "form"
    is_test: bool = False
    permalink: str | None = None
    site: str | None = None
    thread_title: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> CommentRow:
        """Build the record from a ``comments`` row mapping."""
        return cls(
            public_id=row["public_id"],
            thread_id=row["thread_id"],
            author_name=row["author_name"],
            author_email=row["author_email"],
            author_url=row["author_url"],
            text=row["text"],
            lang=row["lang"],
            status=row["status"],
            score=row["score"],
            band=row["band"],
            reasons=tuple(row["reasons"] or ()),
            model_version=row["model_version"],
            signals=dict(row["signals"] or {}),
            ip_truncated=row["ip_truncated"],
            ip_hash=row["ip_hash"],
            email_hash=row["email_hash"],
            user_agent=row["user_agent"],
            idempotency_key=row["idempotency_key"],
            created_at=as_utc(row["created_at"]),
            decided_at=_maybe_utc(row["decided_at"]),
            decided_by=row["decided_by"],
            row_version=row["row_version"],
            source=row.get("source", "form"),
            is_test=bool(row.get("is_test", False)),
            permalink=row.get("permalink"),
            site=row.get("site"),
            thread_title=row.get("thread_title"),
        )


@dataclass(frozen=True)
class DecisionRow:
    """One moderation action on a comment, kept as an audit trail and for training labels."""

    id: int
    comment_public_id: str
    action: str
    from_status: str
    to_status: str
    moderator: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> DecisionRow:
        """Build the record from a ``decisions`` row joined with the comment's public id."""
        return cls(
            id=row["id"],
            comment_public_id=row["public_id"],
            action=row["action"],
            from_status=row["from_status"],
            to_status=row["to_status"],
            moderator=row["moderator"],
            created_at=as_utc(row["created_at"]),
        )


@dataclass(frozen=True)
class ModeratorRow:
    """A moderator account; ``session_epoch`` changes whenever old sessions must stop working."""

    id: int
    name: str
    password_hash: str
    session_epoch: int
    created_at: datetime
    disabled: bool

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> ModeratorRow:
        """Build the record from a ``moderators`` row mapping."""
        return cls(
            id=row["id"],
            name=row["name"],
            password_hash=row["password_hash"],
            session_epoch=row["session_epoch"],
            created_at=as_utc(row["created_at"]),
            disabled=bool(row["disabled"]),
        )


@dataclass(frozen=True)
class TokenRow:
    """An API token; only the SHA-256 of the secret is stored."""

    id: int
    name: str
    token_hash: str
    role: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> TokenRow:
        """Build the record from an ``api_tokens`` row mapping."""
        return cls(
            id=row["id"],
            name=row["name"],
            token_hash=row["token_hash"],
            role=row["role"],
            created_at=as_utc(row["created_at"]),
            revoked_at=_maybe_utc(row["revoked_at"]),
            last_used_at=_maybe_utc(row["last_used_at"]),
        )


@dataclass(frozen=True)
class ModelRow:
    """A catalogued model artefact and the hash that vouches for it."""

    version: str
    sha256: str
    path: str
    metadata: dict[str, Any]
    created_at: datetime
    status: str
    activated_at: datetime | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> ModelRow:
        """Build the record from a ``model_versions`` row mapping."""
        return cls(
            version=row["version"],
            sha256=row["sha256"],
            path=row["path"],
            metadata=dict(row["metadata"] or {}),
            created_at=as_utc(row["created_at"]),
            status=row["status"],
            activated_at=_maybe_utc(row["activated_at"]),
        )

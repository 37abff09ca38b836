"""Moderator accounts and API tokens."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select

from spamschutz.service.storage.errors import ConflictError, NotFound
from spamschutz.service.storage.records import ModeratorRow, TokenRow, utc_now
from spamschutz.service.storage.schema import (
    TOKEN_ROLES,
    api_tokens,
    moderator_sessions,
    moderators,
)
from spamschutz.service.storage.transactions import TransactionalStore

__all__ = ["TOKEN_CACHE_SECONDS", "TOKEN_USE_RESOLUTION_SECONDS", "AccountStore", "TokenCache"]

# How long a worker trusts a token it has looked up before asking the database again. Every
# scored comment carries a token, and the lookup was a tenth of the scoring endpoint's time
# under load. A revocation made through the same store takes effect at once; one made
# elsewhere (the CLI, another worker or instance) within these seconds.
TOKEN_CACHE_SECONDS = 5.0
# How precisely a token's last use is recorded.
TOKEN_USE_RESOLUTION_SECONDS = 60.0
# A bound, so that a flood of distinct valid tokens cannot grow the cache without limit.
_TOKEN_CACHE_ENTRIES = 1024


class TokenCache:
    """Valid API tokens by hash, each trusted for ``ttl_seconds`` after it was read.

    Only found tokens are kept: an unknown or revoked token is looked up every time, so a
    token created a moment ago works at once. ``clock`` is monotonic seconds (injectable for
    tests).
    """

    def __init__(
        self, ttl_seconds: float = TOKEN_CACHE_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._entries: dict[str, tuple[float, TokenRow]] = {}

    def get(self, token_hash: str) -> TokenRow | None:
        """The cached token, or ``None`` when it is not cached or its time is up."""
        entry = self._entries.get(token_hash)
        if entry is None or self._clock() >= entry[0]:
            return None
        return entry[1]

    def put(self, row: TokenRow) -> None:
        """Trust ``row`` for the next ``ttl_seconds``."""
        if self.ttl_seconds <= 0:
            return
        if len(self._entries) >= _TOKEN_CACHE_ENTRIES:
            self._entries.clear()
        self._entries[row.token_hash] = (self._clock() + self.ttl_seconds, row)

    def clear(self) -> None:
        """Forget every token (after a revocation)."""
        self._entries.clear()


class AccountStore(TransactionalStore):
    """Moderators and API tokens (``runtime().accounts``).

    ``token_cache`` keeps looked-up API tokens for a few seconds (see :class:`TokenCache`).
    """

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime] = utc_now,
        token_cache: TokenCache | None = None,
    ) -> None:
        super().__init__(engine, clock)
        self.token_cache = token_cache or TokenCache()

    def add_moderator(self, name: str, password_hash: str) -> ModeratorRow:
        """Create a moderator; :class:`ConflictError` if the name is taken."""
        values = {"name": name, "password_hash": password_hash, "created_at": self._now()}
        with self._transaction() as connection:
            if not self._insert_unless_duplicate(connection, moderators, values, "name"):
                raise ConflictError(f"a moderator called {name!r} already exists")
            return ModeratorRow.from_row(_moderator(connection, name))

    def get_moderator(self, name: str) -> ModeratorRow | None:
        """The moderator called ``name``, or ``None``."""
        with self._transaction() as connection:
            row = _moderator_or_none(connection, name)
        return None if row is None else ModeratorRow.from_row(row)

    def set_moderator_password(self, name: str, password_hash: str) -> ModeratorRow:
        """Replace the password hash and end every existing session of the moderator."""
        return self._update_moderator(name, password_hash=password_hash)

    def set_moderator_disabled(self, name: str, disabled: bool) -> ModeratorRow:
        """Disable or re-enable a moderator; disabling also ends their sessions."""
        return self._update_moderator(name, disabled=disabled)

    def list_moderators(self) -> list[ModeratorRow]:
        """All moderators by name."""
        with self._transaction() as connection:
            rows = connection.execute(select(moderators).order_by(moderators.c.name)).mappings()
            return [ModeratorRow.from_row(row) for row in rows]

    def _update_moderator(self, name: str, **values: Any) -> ModeratorRow:
        statement = (
            moderators.update()
            .where(moderators.c.name == name)
            .values(**values, session_epoch=moderators.c.session_epoch + 1)
        )
        with self._transaction() as connection:
            if connection.execute(statement).rowcount != 1:
                raise NotFound(f"no moderator {name!r}")
            row = _moderator(connection, name)
            # Every browser logged in with the old password (or before the account was
            # disabled) is logged out, including cookies someone may have copied.
            connection.execute(
                moderator_sessions.delete().where(moderator_sessions.c.moderator_id == row["id"])
            )
            return ModeratorRow.from_row(row)

    def add_api_token(self, name: str, token_hash: str, role: str) -> TokenRow:
        """Store a new token by its SHA-256 hex digest; ``role`` is site, moderator or admin."""
        if role not in TOKEN_ROLES:
            raise ValueError(f"unknown token role {role!r}; use one of {', '.join(TOKEN_ROLES)}")
        values = {"name": name, "token_hash": token_hash, "role": role, "created_at": self._now()}
        with self._transaction() as connection:
            if not self._insert_unless_duplicate(connection, api_tokens, values, "token_hash"):
                raise ConflictError("a token with this hash already exists")
            row = connection.execute(
                select(api_tokens).where(api_tokens.c.token_hash == token_hash)
            ).mappings()
            return TokenRow.from_row(row.one())

    def find_api_token(self, token_hash: str) -> TokenRow | None:
        """The unrevoked token with this hash, or ``None``; its use is recorded.

        A token found here is trusted for :attr:`token_cache`'s few seconds without asking
        the database again. ``last_used_at`` (shown by ``spamschutz tokens list``, to spot
        tokens nobody uses any more) is written when it is older than
        :data:`TOKEN_USE_RESOLUTION_SECONDS`, so a busy token costs one write a minute, not
        one per request.
        """
        cached = self.token_cache.get(token_hash)
        if cached is not None:
            return cached
        with self._transaction() as connection:
            row = connection.execute(_UNREVOKED_TOKEN, {"token_hash": token_hash}).mappings()
            found = row.one_or_none()
            if found is None:
                return None
            token = TokenRow.from_row(found)
            now = self._now()
            last_used = token.last_used_at
            if last_used is None or (now - last_used).total_seconds() >= (
                TOKEN_USE_RESOLUTION_SECONDS
            ):
                connection.execute(
                    api_tokens.update()
                    .where(api_tokens.c.id == token.id)
                    .values(last_used_at=now)
                )
                token = replace(token, last_used_at=now)
        self.token_cache.put(token)
        return token

    def revoke_api_token(self, name_or_id: str | int) -> int:
        """Revoke the token with this id (an int) or every token with this name (a str).

        Returns how many tokens were revoked; already revoked tokens are not counted.
        """
        match = (
            api_tokens.c.id == name_or_id
            if isinstance(name_or_id, int)
            else api_tokens.c.name == name_or_id
        )
        statement = (
            api_tokens.update()
            .where(match, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=self._now())
        )
        with self._transaction() as connection:
            revoked = connection.execute(statement).rowcount
        self.token_cache.clear()
        return revoked

    def list_api_tokens(self) -> list[TokenRow]:
        """All tokens, revoked ones included, oldest first."""
        with self._transaction() as connection:
            rows = connection.execute(select(api_tokens).order_by(api_tokens.c.id)).mappings()
            return [TokenRow.from_row(row) for row in rows]


# Built once: constructing the statement cost as much as running it.
_UNREVOKED_TOKEN = select(api_tokens).where(
    api_tokens.c.token_hash == bindparam("token_hash"), api_tokens.c.revoked_at.is_(None)
)


def _moderator_or_none(connection: Connection, name: str) -> Mapping[str, Any] | None:
    query = select(moderators).where(moderators.c.name == name)
    return connection.execute(query).mappings().one_or_none()


def _moderator(connection: Connection, name: str) -> Mapping[str, Any]:
    row = _moderator_or_none(connection, name)
    if row is None:
        raise NotFound(f"no moderator {name!r}")
    return row

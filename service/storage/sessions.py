"""Server-side moderator sessions: started at login, checked on every request, ended for real."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from spamschutz.service.storage.records import ModeratorRow
from spamschutz.service.storage.schema import moderator_sessions, moderators
from spamschutz.service.storage.transactions import TransactionalStore

__all__ = ["SessionStore"]


class SessionStore(TransactionalStore):
    """Moderators' login sessions (``runtime().sessions``).

    Sessions are identified by the SHA-256 of the random id in the cookie (``id_hash``).
    """

    def start_moderator_session(
        self, name: str, id_hash: str, lifetime: timedelta, session_epoch: int
    ) -> bool:
        """Record a new session of ``name``; ``False`` if it must not start after all.

        ``session_epoch`` is the one seen when the password was checked: if the password
        changed or the account was disabled since, the login raced with it and loses.
        Expired sessions of everyone are cleared on the way, so the table stays small.
        """
        now = self._now()
        with self._transaction() as connection:
            connection.execute(
                moderator_sessions.delete().where(moderator_sessions.c.expires_at <= now)
            )
            moderator_id = connection.execute(
                select(moderators.c.id).where(
                    moderators.c.name == name,
                    moderators.c.session_epoch == session_epoch,
                    moderators.c.disabled.is_(False),
                )
            ).scalar_one_or_none()
            if moderator_id is None:
                return False
            connection.execute(
                moderator_sessions.insert().values(
                    id_hash=id_hash,
                    moderator_id=moderator_id,
                    created_at=now,
                    expires_at=now + lifetime,
                )
            )
        return True

    def moderator_for_session(self, id_hash: str) -> ModeratorRow | None:
        """The enabled moderator whose unexpired session this is, or ``None``."""
        query = (
            select(moderators)
            .join(moderator_sessions, moderator_sessions.c.moderator_id == moderators.c.id)
            .where(
                moderator_sessions.c.id_hash == id_hash,
                moderator_sessions.c.expires_at > self._now(),
                moderators.c.disabled.is_(False),
            )
        )
        with self._transaction() as connection:
            row = connection.execute(query).mappings().one_or_none()
        return None if row is None else ModeratorRow.from_row(row)

    def end_moderator_session(self, id_hash: str) -> bool:
        """Forget one session (logout); ``True`` if it existed."""
        statement = moderator_sessions.delete().where(moderator_sessions.c.id_hash == id_hash)
        with self._transaction() as connection:
            return connection.execute(statement).rowcount == 1

    def count_moderator_sessions(self, name: str) -> int:
        """How many sessions ``name`` has open (expired ones not yet cleared included)."""
        query = (
            select(moderator_sessions.c.id_hash)
            .join(moderators, moderator_sessions.c.moderator_id == moderators.c.id)
            .where(moderators.c.name == name)
        )
        with self._transaction() as connection:
            return len(connection.execute(query).all())

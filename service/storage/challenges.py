"""Challenge tokens redeemed: each one is accepted once, across every instance."""

from __future__ import annotations

from datetime import datetime

from spamschutz.service.storage.records import as_utc
from spamschutz.service.storage.schema import challenge_redemptions
from spamschutz.service.storage.transactions import TransactionalStore

__all__ = ["ChallengeStore"]


class ChallengeStore(TransactionalStore):
    """Redemptions of challenge tokens. (A comment stored with its token redeems it in the
    comment's own transaction, see :meth:`CommentStore.add_comment`.)"""

    def redeem_challenge(self, token_id: str) -> bool:
        """Mark a challenge token used: ``True`` the first time, ``False`` on every replay.

        The primary key decides, so two instances receiving the same token concurrently
        cannot both accept it.
        """
        values = {"token_id": token_id, "redeemed_at": self._now()}
        with self._transaction() as connection:
            return self._insert_unless_duplicate(
                connection, challenge_redemptions, values, "token_id"
            )

    def purge_challenge_redemptions(self, older_than: datetime) -> int:
        """Forget redemptions before ``older_than`` (tokens that have expired anyway)."""
        statement = challenge_redemptions.delete().where(
            challenge_redemptions.c.redeemed_at < as_utc(older_than)
        )
        with self._transaction() as connection:
            return connection.execute(statement).rowcount

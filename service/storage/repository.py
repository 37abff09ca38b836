"""The storage seam: every query the service runs goes through :class:`Repository`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from spamschutz.service.storage.accounts import AccountStore
from spamschutz.service.storage.catalog import ModelCatalog
from spamschutz.service.storage.comments import CommentStore
from spamschutz.service.storage.decisions import DecisionStore
from spamschutz.service.storage.desk import DeskStore
from spamschutz.service.storage.privacy import PrivacyStore
from spamschutz.service.storage.records import as_utc
from spamschutz.service.storage.schema import challenge_redemptions
from spamschutz.service.storage.sessions import SessionStore
from spamschutz.service.storage.sites import SiteStore
from spamschutz.service.storage.statistics import StatisticsStore
from spamschutz.service.storage.webhooks import WebhookStore

__all__ = ["Repository"]


class Repository(
    CommentStore,
    DecisionStore,
    DeskStore,
    AccountStore,
    ModelCatalog,
    PrivacyStore,
    SessionStore,
    StatisticsStore,
    SiteStore,
    WebhookStore,
):
    """All storage operations, each one short transaction returning plain records.

    Built from an engine (see :func:`create_engine_for`) and an optional clock returning
    aware datetimes. Errors callers handle: :class:`StorageUnavailable` when the database
    cannot be reached, :class:`ConflictError` for lost races, :class:`NotFound` for unknown
    identifiers, and ``ValueError`` for arguments outside the documented values.
    """

    def ping(self) -> None:
        """Check that the database answers; :class:`StorageUnavailable` if it does not."""
        with self._transaction() as connection:
            connection.execute(text("SELECT 1"))

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

"""Comments, decisions, the desk, campaigns and webhooks: the areas that still share one
class, :class:`Repository`, because their writes share transactions (a decision sweeps a
campaign and queues a webhook in the same one). The other areas have a store each
(:class:`~spamschutz.service.storage.stores.Stores`)."""

from __future__ import annotations

from sqlalchemy import text

from spamschutz.service.storage.comments import CommentStore
from spamschutz.service.storage.decisions import DecisionStore
from spamschutz.service.storage.desk import DeskStore

__all__ = ["Repository"]


class Repository(CommentStore, DecisionStore, DeskStore):
    """Comments, decisions, the desk's reads, campaigns and webhooks, each call one short
    transaction returning plain records.

    Built from an engine (see :func:`create_engine_for`) and an optional clock returning
    aware datetimes. Errors callers handle: :class:`StorageUnavailable` when the database
    cannot be reached, :class:`ConflictError` for lost races, :class:`NotFound` for unknown
    identifiers, and ``ValueError`` for arguments outside the documented values.
    """

    def ping(self) -> None:
        """Check that the database answers; :class:`StorageUnavailable` if it does not."""
        with self._transaction() as connection:
            connection.execute(text("SELECT 1"))

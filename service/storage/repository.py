"""Comments, decisions, the desk and campaigns: the areas that still share one class,
:class:`Repository`, because their writes share transactions (a comment is linked to its
campaign, a decision sweeps one, in the same transaction). The other areas have a store each
(:class:`~spamschutz.service.storage.stores.Stores`)."""

from __future__ import annotations

from sqlalchemy import text

from spamschutz.service.storage.comments import CommentStore
from spamschutz.service.storage.decisions import DecisionStore
from spamschutz.service.storage.desk import DeskStore

__all__ = ["Repository"]


class Repository(CommentStore, DecisionStore, DeskStore):
    """Comments, decisions, the desk's reads and campaigns, each call one short transaction
    returning plain records; their webhook events go to the shared ``outbox``.

    Built from an engine (see :func:`create_engine_for`) and an optional clock returning
    aware datetimes. Errors callers handle: :class:`StorageUnavailable` when the database
    cannot be reached, :class:`ConflictError` for lost races, :class:`NotFound` for unknown
    identifiers, and ``ValueError`` for arguments outside the documented values.
    """

    def ping(self) -> None:
        """Check that the database answers; :class:`StorageUnavailable` if it does not."""
        with self._transaction() as connection:
            connection.execute(text("SELECT 1"))

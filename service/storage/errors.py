"""The exceptions the storage seam raises instead of driver errors."""

from __future__ import annotations

__all__ = ["ConflictError", "NotFound", "SchemaMissing", "StorageError", "StorageUnavailable"]


class StorageError(Exception):
    """Base class of every error the storage layer raises on purpose."""


class StorageUnavailable(StorageError):
    """The database cannot be reached (down, refusing connections, locked or not writable).

    Callers answer 503 and retry later; the original driver error is chained as ``__cause__``
    for the logs and must not be shown to clients, since it can contain host names and SQL.
    """


class SchemaMissing(StorageUnavailable):
    """The database is reachable but lacks spamschutz's tables or columns (a new database, or
    one at an older schema): ``spamschutz db upgrade`` fixes it.

    A kind of :class:`StorageUnavailable`, so the service answers 503 and keeps a reader's
    comment in the spool until the schema is there.
    """


class ConflictError(StorageError):
    """A write lost a race: a stale ``row_version`` or a name that already exists."""


class NotFound(StorageError, LookupError):
    """No row has the given identifier."""

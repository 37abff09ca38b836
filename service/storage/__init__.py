"""Storage: the database schema, its migrations, and a store per area that all SQL goes
through (:class:`Stores`)."""

from spamschutz.service.storage.engine import (
    create_engine_for,
    normalise_database_url,
    sqlite_url_for,
)
from spamschutz.service.storage.errors import (
    ConflictError,
    NotFound,
    SchemaMissing,
    StorageError,
    StorageUnavailable,
)
from spamschutz.service.storage.migrate import current_revision, upgrade_database
from spamschutz.service.storage.records import (
    CommentRow,
    DecisionRow,
    ModelRow,
    ModeratorRow,
    TokenRow,
)
from spamschutz.service.storage.replay import DrainReport, drain_spool
from spamschutz.service.storage.spool import Spool, SpooledComment, SpoolUnavailable, spool_for
from spamschutz.service.storage.stores import Stores
from spamschutz.service.storage.transactions import ping_database

__all__ = [
    "CommentRow",
    "ConflictError",
    "DecisionRow",
    "DrainReport",
    "ModelRow",
    "ModeratorRow",
    "NotFound",
    "SchemaMissing",
    "Spool",
    "SpoolUnavailable",
    "SpooledComment",
    "StorageError",
    "StorageUnavailable",
    "Stores",
    "TokenRow",
    "create_engine_for",
    "current_revision",
    "drain_spool",
    "normalise_database_url",
    "ping_database",
    "spool_for",
    "sqlite_url_for",
    "upgrade_database",
]

"""Storage: the database schema, its migrations, and the repository all SQL goes through."""

from service.storage.engine import create_engine_for, normalise_database_url, sqlite_url_for
from service.storage.errors import (
    ConflictError,
    NotFound,
    SchemaMissing,
    StorageError,
    StorageUnavailable,
)
from service.storage.migrate import current_revision, upgrade_database
from service.storage.records import CommentRow, DecisionRow, ModelRow, ModeratorRow, TokenRow
from service.storage.replay import DrainReport, drain_spool
from service.storage.repository import Repository
from service.storage.spool import Spool, SpooledComment, SpoolUnavailable, spool_for

__all__ = [
    "CommentRow",
    "ConflictError",
    "DecisionRow",
    "DrainReport",
    "ModelRow",
    "ModeratorRow",
    "NotFound",
    "Repository",
    "SchemaMissing",
    "Spool",
    "SpoolUnavailable",
    "SpooledComment",
    "StorageError",
    "StorageUnavailable",
    "TokenRow",
    "create_engine_for",
    "current_revision",
    "drain_spool",
    "normalise_database_url",
    "spool_for",
    "sqlite_url_for",
    "upgrade_database",
]

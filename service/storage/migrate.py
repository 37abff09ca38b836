"""Run the Alembic migrations programmatically; no ``alembic.ini`` is needed at run time."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from spamschutz.service.storage.engine import create_engine_for
from spamschutz.service.storage.transactions import translate_driver_errors

__all__ = ["current_revision", "head_revision", "upgrade_database"]

_SCRIPT_LOCATION = Path(__file__).with_name("migrations")
# Arbitrary but fixed: every instance of spamschutz takes the same PostgreSQL advisory lock.
_MIGRATION_LOCK_KEY = 0x5350_414D  # "SPAM"


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPT_LOCATION))
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    return config


def _lock_out_other_migrators(connection: Connection) -> None:
    # Several instances may start at once and all run the migrations. They take turns, and
    # each later one finds the schema at head and does nothing. PostgreSQL has transactional
    # DDL and advisory locks; SQLite gets the database write lock up front instead.
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def upgrade_database(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to the newest schema (or to ``revision``); a no-op when it
    is already there.

    Everything runs in one transaction, so a failed upgrade leaves the schema as it was.
    Raises :class:`StorageUnavailable` when the database cannot be reached.
    """
    engine = create_engine_for(url)
    try:
        with translate_driver_errors(), engine.begin() as connection:
            _lock_out_other_migrators(connection)
            command.upgrade(_alembic_config(connection), revision)
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    """The migration revision the database at ``url`` is at (``None`` before the first)."""
    engine = create_engine_for(url)
    try:
        with translate_driver_errors(), engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str:
    """The newest migration revision this version of spamschutz knows."""
    config = Config()
    config.set_main_option("script_location", str(_SCRIPT_LOCATION))
    config.set_main_option("path_separator", "os")
    return str(ScriptDirectory.from_config(config).get_current_head())

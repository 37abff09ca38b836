"""Engines for the two supported databases: an SQLite file (default) and PostgreSQL."""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

__all__ = ["create_engine_for", "normalise_database_url", "sqlite_url_for"]

log = logging.getLogger(__name__)

_POSTGRES_NAMES = {"postgres", "postgresql", "postgresql+psycopg"}
_SQLITE_NAMES = {"sqlite", "sqlite+pysqlite"}

# Applied to every new SQLite connection, before switching to WAL (see _use_write_ahead_log).
# The busy timeout makes concurrent writers wait instead of failing at once; NORMAL
# synchronous is durable enough in WAL mode (a power cut can lose the last commits but never
# corrupts the file); SQLite leaves foreign keys off unless asked, and the decisions table
# relies on ON DELETE CASCADE.
_SQLITE_PRAGMAS = (
    "PRAGMA busy_timeout = 5000",
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = NORMAL",
)
_SQLITE_WAL_WAIT_SECONDS = 5.0

# libpq waits forever for an unresponsive host by default; a request should fail fast with
# "storage unavailable" instead of hanging a worker.
_POSTGRES_CONNECT_TIMEOUT_SECONDS = 5


def sqlite_url_for(data_dir: str | os.PathLike[str]) -> str:
    """The URL of the default SQLite database, ``<data_dir>/spamschutz.db``."""
    return f"sqlite:///{(Path(data_dir) / 'spamschutz.db').as_posix()}"


def normalise_database_url(url: str) -> URL:
    """Parse ``url`` and pin the driver: ``postgresql://`` becomes ``postgresql+psycopg://``.

    Raises ``ValueError`` for any other backend or driver, so a typo in the configuration
    fails at start-up rather than at the first request.
    """
    parsed = make_url(url)
    if parsed.drivername in _POSTGRES_NAMES:
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername in _SQLITE_NAMES:
        return parsed
    raise ValueError(
        f"unsupported database {parsed.drivername!r}: use sqlite:///path or postgresql://..."
    )


def create_engine_for(url: str) -> Engine:
    """An engine for ``url`` with pre-ping, and for SQLite the pragmas above.

    Connecting is lazy: an unreachable database surfaces as ``StorageUnavailable`` from the
    repository, not here, so the application can start and report itself unhealthy.
    """
    parsed = normalise_database_url(url)
    if parsed.get_backend_name() == "sqlite":
        _create_parent_directory(parsed)
        engine = create_engine(parsed, pool_pre_ping=True)
        event.listen(engine, "connect", _configure_sqlite_connection)
        return engine
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = _POSTGRES_CONNECT_TIMEOUT_SECONDS
    return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)


def _create_parent_directory(url: URL) -> None:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return
    try:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        # Not fatal here: connecting will fail and be reported as StorageUnavailable, which is
        # the one place callers handle a database they cannot use.
        log.warning("cannot create the directory of the SQLite database: %s", error)


def _configure_sqlite_connection(dbapi_connection: Any, _connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
        _use_write_ahead_log(cursor)
    finally:
        cursor.close()


def _use_write_ahead_log(cursor: Any) -> None:
    """Switch the file to WAL, so the moderation desk can read while the API writes.

    The mode is stored in the file, so this only changes anything on a new database. That
    switch needs an exclusive lock and SQLite answers "database is locked" without using the
    busy timeout; several workers starting on a fresh file would fail, so retry briefly.
    """
    deadline = time.monotonic() + _SQLITE_WAL_WAIT_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)

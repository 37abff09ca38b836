"""Engines for the two supported databases: an SQLite file (default) and PostgreSQL."""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError

__all__ = [
    "SqliteWriteLock",
    "create_engine_for",
    "detection_lock_for",
    "normalise_database_url",
    "sqlite_url_for",
    "write_lock_for",
]

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


@contextmanager
def schema_of_its_own(database_url: str, prefix: str) -> Iterator[str]:
    """A PostgreSQL URL whose connections work in a new, empty schema named ``prefix_…``,
    dropped with everything in it on leaving: for tests and benchmarks that share one database
    and must neither see nor leave tables of their own."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine_for(database_url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = normalise_database_url(database_url).update_query_dict(
            {"options": f"-csearch_path={schema}"}
        )
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def create_engine_for(url: str) -> Engine:
    """An engine for ``url``: PostgreSQL with pre-ping, SQLite with the pragmas above.

    Pre-ping (a ``SELECT 1`` at every checkout) finds PostgreSQL connections that a server
    restart or a network drop killed while they sat in the pool. An SQLite connection is a
    file handle in this process that nothing outside can break, so there the ping would only
    double the statements of every short transaction.

    Connecting is lazy: an unreachable database surfaces as ``StorageUnavailable`` from the
    stores, not here, so the application can start and report itself unhealthy.

    Statement parameters never appear in errors (``hide_parameters``): they hold commenters'
    names and texts, and an error's message ends up in the log.
    """
    parsed = normalise_database_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_path(parsed)
        if path is not None:
            _prepare_private_file(path)
        engine = create_engine(parsed, hide_parameters=True)
        event.listen(engine, "connect", _configure_sqlite_connection)
        if path is not None:
            _reconnect_when_replaced(engine, path)
        return engine
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = _POSTGRES_CONNECT_TIMEOUT_SECONDS
    return create_engine(
        parsed, pool_pre_ping=True, connect_args=connect_args, hide_parameters=True
    )


def _sqlite_path(url: URL) -> Path | None:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def _prepare_private_file(path: Path) -> None:
    """Create the SQLite file's directory, and the file with mode 0600 (owner only).

    The database holds webhook secrets, password hashes and commenters' data, like the spool
    and the backups, which are 0600 too. SQLite creates its ``-wal`` and ``-shm`` files with the
    main file's mode; an existing file and its companions are narrowed to 0600 as well.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        os.close(descriptor)
        for suffix in ("", "-wal", "-shm"):
            companion = Path(f"{path}{suffix}")
            if companion.exists() and companion.stat().st_mode & 0o077:
                companion.chmod(0o600)
    except OSError as error:
        # Not fatal here: connecting will fail and be reported as StorageUnavailable, which is
        # the one place callers handle a database they cannot use.
        log.warning("cannot prepare the SQLite database file: %s", error)


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _reconnect_when_replaced(engine: Engine, path: Path) -> None:
    """Drop a pooled connection whose file is no longer the one at ``path``.

    A connection is an open handle to the file it was opened on: after the file is replaced
    (a backup restored with ``mv``) it would go on reading the old one until a restart. Each
    checkout compares the file at ``path`` (device and inode, one ``stat``) with the one the
    connection opened; on a difference the pool opens a fresh connection.
    """

    @event.listens_for(engine, "connect")
    def remember_file(_dbapi_connection: Any, record: Any) -> None:
        record.info["sqlite_file"] = _file_identity(path)

    @event.listens_for(engine, "checkout")
    def check_file(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if record.info.get("sqlite_file") != _file_identity(path):
            log.warning("the SQLite file was replaced; reconnecting")
            raise DisconnectionError("the SQLite file was replaced")


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


class SqliteWriteLock:
    """Lets one write transaction at a time at an SQLite file, across threads and processes.

    SQLite admits one writer; the others wait in its busy handler, which polls with sleeps
    growing to 100 ms however soon the lock is free again. Under load that turned a write of
    a millisecond into waits of hundreds. Here writers queue on a lock held only for the
    transaction: threads of a process on a mutex, processes on ``flock`` of a file beside
    the database, and the kernel wakes the next one as soon as the lock is released.
    Writers that do not take this lock still meet SQLite's own lock and busy timeout, so it
    is an optimisation, never a condition of correctness.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._mutex = threading.Lock()
        self._handle: int | None = None
        self._owner_pid = 0

    def _file(self) -> int | None:
        # One descriptor per process: flock belongs to the open file, so a descriptor
        # inherited across fork would be one lock shared by parent and child.
        if self._handle is None or self._owner_pid != os.getpid():
            try:
                self._handle = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError as error:
                # Then SQLite's own lock alone orders the processes' writes, as before.
                log.warning("cannot open the SQLite write lock %s: %s", self.path, error)
                return None
            self._owner_pid = os.getpid()
        return self._handle

    @contextmanager
    def held_if_free(self) -> Iterator[bool]:
        """Hold the lock for the ``with`` block if nobody holds it; whether it is held."""
        if not self._mutex.acquire(blocking=False):
            yield False
            return
        try:
            handle = self._file()
            if handle is None:
                yield True
                return
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            self._mutex.release()

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock for the ``with`` block."""
        with self._mutex:
            handle = self._file()
            if handle is None:
                yield
                return
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


_WRITE_LOCKS: dict[tuple[Path, str], SqliteWriteLock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def write_lock_for(url: URL) -> SqliteWriteLock | None:
    """The write lock of the SQLite file at ``url`` (one per file and process); ``None`` for
    PostgreSQL, which has row locks, and for in-memory databases."""
    return _file_lock_for(url, "writer")


def detection_lock_for(url: URL) -> SqliteWriteLock | None:
    """The lock the campaign detectors of the SQLite file at ``url`` take turns on (see
    :meth:`~spamschutz.service.storage.campaigns.CampaignStore.link_waiting`); ``None`` where
    :func:`write_lock_for` is."""
    return _file_lock_for(url, "detector")


def _file_lock_for(url: URL, purpose: str) -> SqliteWriteLock | None:
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:") or (
        database.startswith("file:")
    ):
        return None
    path = Path(database).resolve()
    with _WRITE_LOCKS_GUARD:
        lock = _WRITE_LOCKS.get((path, purpose))
        if lock is None:
            lock = _WRITE_LOCKS[path, purpose] = SqliteWriteLock(
                path.with_name(f"{path.name}-{purpose}"))
        return lock

"""One short transaction per store call, with driver errors translated at the seam."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Executable, Table, exc, text
from sqlalchemy.dialects import postgresql, sqlite

from spamschutz.service.storage.engine import write_lock_for
from spamschutz.service.storage.errors import SchemaMissing, StorageUnavailable
from spamschutz.service.storage.records import as_utc, utc_now

__all__ = ["TransactionalStore", "driver_rows", "ping_database", "translate_driver_errors"]


@contextmanager
def translate_driver_errors() -> Iterator[None]:
    """Turn "the database cannot be used right now" errors into :class:`StorageUnavailable`.

    OperationalError covers refused connections, lost connections, a locked or unopenable
    SQLite file and server shutdowns; a full connection pool is the same for a caller.
    Integrity and programming errors pass through unchanged: they are bugs or races that the
    stores handle themselves.
    """
    try:
        yield
    except exc.DBAPIError as error:
        if _is_missing_schema(error):
            raise SchemaMissing(
                "the database has no spamschutz tables, or older ones: run "
                "'spamschutz db upgrade'"
            ) from error
        if isinstance(error, exc.OperationalError | exc.InterfaceError) or (
            error.connection_invalidated
        ):
            raise StorageUnavailable("the database is unavailable; try again later") from error
        raise
    except exc.TimeoutError as error:
        raise StorageUnavailable("no database connection is free; try again later") from error


def driver_rows(
    connection: Connection, statement: str, parameters: Mapping[str, Any] | Sequence[Any]
) -> list[tuple[Any, ...]]:
    """The rows of ``statement`` run by the driver itself, in the transaction SQLAlchemy began
    on ``connection`` (on PostgreSQL prepared, in binary): for the hot statements whose
    compilation and row processing cost SQLAlchemy longer than the database's own work.

    The driver's errors are raised as SQLAlchemy raises them, so that
    :func:`translate_driver_errors` tells a database that is down, or a table missing, from
    a bug.
    """
    postgresql = connection.dialect.name == "postgresql"
    with _driver_cursor(connection, statement, binary=postgresql) as cursor:
        if postgresql:
            cursor.execute(statement, parameters, prepare=True)
        else:
            cursor.execute(statement, parameters)
        return cursor.fetchall() if cursor.description else []


def driver_executemany(
    connection: Connection, statement: str, rows: Sequence[Sequence[Any]]
) -> None:
    """``statement`` run by the driver itself once for each of ``rows``, in the transaction
    SQLAlchemy began on ``connection``, its errors raised as :func:`driver_rows` raises them:
    for a hot write, where SQLAlchemy's ``exec_driver_sql`` took longer than the insert."""
    with _driver_cursor(connection, statement) as cursor:
        cursor.executemany(statement, rows)


@contextmanager
def _driver_cursor(connection: Connection, statement: str, binary: bool = False) -> Iterator[Any]:
    """A cursor of the driver's own connection, closed after the block; the driver's errors
    in the block raised as SQLAlchemy raises them (see :func:`driver_rows`)."""
    driver_connection = connection.connection.driver_connection
    cursor = driver_connection.cursor(binary=True) if binary else driver_connection.cursor()
    try:
        yield cursor
    except connection.dialect.loaded_dbapi.Error as error:
        raise exc.DBAPIError.instance(
            statement, None, error, connection.dialect.loaded_dbapi.Error,
            hide_parameters=True, dialect=connection.dialect) from error
    finally:
        cursor.close()


# PostgreSQL's SQLSTATEs for an undefined table and an undefined column.
_UNDEFINED_OBJECT_CODES = ("42P01", "42703")


def _is_missing_schema(error: exc.DBAPIError) -> bool:
    """A table or column that is not there: the schema is missing or old, nothing is down."""
    if getattr(error.orig, "sqlstate", None) in _UNDEFINED_OBJECT_CODES:
        return True
    message = str(error.orig)
    return isinstance(error, exc.OperationalError) and (
        message.startswith("no such table") or message.startswith("no such column")
        or " has no column named " in message
    )


def ping_database(engine: Engine) -> None:
    """Check that the database answers; :class:`StorageUnavailable` if it does not."""
    with translate_driver_errors(), engine.begin() as connection:
        connection.execute(text("SELECT 1"))


class TransactionalStore:
    """Base of the stores: holds the engine and the clock, runs transactions."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self._write_lock = write_lock_for(engine.url)
        # Injectable so tests can freeze time; every timestamp written comes from here.
        self._clock = clock

    def _now(self) -> datetime:
        return as_utc(self._clock())

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """A connection inside one transaction: committed on success, rolled back on error."""
        with translate_driver_errors(), self.engine.begin() as connection:
            yield connection

    @contextmanager
    def _write_transaction(self) -> Iterator[Connection]:
        """:meth:`_transaction` for the writes the service makes under load (a comment, a
        decision): on SQLite they queue on the file's :class:`SqliteWriteLock` first."""
        lock = self._write_lock
        if lock is None:
            with self._transaction() as connection:
                yield connection
            return
        # The connection is taken from the pool before queueing: the lock is held for the
        # transaction alone.
        with (
            translate_driver_errors(),
            self.engine.connect() as connection,
            lock.held(),
            connection.begin(),
        ):
            yield connection

    def _insert_unless_duplicate(
        self, connection: Connection, table: Table, values: Mapping[str, Any], key: str
    ) -> bool:
        """Insert ``values`` unless a row with the same ``key`` exists; True when inserted.

        ``ON CONFLICT DO NOTHING`` is decided by the unique index, so two instances racing
        for the same key cannot both insert, and the loser's transaction stays usable (a
        caught IntegrityError would abort a PostgreSQL transaction and log an error).
        """
        statement = _insert_ignoring_duplicates(connection.dialect.name, table, key)
        return connection.execute(statement, dict(values)).rowcount == 1

    def _insert_returning_id_unless_duplicate(
        self, connection: Connection, table: Table, values: Mapping[str, Any], key: str
    ) -> int | None:
        """:meth:`_insert_unless_duplicate` that returns the new row's ``id`` (``None``: a
        row with the same ``key`` exists)."""
        statement = _insert_ignoring_duplicates(connection.dialect.name, table, key, True)
        return connection.execute(statement, dict(values)).scalar_one_or_none()


@functools.cache
def _insert_ignoring_duplicates(
    dialect_name: str, table: Table, key: str, returning_id: bool = False
) -> Executable:
    # Built once per table and kept: the values go in as parameters. Building the statement
    # with .values() cost more than executing it, and that time was spent holding the
    # database's write lock.
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(table).on_conflict_do_nothing(index_elements=[key])
    if returning_id:
        return statement.returning(table.c.id)
    # rowcount of an INSERT is only reported when asked for (SQLAlchemy 2.0.28+).
    return statement.execution_options(preserve_rowcount=True)

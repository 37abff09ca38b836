"""One short transaction per repository call, with driver errors translated at the seam."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, exc
from sqlalchemy.dialects import postgresql, sqlite

from service.storage.errors import StorageUnavailable
from service.storage.records import as_utc, utc_now

__all__ = ["TransactionalStore", "translate_driver_errors"]


@contextmanager
def translate_driver_errors() -> Iterator[None]:
    """Turn "the database cannot be used right now" errors into :class:`StorageUnavailable`.

    OperationalError covers refused connections, lost connections, a locked or unopenable
    SQLite file and server shutdowns; a full connection pool is the same for a caller.
    Integrity and programming errors pass through unchanged: they are bugs or races that the
    repository handles itself.
    """
    try:
        yield
    except exc.DBAPIError as error:
        if isinstance(error, exc.OperationalError | exc.InterfaceError) or (
            error.connection_invalidated
        ):
            raise StorageUnavailable("the database is unavailable; try again later") from error
        raise
    except exc.TimeoutError as error:
        raise StorageUnavailable("no database connection is free; try again later") from error


class TransactionalStore:
    """Base of the repository: holds the engine and the clock, runs transactions."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        # Injectable so tests can freeze time; every timestamp written comes from here.
        self._clock = clock

    def _now(self) -> datetime:
        return as_utc(self._clock())

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """A connection inside one transaction: committed on success, rolled back on error."""
        with translate_driver_errors(), self.engine.begin() as connection:
            yield connection

    def _insert_unless_duplicate(
        self, connection: Connection, table: Table, values: Mapping[str, Any], key: str
    ) -> bool:
        """Insert ``values`` unless a row with the same ``key`` exists; True when inserted.

        ``ON CONFLICT DO NOTHING`` is decided by the unique index, so two instances racing
        for the same key cannot both insert, and the loser's transaction stays usable (a
        caught IntegrityError would abort a PostgreSQL transaction and log an error).
        """
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(table).values(**values).on_conflict_do_nothing(index_elements=[key])
        )
        # rowcount of an INSERT is only reported when asked for (SQLAlchemy 2.0.28+).
        result = connection.execute(statement.execution_options(preserve_rowcount=True))
        return result.rowcount == 1

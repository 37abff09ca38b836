"""Alembic environment: migrates the connection handed over by ``upgrade_database``.

Run from the ``alembic`` command line instead, it connects to ``sqlalchemy.url`` from the
config or ``SPAMSCHUTZ_DATABASE_URL``. Logging is left alone (no ``fileConfig``): the
application owns the logging configuration.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from spamschutz.service.storage.engine import create_engine_for, normalise_database_url
from spamschutz.service.storage.schema import metadata


def _database_url() -> str:
    url = context.config.get_main_option("sqlalchemy.url") or os.environ.get(
        "SPAMSCHUTZ_DATABASE_URL", ""
    )
    if not url:
        raise RuntimeError("set SPAMSCHUTZ_DATABASE_URL to the database to migrate")
    return url


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = create_engine_for(_database_url())
    try:
        with engine.connect() as own_connection:
            _migrate(own_connection)
            own_connection.commit()
    finally:
        engine.dispose()


def _run_offline() -> None:
    context.configure(
        url=normalise_database_url(_database_url()),
        target_metadata=metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
else:
    _run_online()

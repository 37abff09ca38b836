"""Migrations: repeatable, and producing exactly the schema the code declares."""

from __future__ import annotations

import threading
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CheckConstraint, inspect

from spamschutz.service.storage import (
    create_engine_for,
    current_revision,
    migrate,
    upgrade_database,
)
from spamschutz.service.storage.schema import metadata

# The newest migration, whichever it is: these tests hold for every release.
HEAD = ScriptDirectory(
    str(Path(migrate.__file__).with_name("migrations"))
).get_current_head()


def test_fresh_database_has_no_revision(database_url):
    assert current_revision(database_url) is None


def test_upgrading_twice_is_harmless(database_url):
    upgrade_database(database_url)
    upgrade_database(database_url)
    assert current_revision(database_url) == HEAD


def test_migrated_schema_matches_the_declared_tables(migrated_url):
    engine = create_engine_for(migrated_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            differences = compare_metadata(context, metadata)
            inspector = inspect(connection)
            checks = {
                table.name: {check["name"] for check in inspector.get_check_constraints(table.name)}
                for table in metadata.sorted_tables
            }
    finally:
        engine.dispose()
    assert differences == []
    # Alembic does not compare CHECK constraints; their names must still match the code's,
    # or a later migration could not drop them.
    assert checks == {
        table.name: {
            constraint.name
            for constraint in table.constraints
            if isinstance(constraint, CheckConstraint)
        }
        for table in metadata.sorted_tables
    }


def test_instances_starting_together_migrate_once(database_url):
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def start_instance():
        barrier.wait()
        try:
            upgrade_database(database_url)
        except BaseException as error:  # collected: an exception in a thread is otherwise lost
            errors.append(error)

    threads = [threading.Thread(target=start_instance) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert current_revision(database_url) == HEAD

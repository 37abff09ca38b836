"""Engines: URLs, SQLite pragmas, and "database down" reported as StorageUnavailable."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from spamschutz.service.storage import (
    StorageUnavailable,
    Stores,
    create_engine_for,
    current_revision,
    normalise_database_url,
    ping_database,
    sqlite_url_for,
    upgrade_database,
)
from spamschutz.service.storage.engine import SqliteWriteLock

CLOSED_PORT_URL = "postgresql+psycopg://postgres@127.0.0.1:1/spamschutz"


def test_sqlite_url_points_into_the_data_directory(tmp_path):
    assert sqlite_url_for(tmp_path) == f"sqlite:///{tmp_path}/spamschutz.db"


@pytest.mark.parametrize(
    "url",
    ["postgresql://u@db/spam", "postgres://u@db/spam", "postgresql+psycopg://u@db/spam"],
)
def test_postgresql_urls_use_the_psycopg_driver(url):
    assert normalise_database_url(url).drivername == "postgresql+psycopg"


@pytest.mark.parametrize("url", ["mysql://u@db/spam", "postgresql+psycopg2://u@db/spam"])
def test_unsupported_database_is_refused(url):
    with pytest.raises(ValueError, match="unsupported database"):
        create_engine_for(url)


def test_sqlite_engine_creates_the_directory_and_sets_the_pragmas(tmp_path):
    engine = create_engine_for(sqlite_url_for(tmp_path / "new" / "data"))
    try:
        with engine.connect() as connection:
            pragmas = {
                name: connection.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")
            }
    finally:
        engine.dispose()
    assert (tmp_path / "new" / "data" / "spamschutz.db").exists()
    # synchronous: 1 is NORMAL
    assert pragmas == {
        "journal_mode": "wal",
        "busy_timeout": 5000,
        "foreign_keys": 1,
        "synchronous": 1,
    }


def test_closed_postgresql_port_is_storage_unavailable():
    engine = create_engine_for(CLOSED_PORT_URL)
    try:
        with pytest.raises(StorageUnavailable) as raised:
            ping_database(engine)
    finally:
        engine.dispose()
    assert "127.0.0.1" not in str(raised.value)  # driver details stay in __cause__, for logs


def test_sqlite_file_in_an_impossible_directory_is_storage_unavailable(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the data directory should be")
    engine = create_engine_for(sqlite_url_for(blocker / "data"))
    try:
        with pytest.raises(StorageUnavailable):
            ping_database(engine)
        with pytest.raises(StorageUnavailable):
            Stores.open(engine).comments.count_by_status()
    finally:
        engine.dispose()


@pytest.mark.parametrize("operation", [upgrade_database, current_revision])
def test_migrations_against_an_unreachable_database_are_storage_unavailable(operation):
    with pytest.raises(StorageUnavailable):
        operation(CLOSED_PORT_URL)


def test_ping_succeeds_on_a_reachable_database(stores):
    assert ping_database(stores.engine) is None


def test_a_database_without_the_schema_says_so_instead_of_being_unavailable(database_url):
    from spamschutz.service.storage import SchemaMissing, Stores, create_engine_for

    engine = create_engine_for(database_url)  # an empty database: no tables
    try:
        with pytest.raises(SchemaMissing, match="spamschutz db upgrade"):
            Stores.open(engine).accounts.list_moderators()
    finally:
        engine.dispose()


def test_sqlite_database_and_its_companions_are_private(tmp_path):
    """The file holds webhook secrets, password hashes and commenters' data: it was 0644."""
    import os
    import stat

    url = sqlite_url_for(tmp_path / "data")
    old_umask = os.umask(0o022)
    try:
        upgrade_database(url)
        stores = Stores.open(create_engine_for(url))
        stores.accounts.add_moderator("redaktion", "x")  # writes: the WAL and its index exist now
    finally:
        os.umask(old_umask)
    files = [tmp_path / "data" / name for name in ("spamschutz.db", "spamschutz.db-wal",
                                                    "spamschutz.db-shm")]
    assert all(path.exists() for path in files)
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    stores.engine.dispose()
    # An existing file with wider rights is narrowed when the service opens it.
    files[0].chmod(0o644)
    create_engine_for(url).dispose()
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600


def test_replaced_sqlite_file_is_read_without_a_restart(tmp_path):
    """After the SQLite file was replaced (a backup put back with mv), pooled connections kept
    the old file until a restart."""
    import os
    import sqlite3
    from contextlib import closing

    url = sqlite_url_for(tmp_path / "data")
    upgrade_database(url)
    stores = Stores.open(create_engine_for(url))
    stores.accounts.add_moderator("before", "x")
    path = tmp_path / "data" / "spamschutz.db"
    # The restored copy knows another moderator; it takes the file's place, and the old
    # file's write-ahead log and index go, as a restore does.
    copy = tmp_path / "restored.db"
    with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(copy)) as target:
        source.backup(target)
    with closing(sqlite3.connect(copy)) as restored:
        restored.execute("UPDATE moderators SET name = 'restored'")
        restored.commit()
    os.replace(copy, path)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    assert stores.accounts.get_moderator("restored") is not None
    assert stores.accounts.get_moderator("before") is None
    stores.engine.dispose()


def test_a_lock_taken_elsewhere_is_reported_busy_and_free_again_once_released(tmp_path):
    """Two holders of one lock file (as two worker processes are) and two threads of one."""
    path = tmp_path / "spamschutz.db-detector"
    mine, other_process = SqliteWriteLock(path), SqliteWriteLock(path)
    with other_process.held(), mine.held_if_free() as free:
        assert not free
    with mine.held_if_free() as free:
        assert free
        answers = []
        thread = threading.Thread(target=lambda: answers.append(_try(mine)))
        thread.start()
        thread.join()
        assert answers == [False]
    assert _try(other_process)


def _try(lock: SqliteWriteLock) -> bool:
    with lock.held_if_free() as free:
        return free

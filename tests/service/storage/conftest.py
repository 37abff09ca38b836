"""Fixtures for the storage tests: a migrated database per backend and a frozen clock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from spamschutz.service.storage import (
    Stores,
    create_engine_for,
    schema_of_its_own,
    sqlite_url_for,
    upgrade_database,
)

POSTGRES_URL_VARIABLE = "SPAMSCHUTZ_TEST_DATABASE_URL"
POSTGRES_SKIP_REASON = f"{POSTGRES_URL_VARIABLE} is not set; PostgreSQL storage tests skipped"


class FrozenClock:
    """A clock that only moves when a test says so."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move the clock forward by ``timedelta(**delta)`` and return the new time."""
        self.now += timedelta(**delta)
        return self.now


def _postgres_schema_url(base_url: str) -> Iterator[str]:
    """A URL whose connections live in a fresh schema, dropped again afterwards."""
    with schema_of_its_own(base_url, "spamschutz_test") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An empty database of each backend; PostgreSQL only when its URL is configured."""
    if request.param == "sqlite":
        yield sqlite_url_for(tmp_path / "data")
        return
    base_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not base_url:
        pytest.skip(POSTGRES_SKIP_REASON)
    yield from _postgres_schema_url(base_url)


@pytest.fixture
def migrated_url(database_url: str) -> str:
    """``database_url`` after the migrations ran."""
    upgrade_database(database_url)
    return database_url


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    """An engine on the migrated database, disposed after the test."""
    engine = create_engine_for(migrated_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    """Frozen time, starting at a fixed instant."""
    return FrozenClock(datetime(2025, 3, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
def stores(engine: Engine, clock: FrozenClock) -> Stores:
    """A store per area on the migrated database, using the frozen clock."""
    return Stores.open(engine, clock=clock)


@pytest.fixture
def make_comment(stores: Stores):
    """Store a comment with sensible defaults; keyword arguments override them."""

    def make(**overrides):
        fields = {
            "thread_id": "article-1",
            "author_name": "Erika Mustermann",
            "text": "Ein sachlicher Kommentar zum Artikel.",
            "lang": "de",
            "score": 0.1,
            "band": "ham",
        }
        fields.update(overrides)
        return stores.comments.add_comment(**fields)

    return make

"""A model activated anywhere (the CLI, another instance) is announced through PostgreSQL and
every instance loads it at once; polling remains for SQLite and for a missed announcement."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from spamschutz.model import ModelStore, StoredModel
from spamschutz.service.extensions import runtime
from spamschutz.service.model_announcements import promotion_listener
from spamschutz.service.storage import Stores, create_engine_for
from tests.service.storage.conftest import _postgres_schema_url
from tests.waiting import wait_until


def test_sqlite_announces_nothing_so_instances_poll(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'a.db'}")
    assert promotion_listener(engine) is None
    engine.dispose()


def test_two_instances_load_a_model_activated_elsewhere_at_once(
    make_app: Callable[..., Flask], tiny_model: StoredModel, tmp_path: Path
) -> None:
    base_url = os.environ.get("SPAMSCHUTZ_TEST_DATABASE_URL")
    if not base_url:
        pytest.skip("SPAMSCHUTZ_TEST_DATABASE_URL is not set; PostgreSQL tests skipped")
    models = tmp_path / "models"
    shutil.copytree(tiny_model.path.parent, models / tiny_model.version)
    store = ModelStore(models)
    second = store.save(store.load(tiny_model.version, tiny_model.sha256),
                        version="20990101-000000-f00d")
    schema_urls = _postgres_schema_url(base_url)
    url = next(schema_urls)
    # Polling once an hour: only the announcement can switch them within this test.
    instances = [make_app(DATABASE_URL=url, MODEL_DIR=str(models), MODEL_REFRESH_SECONDS=3600)
                 for _ in range(2)]
    admin = create_engine_for(url)

    def serving(app: Flask) -> str | None:
        with app.app_context():
            return runtime().registry.version

    def listening() -> int:
        with admin.connect() as connection:
            return connection.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN %'"
                " AND state = 'idle'")).scalar_one()

    try:
        for app in instances:
            with app.app_context():
                registry = runtime().registry
                registry.current()
                registry.current()  # starts the watcher and the listener
        wait_until(lambda: listening() >= 2, 30, "both instances' listeners are connected")
        # The CLI, a process of its own, activates the second model.
        cli = Stores.open(create_engine_for(url))
        cli.models.record_model(second.version, second.sha256, str(second.path), second.metadata)
        cli.models.activate_model(second.version)
        cli.engine.dispose()
        wait_until(lambda: all(serving(app) == second.version for app in instances), 30,
                   "every instance serves the model the CLI activated")
    finally:
        for app in instances:
            with app.app_context():
                runtime().registry.close()
        admin.dispose()
        schema_urls.close()

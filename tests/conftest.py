"""Shared fixtures: an app on a temporary SQLite file with a tiny trained model, clients, logins."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings

from spamschutz.model import ModelStore, StoredModel
from spamschutz.service import create_app
from spamschutz.service.auth import hash_password, hash_token, new_token
from spamschutz.service.campaigns.detector import CAMPAIGN_DETECTOR_EXTENSION
from spamschutz.service.extensions import Runtime, runtime
from spamschutz.service.storage import upgrade_database
from spamschutz.training import train_model
from tests.factories import labelled_comments

# With CI=true a skipped test fails (tests/ci_skips.py).
pytest_plugins = ["tests.ci_skips"]

# The suite runs on shared, busy machines: Hypothesis's timing checks (200 ms per example, "data
# generation too slow") would fail tests for the machine's load, not for the code. Timings
# belong in bench/.
settings.register_profile(
    "busy_machine", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("busy_machine")

REPO_ROOT = Path(__file__).resolve().parent.parent
# The public corpora (docs/development.md, "Tests"): SPAMSCHUTZ_DATASETS names their folder,
# by default ../shared/datasets beside the checkout. Tests that need them skip without them.
DATASETS = Path(os.environ.get("SPAMSCHUTZ_DATASETS") or REPO_ROOT.parent / "shared" / "datasets")
YOUTUBE = DATASETS / "youtube-spam-collection"
DATASETS_MISSING = (
    f"{YOUTUBE} is not present: set SPAMSCHUTZ_DATASETS to the folder that holds "
    "youtube-spam-collection/ (docs/development.md, Tests)"
)

MODERATOR_PASSWORD = "correct horse battery staple"

# Rate limits stay on in every test, but this high they never get in the way; the tests of
# the limits themselves configure low ones.
GENEROUS_LIMITS = {
    "RATE_LIMIT_CHALLENGES": "100000 per minute",
    "RATE_LIMIT_COMMENTS": "100000 per minute",
    "RATE_LIMIT_LOGIN": "100000 per minute",
    "RATE_LIMIT_LOGIN_ACCOUNT": "100000 per minute",
    "RATE_LIMIT_WRONG_ANSWERS": "100000 per minute",
}


@pytest.fixture(scope="session")
def baked_starter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The starter model trained once per test session, the way a container image bakes it
    (``spamschutz models bootstrap`` into a model folder): servers started with
    ``SPAMSCHUTZ_BAKED_MODEL_DIR`` set to it register it in a second instead of each training
    its own (half a minute each, more on a busy machine)."""
    model_dir = tmp_path_factory.mktemp("baked-model")
    env = {
        **os.environ,
        "SPAMSCHUTZ_DATA_DIR": str(tmp_path_factory.mktemp("bake")),
        "SPAMSCHUTZ_MODEL_DIR": str(model_dir),
    }
    env.pop("SPAMSCHUTZ_DATABASE_URL", None)
    env.pop("SPAMSCHUTZ_BAKED_MODEL_DIR", None)
    script = Path(sys.executable).with_name("spamschutz")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "spamschutz"]
    subprocess.run(
        [*command, "models", "bootstrap"], env=env, check=True, capture_output=True, timeout=900
    )
    return model_dir


@pytest.fixture(scope="session")
def servers_use_the_baked_starter(baked_starter: Path) -> Iterator[None]:
    """Every server started from ``os.environ`` in this session registers the baked starter."""
    previous = os.environ.get("SPAMSCHUTZ_BAKED_MODEL_DIR")
    os.environ["SPAMSCHUTZ_BAKED_MODEL_DIR"] = str(baked_starter)
    yield
    if previous is None:
        os.environ.pop("SPAMSCHUTZ_BAKED_MODEL_DIR", None)
    else:
        os.environ["SPAMSCHUTZ_BAKED_MODEL_DIR"] = previous


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> StoredModel:
    """A small model trained once per test session, saved in a shared model directory."""
    directory = tmp_path_factory.mktemp("models")
    model = train_model(labelled_comments(), folds=3)
    return ModelStore(directory).save(model)


@pytest.fixture
def app_config(tmp_path: Path, tiny_model: StoredModel) -> dict[str, object]:
    """Configuration of a test app: its own SQLite file, the shared tiny model."""
    return {
        "TESTING": True,
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'test.db'}",
        "MODEL_DIR": str(tiny_model.path.parent.parent),
        "SECRET_KEY": "test-secret-" + "x" * 40,
        "MODEL_REFRESH_SECONDS": 0,
        "MIN_SUBMIT_SECONDS": 0,
        **GENEROUS_LIMITS,
    }


@pytest.fixture
def app(app_config: dict[str, object], tiny_model: StoredModel) -> Iterator[Flask]:
    """A migrated app whose active model is :func:`tiny_model`."""
    upgrade_database(str(app_config["DATABASE_URL"]))
    application = create_app(app_config)
    with application.app_context():
        stores = runtime()
        stores.models.record_model(
            tiny_model.version, tiny_model.sha256, str(tiny_model.path), tiny_model.metadata
        )
        stores.models.activate_model(tiny_model.version)
    yield application
    stop_background_work(application)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of :func:`app`."""
    return app.test_client()


@pytest.fixture
def stores(app: Flask) -> Runtime:
    """The app's stores, one per area: ``stores.comments``, ``stores.accounts`` … (the app's
    :class:`Runtime`, fetched in a short app context, so requests made by the test client do
    not share one ``g``)."""
    with app.app_context():
        return runtime()


@pytest.fixture
def runner(app_config: dict[str, object], app: Flask) -> Callable[..., object]:
    """Invoke the ``spamschutz`` CLI against the test app's database and model directory."""
    from spamschutz.cli import main

    env = {
        f"SPAMSCHUTZ_{key}": str(value)
        for key, value in app_config.items()
        if key not in ("TESTING",)
    }

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def make_token(stores) -> Callable[[str], str]:
    """Create an API token with a role and return its value."""

    def make(role: str = "site") -> str:
        token = new_token()
        stores.accounts.add_api_token(f"test-{role}", hash_token(token), role)
        return token

    return make


@pytest.fixture
def moderator(stores) -> str:
    """A moderator account; returns its name (password: ``MODERATOR_PASSWORD``)."""
    stores.accounts.add_moderator("redaktion", hash_password(MODERATOR_PASSWORD))
    return "redaktion"


def stop_background_work(app: Flask) -> None:
    """Stop the app's campaign detector (a batch it runs ends first) and close its database
    connections: a test's last comment may still be in a batch."""
    detector = app.extensions.get(CAMPAIGN_DETECTOR_EXTENSION)
    if detector is not None:
        detector.stop()
    with app.app_context():
        runtime().engine.dispose()


def detect_campaigns(app: Flask) -> None:
    """Link every comment waiting for the campaign detection now, as the app's detector does
    a moment after the requests that stored them (the waiting ones another instance holds
    included): for tests that look at campaigns right after posting."""
    app.extensions[CAMPAIGN_DETECTOR_EXTENSION].catch_up()


def csrf_token_from(html: str) -> str:
    """The CSRF token embedded in a page's forms."""
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


@pytest.fixture
def login(client: FlaskClient, moderator: str) -> Callable[..., FlaskClient]:
    """Log ``client`` in as the moderator through the real login form."""

    def do_login(name: str = moderator, password: str = MODERATOR_PASSWORD) -> FlaskClient:
        page = client.get("/moderation/login")
        token = csrf_token_from(page.get_data(as_text=True))
        response = client.post(
            "/moderation/login", data={"name": name, "password": password, "csrf_token": token}
        )
        assert response.status_code in (302, 303), response.get_data(as_text=True)
        return client

    return do_login


def database_urls() -> list[object]:
    """SQLite always; PostgreSQL when SPAMSCHUTZ_TEST_DATABASE_URL is set."""
    urls: list[object] = ["sqlite"]
    postgres = os.environ.get("SPAMSCHUTZ_TEST_DATABASE_URL")
    urls.append(
        pytest.param(
            postgres or "postgresql",
            marks=pytest.mark.skipif(
                not postgres,
                reason="SPAMSCHUTZ_TEST_DATABASE_URL is not set; PostgreSQL tests skipped",
            ),
        )
    )
    return urls


@pytest.fixture
def make_app(
    app_config: dict[str, object], tiny_model: StoredModel
) -> Iterator[Callable[..., Flask]]:
    """Build further apps (instances) with settings over :func:`app_config`; each is migrated
    and serves :func:`tiny_model`. Apps sharing a ``DATABASE_URL`` share the database."""
    made: list[Flask] = []

    def make(**overrides: object) -> Flask:
        config = {**app_config, **overrides}
        upgrade_database(str(config["DATABASE_URL"]))
        application = create_app(config)
        with application.app_context():
            stores = runtime()
            if all(row.version != tiny_model.version for row in stores.models.list_models()):
                stores.models.record_model(
                    tiny_model.version, tiny_model.sha256, str(tiny_model.path),
                    tiny_model.metadata,
                )
            stores.models.activate_model(tiny_model.version)
        made.append(application)
        return application

    yield make
    for application in made:
        stop_background_work(application)


@pytest.fixture
def redis_settings() -> Iterator[dict[str, str]]:
    """``REDIS_URL`` and a key prefix of its own for one test; its keys are deleted after.

    Skips when ``SPAMSCHUTZ_TEST_REDIS_URL`` is not set.
    """
    import uuid

    import redis

    url = os.environ.get("SPAMSCHUTZ_TEST_REDIS_URL")
    if not url:
        pytest.skip("SPAMSCHUTZ_TEST_REDIS_URL is not set; Redis tests skipped")
    prefix = f"spamschutz-test-{uuid.uuid4().hex[:12]}"
    yield {"REDIS_URL": url, "REDIS_KEY_PREFIX": prefix}
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_app(
    request: pytest.FixtureRequest, make_app: Callable[..., Flask], tmp_path: Path
) -> Iterator[Flask]:
    """An app on each database backend: SQLite always, PostgreSQL (a fresh schema) when
    ``SPAMSCHUTZ_TEST_DATABASE_URL`` is set. For promises that depend on what the database
    accepts, such as NUL bytes, which PostgreSQL refuses."""
    if request.param == "sqlite":
        yield make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'backend.db'}")
        return
    from tests.service.storage.conftest import _postgres_schema_url

    base_url = os.environ.get("SPAMSCHUTZ_TEST_DATABASE_URL")
    if not base_url:
        pytest.skip("SPAMSCHUTZ_TEST_DATABASE_URL is not set; PostgreSQL tests skipped")
    for url in _postgres_schema_url(base_url):
        yield make_app(DATABASE_URL=url)

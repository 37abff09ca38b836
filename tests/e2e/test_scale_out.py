"""Two real ``spamschutz serve`` instances (two workers each) on one PostgreSQL and one Redis:
challenge tokens, rate limits, moderation races and the active model are shared, and /metrics
adds up every worker's figures."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from spamschutz.model import ModelStore, StoredModel
from spamschutz.service.storage import ModelCatalog, Stores, create_engine_for
from tests.e2e.conftest import QUESTIONS, Server, launch, spamschutz_command, stop, wait_ready
from tests.waiting import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REFRESH_SECONDS = 1


def _start(env: dict[str, str], data_dir: Path) -> Server:
    return launch({**env, "SPAMSCHUTZ_DATA_DIR": str(data_dir)}, data_dir, workers=2)


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    base = os.environ.get("SPAMSCHUTZ_TEST_DATABASE_URL")
    if not base:
        pytest.skip("SPAMSCHUTZ_TEST_DATABASE_URL is not set; the scale-out test needs PostgreSQL")
    from tests.service.storage.conftest import _postgres_schema_url

    yield from _postgres_schema_url(base)


@pytest.fixture(scope="module")
def redis_url() -> Iterator[tuple[str, str]]:
    import uuid

    import redis

    url = os.environ.get("SPAMSCHUTZ_TEST_REDIS_URL")
    if not url:
        pytest.skip("SPAMSCHUTZ_TEST_REDIS_URL is not set; the scale-out test needs Redis")
    prefix = f"spamschutz-scale-{uuid.uuid4().hex[:10]}"
    yield url, prefix
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory,
    tiny_model: StoredModel,
    postgres_url: str,
    redis_url: tuple[str, str],
) -> Iterator[tuple[Server, Server]]:
    root = tmp_path_factory.mktemp("scale")
    models = root / "models"
    shutil.copytree(tiny_model.path.parent, models / tiny_model.version)
    questions = root / "questions.json"
    questions.write_text(json.dumps(QUESTIONS))
    env = {
        **os.environ,
        "SPAMSCHUTZ_DATABASE_URL": postgres_url,
        "SPAMSCHUTZ_REDIS_URL": redis_url[0],
        "SPAMSCHUTZ_REDIS_KEY_PREFIX": redis_url[1],
        "SPAMSCHUTZ_SECRET_KEY": "scale-out-secret-" + "k" * 40,
        "SPAMSCHUTZ_MODEL_DIR": str(models),
        "SPAMSCHUTZ_QUESTIONS": str(questions),
        "SPAMSCHUTZ_OWN_QUESTIONS_SHARE": "1",
        "SPAMSCHUTZ_MIN_SUBMIT_SECONDS": "0",
        "SPAMSCHUTZ_MODEL_REFRESH_SECONDS": str(REFRESH_SECONDS),
        "SPAMSCHUTZ_AUTO_MIGRATE": "never",
        "SPAMSCHUTZ_TRUSTED_PROXIES": "1",  # each test poses as its own client address
        "SPAMSCHUTZ_RATE_LIMIT_CHALLENGES": "5 per minute",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    # The explicit migration step, then the catalog, as an operator would.
    subprocess.run(
        [*spamschutz_command(), "db", "upgrade"],
        env={**env, "SPAMSCHUTZ_DATA_DIR": str(root / "admin")},
        check=True,
        capture_output=True,
    )
    engine = create_engine_for(postgres_url)
    stores = Stores.open(engine)
    stores.models.record_model(
        tiny_model.version,
        tiny_model.sha256,
        str(models / tiny_model.version / "model.joblib"),
        tiny_model.metadata,
    )
    stores.models.activate_model(tiny_model.version)
    engine.dispose()
    first, second = _start(env, root / "a"), _start(env, root / "b")
    try:
        wait_ready(first, timeout=90)
        wait_ready(second, timeout=90)
        yield first, second
    finally:
        for server in (first, second):
            stop(server)


def _as(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def _challenge(server: Server, address: str) -> dict:
    response = httpx.get(
        f"{server.url}/api/v1/challenge", params={"lang": "de"}, headers=_as(address), timeout=10
    )
    assert response.status_code == 200, response.text
    return response.json()


def _submit(server: Server, token: str, address: str, text: str) -> httpx.Response:
    body = {
        "thread_id": "skalierung",
        "author": "Leserin",
        "text": text,
        "challenge_token": token,
        "challenge_answer": "7",
    }
    return httpx.post(f"{server.url}/api/v1/comments", json=body, headers=_as(address), timeout=30)


def test_challenge_token_issued_by_one_instance_is_accepted_by_the_other_exactly_once(
    cluster: tuple[Server, Server],
) -> None:
    first, second = cluster
    token = _challenge(first, "198.51.100.1")["token"]
    accepted = _submit(second, token, "198.51.100.1", "Ein sachlicher Beitrag zum Artikel.")
    assert accepted.status_code == 202, accepted.text
    replayed_elsewhere = _submit(first, token, "198.51.100.1", "Noch einmal, anderswo.")
    replayed_same = _submit(second, token, "198.51.100.1", "Noch einmal, gleiche Instanz.")
    assert replayed_elsewhere.status_code == replayed_same.status_code == 422
    assert replayed_elsewhere.json()["error"] == "challenge_used"


def test_rate_limits_are_global_across_instances(cluster: tuple[Server, Server]) -> None:
    first, second = cluster
    statuses = [
        httpx.get(
            f"{server.url}/api/v1/challenge", headers=_as("198.51.100.2"), timeout=10
        ).status_code
        for server in (first, second, first, second, first, second)
    ]
    assert statuses == [200] * 5 + [429]  # the limit is 5 per minute in total, not per instance


def test_two_moderators_deciding_one_comment_concurrently_cannot_both_win(
    cluster: tuple[Server, Server],
) -> None:
    first, second = cluster
    token_line = first.cli("tokens", "create", "desk", "--role", "moderator").stdout
    auth = {"Authorization": f"Bearer {token_line.strip().splitlines()[-1]}"}
    posted = _submit(
        first,
        _challenge(first, "198.51.100.3")["token"],
        "198.51.100.3",
        "Ich sehe das anders als der Autor, aber gut geschrieben.",
    )
    assert posted.status_code == 202
    comment_id = posted.json()["id"]
    found = None
    for status in ("pending", "spam"):
        page = httpx.get(
            f"{first.url}/api/v1/moderation/comments",
            params={"status": status, "limit": 200},
            headers=auth,
            timeout=10,
        )
        found = found or next(
            (row for row in page.json()["comments"] if row["id"] == comment_id), None
        )
    assert found is not None
    results: dict[str, int] = {}
    barrier = threading.Barrier(2)

    def decide(server: Server, action: str) -> None:
        barrier.wait()
        response = httpx.post(
            f"{server.url}/api/v1/moderation/comments/{comment_id}/decision",
            json={"action": action, "row_version": found["row_version"]},
            headers=auth,
            timeout=30,
        )
        results[action] = response.status_code

    threads = [
        threading.Thread(target=decide, args=(first, "approve")),
        threading.Thread(target=decide, args=(second, "reject")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == [200, 409], results


def test_a_promoted_model_serves_on_every_instance_within_the_refresh_interval(
    cluster: tuple[Server, Server], tiny_model: StoredModel
) -> None:
    first, second = cluster
    store = ModelStore(first.env["SPAMSCHUTZ_MODEL_DIR"])
    model = store.load(tiny_model.version, tiny_model.sha256)
    stored = store.save(model, version="20990101-000000-beef")
    ModelCatalog(engine := create_engine_for(first.env["SPAMSCHUTZ_DATABASE_URL"])).record_model(
        stored.version, stored.sha256, str(stored.path), stored.metadata
    )
    engine.dispose()
    promoted = subprocess.run(
        [
            *spamschutz_command(),
            "models",
            "promote",
            stored.version,
            "--force",
            "--reason",
            "scale-out test",
        ],
        env=first.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert promoted.returncode == 0, promoted.stderr + promoted.stdout
    pending = {first.url, second.url}

    def both_instances_switched() -> bool:
        for url in list(pending):
            # Several requests: each worker of an instance refreshes on its own.
            if all(
                httpx.get(f"{url}/healthz", timeout=5).json()["model_version"] == stored.version
                for _ in range(6)
            ):
                pending.discard(url)
        return not pending

    wait_until(both_instances_switched, REFRESH_SECONDS + 5,
               "every worker of both instances serves the promoted model", interval=0.2)


def test_metrics_add_up_all_workers_of_an_instance(cluster: tuple[Server, Server]) -> None:
    first, _ = cluster
    sample = 'spamschutz_http_requests_total{endpoint="/healthz",method="GET",status="200"}'

    def count() -> float:
        text = httpx.get(f"{first.url}/metrics", timeout=10).text
        line = next((line for line in text.splitlines() if line.startswith(sample)), None)
        return float(line.rsplit(" ", 1)[1]) if line else 0.0

    before = count()
    for _ in range(40):  # a new connection each, so both workers answer some
        assert httpx.get(f"{first.url}/healthz", timeout=10).status_code == 200
    text = httpx.get(f"{first.url}/metrics", timeout=10).text
    assert count() - before == 40
    assert "spamschutz_http_request_duration_seconds_bucket" in text
    assert "spamschutz_queue_pending" in text and "spamschutz_model_serving{" in text
    print(text)

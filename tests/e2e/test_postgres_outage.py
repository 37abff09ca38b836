"""A real PostgreSQL stopped and started under a running server: no accepted comment is lost or
stored twice, and readiness follows the database while liveness does not."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from spamschutz.model import StoredModel
from spamschutz.service.storage import Stores, create_engine_for, upgrade_database
from spamschutz.service.storage.schema import comments
from tests.e2e.conftest import QUESTIONS, Server, launch, stop
from tests.e2e.private_postgres import PrivateCluster, private_cluster
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e


def _catalogue(url: str, model: StoredModel) -> None:
    """Migrate and make the shared tiny model active, so the server need not train one."""
    upgrade_database(url)
    engine = create_engine_for(url)
    try:
        stores = Stores.open(engine)
        stores.models.record_model(model.version, model.sha256, str(model.path), model.metadata)
        stores.models.activate_model(model.version)
    finally:
        engine.dispose()


@pytest.fixture
def outage_setup(
    tmp_path: Path, tiny_model: StoredModel
) -> Iterator[tuple[Server, PrivateCluster]]:
    """``spamschutz serve`` with two workers on a private PostgreSQL cluster."""
    with private_cluster() as cluster:
        _catalogue(cluster.url, tiny_model)
        questions = tmp_path / "questions.json"
        questions.write_text(json.dumps(QUESTIONS))
        env = {
            **os.environ,
            "SPAMSCHUTZ_DATA_DIR": str(tmp_path / "data"),
            "SPAMSCHUTZ_DATABASE_URL": cluster.url,
            "SPAMSCHUTZ_MODEL_DIR": str(tiny_model.path.parent.parent),
            "SPAMSCHUTZ_QUESTIONS": str(questions),
            "SPAMSCHUTZ_OWN_QUESTIONS_SHARE": "1",
            "SPAMSCHUTZ_MIN_SUBMIT_SECONDS": "0",
            "SPAMSCHUTZ_MODEL_REFRESH_SECONDS": "1",
            "SPAMSCHUTZ_SPOOL_REPLAY_SECONDS": "0.5",
            "SPAMSCHUTZ_RATE_LIMIT_COMMENTS": "1000 per minute",
        }
        server = launch(env, tmp_path / "data", workers=2)
        try:
            wait_until(lambda: _ready(server) == 200, 60, "the server answers /readyz",
                       interval=0.2)
            yield server, cluster
        except BaseException:
            log = (server.data_dir / "server.log").read_text(errors="replace")
            print(log[-4000:], cluster.log()[-2000:])
            raise
        finally:
            stop(server)


def _ready(server: Server) -> int | None:
    if server.process.poll() is not None:
        pytest.fail("the server exited")
    try:
        return httpx.get(f"{server.url}/readyz", timeout=5).status_code
    except httpx.TransportError:
        return None


def _post(client: httpx.Client, text: str, key: str | None = None) -> httpx.Response:
    challenge = client.get("/api/v1/challenge", params={"lang": "de"}).json()
    body = {
        "thread_id": "ausfall-2026",
        "author": "Leserin",
        "text": text,
        "challenge_token": challenge["token"],
        "challenge_answer": "7",
    }
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/api/v1/comments", json=body, headers=headers)


def _stored_comments(url: str) -> list[tuple[str, str]]:
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(comments.c.public_id, comments.c.text)).all()
    finally:
        engine.dispose()
    return [(row.public_id, row.text) for row in rows]


def test_comments_accepted_while_postgres_is_stopped_are_stored_exactly_once_after_restart(
    outage_setup: tuple[Server, PrivateCluster],
) -> None:
    server, cluster = outage_setup
    with httpx.Client(base_url=server.url, timeout=30) as client:
        before = _post(client, "Vor dem Ausfall geschrieben.")
        assert before.status_code == 202

        cluster.stop()
        wait_until(lambda: client.get("/readyz").status_code == 503, 15, "/readyz says 503",
                   interval=0.2)
        assert client.get("/healthz").status_code == 200
        during = [_post(client, f"Während des Ausfalls geschrieben, Nummer {n}.") for n in range(3)]
        keyed = _post(client, "Mit Idempotency-Key geschrieben.", key="ausfall-key-1")
        retry = _post(client, "Mit Idempotency-Key geschrieben.", key="ausfall-key-1")
        accepted = [*during, keyed, retry]
        assert [response.status_code for response in accepted] == [202] * 5
        assert retry.json()["id"] == keyed.json()["id"]
        assert client.get("/healthz").json()["spool"]["depth"] == 4
        assert client.get("/readyz").status_code == 503

        cluster.start()
        wait_until(
            lambda: client.get("/readyz").status_code == 200
            and client.get("/healthz").json()["spool"]["depth"] == 0,
            30,
            "the server replays its spool once PostgreSQL is back",
            interval=0.2,
        )
        after = _post(client, "Mit Idempotency-Key geschrieben.", key="ausfall-key-1")
        assert after.status_code == 202 and after.json()["id"] == keyed.json()["id"]

    stored = _stored_comments(cluster.url)
    expected = {response.json()["id"] for response in [before, *during, keyed]}
    assert sorted(public_id for public_id, _ in stored) == sorted(expected)  # each exactly once
    texts = dict(stored)
    assert texts[keyed.json()["id"]] == "Mit Idempotency-Key geschrieben."

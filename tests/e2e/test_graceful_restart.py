"""A graceful reload (SIGHUP to the gunicorn master) while a client keeps sending requests
drops none of them."""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path

import httpx
import pytest

from spamschutz.model import StoredModel
from tests.e2e.conftest import QUESTIONS, launch, wait_ready
from tests.e2e.conftest import stop as stop_server
from tests.e2e.test_postgres_outage import _catalogue
from tests.waiting import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_sighup_reload_drops_no_request(tmp_path: Path, tiny_model: StoredModel) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'spamschutz.db'}"
    _catalogue(url, tiny_model)
    questions = tmp_path / "questions.json"
    questions.write_text(json.dumps(QUESTIONS))
    env = {
        **os.environ,
        "SPAMSCHUTZ_DATA_DIR": str(tmp_path / "data"),
        "SPAMSCHUTZ_MODEL_DIR": str(tiny_model.path.parent.parent),
        "SPAMSCHUTZ_QUESTIONS": str(questions),
        "SPAMSCHUTZ_OWN_QUESTIONS_SHARE": "1",
        "SPAMSCHUTZ_RATE_LIMIT_CHALLENGES": "100000 per minute",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    server = launch(env, tmp_path / "data", workers=2)
    base = server.url
    outcomes: list[int | str] = []
    stop = threading.Event()

    def loop() -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            while not stop.is_set():
                for path in ("/healthz", "/api/v1/challenge"):
                    try:
                        outcomes.append(_get_like_a_browser(client, path).status_code)
                    except httpx.HTTPError as error:
                        outcomes.append(type(error).__name__)

    def booted_workers() -> int:
        log = (server.data_dir / "server.log").read_text(errors="replace")
        return log.count("Booting worker with pid")

    def traffic_goes_on() -> None:
        # Requests after the moment asked: the workers that answer them are the current ones.
        seen = len(outcomes)
        wait_until(lambda: len(outcomes) >= seen + 50 or stop.is_set(), 60,
                   "fifty more answers to the clients")

    try:
        wait_ready(server, timeout=60)
        clients = [threading.Thread(target=loop) for _ in range(3)]
        for thread in clients:
            thread.start()
        wait_until(lambda: booted_workers() >= 2, 60, "gunicorn boots two workers")
        for reload in (1, 2):
            traffic_goes_on()
            server.process.send_signal(signal.SIGHUP)
            # gunicorn boots a new pair of workers for each reload, then retires the old pair.
            wait_until(lambda reload=reload: booted_workers() >= 2 + 2 * reload, 60,
                       f"gunicorn boots a new pair of workers for reload {reload}")
        traffic_goes_on()
        stop.set()
        for thread in clients:
            thread.join(timeout=30)
    finally:
        stop.set()
        stop_server(server)
    errors = [outcome for outcome in outcomes if outcome != 200]
    assert len(outcomes) > 100, "the client hardly ran"
    assert errors == [], f"{len(errors)} of {len(outcomes)} requests failed: {errors[:5]}"
    log_text = (server.data_dir / "server.log").read_text()
    gunicorn_lines = [line for line in log_text.splitlines() if "gunicorn" in line]
    assert [
        json.loads(line)["logger"] for line in gunicorn_lines if "Handling signal: hup" in line
    ] == ["gunicorn.error"] * 2  # gunicorn logs as JSON lines too


def _get_like_a_browser(client: httpx.Client, path: str) -> httpx.Response:
    """GET ``path``, sending it once more if the server closed the kept-alive connection before
    answering: a retiring worker closes its idle connections, and a request the client sent in
    that same instant is never read. Browsers and proxies send such an idempotent request again
    (RFC 9112, 9.3.1); httpx does not. A second failure is a dropped request."""
    try:
        return client.get(path)
    except (httpx.ReadError, httpx.RemoteProtocolError):
        return client.get(path)


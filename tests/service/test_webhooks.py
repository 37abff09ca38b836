"""Signed webhooks: a real HTTP receiver gets every event exactly once, even after failures."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from spamschutz.service.webhook_targets import parse_networks, refused_target
from spamschutz.service.webhooks import DeliveryPolicy, deliver_due, sign, verify_signature
from tests.service.helpers import post_comment
from tests.waiting import wait_until

SECRET = "whsec-" + "k" * 32
# The receivers of these tests listen on loopback, which webhooks may reach only when allowed.
LOOPBACK = "127.0.0.0/8"


@pytest.fixture
def app_config(app_config):
    """The test app, allowed to send webhooks to this machine's receivers."""
    return {**app_config, "WEBHOOK_ALLOWED_NETWORKS": LOOPBACK}


class Receiver:
    """A tiny webhook receiver in a thread that fails its first ``fail_first`` requests."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.requests: list[dict] = []
        self.accepted: list[dict] = []
        self.bad_signatures = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(json.loads(body))
                if len(receiver.requests) <= receiver.fail_first:
                    self.send_response(503)
                    self.end_headers()
                    return
                if not verify_signature(SECRET, body, self.headers["X-Spamschutz-Signature"]):
                    receiver.bad_signatures += 1
                    self.send_response(400)
                    self.end_headers()
                    return
                event = json.loads(body)
                assert event["id"] == self.headers["X-Spamschutz-Delivery"]
                assert event["type"] == self.headers["X-Spamschutz-Event"]
                receiver.accepted.append(event)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_signature_is_hmac_over_timestamp_and_body():
    header = sign(SECRET, b'{"a":1}', 1_700_000_000)
    assert header.startswith("t=1700000000,v1=")
    assert verify_signature(SECRET, b'{"a":1}', header, now=1_700_000_010)
    assert not verify_signature(SECRET, b'{"a":2}', header, now=1_700_000_010)
    assert not verify_signature("other-secret", b'{"a":1}', header, now=1_700_000_010)
    assert not verify_signature(SECRET, b'{"a":1}', header, now=1_700_009_999)  # too old


def test_backoff_doubles():
    policy = DeliveryPolicy(retry_seconds=30)
    assert [policy.retry_delay(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]


@pytest.fixture
def moderator_headers(make_token):
    return {"Authorization": f"Bearer {make_token('moderator')}"}


def _decide(client, headers, comment_id, action):
    response = client.post(
        f"/api/v1/moderation/comments/{comment_id}/decision", json={"action": action},
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()


def test_every_event_arrives_exactly_once_with_valid_signature_after_failures(
    make_app, runner, moderator_headers, make_token
):
    app = make_app(WEBHOOK_DELIVERY_SECONDS=0.05, WEBHOOK_RETRY_SECONDS=0.05)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {make_token('moderator')}"}
    with Receiver(fail_first=3) as receiver:
        result = runner("webhooks", "add", receiver.url, "--secret", SECRET)
        assert result.exit_code == 0, result.output
        ids = []
        for text in ("Erster Kommentar zur Wahl.", "Zweiter Kommentar.", "Dritter Kommentar."):
            response = post_comment(client, app, text=text)
            assert response.status_code == 202
            ids.append(response.get_json()["id"])
        for comment_id, action in zip(ids, ("approve", "reject", "spam"), strict=True):
            _decide(client, headers, comment_id, action)

        def all_six_accepted() -> bool:
            client.get("/healthz")  # requests wake the delivery worker
            return len(receiver.accepted) >= 6

        wait_until(all_six_accepted, 20, "the receiver accepts all six events")
        app.extensions["spamschutz.webhook_worker"].join(5)
    events = sorted(
        (event["type"], event["data"]["comment"]["id"]) for event in receiver.accepted
    )
    assert events == sorted(
        [("comment.received", comment_id) for comment_id in ids]
        + [("comment.approved", ids[0]), ("comment.rejected", ids[1]), ("comment.spam", ids[2])]
    )
    assert len({event["id"] for event in receiver.accepted}) == 6
    assert receiver.bad_signatures == 0
    assert len(receiver.requests) == 6 + 3  # the three failures were retried, nothing else


@pytest.fixture
def dead_url() -> Iterator[str]:
    """A webhook URL whose port refuses connections for the whole test: bound and never
    listening, so no other program can take it and answer (a probed free port could be)."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{held.getsockname()[1]}/hooks"


def test_failed_delivery_is_listed_and_can_be_retried(
    app, client, runner, stores, make_token, dead_url
):
    assert runner("webhooks", "add", dead_url, "--secret", SECRET,
                  "--events", "comment.received").exit_code == 0
    assert post_comment(client, app).status_code == 202
    policy = DeliveryPolicy(
        max_attempts=2, retry_seconds=0, timeout_seconds=1,
        allowed_networks=parse_networks(LOOPBACK),
    )
    assert deliver_due(stores.webhooks, policy)["retry"] == 1
    assert deliver_due(stores.webhooks, policy)["failed"] == 1
    listed = runner("webhooks", "list", "--failed")
    assert "comment.received" in listed.output and "attempts=2" in listed.output
    admin = {"Authorization": f"Bearer {make_token('admin')}"}
    failed = client.get("/api/v1/webhooks/deliveries?status=failed", headers=admin).get_json()
    [delivery] = failed["deliveries"]
    assert delivery["attempts"] == 2 and delivery["last_error"]
    assert "secret" not in delivery
    site = {"Authorization": f"Bearer {make_token('site')}"}
    assert client.get("/api/v1/webhooks/deliveries", headers=site).status_code == 403

    assert runner("webhooks", "retry", str(delivery["id"])).exit_code == 0
    assert stores.webhooks.list_deliveries("pending")[0].id == delivery["id"]
    assert deliver_due(stores.webhooks, policy)["failed"] == 1  # still nobody listening
    retried = client.post(f"/api/v1/webhooks/deliveries/{delivery['id']}/retry", headers=admin)
    assert retried.status_code == 202
    assert stores.webhooks.list_deliveries("pending")[0].id == delivery["id"]


def test_cli_deliver_sends_due_deliveries(app, client, runner):
    with Receiver() as receiver:
        assert runner("webhooks", "add", receiver.url, "--secret", SECRET).exit_code == 0
        assert post_comment(client, app).status_code == 202
        result = runner("webhooks", "deliver")
        assert "delivered 1" in result.output
        assert runner("webhooks", "deliver").output.startswith("delivered 0")
    assert [event["type"] for event in receiver.accepted] == ["comment.received"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hooks",
        "http://localhost/hooks",
        "http://[::1]/hooks",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/hooks",
        "http://192.168.1.1/hooks",
        "http://[::ffff:172.16.0.1]/hooks",
        "http://100.64.0.1/hooks",
        "http://0.0.0.0:22/",
    ],
)
def test_webhooks_to_private_and_local_addresses_are_refused(url: str):
    """Webhook URLs could point at loopback, link-local (the cloud's metadata address) and
    private networks, and delivery errors acted as a port scanner."""
    assert "private, local or reserved address" in str(refused_target(url))
    assert refused_target(url, parse_networks("0.0.0.0/0, ::/0")) is None
    assert refused_target("https://hooks.example.org/x") != refused_target(url)


def test_webhook_to_a_local_address_is_refused_at_add_and_at_delivery(app_config, backend_app):
    """Without an allowed network, the CLI refuses the URL; an endpoint already stored (or a
    name that resolves to a private address by now) gets no request, and the delivery says
    why."""
    from click.testing import CliRunner

    from spamschutz.cli import main
    from spamschutz.service.extensions import runtime

    env = {f"SPAMSCHUTZ_{key}": str(value) for key, value in app_config.items()
           if key != "TESTING"}
    env["SPAMSCHUTZ_DATABASE_URL"] = str(backend_app.config["DATABASE_URL"])
    env["SPAMSCHUTZ_WEBHOOK_ALLOWED_NETWORKS"] = ""
    with backend_app.app_context():
        webhooks = runtime().webhooks
    with Receiver() as receiver:
        added = CliRunner().invoke(main, ["webhooks", "add", receiver.url, "--secret", SECRET],
                                   env=env)
        assert added.exit_code != 0
        assert "private, local or reserved address" in added.output
        assert webhooks.list_webhook_endpoints() == []
        webhooks.add_webhook_endpoint(receiver.url, SECRET, [])
        assert post_comment(backend_app.test_client(), backend_app).status_code == 202
        policy = DeliveryPolicy(max_attempts=1, retry_seconds=0, timeout_seconds=1)
        assert deliver_due(webhooks, policy)["failed"] == 1
        assert receiver.requests == []
    [failed] = webhooks.list_deliveries("failed")
    assert failed.last_error.startswith("refused: 127.0.0.1 is 127.0.0.1")


def test_allowed_network_is_a_network(tmp_path):
    from spamschutz.service.config import ConfigError, load_config

    environ = {"SPAMSCHUTZ_DATA_DIR": str(tmp_path), "SPAMSCHUTZ_WEBHOOK_ALLOWED_NETWORKS": "x"}
    with pytest.raises(ConfigError, match="SPAMSCHUTZ_WEBHOOK_ALLOWED_NETWORKS"):
        load_config(environ=environ)


def test_a_disabled_endpoint_gets_no_new_events(app, client, runner, stores):
    with Receiver() as receiver:
        assert runner("webhooks", "add", receiver.url, "--secret", SECRET).exit_code == 0
        [endpoint] = stores.webhooks.list_webhook_endpoints()
        result = runner("webhooks", "disable", str(endpoint.id))
        assert result.exit_code == 0, result.output
        assert f"endpoint {endpoint.id}\tdisabled\t{receiver.url}" in runner(
            "webhooks", "list").output
        assert post_comment(client, app).status_code == 202
        assert runner("webhooks", "deliver").output.startswith("delivered 0")
    assert receiver.requests == []
    assert stores.webhooks.list_deliveries() == []


def test_disabling_an_unknown_endpoint_names_it(runner):
    result = runner("webhooks", "disable", "999")
    assert result.exit_code != 0
    assert "No webhook endpoint 999." in result.output

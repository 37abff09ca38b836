"""Per-client rate limits on questions, comments and logins; trusted proxies only."""

from __future__ import annotations

import pytest
from flask import Flask

from spamschutz.service.config import ConfigError, load_config
from tests.conftest import MODERATOR_PASSWORD, csrf_token_from
from tests.service.helpers import post_comment
from tests.waiting import wait_until

LOGIN_FAILED = "Name oder Passwort ist falsch."  # what the German login page says


def _limited(response) -> dict:
    assert response.status_code == 429, response.get_data(as_text=True)
    assert 1 <= int(response.headers["Retry-After"]) <= 3600
    return response.get_json()


def _challenge(client, **kwargs):
    return client.get("/api/v1/challenge?lang=de", **kwargs)


def _log_in(client, name: str, password: str, **kwargs):
    token = csrf_token_from(client.get("/moderation/login", **kwargs).get_data(as_text=True))
    return client.post("/moderation/login", **kwargs,
                       data={"name": name, "password": password, "csrf_token": token})


def test_challenge_requests_are_limited_per_address(make_app) -> None:
    client = make_app(RATE_LIMIT_CHALLENGES="3 per minute").test_client()
    for _ in range(3):
        assert _challenge(client).status_code == 200
    body = _limited(_challenge(client))
    assert body["error"] == "rate_limited"
    assert "Sekunden" in body["message"]
    other = {"environ_base": {"REMOTE_ADDR": "198.51.100.7"}}
    assert _challenge(client, **other).status_code == 200


def test_demo_page_is_no_way_around_the_question_limit(make_app) -> None:
    client = make_app(RATE_LIMIT_CHALLENGES="2 per minute").test_client()
    assert client.get("/demo").status_code == 200
    assert client.get("/demo").status_code == 200
    _limited(client.get("/demo"))


def test_rate_limit_message_is_in_the_readers_language(make_app) -> None:
    client = make_app(RATE_LIMIT_CHALLENGES="1 per minute").test_client()
    _challenge(client)
    body = _limited(client.get("/api/v1/challenge?lang=en"))
    assert body["message"].startswith("Too many requests")


def test_comment_submissions_are_limited_per_address(make_app) -> None:
    app = make_app(RATE_LIMIT_COMMENTS="2 per minute")
    client = app.test_client()
    assert post_comment(client, app).status_code == 202
    assert post_comment(client, app, answer="falsch").status_code == 422  # every try counts
    assert _limited(post_comment(client, app))["error"] == "rate_limited"


def test_failed_logins_are_limited_per_address(make_app, moderator_in) -> None:
    app = make_app(RATE_LIMIT_LOGIN="3 per 15 minutes")
    name = moderator_in(app)
    client = app.test_client()
    for _ in range(3):
        assert LOGIN_FAILED in _log_in(client, name, "wrong password").get_data(as_text=True)
    throttled = _log_in(client, name, MODERATOR_PASSWORD)  # even the right password waits
    _limited(throttled)
    assert "Zu viele fehlgeschlagene Anmeldungen" in throttled.get_data(as_text=True)
    assert throttled.mimetype == "text/html"
    assert client.get("/moderation/").status_code == 303


def test_failed_logins_are_limited_per_account_name(make_app, moderator_in) -> None:
    app = make_app(RATE_LIMIT_LOGIN_ACCOUNT="3 per 15 minutes")
    name = moderator_in(app)
    client = app.test_client()
    for number in range(3):
        address = {"environ_base": {"REMOTE_ADDR": f"203.0.113.{number + 1}"}}
        _log_in(client, f"  {name.upper()} ", "wrong password", **address)
    # Past the account's limit, an address that failed on it waits, the right password or not.
    _limited(_log_in(client, name, MODERATOR_PASSWORD, environ_base={"REMOTE_ADDR": "203.0.113.1"}))
    # Other accounts are not limited with it.
    fresh_address = {"environ_base": {"REMOTE_ADDR": "203.0.113.99"}}
    assert LOGIN_FAILED in _log_in(client, "someone-else", "x", **fresh_address).get_data(
        as_text=True)


def test_attacker_with_many_addresses_cannot_lock_the_moderator_out(
    make_app, moderator_in, limit_storage
) -> None:
    app = make_app(RATE_LIMIT_LOGIN_ACCOUNT="10 per 15 minutes", **limit_storage)
    name = moderator_in(app)
    attacker = app.test_client()
    answers = [
        _log_in(attacker, name, f"guess {number}", **_from(f"198.51.100.{number}")).status_code
        for number in range(1, 31)
    ]
    assert answers.count(200) == 30  # the form again: "wrong name or password"
    # The moderator, from an address that never failed, gets in at once.
    moderator = app.test_client()
    assert _log_in(moderator, name, MODERATOR_PASSWORD, **_from("203.0.113.5")).status_code == 303
    # Guessing stays slow: an address that failed on the account waits, even with the right
    # password, and a new address gets one guess before it waits too.
    _limited(_log_in(attacker, name, MODERATOR_PASSWORD, **_from("198.51.100.7")))
    assert LOGIN_FAILED in _log_in(attacker, name, "guess", **_from("198.51.100.99")).get_data(
        as_text=True
    )
    _limited(_log_in(attacker, name, "another guess", **_from("198.51.100.99")))


def test_successful_logins_do_not_count(make_app, moderator_in) -> None:
    app = make_app(RATE_LIMIT_LOGIN="2 per 15 minutes", RATE_LIMIT_LOGIN_ACCOUNT="2 per hour")
    name = moderator_in(app)
    for _ in range(4):
        client = app.test_client()
        assert _log_in(client, name, MODERATOR_PASSWORD).status_code == 303


def test_forged_x_forwarded_for_does_not_dodge_a_limit(make_app) -> None:
    client = make_app(RATE_LIMIT_CHALLENGES="3 per minute").test_client()
    for number in range(3):
        forged = {"X-Forwarded-For": f"192.0.2.{number}"}
        assert _challenge(client, headers=forged).status_code == 200
    _limited(_challenge(client, headers={"X-Forwarded-For": "192.0.2.200"}))


def test_only_the_trusted_proxy_hops_are_believed(make_app) -> None:
    app = make_app(RATE_LIMIT_CHALLENGES="3 per minute", TRUSTED_PROXIES=1)
    client = app.test_client()
    # Our one proxy appends the address it saw; whatever the client wrote before it is ignored.
    for number in range(3):
        chain = {"X-Forwarded-For": f"192.0.2.{number}, 198.51.100.50"}
        assert _challenge(client, headers=chain).status_code == 200
    _limited(_challenge(client, headers={"X-Forwarded-For": "10.9.9.9, 198.51.100.50"}))
    other_reader = {"X-Forwarded-For": "198.51.100.51"}
    assert _challenge(client, headers=other_reader).status_code == 200


def test_client_address_behind_a_trusted_proxy_is_stored_truncated(make_app) -> None:
    app = make_app(TRUSTED_PROXIES=1)
    client = app.test_client()
    response = post_comment(client, app, headers={"X-Forwarded-For": "203.0.113.77"})
    with app.app_context():
        from spamschutz.service.extensions import runtime

        row = runtime().comments.get_comment(response.get_json()["id"])
    assert row.ip_truncated == "203.0.113.0/24"


def test_rate_limits_are_shared_between_instances_through_redis(make_app, redis_settings) -> None:
    first = make_app(RATE_LIMIT_CHALLENGES="3 per minute", **redis_settings).test_client()
    second = make_app(RATE_LIMIT_CHALLENGES="3 per minute", **redis_settings).test_client()
    assert _challenge(first).status_code == 200
    assert _challenge(second).status_code == 200
    assert _challenge(first).status_code == 200
    _limited(_challenge(second))
    _limited(_challenge(first))


def test_unreachable_redis_does_not_take_the_comment_form_down(make_app) -> None:
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0", REDIS_KEY_PREFIX="unreachable")
    client = app.test_client()
    assert _challenge(client).status_code == 200
    assert post_comment(client, app).status_code == 202


@pytest.mark.parametrize("setting", ["RATE_LIMIT_COMMENTS", "RATE_LIMIT_LOGIN"])
def test_unreadable_limit_refuses_to_start_naming_the_variable(tmp_path, setting) -> None:
    with pytest.raises(ConfigError, match=f"SPAMSCHUTZ_{setting}"):
        load_config(environ={f"SPAMSCHUTZ_{setting}": "lots", "SPAMSCHUTZ_DATA_DIR":
                             str(tmp_path)})


def test_default_limits_suit_a_news_site(tmp_path) -> None:
    config = load_config(environ={"SPAMSCHUTZ_DATA_DIR": str(tmp_path)})
    assert config["RATE_LIMIT_CHALLENGES"] == "60 per minute"
    assert config["RATE_LIMIT_COMMENTS"] == "10 per minute"
    assert config["RATE_LIMIT_LOGIN"] == "10 per 15 minutes"
    assert config["TRUSTED_PROXIES"] == 0


@pytest.fixture
def moderator_in():
    """Create the standard moderator in a given app; returns its name."""
    from spamschutz.service.auth import hash_password
    from spamschutz.service.extensions import runtime

    def create(app: Flask) -> str:
        with app.app_context():
            runtime().accounts.add_moderator("redaktion", hash_password(MODERATOR_PASSWORD))
        return "redaktion"

    return create


def test_in_memory_counters_start_no_thread_per_hit_and_still_expire(monkeypatch) -> None:
    import threading
    import time

    from limits import parse
    from limits.strategies import MovingWindowRateLimiter

    from spamschutz.service import rate_limit_memory

    monkeypatch.setattr(rate_limit_memory, "SWEEP_SECONDS", 0.05)
    storage = rate_limit_memory.MovingWindowMemory()
    limiter = MovingWindowRateLimiter(storage)
    item = parse("3 per second")
    started = threading.active_count()
    results = []
    for _ in range(200):
        results.append(limiter.hit(item, "address"))
        time.sleep(0.0005)
    assert results[:4] == [True, True, True, False]  # the limit holds
    assert threading.active_count() <= started + 1  # one sweeper, not a timer per hit
    wait_until(lambda: storage.keys() == set(), 5, "the sweeper drops expired entries")


def test_limits_still_hold_in_memory_while_redis_is_unreachable(monkeypatch) -> None:
    from limits import parse

    from spamschutz.service import ratelimits

    counters = ratelimits.RateCounters(
        "redis://127.0.0.1:1/0", {"socket_timeout": 1, "socket_connect_timeout": 1}
    )
    item = parse("2 per minute")
    assert [counters.allows(item, "198.51.100.1", "api.get_challenge") for _ in range(3)] == [
        True, True, False,
    ]
    assert counters.limiter is counters.local
    monkeypatch.setattr(ratelimits, "_SHARED_RETRY_SECONDS", 0)
    assert counters.limiter is counters.shared  # Redis is tried again after a while


@pytest.fixture(params=["memory", "redis"])
def limit_storage(request: pytest.FixtureRequest) -> dict[str, str]:
    """Counters in each worker's memory, and in Redis (when its URL is set)."""
    if request.param == "memory":
        return {}
    return request.getfixturevalue("redis_settings")


def _from(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def _client_from(app: Flask, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_rate_limits_count_each_spelling_of_an_address_once(make_app, limit_storage) -> None:
    app = make_app(RATE_LIMIT_CHALLENGES="3 per minute", **limit_storage)
    client = app.test_client()
    for spellings in (
        ["2001:db8:9:1::1", "2001:DB8:9:1::1", "2001:db8:9:1:0:0:0:1", "2001:0db8:9:1::1"],
        ["203.0.113.51", "::ffff:203.0.113.51", "::FFFF:203.0.113.51", "203.0.113.51"],
    ):
        for spelling in spellings[:3]:
            assert _challenge(client, **_from(spelling)).status_code == 200, spelling
        _limited(_challenge(client, **_from(spellings[3])))


def test_rate_limits_count_an_ipv6_network_as_one_client(make_app, limit_storage) -> None:
    app = make_app(RATE_LIMIT_COMMENTS="10 per minute", **limit_storage)
    answers = [
        post_comment(_client_from(app, f"2001:db8:9:1::{number:x}"), app).status_code
        for number in range(1, 26)
    ]
    assert answers.count(202) == 10 and answers.count(429) == 15
    assert post_comment(_client_from(app, "2001:db8:9:2::1"), app).status_code == 202


def test_ipv6_network_of_a_client_is_configurable(make_app) -> None:
    app = make_app(RATE_LIMIT_CHALLENGES="1 per minute", IPV6_NETWORK_PREFIX=128)
    client = app.test_client()
    assert _challenge(client, **_from("2001:db8:9:1::1")).status_code == 200
    assert _challenge(client, **_from("2001:db8:9:1::2")).status_code == 200
    _limited(_challenge(client, **_from("2001:DB8:9:1::2")))
    with pytest.raises(ConfigError, match="IPV6_NETWORK_PREFIX"):
        load_config({"IPV6_NETWORK_PREFIX": 16})


def test_address_hashes_are_one_per_client(backend_app) -> None:
    from spamschutz.service.extensions import runtime

    spellings = ["2001:db8:9:1::1", "2001:DB8:9:1::2", "::ffff:203.0.113.51", "203.0.113.51"]
    ids = []
    for spelling in spellings:
        answer = post_comment(_client_from(backend_app, spelling), backend_app)
        assert answer.status_code == 202
        ids.append(answer.get_json()["id"])
    with backend_app.app_context():
        hashes = [runtime().comments.get_comment(public_id).ip_hash for public_id in ids]
    assert hashes[0] == hashes[1] and hashes[2] == hashes[3] and hashes[0] != hashes[2]

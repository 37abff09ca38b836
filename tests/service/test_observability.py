"""/metrics, request ids and the JSON log lines, with commenter data masked."""

from __future__ import annotations

import json
import logging

import pytest

from spamschutz.service.observability import JsonFormatter, MaskPersonalData, mask_personal_data
from tests.service.helpers import post_comment


def _scrape(client, **kwargs) -> str:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return response.get_data(as_text=True)


def _value(text: str, sample: str) -> float:
    for line in text.splitlines():
        if line.startswith(sample + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_by_route_template_not_raw_path(client) -> None:
    before = _scrape(client)
    sample = (
        'spamschutz_http_requests_total{endpoint="/api/v1/threads/<path:thread_id>/comments",'
        'method="GET",status="200"}'
    )
    for thread in ("a", "b", "c"):
        assert client.get(f"/api/v1/threads/{thread}/comments").status_code == 200
    after = _scrape(client)
    assert _value(after, sample) - _value(before, sample) == 3
    assert "/api/v1/threads/a/comments" not in after
    assert "spamschutz_http_request_duration_seconds_bucket" in after


def test_metrics_keep_one_label_for_unknown_methods_and_routes(client) -> None:
    """3,000 requests with random method names grew /metrics from 54 KB to 4.9 MB: every
    method a client made up became label values kept until restart."""
    import re
    import secrets

    for number in range(300):
        method = f"X{secrets.token_hex(6).upper()}"
        path = "/api/v1/comments" if number % 2 else f"/nowhere/{secrets.token_hex(4)}"
        assert client.open(path, method=method).status_code in (404, 405)
    text = _scrape(client)
    methods = set(re.findall(r'spamschutz_http_requests_total\{[^}]*method="([^"]*)"', text))
    endpoints = set(re.findall(r'spamschutz_http_requests_total\{endpoint="([^"]*)"', text))
    assert methods <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}
    assert "other" in methods
    assert not any(endpoint.startswith("/nowhere") for endpoint in endpoints)
    assert _value(
        text, 'spamschutz_http_requests_total{endpoint="<unmatched>",method="other",status="404"}'
    ) >= 150


def test_metrics_report_queue_model_and_spool_from_the_database(client, tiny_model) -> None:
    text = _scrape(client)
    assert "spamschutz_database_up 1.0" in text
    assert "spamschutz_queue_pending 0.0" in text
    assert "spamschutz_queue_oldest_pending_age_seconds 0.0" in text
    assert "spamschutz_queue_promise_seconds 86400.0" in text
    assert f'spamschutz_model_active{{version="{tiny_model.version}"}} 1.0' in text
    assert 'spamschutz_model_disagreements{kind="model_spam_moderator_ham"} 0.0' in text
    assert "spamschutz_spool_depth 0.0" in text


def test_metrics_count_verdicts_challenge_outcomes_and_scoring_time(app, client) -> None:
    before = _scrape(client)
    assert post_comment(client, app).status_code == 202
    assert post_comment(client, app, answer="falsch").status_code == 422
    after = _scrape(client)

    def grew(sample: str) -> float:
        return _value(after, sample) - _value(before, sample)

    assert grew('spamschutz_challenge_outcomes_total{outcome="passed"}') == 1
    assert grew('spamschutz_challenge_outcomes_total{outcome="challenge_wrong"}') == 1
    verdicts = sum(
        _value(after, line.rsplit(" ", 1)[0]) - _value(before, line.rsplit(" ", 1)[0])
        for line in after.splitlines()
        if line.startswith("spamschutz_verdicts_total{")
    )
    assert verdicts == 1
    assert grew("spamschutz_scoring_duration_seconds_count") == 1
    assert "spamschutz_queue_pending 1.0" in after or "spamschutz_queue_pending 0.0" in after


def test_metrics_are_hidden_from_other_hosts_without_the_token(make_app) -> None:
    app = make_app(METRICS_TOKEN="scrape-" + "s" * 30)
    client = app.test_client()
    remote = {"environ_base": {"REMOTE_ADDR": "203.0.113.9"}}
    assert client.get("/metrics", **remote).status_code == 404
    wrong = {"Authorization": "Bearer nope"}
    assert client.get("/metrics", headers=wrong, **remote).status_code == 404
    right = {"Authorization": "Bearer scrape-" + "s" * 30}
    assert client.get("/metrics", headers=right, **remote).status_code == 200
    assert client.get("/metrics").status_code == 200  # loopback


def test_every_response_carries_a_request_id_and_untrusted_ids_are_replaced(client) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "chosen-by-client"})
    request_id = response.headers["X-Request-ID"]
    assert request_id and request_id != "chosen-by-client"


def test_request_id_from_a_trusted_proxy_is_kept(make_app) -> None:
    client = make_app(TRUSTED_PROXIES=1).test_client()
    response = client.get("/healthz", headers={"X-Request-ID": "proxy-1234"})
    assert response.headers["X-Request-ID"] == "proxy-1234"
    forged = client.get("/healthz", headers={"X-Request-ID": "bad id {json}"})
    assert forged.headers["X-Request-ID"] != "bad id {json}"


def test_every_line_logged_during_a_request_has_its_id(client, caplog) -> None:
    caplog.set_level(logging.INFO)
    response = client.get("/api/v1/threads/x/comments")
    request_id = response.headers["X-Request-ID"]
    access = [record for record in caplog.records if record.name == "spamschutz.access"]
    assert access, "one access line per request"
    line = json.loads(JsonFormatter().format(access[-1]))
    assert line["request_id"] == request_id
    assert line["method"] == "GET" and line["path"] == "/api/v1/threads/x/comments"
    assert line["status"] == 200 and line["duration"] >= 0
    assert {"time", "level", "logger", "message"} <= line.keys()


def test_access_line_masks_addresses_in_the_path(client, caplog) -> None:
    """The message masked e-mail and IPv6 addresses, the access line's path field did not."""
    caplog.set_level(logging.INFO)
    for thread in ("leserin@example.de", "2001:db8:9:1::77", "203.0.113.51"):
        client.get(f"/api/v1/threads/{thread}/comments")
    access = [record for record in caplog.records if record.name == "spamschutz.access"]
    lines = [JsonFormatter().format(record) for record in access[-3:]]
    for line, shown in zip(lines, ("[email]", "[ip]", "[ip]"), strict=True):
        entry = json.loads(line)
        assert entry["path"] == f"/api/v1/threads/{shown}/comments", entry
        assert "leserin" not in line and "2001:db8" not in line and "203.0.113" not in line


def test_health_checks_and_scrapes_are_not_logged(client, caplog) -> None:
    caplog.set_level(logging.INFO)
    client.get("/healthz")
    client.get("/readyz")
    client.get("/metrics")
    assert not [record for record in caplog.records if record.name == "spamschutz.access"]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("from leserin@example.de", "from [email]"),
        ("first.last+tag@sub.example.co.uk wrote", "[email] wrote"),
        ("peer 192.0.2.17 refused", "peer [ip] refused"),
        ("peer 2001:db8::42 refused", "peer [ip] refused"),
        ("peer ::ffff:192.0.2.1 refused", "peer [ip] refused"),
        # The machine's own addresses are no one's personal data: the listen address stays.
        ("Listening at: http://127.0.0.1:8000", "Listening at: http://127.0.0.1:8000"),
        ("Listening at: http://[::1]:8000", "Listening at: http://[::1]:8000"),
        ("bound to 0.0.0.0:8000", "bound to 0.0.0.0:8000"),
        ("at 12:30:45 version 1.2.3 port 8000", "at 12:30:45 version 1.2.3 port 8000"),
        ("not an ip 999.1.1.1", "not an ip 999.1.1.1"),
    ],
)
def test_personal_data_is_masked_in_log_messages(message: str, expected: str) -> None:
    assert mask_personal_data(message) == expected


def test_mask_filter_masks_arguments_and_formatter_masks_tracebacks() -> None:
    record = logging.makeLogRecord(
        {"msg": "comment by %s from %s", "args": ("a@b.de", "198.51.100.7"), "name": "x"}
    )
    MaskPersonalData().filter(record)
    assert record.getMessage() == "comment by [email] from [ip]"
    try:
        raise ValueError("bad address c@d.de")
    except ValueError:
        import sys

        failing = logging.makeLogRecord({"msg": "failed", "exc_info": sys.exc_info()})
    line = json.loads(JsonFormatter().format(failing))
    assert "c@d.de" not in line["exception"] and "[email]" in line["exception"]


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_lines_logged_outside_a_request_are_written_in_either_format(log_format) -> None:
    # gunicorn's own lines ("Booting worker ...") come from no request, so they carry no
    # request id; a formatter that needs one writes "--- Logging error ---" instead.
    import io
    import logging.config

    from spamschutz.service.observability.logs import logging_config

    config = logging_config("INFO", log_format)
    config["handlers"]["stderr"]["stream"] = stream = io.StringIO()
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    try:
        logging.config.dictConfig(config)
        logging.getLogger("gunicorn.error").info("Booting worker with pid: %s", 42)
    finally:
        root.handlers[:], root.level = saved_handlers, saved_level
    line = stream.getvalue().strip()
    assert "Booting worker with pid: 42" in line
    if log_format == "text":
        assert line.endswith("INFO gunicorn.error [-] Booting worker with pid: 42")
    else:
        assert json.loads(line)["logger"] == "gunicorn.error"

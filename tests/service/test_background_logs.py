"""Under ``spamschutz serve`` log lines are written by a thread of their own: still every line,
in order, as JSON with the request's id, and nothing lost when the worker stops."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from spamschutz.service.observability import JsonFormatter, MaskPersonalData
from spamschutz.service.observability.background_logs import log_in_background


@pytest.fixture
def root_writes_json_to() -> Iterator[io.StringIO]:
    """The root logger's only handler writes JSON lines to the returned buffer."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    saved_flags = (logging._srcfile, logging.logThreads, logging.logProcesses)
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(MaskPersonalData())
    root.handlers = [handler]
    root.setLevel(logging.INFO)
    yield buffer
    root.handlers, root.level = saved_handlers, saved_level
    logging._srcfile, logging.logThreads, logging.logProcesses = saved_flags


def test_access_lines_are_written_by_the_background_writer_with_request_ids(
    client, root_writes_json_to
) -> None:
    writer = log_in_background(interval_seconds=60)  # writes only when stopped, here
    assert writer is not None
    answers = [client.get("/api/v1/challenge?lang=de") for _ in range(3)]
    assert root_writes_json_to.getvalue() == ""  # the request threads wrote nothing
    writer.stop()

    lines = [json.loads(line) for line in root_writes_json_to.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "spamschutz.access"]
    assert [line["request_id"] for line in access] == [
        answer.headers["X-Request-ID"] for answer in answers
    ]
    assert {line["message"] for line in access} == {"GET /api/v1/challenge 200"}


def test_masking_and_tracebacks_survive_the_trip_to_the_writer(root_writes_json_to) -> None:
    writer = log_in_background(interval_seconds=60)
    assert writer is not None
    try:
        raise ValueError("kaputt")
    except ValueError:
        logging.getLogger("spamschutz.test").exception("mail from %s", "leserin@example.org")
    writer.stop()

    [line] = [json.loads(line) for line in root_writes_json_to.getvalue().splitlines()]
    assert line["message"] == "mail from [email]"
    assert "ValueError: kaputt" in line["exception"]


def test_routing_twice_is_refused(root_writes_json_to) -> None:
    writer = log_in_background(interval_seconds=60)
    assert writer is not None
    assert log_in_background() is None
    writer.stop()

"""What ``spamschutz serve`` tells the person who started it: where it listens and which pages
to open, readable on a terminal and as JSON for a log collector; a busy port in plain words."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import time

import pytest

from tests.e2e.conftest import Server, spamschutz_command

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _port(server: Server) -> int:
    return int(server.url.rsplit(":", 1)[1])


def test_log_collector_gets_json_with_the_addresses(server: Server):
    lines = [json.loads(line) for line in
             (server.data_dir / "server.log").read_text().splitlines() if line.startswith("{")]
    ready = [line for line in lines if line["logger"] == "spamschutz.serve"]
    assert ready, lines[-5:]
    assert ready[0]["demo"] == f"{server.url}/demo"
    assert ready[0]["desk"] == f"{server.url}/moderation"
    assert f"{server.url}/demo" in ready[0]["message"]
    # The server's own address is not a commenter's: it is not masked.
    assert any(line["message"].startswith(f"Listening at: {server.url} ") for line in lines)


def test_a_person_at_a_terminal_reads_plain_text_with_the_pages_to_open(server: Server):
    controller, terminal = pty.openpty()
    # Port 0: the system picks a free one, and the ready line names it.
    process = subprocess.Popen(
        [*spamschutz_command(), "serve", "--port", "0", "--workers", "1"],
        env=server.env, stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal)
    os.close(terminal)
    seen = b""
    try:
        deadline = time.monotonic() + 120
        while b"Stop with Ctrl-C." not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 1)
            if ready:
                try:
                    seen += os.read(controller, 4096)
                except OSError:
                    break
    finally:
        process.terminate()
        process.wait(timeout=30)
        os.close(controller)
    text = seen.decode(errors="replace")
    ready = re.search(r"spamschutz is ready at http://127\.0\.0\.1:(\d+) \(this computer only",
                      text)
    assert ready, text[-2000:]
    port = int(ready[1])
    assert port > 0
    assert f"demo page:       http://127.0.0.1:{port}/demo" in text
    assert f"moderation desk: http://127.0.0.1:{port}/moderation" in text
    assert '{"time"' not in text  # no JSON for a person


def test_a_busy_port_is_named_in_plain_words(server: Server):
    result = subprocess.run(
        [*spamschutz_command(), "serve", "--port", str(_port(server))],
        env=server.env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Error: Port {_port(server)} on 127.0.0.1 is already in use (another spamschutz "
        "serve?): stop that program, or choose another port with --port.")

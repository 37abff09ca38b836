"""The HTTP load harness runs end to end: real server, bare Flask, wrk, results written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bench import http

pytestmark = [
    pytest.mark.slow,
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed"),
]


def test_http_harness_reports_requests_per_second_for_every_endpoint(tmp_path: Path) -> None:
    http.main(
        [
            "--seconds",
            "2",
            "--runs",
            "1",
            "--concurrency",
            "2",
            "--no-spamd",
            "--out",
            str(tmp_path),
        ]
    )

    results = json.loads((tmp_path / "http.json").read_text())
    cases = {(e["endpoint"], e["server"]): e for e in results["summary"]}
    for endpoint in ("score", "comments", "challenge"):
        for server in ("spamschutz", "bare"):
            assert cases[endpoint, server]["requests_per_s"] > 0
            assert cases[endpoint, server]["errors"] == 0
    assert cases["comments", "spamschutz"]["lost_comments"] == 0
    assert (tmp_path / "http.png").stat().st_size > 0
    assert "requests/s" in (tmp_path / "http.md").read_text()

"""With CI=true a skip is a failure (tests/ci_skips.py); on a developer's machine it stays a
skip. Each case runs a real pytest on a small test file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

SKIPS = '''
import pytest

def test_needs_redis():
    pytest.skip("SPAMSCHUTZ_TEST_REDIS_URL is not set; Redis tests skipped")

@pytest.mark.skipif(True, reason="wrk is not installed")
def test_needs_wrk():
    pass

@pytest.mark.xfail(reason="a known bug", strict=True)
def test_known_bug():
    raise AssertionError

def test_runs():
    pass
'''
MODULE_SKIP = '''
import pytest

pytest.skip("/usr/bin/chromium is missing", allow_module_level=True)

def test_in_the_browser():
    pass
'''


def run_pytest(tmp_path: Path, source: str, ci: str | None) -> subprocess.CompletedProcess:
    (tmp_path / "test_sample.py").write_text(source)
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    env["PYTHONPATH"] = str(REPO_ROOT)
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.ci_skips", "-p", "no:cacheprovider",
         "-rA", "test_sample.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )


def test_with_ci_true_a_skipped_test_fails_and_says_why(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, SKIPS, ci="true")
    assert result.returncode == 1, result.stdout
    # A skip in a test's body fails; one decided before the test (a mark) is an error.
    assert "1 failed, 1 passed, 1 xfailed, 1 error" in result.stdout
    assert "CI=true and this was skipped (SPAMSCHUTZ_TEST_REDIS_URL is not set" in result.stdout
    assert "CI=true and this was skipped (wrk is not installed)" in result.stdout


def test_with_ci_true_a_module_skipped_whole_fails(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, MODULE_SKIP, ci="true")
    assert result.returncode != 0, result.stdout
    assert "CI=true and this was skipped (/usr/bin/chromium is missing)" in result.stdout


def test_on_a_developers_machine_a_skip_stays_a_skip(tmp_path: Path) -> None:
    for ci in (None, "", "false"):
        result = run_pytest(tmp_path, SKIPS, ci=ci)
        assert result.returncode == 0, result.stdout
        assert "1 passed, 2 skipped, 1 xfailed" in result.stdout


def test_ci_runs_with_skips_as_failures_and_provides_what_the_tests_need() -> None:
    script = (REPO_ROOT / ".ci" / "run").read_text()
    assert "export CI=true" in script
    for provided in ("pg_isready", "redis-server", "chromium", "wrk"):
        assert provided in script

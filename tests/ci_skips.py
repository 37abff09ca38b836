"""With ``CI=true`` a skipped test fails: a green CI run proves that every test ran.

Developers' machines may lack PostgreSQL, Redis, Chromium, wrk or the public datasets, and the
tests that need them skip there, saying what is missing. CI provides all of them (.ci/run), so
a skip in CI means something it should have provided is missing; without this plugin such a run
would still be green while the tests of a whole backend never ran.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

__all__ = ["skips_fail"]


def skips_fail() -> bool:
    """True when skips count as failures: ``CI`` is ``true`` (or ``1``), as CI runners set it."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1")


def _as_failure(report: pytest.CollectReport | pytest.TestReport) -> None:
    if not report.skipped or hasattr(report, "wasxfail") or not skips_fail():
        return
    longrepr = report.longrepr
    reason = (longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)).removeprefix(
        "Skipped: "
    )
    report.outcome = "failed"
    report.longrepr = (
        f"CI=true and this was skipped ({reason}). CI must provide what the test needs "
        "(.ci/run starts PostgreSQL and Redis, installs Chromium and wrk, and finds the "
        "datasets beside the checkout)."
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """A test skipped by a mark, a fixture or its body fails under CI."""
    outcome = yield
    _as_failure(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    """A module skipped whole (``allow_module_level``, ``importorskip``) fails under CI."""
    outcome = yield
    _as_failure(outcome.get_result())

"""Waiting in tests for what another thread or process does: one loop, one failure message."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

__all__ = ["wait_until"]


def wait_until(
    condition: Callable[[], object], seconds: float, what: str, *, interval: float = 0.05
) -> None:
    """Return as soon as ``condition()`` is true; fail the test, naming ``what``, once
    ``seconds`` have passed without it.

    ``interval`` is only the pause before the next look, never a guess at when the thing
    happens: on a busy machine the wait grows, the outcome stays the same. ``seconds`` is
    generous for that reason; reaching it means something is stuck, not slow.
    """
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds:g} s: {what}")
        time.sleep(interval)

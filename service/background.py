"""Background work that requests start: no thread at app start, none while idle."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["PokedJob"]


class PokedJob:
    """Runs ``work`` in a background thread when poked, if ``has_work()`` says there is some.

    A poke costs a clock comparison; at most every ``interval_seconds`` it also asks
    ``has_work`` (a directory listing, a query). Never two threads of one job at once. The
    first poke always checks, since a crash may have left work behind.
    """

    def __init__(
        self,
        name: str,
        has_work: Callable[[], bool],
        work: Callable[[], None],
        interval_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.has_work = has_work
        self.work = work
        self.interval_seconds = interval_seconds
        self._clock = clock
        self._next_check = float("-inf")
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def poke(self) -> None:
        """Start the work if a check is due, there is work, and it is not running already."""
        if self._clock() < self._next_check or not self._lock.acquire(blocking=False):
            return
        try:
            now = self._clock()
            if now < self._next_check:
                return
            self._next_check = now + self.interval_seconds
            if self._thread is not None and self._thread.is_alive():
                return
            if not self.has_work():
                return
            self._thread = threading.Thread(target=self.work, name=self.name, daemon=True)
            self._thread.start()
        finally:
            self._lock.release()

    def join(self, timeout: float | None = None) -> None:
        """Wait for running work to finish."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

"""Rate-limit counters in process memory, written against ``limits``' public storage interface.

``limits``' own in-memory storage starts a new 10 ms timer thread at the first hit after the
previous one ended to drop what has expired: under steady traffic about a hundred threads a
second, each start waiting for the GIL, a tenth of the comment endpoint's time. Replacing that
timer meant overriding two of its private, name-mangled methods. This storage implements the
interface ``limits`` documents for custom storages instead (``Storage`` and
``MovingWindowSupport``), and one long-lived thread drops expired entries.
tests/service/test_rate_limit_storage.py proves it counts exactly like ``limits``' own.
"""

from __future__ import annotations

import bisect
import threading
import time
import weakref
from typing import ClassVar

from limits.storage import MovingWindowSupport, Storage

__all__ = ["MovingWindowMemory"]

# How often expired entries are dropped. Expiry only frees memory: a window or counter that is
# out of date is recognised as such when it is read.
SWEEP_SECONDS = 1.0


class MovingWindowMemory(Storage, MovingWindowSupport):
    """Moving windows (and fixed-window counters) of one process, behind one lock.

    A window is the list of its entries' times, oldest first. An entry counts while it is
    younger than the window's length, as in ``limits``' own memory storage.
    """

    STORAGE_SCHEME: ClassVar[list[str]] = ["spamschutz-memory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._lock = threading.Lock()
        self._windows: dict[str, list[float]] = {}
        self._window_seconds: dict[str, float] = {}
        self._counters: dict[str, tuple[int, float]] = {}  # key -> (count, expires at)
        self._sweeper: threading.Thread | None = None

    @property
    def base_exceptions(self) -> type[Exception]:
        """What a failure of this storage raises (``limits`` wraps it on request)."""
        return ValueError

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Add ``amount`` entries to the window ``key`` unless that passes ``limit``."""
        if amount > limit:
            return False
        self._start_sweeper()
        now = time.time()
        with self._lock:
            window = self._windows.setdefault(key, [])
            self._window_seconds[key] = expiry
            # The entry that would fall out of the limit: still within the window, no room.
            deciding = len(window) - 1 - (limit - amount)
            if deciding >= 0 and window[deciding] >= now - expiry:
                return False
            window.extend([now] * amount)
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """The time of the oldest entry within the window and how many entries it holds."""
        now = time.time()
        with self._lock:
            window = self._windows.get(key, ())
            first = bisect.bisect_right(window, now - expiry)
            if first == len(window):
                return now, 0
            return window[first], len(window) - first

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add ``amount`` to the counter ``key``; a new counter lives ``expiry`` seconds."""
        self._start_sweeper()
        now = time.time()
        with self._lock:
            count, expires_at = self._counters.get(key, (0, 0.0))
            if expires_at <= now:
                count, expires_at = 0, now + expiry
            self._counters[key] = (count + amount, expires_at)
            return count + amount

    def get(self, key: str) -> int:
        """The counter ``key``, 0 once it expired."""
        count, expires_at = self._counters.get(key, (0, 0.0))
        return count if expires_at > time.time() else 0

    def get_expiry(self, key: str) -> float:
        """When the counter ``key`` expires (now if there is none)."""
        count, expires_at = self._counters.get(key, (0, 0.0))
        return expires_at if count else time.time()

    def check(self) -> bool:
        """Memory is always reachable."""
        return True

    def clear(self, key: str) -> None:
        """Forget the window and the counter ``key``."""
        with self._lock:
            self._windows.pop(key, None)
            self._window_seconds.pop(key, None)
            self._counters.pop(key, None)

    def reset(self) -> int:
        """Forget everything; how many windows and counters there were."""
        with self._lock:
            count = len(self._windows) + len(self._counters)
            self._windows.clear()
            self._window_seconds.clear()
            self._counters.clear()
            return count

    def keys(self) -> set[str]:
        """The windows and counters that hold something (expired ones until the next sweep)."""
        with self._lock:
            return set(self._windows) | set(self._counters)

    def drop_expired(self, now: float | None = None) -> None:
        """Drop entries and counters older than their window: what the sweeper does."""
        now = time.time() if now is None else now
        for key in list(self._windows):
            with self._lock:
                window = self._windows.get(key)
                if window is None:
                    continue
                del window[: bisect.bisect_right(window, now - self._window_seconds[key])]
                if not window:
                    del self._windows[key], self._window_seconds[key]
        with self._lock:
            for key in [k for k, (_, expires_at) in self._counters.items() if expires_at <= now]:
                del self._counters[key]

    def _start_sweeper(self) -> None:
        if self._sweeper is not None:
            return
        with self._lock:
            if self._sweeper is None:
                # A weak reference: the thread ends with the storage (tests build many apps).
                self._sweeper = threading.Thread(
                    target=_sweep, args=(weakref.ref(self),), name="rate-limit-expiry",
                    daemon=True,
                )
                self._sweeper.start()


def _sweep(storage_ref: weakref.ref[MovingWindowMemory]) -> None:
    while True:
        time.sleep(SWEEP_SECONDS)  # the sweep's period, not a wait for anything
        storage = storage_ref()
        if storage is None:
            return
        storage.drop_expired()
        del storage

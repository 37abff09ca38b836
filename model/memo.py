"""Memos of per-word work, bounded by the bytes they keep rather than by their number of entries.

Words repeat from comment to comment, so the n-grams, columns and stems of a word are worth
keeping. A bound on entries alone is no bound on memory: a client can send words of any length
(60,000 letters took a worker's cache past 300 MB), and even 200-letter words cost a hundred
times what ordinary ones do. Each memo therefore counts what its keys and values take and
forgets its oldest entries past its budget; a single entry larger than a sixteenth of the
budget is computed but never kept, since such words do not come back.

Reads take no lock (one dictionary lookup, safe under the GIL); writes, with the count and the
forgetting, take one.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Generic, TypeVar

__all__ = ["BoundedMemo", "size_of_strings", "size_of_tuple"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# What one dictionary entry costs beyond its key and value: the table slot and its share of the
# table's spare room.
_ENTRY_BYTES = 64
_MISSING = object()


def size_of_strings(strings: Iterable[object]) -> int:
    """Bytes of the objects in ``strings`` (strings, numbers) together."""
    return sum(map(sys.getsizeof, strings))


def size_of_tuple(values: tuple) -> int:
    """Bytes of a tuple and the objects it holds."""
    return sys.getsizeof(values) + size_of_strings(values)


class BoundedMemo(Generic[K, V]):
    """``function`` with its results kept per argument, up to ``max_bytes`` of keys and values.

    ``size_of(key, value)`` tells what one entry keeps, in bytes; the oldest entries are
    forgotten first.
    """

    def __init__(
        self, function: Callable[[K], V], max_bytes: int, size_of: Callable[[K, V], int]
    ) -> None:
        self.function = function
        self.max_bytes = max_bytes
        self.size_of = size_of
        self.bytes = 0
        self._values: dict[K, V] = {}
        # Oldest first: an OrderedDict gives up its oldest entry at once, where a plain
        # dict is scanned past the slots of the entries forgotten before it.
        self._sizes: OrderedDict[K, int] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, key: K) -> V:
        value = self._values.get(key, _MISSING)
        if value is _MISSING:
            value = self.function(key)
            self._keep(key, value)
        return value  # type: ignore[return-value]

    def _keep(self, key: K, value: V) -> None:
        size = self.size_of(key, value) + _ENTRY_BYTES
        if size > self.max_bytes // 16:
            return
        with self._lock:
            if key in self._sizes:
                return
            self._values[key] = value
            self._sizes[key] = size
            self.bytes += size
            while self.bytes > self.max_bytes:
                oldest, oldest_size = self._sizes.popitem(last=False)
                self.bytes -= oldest_size
                del self._values[oldest]

    def __len__(self) -> int:
        return len(self._sizes)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._values.clear()
            self._sizes.clear()
            self.bytes = 0

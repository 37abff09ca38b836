"""Group commit: the writes that arrive together share one transaction.

Under load every comment was its own transaction, and on SQLite the writers of all workers
queue for one lock (see :class:`~spamschutz.service.storage.engine.SqliteWriteLock`): the begin, the
commit and each hand-over of the lock were paid per comment, while the lock was held. Here the
threads of a process that want to write at the same time form a batch: the first to get the
leader's lock writes every waiting item in one transaction, the others find their result
ready when they get the lock in turn. An item alone is written at once, as before; nothing
waits for a batch to fill.

One item's refusal (say, a challenge token used before) is its own result and does not touch
the others. When the batch's transaction fails, each item is written again on its own, so a
comment that breaks a transaction cannot take its neighbours with it, and each caller gets
its own error. Errors that say the database cannot be used at all (``batch_errors``) are not
tried again item by item: every caller gets its own copy at once, as it would have alone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

__all__ = ["GroupCommit"]

Item = TypeVar("Item")
Result = TypeVar("Result")

_UNSET = object()


class _Pending(Generic[Item]):
    __slots__ = ("item", "outcome")

    def __init__(self, item: Item) -> None:
        self.item = item
        self.outcome: object = _UNSET


class GroupCommit(Generic[Item, Result]):
    """Writes items in batches of at most ``max_batch`` through ``write_batch``.

    ``write_batch(items)`` runs one transaction and returns one outcome per item, in order: a
    result, or an exception to raise in that item's caller. Exceptions it raises itself roll
    the whole batch back; then ``write_batch`` is called again for each item on its own,
    unless the exception is one of ``batch_errors``: each caller then raises a copy of it.
    """

    def __init__(
        self,
        write_batch: Callable[[Sequence[Item]], list[Result | Exception]],
        max_batch: int = 64,
        batch_errors: tuple[type[Exception], ...] = (),
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._write_batch = write_batch
        self._max_batch = max_batch
        self._batch_errors = batch_errors
        self._waiting: list[_Pending[Item]] = []
        self._waiting_guard = threading.Lock()
        # Held by the thread writing a batch; the others queue on it and, once they hold it,
        # find their item written or write the next batch themselves.
        self._leader = threading.Lock()

    @property
    def waiting(self) -> int:
        """How many items wait for a writer right now."""
        with self._waiting_guard:
            return len(self._waiting)

    def submit(self, item: Item) -> Result:
        """Write ``item`` (with whatever else is waiting) and return its result."""
        pending = _Pending(item)
        with self._waiting_guard:
            self._waiting.append(pending)
        while pending.outcome is _UNSET:
            with self._leader:
                if pending.outcome is _UNSET:
                    self._write_waiting()
        if isinstance(pending.outcome, Exception):
            raise pending.outcome
        return pending.outcome  # type: ignore[return-value]

    def _write_waiting(self) -> None:
        with self._waiting_guard:
            batch = self._waiting[: self._max_batch]
            del self._waiting[: self._max_batch]
        try:
            try:
                outcomes = self._write_batch([pending.item for pending in batch])
            except self._batch_errors as error:
                # Trying each item again would make every caller wait for the database's
                # timeout once more.
                outcomes = [error] if len(batch) == 1 else [_copy(error) for _ in batch]
            except Exception as error:  # the caller of a lone item raises it
                outcomes = (
                    [error] if len(batch) == 1 else [self._write_alone(p.item) for p in batch]
                )
            for pending, outcome in zip(batch, outcomes, strict=True):
                pending.outcome = outcome
        finally:
            # Never leave a caller waiting for an item nobody will write any more.
            for pending in batch:
                if pending.outcome is _UNSET:
                    pending.outcome = RuntimeError("the write was interrupted")

    def _write_alone(self, item: Item) -> Result | Exception:
        try:
            return self._write_batch([item])[0]
        except Exception as error:  # the caller of this item raises it
            return error


def _copy(error: Exception) -> Exception:
    """A copy of ``error`` for one caller (an exception object is raised in one thread only)."""
    copy = type(error)(*error.args)
    copy.__cause__ = error
    return copy

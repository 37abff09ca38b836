"""Log lines written by a thread of their own, so that request threads never wait to log.

Under load, request threads writing their access lines themselves queued for the handler's
lock, and the GIL behind it, longer than formatting the line took. A queue in front of the
handler helped less than hoped: waking the writer for every record handed it the GIL each
time. Here a request appends its record to a deque, which wakes nobody, and the writer
thread takes everything waiting every :data:`WRITE_INTERVAL_SECONDS`. Lines stay in order and
are at most that late; :meth:`BackgroundLogWriter.stop` writes what is still waiting.
"""

from __future__ import annotations

import collections
import logging
import threading

from spamschutz.service.observability.logs import RequestContext

__all__ = ["WRITE_INTERVAL_SECONDS", "BackgroundLogWriter", "log_in_background"]

WRITE_INTERVAL_SECONDS = 0.05


class _AppendToDeque(logging.Handler):
    """Keeps records for the writer thread; only what needs the request happens here.

    The message is merged with its arguments now (they may change once the call returns)
    and the request's fields are added by :class:`RequestContext`; formatting, masking and
    writing happen in the writer's thread. The traceback stays on the record, so the JSON
    keeps its ``exception`` field.
    """

    def __init__(self, records: collections.deque[logging.LogRecord]) -> None:
        super().__init__()
        self.records = records
        self.addFilter(RequestContext())

    def handle(self, record: logging.LogRecord) -> bool:
        """Filter and keep ``record``, without the handler lock: ``deque.append`` is atomic."""
        if not self.filter(record):
            return False
        record.msg, record.args = record.getMessage(), None
        self.records.append(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        """Keep ``record`` (``handle`` does; here for the Handler interface)."""
        self.records.append(record)


class BackgroundLogWriter:
    """The thread that hands waiting records to the real ``handlers``."""

    def __init__(
        self,
        records: collections.deque[logging.LogRecord],
        handlers: list[logging.Handler],
        interval_seconds: float = WRITE_INTERVAL_SECONDS,
    ) -> None:
        self.records = records
        self.handlers = handlers
        self.interval_seconds = interval_seconds
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="log-writer", daemon=True)

    def start(self) -> None:
        """Start writing in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Write every waiting record and end the thread."""
        self._stopping.set()
        self._thread.join()
        self._write_waiting()

    def _run(self) -> None:
        while not self._stopping.wait(self.interval_seconds):
            self._write_waiting()

    def _write_waiting(self) -> None:
        while self.records:
            record = self.records.popleft()
            for handler in self.handlers:
                if record.levelno >= handler.level:
                    handler.handle(record)


def log_in_background(
    interval_seconds: float = WRITE_INTERVAL_SECONDS,
) -> BackgroundLogWriter | None:
    """Route the root logger's records through a :class:`BackgroundLogWriter` (started).

    Call ``stop()`` on it before the process exits. ``None`` when the root logger has no
    handlers or this was done already.
    """
    root = logging.getLogger()
    handlers = list(root.handlers)
    if not handlers or any(isinstance(handler, _AppendToDeque) for handler in handlers):
        return None
    # The logging HOWTO's "Optimization": no log line shows the caller's source position,
    # thread or process names, and finding them costs a stack walk per record.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    records: collections.deque[logging.LogRecord] = collections.deque()
    writer = BackgroundLogWriter(records, handlers, interval_seconds)
    for handler in handlers:
        root.removeHandler(handler)
    root.addHandler(_AppendToDeque(records))
    writer.start()
    return writer

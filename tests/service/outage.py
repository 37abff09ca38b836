"""Real database outages for tests: the SQLite file of a running app made unusable, and back."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from spamschutz.service.extensions import runtime

__all__ = ["database_file_replaced_by_a_directory"]


@contextmanager
def database_file_replaced_by_a_directory(app: Flask) -> Iterator[None]:
    """Move the app's SQLite file aside and put a directory in its place until the block ends.

    Every new connection then fails with "unable to open database file" (what SQLite says for
    a missing volume or a file it may not open), which works even for root, unlike chmod.
    """
    with app.app_context():
        engine = runtime().engine
    path = Path(str(engine.url.database))
    engine.dispose()  # pooled connections would keep using the moved file
    moved = []
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{path}{suffix}")
        if source.exists():
            os.replace(source, Path(f"{path}.aside{suffix}"))
            moved.append(suffix)
    path.mkdir()
    try:
        yield
    finally:
        engine.dispose()
        path.rmdir()
        for suffix in moved:
            os.replace(Path(f"{path}.aside{suffix}"), Path(f"{path}{suffix}"))

"""Model artefacts: written with their SHA-256, loaded only if the hash matches, swapped atomically.

An artefact is a joblib file, which is a pickle: loading an untrusted one runs code. The hash
recorded when the model was written (kept by the caller in the database, out of reach of whoever
can write the model directory) is checked *before* unpickling, so a replaced or corrupted file
is refused without being opened by joblib.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import joblib

from spamschutz.model.explain import score_with_reasons
from spamschutz.model.old_names import old_module_names
from spamschutz.model.pipeline import SpamModel

__all__ = [
    "EVALUATION_FILE",
    "REPORT_FILE",
    "ActiveModel",
    "ModelIntegrityError",
    "ModelRegistry",
    "ModelStore",
    "StoredModel",
    "file_sha256",
    "new_version",
]

log = logging.getLogger(__name__)

REPORT_FILE = "report.html"
EVALUATION_FILE = "evaluation.html"

# Scored once by a freshly loaded model before it serves: a link, "!", a German and an
# English word, so every feature block and explanation path runs once.
_WARM_UP_TEXT = "Hallo! Great article, see https://example.org and WRITE to me."


class ModelIntegrityError(Exception):
    """The artefact is missing, unreadable, or its content does not match the recorded hash."""


@dataclass(frozen=True)
class StoredModel:
    """Where a saved model lives and the hash that vouches for it."""

    version: str
    path: Path
    sha256: str
    metadata: dict[str, object]


@dataclass(frozen=True)
class ActiveModel:
    """The version the catalog says should serve, and its expected hash."""

    version: str
    sha256: str


def new_version(now: datetime | None = None) -> str:
    """A sortable, unique model version such as ``20261126-181502-3fa2``."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{secrets.token_hex(2)}"


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file, read in chunks (artefacts and data files can be large)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class ModelStore:
    """Model artefacts in one directory: ``<version>/model.joblib``, ``meta.json`` and, when
    the training wrote one, ``report.html``."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    def path_for(self, version: str) -> Path:
        """The artefact path of ``version``."""
        if not version or "/" in version or version.startswith("."):
            raise ModelIntegrityError(f"invalid model version {version!r}")
        return self.directory / version / "model.joblib"

    def report_path(self, version: str) -> Path:
        """Where the training report of ``version`` is kept, beside its artefact."""
        return self.path_for(version).parent / REPORT_FILE

    def evaluation_path(self, version: str) -> Path:
        """Where the latest evaluation report of ``version`` is kept, beside its artefact."""
        return self.path_for(version).parent / EVALUATION_FILE

    def save(self, model: SpamModel, version: str | None = None) -> StoredModel:
        """Write ``model`` atomically and return its version and SHA-256."""
        version = version or str(model.metadata.get("version") or new_version())
        model.metadata["version"] = version
        path = self.path_for(version)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        joblib.dump(model, partial, compress=3)
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, path)
        sha256 = file_sha256(path)
        metadata = {**model.metadata, "sha256": sha256}
        (path.parent / "meta.json").write_text(json.dumps(metadata, indent=2, default=str))
        return StoredModel(version, path, sha256, metadata)

    def load(self, version: str, sha256: str) -> SpamModel:
        """Load ``version`` after checking its content against ``sha256``.

        The file is read once: the bytes that were hashed are the bytes that are unpickled.
        Hashing the file and then opening it again to load it would unpickle whatever had
        taken its place in between.
        """
        path = self.path_for(version)
        try:
            content = path.read_bytes()
        except OSError as error:
            raise ModelIntegrityError(f"model {version} cannot be read: {error}") from error
        if not secrets.compare_digest(hashlib.sha256(content).hexdigest(), sha256):
            raise ModelIntegrityError(
                f"model {version} does not match its recorded SHA-256; refusing to load it"
            )
        try:
            # An artefact written before the packages moved under ``spamschutz`` names its
            # classes ``model.…``: they are looked up as the modules they became.
            with old_module_names():
                model = joblib.load(io.BytesIO(content))
        except Exception as error:
            raise ModelIntegrityError(f"model {version} cannot be loaded: {error}") from error
        if not isinstance(model, SpamModel):
            raise ModelIntegrityError(f"model {version} is not a spamschutz model")
        try:
            # Built here, beside the serving model, so the first request after a swap
            # does not pay for it.
            _ = model.compiled
        except Exception as error:
            raise ModelIntegrityError(f"model {version} cannot be served: {error}") from error
        return model


class ModelRegistry:
    """The model that serves requests, kept in step with the catalog's active version.

    ``active_lookup`` asks the catalog (the database) which version should serve. Once a model
    serves, requests never wait for the catalog or a model load: a watcher thread in each
    process asks every ``refresh_seconds``, loads a changed model beside the serving one, scores
    a comment with it (so no lazily built state is left for a request to pay for) and only then
    swaps it in with one assignment. Until then requests keep scoring with the old model. When
    loading fails the last good model keeps serving and :attr:`problem` says why.

    Before the first model there is nothing to score with, so a request loads it and requests
    arriving meanwhile wait for it. ``refresh_seconds <= 0`` checks the catalog on every call,
    in the calling thread (for tests that switch models between requests).

    ``listen``, when given, runs in a thread of its own in each process and is handed
    :meth:`wake`: it calls it whenever a promotion is announced (the service listens to the
    database), so the watcher refreshes at once; the polling stays as the fallback for an
    announcement that never came.
    """

    def __init__(
        self,
        store: ModelStore,
        active_lookup: Callable[[], ActiveModel | None],
        refresh_seconds: float = 10.0,
        listen: Callable[[Callable[[], None]], None] | None = None,
    ) -> None:
        self.store = store
        self.active_lookup = active_lookup
        self.refresh_seconds = refresh_seconds
        self.listen = listen
        self._wakeup = threading.Event()
        # One tuple, replaced by a single assignment, so model and version never disagree.
        self._serving: tuple[ActiveModel, SpamModel] | None = None
        # The last catalog entry that failed to load; retried only when the catalog changes.
        self._refused: ActiveModel | None = None
        self._checked_at = float("-inf")
        self._lock = threading.Lock()
        # The watcher belongs to the process that started it: a forked worker starts its own.
        self._watcher_pid: int | None = None
        self._watcher_lock = threading.Lock()
        self._closed = threading.Event()
        self.problem: str | None = None

    def current(self) -> tuple[str, SpamModel] | None:
        """The serving version and model (``None`` if none could ever be loaded)."""
        if self._serving is None:
            self._load_first()
        elif self.refresh_seconds <= 0:
            self.refresh()
        else:
            self._ensure_watcher()
        serving = self._serving
        return (serving[0].version, serving[1]) if serving else None

    def refresh(self) -> None:
        """Ask the catalog for the active version and load it if it changed.

        Returns at once when another thread is refreshing (a model is serving meanwhile).
        """
        if not self._lock.acquire(blocking=self._serving is None):
            return
        try:
            self._refresh_holding_lock()
        finally:
            self._lock.release()

    def wake(self) -> None:
        """Refresh now rather than at the next poll (a promotion was announced)."""
        self._wakeup.set()

    def close(self) -> None:
        """Stop the watcher thread."""
        self._closed.set()
        self._wakeup.set()

    @property
    def version(self) -> str | None:
        """Version of the serving model."""
        serving = self._serving
        return serving[0].version if serving else None

    def _load_first(self) -> None:
        with self._lock:  # another request is loading the first model: wait for it
            stale = time.monotonic() - self._checked_at >= self.refresh_seconds
            if self._serving is None and stale:
                self._refresh_holding_lock()

    def _ensure_watcher(self) -> None:
        pid = os.getpid()
        if self._watcher_pid == pid or self._closed.is_set():
            return
        with self._watcher_lock:
            if self._watcher_pid != pid:
                threading.Thread(
                    target=self._watch_catalog, name="model-watcher", daemon=True
                ).start()
                if self.listen is not None:
                    threading.Thread(
                        target=self.listen, args=(self.wake,), name="model-announcements",
                        daemon=True,
                    ).start()
                self._watcher_pid = pid

    def _watch_catalog(self) -> None:
        while True:
            self._wakeup.wait(self.refresh_seconds)
            self._wakeup.clear()
            if self._closed.is_set():
                return
            try:
                self.refresh()
            except Exception:  # the watcher must outlive any surprise, or swaps stop for good
                log.exception("model refresh failed")

    def _refresh_holding_lock(self) -> None:
        self._checked_at = time.monotonic()
        try:
            wanted = self.active_lookup()
        except Exception as error:  # catalog unreachable: keep the model we have
            self.problem = f"model catalog unavailable: {type(error).__name__}"
            log.warning("model catalog lookup failed: %s", error)
            return
        if wanted is None:
            self.problem = None if self._serving else "no active model"
            return
        if self._serving and wanted == self._serving[0]:
            self.problem = None
            return
        if wanted == self._refused:
            return  # refused before: neither re-hash it nor give it another chance to run
        try:
            model = self.store.load(wanted.version, wanted.sha256)
            # Explanations and scoring build small caches on first use; pay for them here.
            score_with_reasons(model, {"text": _WARM_UP_TEXT})
        except ModelIntegrityError as error:
            self._refused, self.problem = wanted, str(error)
            log.error("keeping the previous model: %s", error)
            return
        except Exception as error:  # loads, but cannot score: as unusable as a bad hash
            self._refused, self.problem = wanted, f"model {wanted.version} cannot score: {error}"
            log.exception("keeping the previous model: %s cannot score", wanted.version)
            return
        self._serving, self._refused, self.problem = (wanted, model), None, None
        log.info("serving model %s", wanted.version)

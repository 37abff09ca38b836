"""A local, durable spool for accepted comments the database could not take.

A ``202`` tells the reader their comment is kept. When the database is unavailable the
submission is written here instead, one JSON file per comment, and replayed into the database
later (:mod:`spamschutz.service.storage.replay`). A file is written the way that survives a crash or
power cut: a temporary file, ``fsync``, ``os.replace`` into place, ``fsync`` of the directory. A
record is either wholly there or not at all.

Layout of the spool directory (``DATA_DIR/spool``)::

    <sha256 of the idempotency key>.json      waiting to be replayed
    <sha256 of the idempotency key>.claimed   being replayed by one process
    failed/<sha256>.json and .reason           refused by the database for a lasting reason
    .<random>.tmp                              a write in progress

Naming files after their idempotency key makes a client's retry find its first attempt. A
process claims a file by renaming it to ``.claimed``; a rename succeeds for exactly one
process, so two workers (or a worker and ``spamschutz spool drain``) never replay one file
together. A claim whose process died is handed back after a minute; replaying a record twice is
harmless anyway, because it is inserted under its idempotency key.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from spamschutz.service.storage.errors import StorageError
from spamschutz.service.storage.records import as_utc

__all__ = [
    "SPOOL_FORMAT",
    "Spool",
    "SpoolRecordError",
    "SpoolStatus",
    "SpoolUnavailable",
    "SpooledComment",
    "spool_for",
]

log = logging.getLogger(__name__)

SPOOL_FORMAT = 1
_WAITING, _CLAIMED = ".json", ".claimed"
# A replay of one record takes milliseconds (the database connect timeout is 5 s), so a claim
# this old belongs to a process that died while replaying.
_STALE_CLAIM_SECONDS = 60.0
_STALE_TEMP_SECONDS = 600.0


class SpoolUnavailable(StorageError):
    """The spool cannot take a record: its directory is not writable, the disk is full, or it
    holds as many records as allowed."""


class SpoolRecordError(StorageError):
    """A spool file cannot be read as a record (edited by hand, or from a newer version)."""


@dataclass(frozen=True)
class SpooledComment:
    """An accepted submission waiting for the database.

    ``comment`` holds the keyword arguments of :meth:`CommentStore.add_comment` except the ones
    named here. ``challenge_redeemed`` says whether the challenge token was already redeemed in
    the database before it became unavailable; otherwise the replay redeems it.
    """

    idempotency_key: str
    public_id: str
    received_at: datetime
    challenge_token_id: str
    challenge_redeemed: bool
    comment: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        """The record as the JSON document stored in its file."""
        return json.dumps(
            {
                "format": SPOOL_FORMAT,
                "idempotency_key": self.idempotency_key,
                "public_id": self.public_id,
                "received_at": as_utc(self.received_at).isoformat(),
                "challenge_token_id": self.challenge_token_id,
                "challenge_redeemed": self.challenge_redeemed,
                "comment": self.comment,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> SpooledComment:
        """Parse a stored record; :class:`SpoolRecordError` if it is not one."""
        try:
            data = json.loads(text)
            if data.get("format") != SPOOL_FORMAT:
                raise SpoolRecordError(f"unknown spool record format {data.get('format')!r}")
            return cls(
                idempotency_key=str(data["idempotency_key"]),
                public_id=str(data["public_id"]),
                received_at=as_utc(datetime.fromisoformat(data["received_at"])),
                challenge_token_id=str(data["challenge_token_id"]),
                challenge_redeemed=bool(data["challenge_redeemed"]),
                comment=dict(data["comment"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise SpoolRecordError(f"not a spool record: {error}") from error


@dataclass(frozen=True)
class SpoolStatus:
    """How much the spool holds: records waiting (or being replayed) and records set aside."""

    depth: int
    failed: int
    oldest: datetime | None


def _file_name(idempotency_key: str) -> str:
    # A hash, not the key: keys come from clients and may contain any character or length.
    return hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()


def _written_at(entry: os.DirEntry[str]) -> float | None:
    try:
        return entry.stat().st_mtime
    except FileNotFoundError:
        return None  # replayed and deleted since the directory was listed


class Spool:
    """The spool directory; every method is safe to call from several processes at once."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        max_records: int = 10_000,
        stale_claim_seconds: float = _STALE_CLAIM_SECONDS,
    ) -> None:
        self.directory = Path(directory)
        # A bound, so that a flood of submissions during an outage cannot fill the disk that
        # SQLite, the models and the logs share.
        self.max_records = max_records
        self.stale_claim_seconds = stale_claim_seconds

    @property
    def failed_directory(self) -> Path:
        """Where records the database refused for a lasting reason are kept."""
        return self.directory / "failed"

    def write(self, record: SpooledComment) -> SpooledComment:
        """Store ``record`` durably; returns the record stored for its idempotency key.

        If a record with the same key is already waiting, that one is kept and returned, so a
        client's retry answers with the id it was first given. :class:`SpoolUnavailable` when
        the record cannot be stored.
        """
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            existing = self.find(record.idempotency_key)
            if existing is not None:
                return existing
            if self.depth() >= self.max_records:
                raise SpoolUnavailable(f"the spool already holds {self.max_records} records")
            target = self.directory / (_file_name(record.idempotency_key) + _WAITING)
            self._write_atomically(target, record.to_json())
        except OSError as error:
            raise SpoolUnavailable(f"cannot write to the spool: {error}") from error
        return record

    def _write_atomically(self, target: Path, text: str) -> None:
        temporary = self.directory / f".{secrets.token_hex(8)}.tmp"
        # 0600: the record holds the commenter's name, address and text.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
        self._sync_directory(self.directory)

    @staticmethod
    def _sync_directory(directory: Path) -> None:
        # The rename itself is only durable once the directory entry is on disk.
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def find(self, idempotency_key: str) -> SpooledComment | None:
        """The record waiting (or being replayed) under ``idempotency_key``, if any."""
        name = _file_name(idempotency_key)
        for suffix in (_WAITING, _CLAIMED):
            try:
                return self.read(self.directory / (name + suffix))
            except (OSError, SpoolRecordError):
                continue  # not there, or replayed and deleted a moment ago
        return None

    def read(self, path: Path) -> SpooledComment:
        """The record in ``path``; ``OSError`` or :class:`SpoolRecordError` if unreadable."""
        return SpooledComment.from_json(path.read_text(encoding="utf-8"))

    def _entries(self, directory: Path, suffixes: tuple[str, ...]) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(directory) as entries:
                return [
                    entry
                    for entry in entries
                    if entry.name.endswith(suffixes) and not entry.name.startswith(".")
                ]
        except OSError:
            # Missing or unreadable: nothing can be replayed from it, and whoever reports the
            # depth (liveness) must not fail on it. A write reports the real problem.
            return []

    def depth(self) -> int:
        """How many records wait for the database (including those being replayed)."""
        return len(self._entries(self.directory, (_WAITING, _CLAIMED)))

    def status(self) -> SpoolStatus:
        """Depth, set-aside records and when the oldest waiting record was written."""
        waiting = self._entries(self.directory, (_WAITING, _CLAIMED))
        oldest = min(filter(None, map(_written_at, waiting)), default=None)
        return SpoolStatus(
            depth=len(waiting),
            failed=len(self._entries(self.failed_directory, (_WAITING,))),
            oldest=None if oldest is None else datetime.fromtimestamp(oldest, UTC),
        )

    def claim_waiting(self) -> Iterator[Path]:
        """Claim waiting records one by one, oldest first; yields the claimed paths.

        The caller must :meth:`complete`, :meth:`release` or :meth:`set_aside` each claim.
        Records another process claims first are skipped.
        """
        waiting = sorted(
            self._entries(self.directory, (_WAITING,)), key=lambda entry: _written_at(entry) or 0
        )
        for entry in waiting:
            source = Path(entry.path)
            claimed = source.with_suffix(_CLAIMED)
            try:
                os.rename(source, claimed)
            except FileNotFoundError:
                continue  # another process claimed it first
            try:
                # The rename keeps the file's old time; the stale-claim clock starts now.
                os.utime(claimed)
            except FileNotFoundError:
                continue  # taken for a stale claim in that instant: it is someone else's now
            yield claimed

    def complete(self, claimed: Path) -> None:
        """The claimed record is in the database: delete it."""
        claimed.unlink(missing_ok=True)
        self._sync_directory(self.directory)

    def release(self, claimed: Path) -> None:
        """Hand a claimed record back, to be replayed later."""
        # Gone if it was handed back as stale and claimed by someone else meanwhile.
        with contextlib.suppress(FileNotFoundError):
            os.rename(claimed, claimed.with_suffix(_WAITING))

    def set_aside(self, claimed: Path, reason: str) -> None:
        """Move a record the database refused for a lasting reason to ``failed/``.

        It is kept, not deleted: ``spamschutz spool drain --retry-failed`` tries it again.
        """
        self.failed_directory.mkdir(mode=0o700, exist_ok=True)
        target = self.failed_directory / claimed.with_suffix(_WAITING).name
        try:
            os.replace(claimed, target)
        except FileNotFoundError:
            return  # handed back as stale meanwhile; its new claimer decides
        target.with_suffix(".reason").write_text(reason + "\n", encoding="utf-8")
        self._sync_directory(self.failed_directory)
        log.error("spooled comment set aside in %s: %s", target, reason)

    def retry_failed(self) -> int:
        """Put every set-aside record back in the queue; how many."""
        moved = 0
        for entry in self._entries(self.failed_directory, (_WAITING,)):
            source = Path(entry.path)
            os.replace(source, self.directory / source.name)
            source.with_suffix(".reason").unlink(missing_ok=True)
            moved += 1
        return moved

    def recover_stale(self) -> None:
        """Hand back claims of processes that died and delete abandoned temporary files."""
        now = time.time()
        try:
            entries = list(os.scandir(self.directory))
        except (FileNotFoundError, NotADirectoryError):
            return
        for entry in entries:
            try:
                info = entry.stat()
                # ctime too: a rename sets it, so a claim made an instant ago never looks old.
                age = now - max(info.st_mtime, info.st_ctime)
                if entry.name.endswith(_CLAIMED) and age > self.stale_claim_seconds:
                    log.warning("handing back a stale spool claim: %s", entry.name)
                    self.release(Path(entry.path))
                elif entry.name.endswith(".tmp") and age > _STALE_TEMP_SECONDS:
                    Path(entry.path).unlink(missing_ok=True)
            except FileNotFoundError:
                continue  # replayed or cleaned up by another process meanwhile


def spool_for(config: Mapping[str, object]) -> Spool:
    """The spool of an installation: ``DATA_DIR/spool``, bounded by ``SPOOL_MAX_RECORDS``."""
    return Spool(
        Path(str(config["DATA_DIR"])) / "spool",
        max_records=int(config.get("SPOOL_MAX_RECORDS") or 10_000),  # type: ignore[call-overload]
    )

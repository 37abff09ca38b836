"""The model catalog: which artefacts exist, their hashes, and the one that serves."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, exc, select, text

from spamschutz.service.storage.errors import ConflictError, NotFound
from spamschutz.service.storage.records import ModelRow, as_utc
from spamschutz.service.storage.schema import MODEL_STATUSES, model_versions
from spamschutz.service.storage.transactions import TransactionalStore

__all__ = ["PROMOTION_CHANNEL", "ModelCatalog"]

# PostgreSQL's notification channel for activations: every instance listening loads the new
# model at once instead of at its next poll (service/model_announcements.py).
PROMOTION_CHANNEL = "spamschutz_model_activated"


class ModelCatalog(TransactionalStore):
    """Which model versions exist and which one serves (``runtime().models``)."""

    def record_model(
        self,
        version: str,
        sha256: str,
        path: str,
        metadata: Mapping[str, Any],
        status: str = "candidate",
    ) -> ModelRow:
        """Catalogue a saved artefact; ``status="active"`` also activates it.

        Metadata values JSON cannot represent (numpy integers, datetimes) are stored as text.
        :class:`ConflictError` if the version is already catalogued.
        """
        if status not in MODEL_STATUSES:
            raise ValueError(f"unknown model status {status!r}")
        values = {
            "version": version,
            "sha256": sha256,
            "path": path,
            "metadata": json.loads(json.dumps(dict(metadata), default=str)),
            "created_at": self._now(),
            "status": "candidate" if status == "active" else status,
        }

        def write(connection: Connection) -> Mapping[str, Any]:
            if not self._insert_unless_duplicate(connection, model_versions, values, "version"):
                raise ConflictError(f"model {version!r} is already catalogued")
            if status == "active":
                return self._activate_in(connection, version)
            return _model(connection, version)

        return self._activation(write)

    def activate_model(self, version: str) -> ModelRow:
        """Make ``version`` the active model and retire the previous one, atomically."""
        return self._activation(lambda connection: self._activate_in(connection, version))

    def active_model(self) -> ModelRow | None:
        """The model that should serve, or ``None`` before the first activation."""
        query = select(model_versions).where(model_versions.c.status == "active")
        with self._transaction() as connection:
            row = connection.execute(query).mappings().one_or_none()
        return None if row is None else ModelRow.from_row(row)

    def get_model(self, version: str) -> ModelRow:
        """The catalogued model ``version``; :class:`NotFound` if unknown."""
        with self._transaction() as connection:
            return ModelRow.from_row(_model(connection, version))

    def list_models(self) -> list[ModelRow]:
        """Every catalogued model, newest first."""
        query = select(model_versions).order_by(
            model_versions.c.created_at.desc(), model_versions.c.version.desc()
        )
        with self._transaction() as connection:
            return [ModelRow.from_row(row) for row in connection.execute(query).mappings()]

    def previous_model(self) -> ModelRow | None:
        """The model that was active before the current one (what a rollback returns to).

        Rollbacks make a stack: a model rolled back from (``rolled_back_at`` in its metadata,
        after its last activation) is passed over, so a second rollback goes further back
        instead of bringing back the model just rolled back.
        """
        query = (
            select(model_versions)
            .where(model_versions.c.status == "retired", model_versions.c.activated_at.is_not(None))
            .order_by(model_versions.c.activated_at.desc(), model_versions.c.version.desc())
        )
        with self._transaction() as connection:
            for row in connection.execute(query).mappings():
                model = ModelRow.from_row(row)
                rolled_back = (model.metadata or {}).get("rolled_back_at")
                if rolled_back and datetime.fromisoformat(rolled_back) >= as_utc(
                        row["activated_at"]):
                    continue
                return model
        return None

    def annotate_model(self, version: str, **notes: Any) -> ModelRow:
        """Merge ``notes`` into a model's metadata (e.g. why a promotion was forced)."""
        with self._transaction() as connection:
            current = _model(connection, version)
            metadata = {**(current["metadata"] or {}), **notes}
            connection.execute(
                model_versions.update()
                .where(model_versions.c.version == version)
                .values(metadata=metadata)
            )
            return ModelRow.from_row(_model(connection, version))

    def _activate_in(self, connection: Connection, version: str) -> Mapping[str, Any]:
        if connection.dialect.name == "postgresql":
            # Two concurrent activations would each retire the model they saw as active and
            # both set their own; taking turns keeps exactly one. Readers are not blocked.
            # SQLite needs nothing: its writers already take turns, and each UPDATE below
            # sees the last committed activation.
            connection.execute(text("LOCK TABLE model_versions IN SHARE ROW EXCLUSIVE MODE"))
        target = _model(connection, version)
        if target["status"] == "active":
            return target
        connection.execute(
            model_versions.update()
            .where(model_versions.c.status == "active")
            .values(status="retired")
        )
        connection.execute(
            model_versions.update()
            .where(model_versions.c.version == version)
            .values(status="active", activated_at=self._now())
        )
        if connection.dialect.name == "postgresql":
            # Sent when the transaction commits, and only then: a listener that hears it
            # finds the new model active.
            connection.execute(
                text("SELECT pg_notify(:channel, :version)"),
                {"channel": PROMOTION_CHANNEL, "version": version},
            )
        return _model(connection, version)

    def _activation(self, write: Callable[[Connection], Mapping[str, Any]]) -> ModelRow:
        try:
            with self._transaction() as connection:
                return ModelRow.from_row(write(connection))
        except exc.IntegrityError as error:
            # The one-active unique index caught a writer that bypassed the lock above.
            raise ConflictError("another model was activated at the same time") from error


def _model(connection: Connection, version: str) -> Mapping[str, Any]:
    query = select(model_versions).where(model_versions.c.version == version)
    row = connection.execute(query).mappings().one_or_none()
    if row is None:
        raise NotFound(f"no model version {version!r}")
    return row

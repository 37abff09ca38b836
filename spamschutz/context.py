"""What CLI commands share: configuration, the stores and the model store, built lazily."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from spamschutz.model import SpamModel, StoredModel
    from spamschutz.service.storage import Stores
    from spamschutz.training import LabelledComment

__all__ = ["Context", "pass_context"]


class Context:
    """Lazily built collaborators of a CLI invocation."""

    @cached_property
    def config(self) -> dict[str, object]:
        """Configuration from ``SPAMSCHUTZ_*`` variables."""
        from spamschutz.service.config import ConfigError, load_config

        try:
            return load_config()
        except ConfigError as error:
            raise click.ClickException(str(error)) from error

    @cached_property
    def stores(self) -> Stores:
        """A store per area of storage (``stores.accounts``, ``stores.models`` …), on a schema
        this version can use (:meth:`ensure_schema`)."""
        from spamschutz.service.storage import Stores, create_engine_for

        self.ensure_schema()
        return Stores.open(create_engine_for(str(self.config["DATABASE_URL"])))

    def ensure_schema(self) -> None:
        """Upgrade the schema as ``AUTO_MIGRATE`` says, else refuse an old one with what to do.

        Every command that uses the database comes here first, so a new installation works
        from its first command, whichever it is. The embedded SQLite file belongs to this one
        installation, so upgrading it is safe and convenient. A shared PostgreSQL is upgraded
        by one explicit ``spamschutz db upgrade`` (a one-shot job before the new version rolls
        out), never by whichever of many instances or commands happens to run first.
        """
        from spamschutz.service.storage import (
            current_revision,
            head_revision,
            normalise_database_url,
        )

        url = str(self.config["DATABASE_URL"])
        mode = str(self.config["AUTO_MIGRATE"])
        sqlite = normalise_database_url(url).get_backend_name() == "sqlite"
        if mode == "always" or (mode == "sqlite" and sqlite):
            self.upgrade_database()
            return
        current, head = current_revision(url), head_revision()
        if current != head:
            raise click.ClickException(
                f"The database schema is at {current or 'nothing'}, this version needs {head}: "
                "run 'spamschutz db upgrade' first (or set SPAMSCHUTZ_AUTO_MIGRATE=always)."
            )

    def upgrade_database(self) -> None:
        """Run the schema migrations."""
        from spamschutz.service.storage import upgrade_database

        upgrade_database(str(self.config["DATABASE_URL"]))

    def _store(self):
        from spamschutz.model import ModelStore

        return ModelStore(str(self.config["MODEL_DIR"]))

    def read_data(self, paths: Sequence[str]) -> list[LabelledComment]:
        """Read labelled files, turning format problems into a clear CLI error."""
        from spamschutz.training import DataError, read_many

        try:
            return read_many(paths)
        except DataError as error:
            raise click.ClickException(str(error)) from error

    def starter_comments(self) -> list[LabelledComment]:
        """The built-in starter corpus."""
        from spamschutz.training.starter import starter_comments

        return starter_comments()

    def gather_training_data(
        self, paths: Sequence[str], from_db: bool, since: datetime | None, starter: bool
    ) -> tuple[list[LabelledComment], list[dict[str, object]]]:
        """Comments from files, the starter corpus and moderator decisions, and their sources."""
        from spamschutz.model import file_sha256
        from spamschutz.training.gate import gate_slice_size

        comments: list[LabelledComment] = []
        sources: list[dict[str, object]] = []
        if starter:
            starter_rows = self.starter_comments()
            comments += starter_rows
            sources.append({"kind": "starter", "n": len(starter_rows)})
        for path in paths:
            rows = self.read_data([path])
            comments += rows
            sources.append(
                {
                    "kind": "file",
                    "name": Path(path).name,
                    "n": len(rows),
                    "sha256": file_sha256(path),
                }
            )
        if from_db:
            labels = self.moderator_labels(since)
            held_out = gate_slice_size(len(labels))
            used = labels[: len(labels) - held_out]
            comments += used
            source: dict[str, object] = {
                "kind": "moderation",
                "n": len(used),
                "since": since.isoformat() if since else None,
            }
            if held_out:
                # The newest labels stay out of training: the promotion gate compares the
                # candidate with the active model on them, data the candidate never saw.
                source["held_out_for_gate"] = held_out
                source["gate_from"] = labels[-held_out].date
            sources.append(source)
        if not (paths or from_db or starter):
            raise click.ClickException(
                "No training data: give --data FILE, --from-db or --starter."
            )
        return comments, sources

    def moderator_labels(self, since: datetime | None = None) -> list[LabelledComment]:
        """Moderator decisions as labelled comments, oldest decision first."""
        from spamschutz.training import LabelledComment

        return [
            LabelledComment(
                text=row["text"],
                label=1 if row["label"] == "spam" else 0,
                author=row.get("author") or "",
                email=row.get("email") or "",
                url=row.get("url") or "",
                lang=row.get("lang") or "",
                group="moderation",
                date=row["decided_at"].isoformat() if row.get("decided_at") else "",
            )
            for row in self.stores.decisions.training_labels(since=since)
        ]

    def train_and_store(
        self,
        comments: Sequence[LabelledComment],
        *,
        promote: bool,
        sources: Sequence[dict[str, object]] = (),
        target_ham_blocked: float | None = None,
        pipeline_params: Mapping[str, object] | None = None,
        quiet: bool = False,
    ) -> StoredModel:
        """Train, save the artefact, record it in the catalog, and optionally activate it
        (``pipeline_params``: see :func:`spamschutz.training.train_model`).

        The starter corpus alone trains with the starter's settings; beside other data it is
        background (:func:`spamschutz.training.train_model`): thresholds then come from the other
        data."""
        from spamschutz.model.links import use_site_domains
        from spamschutz.service.config import site_domains
        from spamschutz.training import TrainingError, train_model
        from spamschutz.training.starter import STARTER_PIPELINE_PARAMS, STARTER_TARGET_HAM_BLOCKED
        from spamschutz.training.train import DEFAULT_TARGET_HAM_BLOCKED

        use_site_domains(site_domains(self.config))  # the site's own links, as when scoring

        def progress(step: str) -> None:
            if not quiet:
                click.echo(f"  {step}", err=True)

        sources = list(sources) or [{"kind": "starter", "n": len(comments)}]
        starter_n = sum(int(s.get("n") or 0) for s in sources if s.get("kind") == "starter")
        background: Sequence[LabelledComment] = ()
        alone = starter_n == len(comments)
        if target_ham_blocked is None:
            target_ham_blocked = STARTER_TARGET_HAM_BLOCKED if alone else DEFAULT_TARGET_HAM_BLOCKED
        if alone:
            pipeline_params = {**STARTER_PIPELINE_PARAMS, **(pipeline_params or {})}
        elif starter_n:
            # gather_training_data puts the starter corpus first.
            background, comments = comments[:starter_n], comments[starter_n:]
        try:
            model = train_model(
                comments,
                target_ham_blocked=target_ham_blocked,
                sources=sources,
                pipeline_params=pipeline_params,
                background=background,
                progress=progress,
            )
        except TrainingError as error:
            raise click.ClickException(
                f"{error}. Add labelled data with --data FILE or the starter corpus with --starter."
            ) from error
        return self.store_model(model, promote=promote)

    def store_model(self, model: SpamModel, *, promote: bool) -> StoredModel:
        """Save a trained model's artefact, record it in the catalog, optionally activate it."""
        stored = self._store().save(model)
        self.stores.models.record_model(
            stored.version, stored.sha256, str(stored.path), stored.metadata
        )
        if promote:
            self.stores.models.activate_model(stored.version)
        return stored

    def load_model(self, version: str | None) -> SpamModel:
        """Load ``version`` (default: the active one) after checking its hash."""
        from spamschutz.model import ModelIntegrityError
        from spamschutz.service.storage import NotFound

        try:
            catalog = self.stores.models
            row = catalog.get_model(version) if version else catalog.active_model()
        except NotFound:
            row = None
        if row is None:
            raise click.ClickException(
                f"No model {version!r}." if version else "No active model. Train one first."
            )
        try:
            return self._store().load(row.version, row.sha256)
        except ModelIntegrityError as error:
            raise click.ClickException(str(error)) from error


pass_context = click.make_pass_decorator(Context)

"""Training reports kept per model version: written beside the artefact, noted in the catalog."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from spamschutz.context import Context

if TYPE_CHECKING:
    from model import StoredModel
    from service.storage import ModelRow
    from training import LabelledComment

__all__ = ["keep_training_report", "report_location"]


def _store(context: Context):
    from model import ModelStore

    return ModelStore(str(context.config["MODEL_DIR"]))


def keep_training_report(
    context: Context,
    stored: StoredModel,
    comments: Sequence[LabelledComment],
    *,
    target_ham_blocked: float = 0.005,
    quiet: bool = False,
) -> Path | None:
    """Write the training report of ``stored`` beside its artefact and note it in the catalog.

    A report that cannot be made (data too small to cross-validate) costs the model nothing:
    it stays trained and catalogued, and the reason is printed.
    """
    from model import REPORT_FILE
    from training import ProtocolError, TrainingError
    from training.training_report import write_training_report

    def progress(step: str) -> None:
        if not quiet:
            click.echo(f"  report: {step}", err=True)

    path = _store(context).report_path(stored.version)
    try:
        write_training_report(
            comments,
            path,
            stored.version,
            target_ham_blocked=target_ham_blocked,
            progress=progress,
        )
    except (ProtocolError, TrainingError) as error:
        click.echo(f"No training report for {stored.version}: {error}", err=True)
        return None
    context.repository.annotate_model(stored.version, report=REPORT_FILE)
    return path


def report_location(context: Context, row: ModelRow) -> Path | None:
    """The stored training report of a catalogued model, or ``None`` when it has none."""
    if not (row.metadata or {}).get("report"):
        return None
    return _store(context).report_path(row.version)

"""Reports kept per model version, beside the artefact and noted in the catalog: the training
report written by ``train`` and ``retrain``, and the latest evaluation report written by
``evaluate --model``. The reports themselves are made by :mod:`spamschutz.training.report`."""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from spamschutz.context import Context

if TYPE_CHECKING:
    from spamschutz.model import StoredModel
    from spamschutz.service.storage import ModelRow
    from spamschutz.training import LabelledComment

__all__ = [
    "evaluation_report_path",
    "keep_evaluation_report",
    "keep_training_report",
    "training_report_path",
]


def _store(context: Context):
    from spamschutz.model import ModelStore

    return ModelStore(str(context.config["MODEL_DIR"]))


def keep_training_report(
    context: Context,
    stored: StoredModel,
    comments: Sequence[LabelledComment],
    *,
    target_ham_blocked: float = 0.005,
    pipeline_params: Mapping[str, object] | None = None,
    quiet: bool = False,
) -> Path | None:
    """Write the training report of ``stored`` beside its artefact and note it in the catalog.

    A report that cannot be made (data too small to cross-validate) costs the model nothing:
    it stays trained and catalogued, and the reason is printed.
    """
    from spamschutz.model import REPORT_FILE
    from spamschutz.training import ProtocolError, TrainingError
    from spamschutz.training.report import write_training_report

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
            pipeline_params=pipeline_params,
            progress=progress,
        )
    except (ProtocolError, TrainingError) as error:
        click.echo(f"No training report for {stored.version}: {error}", err=True)
        return None
    context.stores.models.annotate_model(stored.version, report=REPORT_FILE)
    return path


def training_report_path(context: Context, row: ModelRow) -> Path | None:
    """The stored training report of a catalogued model, or ``None`` when it has none."""
    if not (row.metadata or {}).get("report"):
        return None
    return _store(context).report_path(row.version)


# The figures of an evaluation worth seeing in ``models list`` beside the training figures.
_EVALUATION_FIGURES = ("n", "roc_auc", "mcc", "recall", "ham_blocked", "brier")


def keep_evaluation_report(
    context: Context,
    version: str,
    figures: Mapping[str, object],
    data: Sequence[str],
    report: Path | None = None,
) -> Path | None:
    """Note an evaluation of ``version`` in the catalog and keep a copy of its HTML ``report``
    beside the artefact (the latest evaluation replaces the one before)."""
    kept = None
    if report is not None:
        kept = _store(context).evaluation_path(version)
        shutil.copyfile(report, kept)
    context.stores.models.annotate_model(
        version,
        evaluation={
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "data": [Path(name).name for name in data],
            "report": kept is not None,
            **{key: figures.get(key) for key in _EVALUATION_FIGURES},
        },
    )
    return kept


def evaluation_report_path(context: Context, row: ModelRow) -> Path | None:
    """The kept evaluation report of a catalogued model, or ``None`` when it has none."""
    if not ((row.metadata or {}).get("evaluation") or {}).get("report"):
        return None
    return _store(context).evaluation_path(row.version)

"""The report kept with every trained model: its training data, cross-validated.

Written beside the artefact by ``spamschutz train`` so a version's figures, curves and worst
mistakes can be looked up later, from ``spamschutz models list`` or the moderation dashboard.
The report's folds train their own models (vocabulary included) on their training part, as
``spamschutz evaluate --cv`` does, so its figures are honest estimates for unseen comments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from training.data import LabelledComment
from training.protocols import cross_validate

__all__ = ["REPORT_FOLDS", "write_training_report"]

REPORT_FOLDS = 5


def _quiet(_: str) -> None:
    return None


def write_training_report(
    comments: Sequence[LabelledComment],
    path: str | Path,
    version: str,
    *,
    target_ham_blocked: float = 0.005,
    pipeline_params: Mapping[str, object] | None = None,
    progress: Callable[[str], None] = _quiet,
) -> Path:
    """Cross-validate on ``comments`` and write the HTML report of model ``version`` to
    ``path``, with the thresholds and pipeline settings training used (``target_ham_blocked``,
    ``pipeline_params``).
    Raises ``training.ProtocolError`` or ``TrainingError`` when the data is too
    small to split into folds."""
    from training.report import write_report  # matplotlib only when a report is written

    result = cross_validate(
        list(comments),
        REPORT_FOLDS,
        target_ham_blocked=target_ham_blocked,
        keep_models=True,
        pipeline_params=pipeline_params,
        progress=progress,
    )
    held_out = result.pop("held_out")
    title = f"spamschutz model {version}: {result['protocol']} on its training data"
    return write_report(path, held_out, title=title, details=result)

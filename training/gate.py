"""The promotion gate: a candidate model must not be worse than the active one on fresh data.

Both models score the same held-out comments (the newest moderator labels, which the candidate
never saw, or a file the data scientist gives). The candidate is refused when it sends more
ham to the spam folder or catches less spam than the active model, beyond a tolerance: a
model that looks better on average but blocks more readers is not an improvement for a site.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from model import SpamModel
from training.data import LabelledComment
from training.evaluate import quality_metrics

__all__ = [
    "MIN_GATE_COMMENTS",
    "MIN_GATE_PER_CLASS",
    "GateResult",
    "compare_models",
    "gate_slice_size",
]

# Fewer held-out labels than this cannot tell two models apart; the gate then refuses and
# asks for more data or a forced promotion with a reason.
MIN_GATE_COMMENTS = 20
# Spam caught is undefined without spam and ham blocked without ham: a slice that holds (almost)
# only one class would let a model through that was never checked on the other.
MIN_GATE_PER_CLASS = 5
_ROWS = (
    ("roc_auc", "ROC-AUC"),
    ("recall", "spam caught"),
    ("ham_blocked", "ham blocked"),
    ("precision", "precision"),
    ("mcc", "MCC"),
)


def _figure(value: object) -> str:
    return "-" if value is None else f"{float(value):.4f}"  # type: ignore[arg-type]


def gate_slice_size(labels: int) -> int:
    """How many of the newest moderator labels to keep out of training for the gate.

    A fifth, at least :data:`MIN_GATE_COMMENTS` and at most 2,000; none while there are too few
    labels to spare (a young site needs every label for training).
    """
    if labels < 2 * MIN_GATE_COMMENTS:
        return 0
    return min(max(labels // 5, MIN_GATE_COMMENTS), 2000)


@dataclass(frozen=True)
class GateResult:
    """The comparison, whether the candidate passed, and why not."""

    candidate: dict[str, object]
    active: dict[str, object] | None
    passed: bool
    problems: list[str]
    n: int

    def table(self) -> str:
        """The comparison as a plain-text table, one metric per line."""
        lines = [f"{'metric':<14}{'active':>10}{'candidate':>12}"]
        for key, label in _ROWS:
            old = self.active.get(key) if self.active else None
            new = self.candidate.get(key)
            lines.append(f"{label:<14}{_figure(old):>10}{_figure(new):>12}")
        lines.append(f"on {self.n} held-out labelled comments")
        return "\n".join(lines)


def compare_models(
    candidate: SpamModel,
    active: SpamModel | None,
    comments: Sequence[LabelledComment],
    tolerance: float = 0.01,
) -> GateResult:
    """Score ``comments`` with both models at their own thresholds and apply the gate."""
    labels = [comment.label for comment in comments]
    inputs = [comment.as_input() for comment in comments]
    new = quality_metrics(labels, candidate.score(inputs), candidate.thresholds)
    old = quality_metrics(labels, active.score(inputs), active.thresholds) if active else None
    problems: list[str] = []
    if len(comments) < MIN_GATE_COMMENTS:
        problems.append(
            f"only {len(comments)} held-out labelled comments (at least {MIN_GATE_COMMENTS} "
            "are needed to compare models)"
        )
    elif min(n_spam := sum(labels), len(labels) - n_spam) < MIN_GATE_PER_CLASS:
        problems.append(
            f"the held-out labels hold {n_spam} spam and {len(labels) - n_spam} ham comments "
            f"(at least {MIN_GATE_PER_CLASS} of each are needed to compare models)"
        )
    elif old is not None:
        if float(new["ham_blocked"]) > float(old["ham_blocked"]) + tolerance:
            problems.append(
                f"blocks more ham: {new['ham_blocked']:.2%} against {old['ham_blocked']:.2%}"
            )
        if float(new["recall"]) < float(old["recall"]) - tolerance:
            problems.append(f"catches less spam: {new['recall']:.2%} against {old['recall']:.2%}")
    return GateResult(new, old, not problems, problems, len(comments))

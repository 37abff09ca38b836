"""The evaluation report's figures, drawn on matplotlib's Agg canvas and returned as PNG data URIs.

Figures are built with :class:`matplotlib.figure.Figure` directly, never through ``pyplot``: no
global figure state, no GUI backend, safe in a server process and in threads.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sklearn.metrics import precision_recall_curve, roc_curve

__all__ = ["curves_figure", "histogram_figure", "reliability_figure"]

_HAM, _SPAM = "#2b7bba", "#d7301f"


def _data_uri(figure: Figure) -> str:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=96, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def curves_figure(
    labels: np.ndarray, scores: np.ndarray, operating_point: tuple[float, float] | None = None
) -> str:
    """ROC and precision-recall curves side by side; ``operating_point`` is (ham blocked,
    spam caught) at the serving threshold, marked on the ROC curve."""
    figure = Figure(figsize=(10, 4.2), layout="constrained")
    roc_axes, pr_axes = figure.subplots(1, 2)
    false_pos, true_pos, _ = roc_curve(labels, scores)
    roc_axes.plot(false_pos, true_pos, color=_SPAM, lw=2)
    roc_axes.plot([0, 1], [0, 1], color="#999", lw=1, ls="--")
    if operating_point is not None:
        roc_axes.plot(*operating_point, "o", color="black", label="spam-folder threshold")
        roc_axes.legend(loc="lower right")
    roc_axes.set(
        title="ROC", xlabel="ham blocked (false positive rate)", ylabel="spam caught (recall)"
    )
    precision, recall, _ = precision_recall_curve(labels, scores)
    pr_axes.plot(recall, precision, color=_SPAM, lw=2)
    pr_axes.axhline(float(np.mean(labels)), color="#999", lw=1, ls="--")
    pr_axes.set(title="Precision-recall", xlabel="spam caught (recall)", ylabel="precision")
    for axes in (roc_axes, pr_axes):
        axes.set_xlim(-0.01, 1.01)
        axes.set_ylim(-0.01, 1.01)
        axes.grid(alpha=0.3)
    return _data_uri(figure)


def histogram_figure(labels: np.ndarray, scores: np.ndarray, cuts: dict[str, float]) -> str:
    """Score histograms of ham and spam (log counts) with the serving thresholds as lines."""
    figure = Figure(figsize=(10, 3.6), layout="constrained")
    axes = figure.subplots()
    bins = np.linspace(0.0, 1.0, 41)
    axes.hist(scores[labels == 0], bins=bins, color=_HAM, alpha=0.6, label="ham")
    axes.hist(scores[labels == 1], bins=bins, color=_SPAM, alpha=0.6, label="spam")
    for (name, cut), style in zip(cuts.items(), ("-", ":"), strict=False):
        axes.axvline(cut, color="black", ls=style, lw=1, label=f"{name} ({cut:.2f})")
    axes.set_yscale("log")
    axes.set(title="Scores by true class", xlabel="calibrated spam score", ylabel="comments")
    axes.legend(loc="upper center")
    return _data_uri(figure)


def reliability_figure(rows: list[dict[str, float]]) -> str:
    """Mean score against the observed spam share per score bin; on the diagonal is calibrated."""
    figure = Figure(figsize=(4.2, 4.2), layout="constrained")
    axes = figure.subplots()
    axes.plot([0, 1], [0, 1], color="#999", lw=1, ls="--")
    axes.plot(
        [row["mean_score"] for row in rows],
        [row["spam_share"] for row in rows],
        "o-",
        color=_SPAM,
    )
    axes.set(
        title="Reliability",
        xlabel="mean score in bin",
        ylabel="share that is spam",
        xlim=(0, 1),
        ylim=(0, 1),
    )
    axes.grid(alpha=0.3)
    return _data_uri(figure)

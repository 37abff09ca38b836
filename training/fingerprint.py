"""The training data's score distribution, kept in a model's metadata.

Serving compares the scores of recent comments with it: when they are distributed very
differently, the comments have changed (new spam campaigns, a new audience, another share of
spam) and the model's thresholds may no longer mean what they meant at training time.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["SCORE_BINS", "score_histogram"]

# Twenty bins of width 0.05: fine enough to see a shift inside the unsure band, coarse enough
# that a few hundred recent comments fill them.
SCORE_BINS = 20


def score_histogram(scores: Sequence[float] | np.ndarray) -> dict[str, list[float] | list[int]]:
    """Counts of ``scores`` (calibrated, in [0, 1]) in :data:`SCORE_BINS` equal bins.

    Meant for the cross-validated scores of the training data: each was given by a model that
    had not seen the comment, as serving scores are.
    """
    edges = np.linspace(0.0, 1.0, SCORE_BINS + 1)
    counts, _ = np.histogram(np.clip(np.asarray(scores, dtype=float), 0.0, 1.0), bins=edges)
    return {"edges": [round(float(edge), 4) for edge in edges], "counts": counts.tolist()}

"""Watching the serving model: does the score distribution of recent comments still look like
the training data's?

Pure functions over numbers the storage layer hands in, so the dashboard and ``/metrics``
show the same figures and tests can check them without a database.

The measure is the population stability index (PSI) over the score bins stored with the model
at training time (see ``spamschutz.training.fingerprint``), with the Kolmogorov–Smirnov distance of
the same bins beside it. The bands are the usual rule of thumb from credit scoring, where PSI comes
from: below 0.1 nothing worth a look, 0.1 to 0.25 a moderate shift, above 0.25 a major one.
A shift says the comments changed, not that the model got worse; the moderators' agreement
figures say that.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "DRIFT_DAYS",
    "MAJOR_SHIFT",
    "MIN_RECENT_COMMENTS",
    "MODERATE_SHIFT",
    "ScoreDrift",
    "ks_distance",
    "population_stability",
    "score_drift",
]

MODERATE_SHIFT = 0.1
MAJOR_SHIFT = 0.25
# Fewer recent comments than this leave most of the twenty bins empty or nearly so, and the
# index would swing with every comment.
MIN_RECENT_COMMENTS = 50
DRIFT_DAYS = 7
# A bin empty on one side would make the index infinite; this share stands in for "almost none".
_EMPTY_SHARE = 1e-4
# The dashboard shows five coarse ranges; the index uses every stored bin.
_SHOWN_RANGES = 5


@dataclass(frozen=True)
class ScoreDrift:
    """Recent comments' scores against the training data's, for one model version.

    ``level``: ``stable``, ``moderate`` or ``major`` when measured; ``too_few`` when fewer than
    :data:`MIN_RECENT_COMMENTS` recent comments were scored; ``no_reference`` when the model
    was trained before score distributions were kept. ``ranges``: (low, high, training share,
    recent share) in a few coarse score ranges, for people to look at.
    """

    version: str
    level: str
    recent: int
    days: int
    psi: float | None = None
    ks: float | None = None
    ranges: tuple[tuple[float, float, float, float], ...] = ()

    @property
    def warning(self) -> bool:
        """``True`` when the shift is large enough to tell somebody."""
        return self.level == "major"


def _shares(counts: Sequence[float]) -> np.ndarray:
    values = np.asarray(counts, dtype=float)
    total = values.sum()
    return values / total if total > 0 else values


def population_stability(reference: Sequence[float], recent: Sequence[float]) -> float:
    """PSI of two histograms over the same bins: Σ (recent − reference) · ln(recent / reference)
    over the bins' shares. 0 for identical distributions; symmetric in its arguments."""
    expected = np.maximum(_shares(reference), _EMPTY_SHARE)
    actual = np.maximum(_shares(recent), _EMPTY_SHARE)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def ks_distance(reference: Sequence[float], recent: Sequence[float]) -> float:
    """Largest gap between the two cumulative distributions at the bin edges (0 to 1)."""
    gaps = np.cumsum(_shares(recent)) - np.cumsum(_shares(reference))
    return float(np.max(np.abs(gaps))) if gaps.size else 0.0


def _level(psi: float) -> str:
    if psi >= MAJOR_SHIFT:
        return "major"
    return "moderate" if psi >= MODERATE_SHIFT else "stable"


def _coarse_ranges(
    edges: np.ndarray, reference: np.ndarray, recent: np.ndarray
) -> tuple[tuple[float, float, float, float], ...]:
    groups = np.array_split(np.arange(reference.size), _SHOWN_RANGES)
    return tuple(
        (
            float(edges[group[0]]),
            float(edges[group[-1] + 1]),
            float(reference[group].sum()),
            float(recent[group].sum()),
        )
        for group in groups
        if group.size
    )


def score_drift(
    version: str,
    metadata: Mapping[str, object] | None,
    recent_scores: Sequence[float],
    days: int = DRIFT_DAYS,
) -> ScoreDrift:
    """Compare ``recent_scores`` (the version's scores of the last ``days`` days) with the
    score histogram stored in the version's ``metadata`` at training time."""
    histogram = (metadata or {}).get("score_histogram")
    if not isinstance(histogram, Mapping) or not histogram.get("counts"):
        return ScoreDrift(version, "no_reference", len(recent_scores), days)
    if len(recent_scores) < MIN_RECENT_COMMENTS:
        return ScoreDrift(version, "too_few", len(recent_scores), days)
    edges = np.asarray(histogram["edges"], dtype=float)
    reference = np.asarray(histogram["counts"], dtype=float)
    counts, _ = np.histogram(np.clip(np.asarray(recent_scores, dtype=float), 0, 1), bins=edges)
    psi = population_stability(reference, counts)
    return ScoreDrift(
        version,
        _level(psi),
        len(recent_scores),
        days,
        psi=round(psi, 4),
        ks=round(ks_distance(reference, counts), 4),
        ranges=_coarse_ranges(edges, _shares(reference), _shares(counts)),
    )

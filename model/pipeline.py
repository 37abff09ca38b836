"""The spam classifier: a scikit-learn pipeline plus calibration and serving thresholds."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline

from spamschutz.model.bounded import BoundedLogisticRegression
from spamschutz.model.compiled import CompiledScorer
from spamschutz.model.features import (
    CommentPreparer,
    MetaFeatures,
    char_terms,
    prepare_comment,
    word_terms,
)

__all__ = ["Comment", "SpamModel", "Thresholds", "build_pipeline"]

# A comment as the model sees it: ``text`` plus optional ``author``, ``email``, ``url``, ``lang``.
Comment = Mapping[str, object] | str


# The most any one word, link or signal may add to a comment's log-odds (model/bounded.py).
WEIGHT_BOUND = 5.0


def build_pipeline(C: float = 10.0, bound: float | None = WEIGHT_BOUND) -> Pipeline:
    """Return the untrained feature + linear classifier pipeline.

    Word unigrams and bigrams of stemmed tokens catch vocabulary; character n-grams within
    words catch misspellings and word parts the stemmer does not know; signals catch links,
    "!!!", self-promotion and requests to readers (model/promotion.py). Terms seen in only one
    training comment are dropped (typos, names: noise that a linear model would otherwise
    memorise). ``C`` is high because TF-IDF rows are L2-normalised and most features are rare;
    on the YouTube corpus C from 3 to 100 moved the leave-one-video-out ROC-AUC by less than
    0.001 (bench/README.md). ``bound`` caps every weight, so that no single feature decides
    alone (:class:`BoundedLogisticRegression`).
    """
    return Pipeline(
        [
            ("prepare", CommentPreparer()),
            (
                "features",
                FeatureUnion(
                    [
                        (
                            "words",
                            TfidfVectorizer(
                                analyzer=word_terms,
                                token_pattern=None,
                                sublinear_tf=True,
                                min_df=2,
                                max_features=300_000,
                                dtype=np.float32,
                            ),
                        ),
                        (
                            "chars",
                            TfidfVectorizer(
                                analyzer=char_terms,
                                token_pattern=None,
                                lowercase=False,
                                min_df=2,
                                sublinear_tf=True,
                                max_features=300_000,
                                dtype=np.float32,
                            ),
                        ),
                        ("meta", MetaFeatures()),
                    ]
                ),
            ),
            (
                "classifier",
                BoundedLogisticRegression(C=C, bound=bound, class_weight="balanced"),
            ),
        ]
    )


@dataclass(frozen=True)
class Thresholds:
    """Serving cut-offs on the calibrated score.

    ``spam``: at or above, the comment goes to the spam folder. ``unsure``: at or above (and
    below ``spam``) the comment is flagged as unsure in the review queue.
    """

    spam: float
    unsure: float

    def band(self, score: float) -> str:
        """``"spam"``, ``"unsure"`` or ``"ham"`` for a calibrated score."""
        if score >= self.spam:
            return "spam"
        if score >= self.unsure:
            return "unsure"
        return "ham"


@dataclass
class SpamModel:
    """A trained pipeline whose decision values are mapped to calibrated probabilities.

    ``calibration`` holds Platt scaling parameters ``(slope, intercept)`` fitted on
    cross-validated decision values, so the probability means what it says on unseen text.
    """

    pipeline: Pipeline
    calibration: tuple[float, float]
    thresholds: Thresholds
    metadata: dict[str, object] = field(default_factory=dict)

    def decision_values(self, comments: Sequence[Comment]) -> np.ndarray:
        """Raw linear scores (log-odds before calibration), via the compiled fast path."""
        return self.compiled.decisions([prepare_comment(comment) for comment in comments])

    def calibrate(self, decision_values: np.ndarray) -> np.ndarray:
        """Map raw decision values to spam probabilities in [0, 1]."""
        slope, intercept = self.calibration
        return 1.0 / (1.0 + np.exp(-(slope * np.asarray(decision_values) + intercept)))

    def calibrate_one(self, decision_value: float) -> float:
        """:meth:`calibrate` for one value, in plain floats."""
        slope, intercept = self.calibration
        return 1.0 / (1.0 + math.exp(-(slope * decision_value + intercept)))

    def score(self, comments: Sequence[Comment]) -> np.ndarray:
        """Calibrated spam probability for each comment."""
        return self.calibrate(self.decision_values(comments))

    @cached_property
    def compiled(self) -> CompiledScorer:
        """The pipeline as lookup tables (built on first use, never stored in the artefact)."""
        return CompiledScorer(self.pipeline)

    def __getstate__(self) -> dict[str, object]:
        # Derived caches are rebuilt after loading; storing them would bloat the artefact.
        state = dict(self.__dict__)
        state.pop("compiled", None)
        state.pop("feature_names", None)
        return state

    @cached_property
    def feature_names(self) -> list[str]:
        """Names of the feature columns (``words__…``, ``chars__…``, ``meta__…``), built once."""
        return self.pipeline.named_steps["features"].get_feature_names_out().tolist()

    def score_one(self, comment: Comment) -> float:
        """Calibrated spam probability of a single comment."""
        return float(self.score([comment])[0])

"""The hashing pipeline: the model's features without a vocabulary, for very large label sets.

A TF-IDF vocabulary must see every comment before the first weight is learned, and holds every
term it keeps. Hashing maps each term straight to one of a fixed number of columns, so a
linear model can learn chunk by chunk (``partial_fit``) in constant memory. The pipeline has the
same steps and step names as :func:`spamschutz.model.pipeline.build_pipeline` — the same
:class:`~spamschutz.model.features.CommentPreparer`, the same word and character terms, the same
metadata signals — so the registry, the compiled scorer and explanations treat both alike.

Hashing forgets which term a column came from; an explanation does not need to know, because
it hashes the explained comment's own terms (:class:`HashedColumns`) and names each by itself.
"""

from __future__ import annotations

import sys
from functools import partial

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils import murmurhash3_32

from spamschutz.model.features import CommentPreparer, MetaFeatures, char_terms, word_terms
from spamschutz.model.memo import BoundedMemo

__all__ = ["HASHED_COLUMNS", "HashedColumns", "build_hashing_pipeline", "hashed_column"]

# Columns per text block. 2**20 keeps collisions rare for the few million distinct terms of a
# large comment archive while the coefficients stay at 8 MiB per block.
HASHED_COLUMNS = 2**20

# Regularisation of the incremental classifier. On the YouTube corpus (one video held out)
# 1e-4 to 1e-5 gave the same ROC-AUC within 0.005; the smaller value leaves room for the many
# distinct terms a large, varied label set brings.
SGD_ALPHA = 1e-5


def _hashing_vectorizer(analyzer, n_features: int) -> HashingVectorizer:
    # alternate_sign=False: signed hashing helps inner products of dense data, but here a
    # column's weight must stay the sum of its terms' evidence so explanations can read it.
    # norm="l2" on raw counts matches what the compiled scorer computes for a block.
    return HashingVectorizer(
        analyzer=analyzer,
        token_pattern=None,
        lowercase=False,
        n_features=n_features,
        alternate_sign=False,
        norm="l2",
        dtype=np.float32,
    )


def build_hashing_pipeline(
    n_features: int = HASHED_COLUMNS, alpha: float = SGD_ALPHA, seed: int = 0
) -> Pipeline:
    """Return the untrained hashing pipeline, to be trained with ``partial_fit`` on chunks.

    The classifier is logistic regression fitted by stochastic gradient descent; its decision
    value is a log-odds like the batch model's, so the same Platt calibration applies.
    """
    return Pipeline(
        [
            ("prepare", CommentPreparer()),
            (
                "features",
                FeatureUnion(
                    [
                        ("words", _hashing_vectorizer(word_terms, n_features)),
                        ("chars", _hashing_vectorizer(char_terms, n_features)),
                        ("meta", MetaFeatures()),
                    ]
                ),
            ),
            ("classifier", SGDClassifier(loss="log_loss", alpha=alpha, random_state=seed)),
        ]
    )


def hashed_column(term: str, n_features: int) -> int:
    """The column :class:`HashingVectorizer` gives ``term`` (signed MurmurHash3, seed 0).

    Kept per term: the same words and n-grams come back in comment after comment.
    """
    memo = _COLUMNS.get(n_features)
    if memo is None:
        memo = _COLUMNS.setdefault(
            n_features,
            BoundedMemo(
                partial(_hashed_column, n_features=n_features),
                16 * 2**20,
                lambda term, column: sys.getsizeof(term) + sys.getsizeof(column),
            ),
        )
    return memo(term)


def _hashed_column(term: str, n_features: int) -> int:
    value = murmurhash3_32(term, seed=0, positive=False)
    if value == -(2**31):  # |−2³¹| overflows a 32-bit integer; scikit-learn special-cases it
        return (2**31 - 1 - (n_features - 1)) % n_features
    return abs(value) % n_features


_COLUMNS: dict[int, BoundedMemo[str, int]] = {}


class HashedColumns:
    """Term → column of a fitted hashing vectoriser, looked up like a vocabulary.

    Offers the ``get`` and ``len`` a fitted vocabulary dict offers, so the compiled scorer can
    score and explain a hashed block as it does a TF-IDF block. Every term has a column; two
    terms of one comment that share a column (rare at 2**20 columns) share its weight.
    """

    def __init__(self, vectorizer: HashingVectorizer) -> None:
        self.n_features = int(vectorizer.n_features)

    def get(self, term: str) -> int:
        """The column of ``term``."""
        return hashed_column(term, self.n_features)

    def __len__(self) -> int:
        return self.n_features

"""Logistic regression whose every weight stays within ``[-bound, bound]``.

A plain logistic regression lets one feature decide alone when the training data happens to
separate on it: the old starter corpus gave only spam a website, and the website field became
worth +4.2 log-odds, enough to send any reader who filled it in to the spam folder. Features here
are scaled to at most 1 (TF-IDF rows are L2-normalised, signals lie in [0, 1]), so a bound on the
weights bounds what any one word, link or signal can add to a comment's log-odds: a decision
then needs several pieces of evidence that agree.

The objective is liblinear's (L2 penalty ½‖w‖² plus ``C`` times the weighted log-loss) with
box constraints on the weights, solved by liblinear itself with per-column penalties (see
``fit``): a general bounded solver (L-BFGS-B) took 30 s where liblinear takes under one.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

# scikit-learn's parameter validation is private (there is no public one): pyproject.toml keeps
# scikit-learn below the next minor release, and tests/model/test_bounded.py fails on a release
# that changes it. Everything else here is scikit-learn's public interface.
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["BoundedLogisticRegression"]

# Refits before the last excess is clipped; the excess left after this many is a few percent.
_MAX_ROUNDS = 6
# A weight this far past the bound (relative) counts as within it: clipping it changes nothing
# a moderator could see.
_SLACK = 0.01
# liblinear penalises the intercept as a weight on a constant column of this value; larger
# values make that penalty smaller but slowed liblinear's convergence tenfold.
_INTERCEPT_SCALING = 1.0


def _sample_weights(sample_weight, rows: int) -> np.ndarray:
    """One float weight per row: ones for ``None``, a number spread, else an array of ``rows``."""
    if sample_weight is None:
        return np.ones(rows)
    weights = np.asarray(sample_weight, dtype=np.float64)
    if weights.ndim == 0:
        return np.full(rows, float(weights))
    if weights.shape != (rows,):
        raise ValueError(f"sample_weight has shape {weights.shape}; expected ({rows},)")
    if not np.isfinite(weights).all():
        raise ValueError("sample_weight holds NaN or infinity")
    if not weights.any():
        raise ValueError("the sample weights are all zero")
    return weights


def _scaled_columns(X, scale: np.ndarray):
    if sparse.issparse(X):
        return X @ sparse.diags(scale.astype(X.dtype))
    return X * scale


class BoundedLogisticRegression(ClassifierMixin, BaseEstimator):
    """Binary L2 logistic regression with ``|coef| ≤ bound`` for every feature.

    ``C``: inverse regularisation strength, as in scikit-learn's ``LogisticRegression``.
    ``bound``: the largest weight a feature may take (``None``: unbounded).
    ``class_weight``: ``"balanced"``, a mapping, or ``None``.
    """

    _parameter_constraints: dict = {  # noqa: RUF012 - scikit-learn's own convention
        "C": [Interval(Real, 0, None, closed="neither")],
        "bound": [Interval(Real, 0, None, closed="neither"), None],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        C: float = 10.0,
        bound: float | None = 5.0,
        class_weight: str | dict | None = "balanced",
        max_iter: int = 1000,
        tol: float = 1e-4,
    ) -> None:
        self.C = C
        self.bound = bound
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, X, y, sample_weight=None) -> BoundedLogisticRegression:
        """Fit the weights and intercept on ``X`` (dense or sparse) and binary ``y``."""
        self._validate_params()
        X, y = validate_data(
            self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32], order="C"
        )
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if self.classes_.size > 2:
            raise ValueError(
                "Only binary classification is supported; "
                f"the target has {self.classes_.size} classes"
            )
        if self.classes_.size < 2:
            raise ValueError("the data has 1 class only; spam and ham are both needed")
        weights = _sample_weights(sample_weight, X.shape[0])
        signs = np.where(y == self.classes_[1], 1.0, -1.0)
        weights = weights * self._class_weights(signs, weights)
        if not weights.any():
            raise ValueError("the sample weights are all zero")
        # A row of weight zero counts for nothing; liblinear before scikit-learn 1.7 still let
        # it steer the solution, so it is left out here.
        kept = weights > 0
        X, signs, weights = X[kept], signs[kept], weights[kept]
        # A bound on a weight acts, at the optimum, as a heavier ridge penalty on that weight
        # alone (KKT: λ_j = 1 + μ_j / bound). Scaling column j by s_j is a ridge of 1/s_j² on
        # its weight, so liblinear (fast, exact for ridge) is refitted with the columns whose
        # weights pass the bound scaled down until none does; the last small excess is clipped.
        scale = np.ones(X.shape[1])
        rounds = 0
        while rounds < _MAX_ROUNDS:
            rounds += 1
            inner = LogisticRegression(
                C=self.C,
                solver="liblinear",
                dual=True,
                random_state=0,  # liblinear shuffles; the same data must give the same model
                intercept_scaling=_INTERCEPT_SCALING,
                tol=self.tol,
                max_iter=self.max_iter,
            )
            inner.fit(_scaled_columns(X, scale), signs, sample_weight=weights)
            coef = inner.coef_.ravel() * scale
            over = np.abs(coef) > self.bound * (1 + _SLACK) if self.bound is not None else []
            if not np.any(over):
                break
            scale[over] *= np.sqrt(self.bound / np.abs(coef[over]))
        if self.bound is not None:
            coef = np.clip(coef, -self.bound, self.bound)
        self.coef_ = coef.reshape(1, -1)
        self.intercept_ = inner.intercept_.astype(np.float64).copy()
        self.n_iter_ = np.asarray([rounds])
        return self

    def _class_weights(self, signs: np.ndarray, weights: np.ndarray) -> np.ndarray:
        # "balanced" from the weighted class totals, so that a weight of 2 is the same as a
        # repeated comment (scikit-learn's own "balanced" counts rows instead).
        if self.class_weight is None:
            return np.ones_like(weights)
        if self.class_weight == "balanced":
            totals = {sign: weights[signs == sign].sum() for sign in (-1.0, 1.0)}
            if min(totals.values()) <= 0:
                raise ValueError("each class needs a positive total sample weight")
            return np.where(signs > 0, 1.0 / totals[1.0], 1.0 / totals[-1.0]) * weights.sum() / 2
        mapping = {
            1.0: self.class_weight.get(self.classes_[1], 1.0),
            -1.0: self.class_weight.get(self.classes_[0], 1.0),
        }
        return np.where(signs > 0, mapping[1.0], mapping[-1.0])

    def decision_function(self, X) -> np.ndarray:
        """The log-odds of ``classes_[1]`` for each row of ``X``."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", reset=False)
        return np.asarray(X @ self.coef_.ravel()).ravel() + self.intercept_[0]

    def predict(self, X) -> np.ndarray:
        """``classes_[1]`` where the log-odds are positive, else ``classes_[0]``."""
        positive = self.decision_function(X) > 0
        return self.classes_[positive.astype(np.intp)]

    def predict_proba(self, X) -> np.ndarray:
        """Probabilities of the two classes, in the order of ``classes_``."""
        check_is_fitted(self)
        positive = expit(self.decision_function(X))
        return np.column_stack([1.0 - positive, positive])

    def predict_log_proba(self, X) -> np.ndarray:
        """Logarithms of :meth:`predict_proba`."""
        return np.log(self.predict_proba(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.sparse = True
        return tags

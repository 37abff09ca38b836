"""Hyper-parameter search by cross-validation, on every local core or on a Dask cluster.

The search fits one pipeline per candidate and fold, each independent of the others, so it runs
through joblib: by default on all cores of this machine (joblib's ``loky`` processes), and with
``backend="dask"`` on the workers of a Dask cluster (joblib's ``dask`` backend from
``dask.distributed``, installed with the ``dask`` extra), for sites that have one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import joblib
import numpy as np
from sklearn.model_selection import GridSearchCV, GroupKFold, ParameterGrid, StratifiedKFold

from spamschutz.model import build_pipeline
from spamschutz.training.data import LabelledComment
from spamschutz.training.train import MIN_PER_CLASS, TrainingError, deduplicate

__all__ = [
    "BACKENDS",
    "DEFAULT_GRID",
    "HEARTBEAT_SECONDS",
    "SearchResult",
    "parallel_backend",
    "search_parameters",
]

BACKENDS = ("loky", "dask")

# The settings that matter most for a linear text model: regularisation, and whether terms
# seen in a single comment are kept. 16 candidates × 5 folds = 80 fits.
DEFAULT_GRID: dict[str, list[object]] = {
    "classifier__C": [1.0, 3.0, 10.0, 30.0],
    "features__words__min_df": [1, 2],
    "features__chars__min_df": [1, 2],
}


@dataclass(frozen=True)
class SearchResult:
    """The best candidate and every candidate's cross-validated ROC-AUC."""

    best_params: dict[str, object]
    best_score: float
    candidates: list[dict[str, object]]  # {"params", "roc_auc", "std"}, best first
    folds: str
    backend: str

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "best_params": self.best_params,
            "best_roc_auc": self.best_score,
            "folds": self.folds,
            "backend": self.backend,
            "candidates": self.candidates,
        }

    def table(self) -> str:
        """Candidates as lines of text, best first."""
        lines = [f"Cross-validated ROC-AUC ({self.folds}, {self.backend}):"]
        for candidate in self.candidates:
            params = ", ".join(f"{key}={value}" for key, value in candidate["params"].items())
            lines.append(f"  {candidate['roc_auc']:.4f} ± {candidate['std']:.4f}  {params}")
        return "\n".join(lines)


@contextmanager
def parallel_backend(backend: str = "loky", scheduler: str | None = None) -> Iterator[None]:
    """Run the joblib work inside on ``backend``: ``loky`` (local cores) or ``dask``.

    For ``dask``, ``scheduler`` is the address of the cluster's scheduler
    (``tcp://host:8786``); the client is closed again afterwards.
    """
    if backend == "loky":
        with joblib.parallel_config(backend="loky"):
            yield
        return
    if backend != "dask":
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if not scheduler:
        raise ValueError("the dask backend needs the scheduler's address")
    try:
        from distributed import Client
    except ImportError as error:
        raise RuntimeError(
            "the dask backend needs dask.distributed: pip install 'spamschutz[dask]'"
        ) from error
    with Client(scheduler), joblib.parallel_config(backend="dask"):
        yield


def _folds(
    groups: Sequence[str], labels: np.ndarray, folds: int, seed: int
) -> tuple[list[tuple[np.ndarray, np.ndarray]], str]:
    # Folds by source (video, site, thread) when there are enough of them: they measure how a
    # model does on a source it has not seen, which is what a new site asks of it.
    if len(set(groups)) >= folds:
        return list(
            GroupKFold(n_splits=folds).split(labels, labels, groups)
        ), f"{folds} folds by group"
    folds = min(folds, int(np.bincount(labels, minlength=2).min()))
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    return list(splitter.split(labels, labels)), f"{folds} stratified folds"


# The fits run in other processes (or on a cluster), out of reach of a per-fit report; while
# they run, the caller hears at this interval that the search goes on.
HEARTBEAT_SECONDS = 15.0


@contextmanager
def _heartbeat(say: Callable[[str], None], started: float) -> Iterator[None]:
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            say(f"  ... still fitting, {time.monotonic() - started:.0f} s so far")

    thread = threading.Thread(target=beat, name="search-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def search_parameters(
    comments: Sequence[LabelledComment],
    *,
    grid: Mapping[str, Sequence[object]] = DEFAULT_GRID,
    folds: int = 5,
    backend: str = "loky",
    scheduler: str | None = None,
    n_jobs: int = -1,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> SearchResult:
    """Cross-validate every combination in ``grid`` and return them ranked by ROC-AUC.

    ``grid`` maps parameters of :func:`spamschutz.model.build_pipeline`'s pipeline to candidate
    values. ``n_jobs=-1`` uses every core, or every worker of the Dask cluster. ``progress`` hears
    what is being done and, while the fits run, every :data:`HEARTBEAT_SECONDS`, for how long.
    """
    say = progress or (lambda _step: None)
    data = deduplicate(comments)
    labels = np.asarray([comment.label for comment in data], dtype=int)
    if min(np.bincount(labels, minlength=2)) < MIN_PER_CLASS:
        raise TrainingError(f"a search needs at least {MIN_PER_CLASS} spam and ham comments")
    groups = [comment.group for comment in data]
    splits, folds_text = _folds(groups, labels, folds, seed)
    # The candidates and folds are the parallel work; a feature union fitting its blocks in
    # parallel inside each fit would only compete with them for the same cores or workers.
    search = GridSearchCV(
        build_pipeline().set_params(features__n_jobs=1),
        {key: list(values) for key, values in grid.items()},
        scoring="roc_auc",
        cv=splits,
        n_jobs=n_jobs,
        refit=False,
        error_score="raise",
    )
    candidates_count = len(ParameterGrid(search.param_grid))
    say(f"searching {candidates_count} candidates x {folds_text} = "
        f"{candidates_count * len(splits)} fits on {len(data)} comments ({backend})")
    started = time.monotonic()
    with parallel_backend(backend, scheduler), _heartbeat(say, started):
        search.fit([comment.as_input() for comment in data], labels)
    say(f"searched in {time.monotonic() - started:.1f} s")
    results = search.cv_results_
    order = np.argsort(results["rank_test_score"], kind="stable")
    candidates = [
        {
            "params": results["params"][index],
            "roc_auc": float(results["mean_test_score"][index]),
            "std": float(results["std_test_score"][index]),
        }
        for index in order
    ]
    return SearchResult(
        best_params=dict(search.best_params_),
        best_score=float(search.best_score_),
        candidates=candidates,
        folds=folds_text,
        backend=backend,
    )

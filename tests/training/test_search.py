"""Hyper-parameter search through joblib: on local cores and on a Dask cluster."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from spamschutz.model import ModelStore
from spamschutz.training.search import parallel_backend, search_parameters
from tests.factories import labelled_comments

GRID = {"classifier__C": [0.01, 10.0], "features__words__min_df": [1, 2]}


def test_search_on_local_cores_ranks_every_candidate() -> None:
    result = search_parameters(labelled_comments(), grid=GRID, folds=2, n_jobs=2)
    assert len(result.candidates) == 4
    assert result.best_params == result.candidates[0]["params"]
    assert result.best_score == max(c["roc_auc"] for c in result.candidates)
    assert result.best_score > 0.9
    assert "classifier__C=" in result.table()


def test_folds_follow_the_groups_when_there_are_enough() -> None:
    comments = [
        type(comment)(comment.text, comment.label, group=f"site-{index % 3}")
        for index, comment in enumerate(labelled_comments())
    ]
    result = search_parameters(comments, grid={"classifier__C": [10.0]}, folds=3, n_jobs=1)
    assert result.folds == "3 folds by group"


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown backend"), parallel_backend("spark"):
        pass


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as local:
        yield local


# scikit-learn before 1.8 warns in every fit on a Dask worker that n_jobs does nothing for
# liblinear (the backend makes its effective n_jobs the worker count); from 1.8 on, n_jobs is
# deprecated there, so setting it to 1 would warn instead.
@pytest.mark.filterwarnings("ignore:'n_jobs' > 1 does not have any effect:UserWarning")
def test_search_runs_on_a_dask_cluster_and_returns_the_best_parameters(cluster) -> None:
    from distributed import Client, get_task_stream

    with Client(cluster) as watcher, get_task_stream(watcher) as stream:
        result = search_parameters(
            labelled_comments(),
            grid=GRID,
            folds=2,
            backend="dask",
            scheduler=cluster.scheduler_address,
        )
    # Every candidate-and-fold fit ran as a task on the cluster's workers.
    fits = [task for task in stream.data if "fit_and_score" in str(task["key"])]
    assert fits
    assert {task["worker"] for task in stream.data} <= set(cluster.scheduler.workers)
    assert result.backend == "dask"
    assert len(result.candidates) == 4
    assert result.best_params == max(result.candidates, key=lambda c: c["roc_auc"])["params"]


def test_train_search_prints_the_best_parameters_and_stores_no_model(runner, tmp_path) -> None:
    data = tmp_path / "labels.csv"
    data.write_text(
        "text,label\n" + "".join(f'"{c.text}",{c.label}\n' for c in labelled_comments())
    )
    models_before = runner("models", "list", "--json").output
    result = runner("train", "--data", str(data), "--search", "--json")
    assert result.exit_code == 0, result.output
    output = json.loads(result.output)
    assert set(output["best_params"]) == {
        "classifier__C",
        "features__words__min_df",
        "features__chars__min_df",
    }
    assert len(output["candidates"]) == 16
    assert runner("models", "list", "--json").output == models_before


def test_train_search_on_dask_needs_the_scheduler_address(runner) -> None:
    result = runner("train", "--starter", "--search", "--backend", "dask")
    assert result.exit_code != 0
    assert "--scheduler" in result.output


def test_train_with_the_parameters_a_search_found(runner, app_config, tmp_path) -> None:
    data = tmp_path / "labels.csv"
    data.write_text(
        "text,label\n" + "".join(f'"{c.text}",{c.label}\n' for c in labelled_comments())
    )
    searched = runner("train", "--data", str(data), "--search")
    assert searched.exit_code == 0, searched.output
    # It says what it does before the fits start, and when it is done.
    assert "searching 16 candidates x 5 stratified folds = 80 fits on " in searched.stderr
    assert "searched in " in searched.stderr
    hint = next(line for line in searched.output.splitlines() if "--param" in line)
    settings = hint[hint.index("--param"):].split()
    assert len(settings) == 6  # three parameters, each "--param NAME=VALUE"
    result = runner("train", "--data", str(data), "--no-report", "--json", *settings)
    assert result.exit_code == 0, result.output
    version = json.loads(result.output)["version"]
    [row] = [r for r in json.loads(runner("models", "list", "--json").output)
             if r["version"] == version]
    chosen = row["metadata"]["params"]["pipeline"]
    assert set(chosen) == {"classifier__C", "features__words__min_df", "features__chars__min_df"}
    model = ModelStore(str(app_config["MODEL_DIR"])).load(version, row["sha256"])
    assert {name: model.pipeline.get_params()[name] for name in chosen} == chosen


def test_train_refuses_an_unknown_or_invalid_parameter_with_its_name(runner) -> None:
    unknown = runner("train", "--starter", "--param", "classifier__CC=3")
    assert unknown.exit_code != 0
    assert "classifier__CC" in unknown.output
    invalid = runner("train", "--starter", "--no-report", "--param", "classifier__C=-1")
    assert invalid.exit_code != 0
    assert "--param" in invalid.output and "'C'" in invalid.output
    assert "Traceback" not in invalid.output


def test_a_long_search_keeps_saying_it_is_at_work(monkeypatch) -> None:
    import threading

    from spamschutz.training import search

    monkeypatch.setattr(search, "HEARTBEAT_SECONDS", 0.05)
    heard: list[str] = []
    beat = threading.Event()

    def progress(line: str) -> None:
        heard.append(line)
        if "still fitting" in line:
            beat.set()

    # The search's fits take as long as it takes the heartbeat to speak (on a fast machine
    # they were over before the first beat, and the test failed now and then).
    fit = search.GridSearchCV.fit

    def long_fit(self, *args, **kwargs):
        assert beat.wait(timeout=60), "no heartbeat while the fits ran"
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(search.GridSearchCV, "fit", long_fit)
    search_parameters(labelled_comments(), grid={"classifier__C": [10.0]}, folds=2, n_jobs=1,
                      progress=progress)
    assert heard[0].startswith("searching 1 candidates x 2 stratified folds = 2 fits on ")
    assert any("still fitting" in line for line in heard[1:-1])
    assert heard[-1].startswith("searched in ")


def test_a_refused_param_value_is_named_before_any_work(runner, tmp_path) -> None:
    data = tmp_path / "labels.csv"
    data.write_text(
        "text,label\n" + "".join(f'"{c.text}",{c.label}\n' for c in labelled_comments())
    )
    result = runner("train", "--data", str(data), "--param", "classifier__C=-1")
    assert result.exit_code == 2
    assert "classifier__C=-1" in result.output and "must be a float in the range (0.0, inf" in (
        result.output)
    assert "extracting features" not in result.output

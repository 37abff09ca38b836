"""``spamschutz evaluate``: cross-validation without a database, and the HTML report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from spamschutz.cli import main
from tests.factories import labelled_comments

POOLED_KEYS = (
    "n",
    "roc_auc",
    "pr_auc",
    "accuracy",
    "precision",
    "recall",
    "ham_blocked",
    "f1",
    "mcc",
    "thresholds",
)


@pytest.fixture
def data_files(tmp_path: Path) -> list[Path]:
    """The factory comments split over two files, alternating."""
    paths = [tmp_path / "site-a.jsonl", tmp_path / "site-b.jsonl"]
    for index, path in enumerate(paths):
        rows = labelled_comments()[index::2]
        path.write_text("\n".join(json.dumps(c.as_dict() | {"group": ""}) for c in rows))
    return paths


def _evaluate(tmp_path: Path, *args: str):
    # A database URL that cannot be opened: cross-validation must not need one.
    env = {"SPAMSCHUTZ_DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/db.sqlite"}
    return CliRunner().invoke(main, ["evaluate", *args], env=env, catch_exceptions=False)


def test_cv_json_has_pooled_figures_at_top_level_and_progress_on_stderr(
    tmp_path: Path, data_files: list[Path]
) -> None:
    args = [arg for path in data_files for arg in ("--data", str(path))]
    result = _evaluate(tmp_path, *args, "--cv", "3", "--seed", "0", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    for key in POOLED_KEYS:
        assert key in report
    assert report["n"] == len(labelled_comments())
    assert report["protocol"] == "stratified 3-fold"
    assert len(report["per_fold"]) == 3
    assert {"mcc_at_0_5", "precision_at_0_9", "brier", "mean", "reliability"} <= set(report)
    assert "scores" not in report and "held_out" not in report
    assert "fold 2/3" in result.stderr


def test_group_by_file_leaves_each_file_out_and_writes_a_report(
    tmp_path: Path, data_files: list[Path]
) -> None:
    args = [arg for path in data_files for arg in ("--data", str(path))]
    page = tmp_path / "report.html"
    result = _evaluate(tmp_path, *args, "--group-by", "file", "--report", str(page))
    assert result.exit_code == 0, result.output
    assert "Leave one group out (by file)" in result.stdout
    assert "fold 1 (site-a.jsonl)" in result.stdout and "fold 2 (site-b.jsonl)" in result.stdout
    html = page.read_text(encoding="utf-8")
    assert "site-a.jsonl" in html and "data:image/png;base64," in html


def test_model_and_cross_validation_are_exclusive(tmp_path: Path, data_files: list[Path]) -> None:
    result = CliRunner().invoke(
        main, ["evaluate", "--data", str(data_files[0]), "--model", "v1", "--cv", "3"]
    )
    assert result.exit_code == 2
    assert "Give one or the other" in result.output


def test_too_few_comments_for_the_folds_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "tiny.csv"
    path.write_text("text,label\n" + "".join(f"spam {i},spam\nham {i},ham\n" for i in range(3)))
    result = _evaluate(tmp_path, "--data", str(path), "--cv", "5")
    assert result.exit_code == 1
    assert "smaller class has 3" in result.output


def test_stored_model_report(runner, tmp_path: Path, data_files: list[Path]) -> None:
    page = tmp_path / "model.html"
    result = runner("evaluate", "--data", str(data_files[0]), "--report", str(page), "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["model_version"]
    html = page.read_text(encoding="utf-8")
    assert "Protocol: one model on held-out data" in html
    assert "<h3>words</h3>" in html

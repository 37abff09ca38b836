"""The day-one benchmark runs end to end on a small sample: files read in the corpora's own
formats, every measurement taken, results written; public files of the starter corpus are
scored by a model that never saw them."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench import day_one
from spamschutz.cli import main
from spamschutz.model import ModelStore, SpamModel, file_sha256
from spamschutz.training import train_model
from tests.factories import HAM_TEXTS, SPAM_TEXTS, labelled_comments

VIDEOS = ("Youtube01-Psy", "Youtube02-KatyPerry", "Youtube03-LMFAO")


def _write_datasets(root: Path) -> None:
    """Three small videos as YouTube Spam Collection CSVs and German readers as JSON Lines,
    some with paragraph breaks as the real ones have."""
    youtube = root / "youtube-spam-collection"
    youtube.mkdir(parents=True)
    for index, video in enumerate(VIDEOS):
        with (youtube / f"{video}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["COMMENT_ID", "AUTHOR", "DATE", "CONTENT", "CLASS"])
            for number, text in enumerate(HAM_TEXTS[index * 8 : index * 8 + 8]):
                writer.writerow([f"h{index}-{number}", "Reader", "2015-01-01", text, 0])
            for number, text in enumerate(SPAM_TEXTS[index * 6 : index * 6 + 6]):
                writer.writerow([f"s{index}-{number}", "Spammer", "2015-01-01", text, 1])
    readers = root / "german-reader-comments"
    readers.mkdir()
    lines = [
        {"text": f"{text}\r\n\r\nZweiter Absatz, Zeile {i}.", "label": "ham"}
        for i, text in enumerate(HAM_TEXTS[24:34])
    ]
    (readers / "comments.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))


@cache
def _tiny_starter(without: str | None = None) -> SpamModel:
    return train_model(labelled_comments(), folds=3)


def _tiny_retrain(files: Sequence[day_one.DataFile], without: str | None) -> SpamModel:
    return train_model([*labelled_comments(), *(c for f in files for c in f.comments)], folds=3)


@pytest.fixture
def files(tmp_path: Path) -> list[day_one.DataFile]:
    _write_datasets(tmp_path / "datasets")
    return day_one.read_datasets(tmp_path / "datasets")


def test_the_day_one_benchmark_measures_every_file_and_writes_its_tables(files, tmp_path):
    assert [f.name for f in files][-1] == "german-reader-comments/comments.jsonl"
    assert "\r\n\r\n" in files[-1].comments[0].text  # the readers' line breaks are kept

    results = day_one.run(files, starter=_tiny_starter, retrain=_tiny_retrain, jobs=2)
    text = day_one.write_report(results, tmp_path / "out", seconds=1.0)

    report = json.loads((tmp_path / "out" / "day_one.json").read_text())
    assert report["command"] == "python -m bench.day_one"
    assert {"python", "scikit-learn", "numpy", "spamschutz", "commit"} <= set(report["environment"])
    assert set(report["training_seconds"]) == {
        "starter",
        "all videos",
        *(f"without youtube-spam-collection/{video}.csv" for video in VIDEOS),
    }
    names = [row["file"] for row in report["as_they_are"]]
    assert names == [f.name for f in files] + ["YouTube, all videos pooled", "all files pooled"]
    for row in report["as_they_are"] + report["with_websites"]:
        assert 0 <= row["ham_blocked"] <= row["ham_flagged"] <= 1
    readers = report["as_they_are"][len(VIDEOS)]
    assert readers["n_spam"] == 0 and readers["roc_auc"] is None and readers["spam_caught"] is None
    assert 0.5 <= report["as_they_are"][-2]["roc_auc"] <= 1
    endings = report["line_endings"][-1]
    assert endings["with_line_breaks"] == 10 and endings["largest_change"] >= 0
    assert [row["file"] for row in report["leave_one_video_out"]][: len(VIDEOS)] == [
        f"youtube-spam-collection/{video}.csv" for video in VIDEOS
    ]
    assert all(row["mcc"] is not None for row in report["leave_one_video_out"])
    assert [row["variant"] for row in report["retrained_on_all_videos"]["rows"]] == [
        "as they are",
        "every reader with a website",
        "ham citing a reference site",
    ]

    assert text == (tmp_path / "out" / "day_one.md").read_text()
    for heading in (
        "## The starter model, comments as they are",
        "## Every comment with a personal website in the website field",
        "## Line endings",
        "## Ham citing a reference site",
        "## After retraining on the starter corpus and all five videos",
        "## Leave one video out after training",
    ):
        assert heading in text
    # The largest change of a score between line endings, with three decimals.
    assert re.search(r"\| german-reader-comments/comments\.jsonl \| 10 \| 10 \| \d\.\d{3} \|", text)


def test_a_public_file_in_the_starter_corpus_is_scored_by_a_model_trained_without_it(files):
    public = f"youtube-spam-collection/{VIDEOS[0]}.csv"
    asked_starter, asked_retrain = [], []

    def starter(without: str | None) -> SpamModel:
        asked_starter.append(without)
        return _tiny_starter(without)

    def retrain(files: Sequence[day_one.DataFile], without: str | None) -> SpamModel:
        asked_retrain.append(without)
        return _tiny_retrain(files, without)

    day_one.run(files, starter=starter, retrain=retrain, public=(public,))

    assert set(asked_starter) == {None, public}
    # Retraining on every video and holding out the other videos keeps the starter corpus
    # whole; holding out the public file leaves it out of the starter corpus too.
    assert asked_retrain == [None, public, None, None]


def test_the_starter_model_refuses_to_leave_out_a_file_the_corpus_does_not_hold():
    # The German reader comments are for evaluation only: never in the starter corpus.
    with pytest.raises(ValueError, match="PUBLIC_FILES_IN_STARTER"):
        day_one.starter_model("german-reader-comments/comments.jsonl")


# Each trains on the whole starter corpus (twice here): minutes with a large corpus.
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_benchmarks_starter_model_is_the_one_a_fresh_install_trains(tmp_path):
    env = {"SPAMSCHUTZ_DATA_DIR": str(tmp_path / "data"), "SPAMSCHUTZ_SECRET_KEY": "s" * 40}
    bootstrap = CliRunner().invoke(main, ["models", "bootstrap"], env=env)
    assert bootstrap.exit_code == 0, bootstrap.output
    models = tmp_path / "data" / "models"
    (version,) = [path.name for path in models.iterdir()]
    installed = ModelStore(models).load(version, file_sha256(models / version / "model.joblib"))

    bench = day_one.starter_model()
    comments = [c.as_input() for c in labelled_comments()] + [
        {"text": "Erstens.\r\n\r\nZweitens: https://www.wien.gv.at/verkehr/", "url": ""},
        {"text": "Gute Sache mit den Radwegen.", "url": "https://www.anna-berger.de"},
    ]
    assert installed.thresholds.spam == pytest.approx(bench.thresholds.spam, abs=1e-4)
    assert installed.thresholds.unsure == pytest.approx(bench.thresholds.unsure, abs=1e-4)
    assert installed.score(comments) == pytest.approx(bench.score(comments), abs=1e-4)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_retrained_model_comes_from_the_train_command_and_its_own_data_directory(
    files, tmp_path, monkeypatch
):
    elsewhere = tmp_path / "production.db"
    monkeypatch.setenv("SPAMSCHUTZ_DATABASE_URL", f"sqlite:///{elsewhere}")

    model = day_one.retrained_model(files[:2])

    sources = model.metadata["data"]["sources"]
    assert [source["kind"] for source in sources] == ["starter", "file", "file"]
    assert [source.get("name") for source in sources[1:]] == [f.path.name for f in files[:2]]
    assert not elsewhere.exists()

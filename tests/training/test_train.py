"""Training produces a calibrated model with thresholds chosen on held-out predictions."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from spamschutz.training import (
    LabelledComment,
    TrainingError,
    evaluate_model,
    read_comments,
    read_many,
)
from spamschutz.training.train import BACKGROUND_SHARE, choose_thresholds, deduplicate, train_model
from tests.conftest import DATASETS_MISSING, YOUTUBE
from tests.factories import labelled_comments


def test_threshold_blocks_at_most_the_target_share_of_ham() -> None:
    rng = np.random.default_rng(0)
    labels = np.array([0] * 1000 + [1] * 1000)
    scores = np.concatenate([rng.beta(1, 8, 1000), rng.beta(8, 1, 1000)])
    thresholds = choose_thresholds(labels, scores, target_ham_blocked=0.01)
    assert np.mean(scores[labels == 0] >= thresholds.spam) <= 0.01
    assert thresholds.unsure < thresholds.spam


def test_threshold_never_drops_below_the_floor() -> None:
    labels = np.array([0, 0, 0, 1, 1, 1])
    scores = np.array([0.01, 0.02, 0.03, 0.2, 0.3, 0.4])
    assert choose_thresholds(labels, scores, 0.005).spam >= 0.6


def test_newer_duplicate_label_wins() -> None:
    rows = deduplicate([LabelledComment("Same  text", 1), LabelledComment("same text", 0)])
    assert [(r.text, r.label) for r in rows] == [("same text", 0)]


def test_one_class_only_is_refused_with_counts() -> None:
    with pytest.raises(TrainingError, match="got 0 spam and 3 ham"):
        train_model([LabelledComment(f"ham {i}", 0) for i in range(3)])


def test_model_records_data_metrics_thresholds_and_libraries() -> None:
    model = train_model(labelled_comments(), folds=3)
    meta = model.metadata
    assert meta["data"]["n"] == len(labelled_comments())
    assert meta["cv_metrics"]["roc_auc"] > 0.9
    assert meta["thresholds"]["spam"] == model.thresholds.spam
    assert "scikit-learn" in meta["libraries"]


@pytest.mark.skipif(not YOUTUBE.exists(), reason=DATASETS_MISSING)
def test_held_out_youtube_video_is_separated_well() -> None:
    files = sorted(YOUTUBE.glob("*.csv"))
    model = train_model(read_many(files[:4]))
    report = evaluate_model(model, read_comments(files[4]))
    assert report["roc_auc"] >= 0.95
    assert report["ham_blocked"] <= 0.05
    assert report["recall"] >= 0.7


def test_unsure_band_starts_where_the_model_can_rule_spam_out() -> None:
    rng = np.random.default_rng(1)
    labels = np.array([0] * 2000 + [1] * 2000)
    scores = np.concatenate([rng.beta(1, 8, 2000), rng.beta(8, 1, 2000)])
    thresholds = choose_thresholds(labels, scores, 0.005, target_spam_missed=0.01)
    assert np.mean(scores[labels == 1] < thresholds.unsure) <= 0.01
    assert 0.05 <= thresholds.unsure <= 0.5



def test_a_larger_background_counts_no_more_than_the_sites_own_labels() -> None:
    background = [LabelledComment(f"Billige Uhren, Angebot Nummer {i}", 1) for i in range(300)]
    background += [LabelledComment(f"Das Wetter war schön am Tag {i}", 0) for i in range(300)]
    own = [LabelledComment(f"Gewinnspiel! Jetzt mitmachen, Nummer {i}", 1) for i in range(20)]
    own += [LabelledComment(f"Der Gemeinderat tagt am {i}. Mai im Rathaus", 0) for i in range(20)]
    data = train_model(own, background=background, folds=3).metadata["data"]
    assert (data["n"], data["calibrated_on"]) == (640, 40)
    assert data["background_weight"] == pytest.approx(BACKGROUND_SHARE * 40 / 600)


def test_the_unsure_band_flags_at_most_a_tenth_of_the_ham() -> None:
    # Spam spread wide, so that catching all but 0.5 % of it would flag most readers.
    rng = np.random.default_rng(2)
    labels = np.array([0] * 2000 + [1] * 2000)
    scores = np.concatenate([rng.beta(2, 8, 2000), rng.beta(1.2, 1.2, 2000)])
    thresholds = choose_thresholds(labels, scores, 0.005)
    assert np.mean(scores[labels == 0] >= thresholds.unsure) <= 0.10 + 1e-9


def _grouped(groups_per_class: int) -> list[LabelledComment]:
    return [
        LabelledComment(f"{word} Nummer {i} aus Datei {group}", label, group=f"{label}-{group}")
        for label, word in ((1, "Gewinnspiel Casino Bonus"), (0, "Gemeinderat Radweg Budget"))
        for group in range(groups_per_class)
        for i in range(12)
    ]


def test_thresholds_come_from_held_out_groups_when_the_data_has_them() -> None:
    assert train_model(_grouped(4)).metadata["params"]["grouped_folds"] is True
    assert train_model(_grouped(4)).metadata["params"]["folds"] == 4
    single = [replace(comment, group="") for comment in _grouped(4)]
    assert train_model(single).metadata["params"]["grouped_folds"] is False

"""Cross-validation protocols: folds that never leak, figures judged at each fold's thresholds."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from spamschutz.model import Thresholds
from spamschutz.training import LabelledComment, read_many
from spamschutz.training.evaluate import HeldOut, ranking_metrics
from spamschutz.training.protocols import (
    MAX_GROUPS,
    ProtocolError,
    cross_validate,
    group_cross_validate,
    group_splits,
    stratified_splits,
)
from tests.conftest import DATASETS_MISSING, YOUTUBE
from tests.factories import labelled_comments


def _with_groups(names: list[str]) -> list[LabelledComment]:
    return [
        replace(comment, group=names[i % len(names)])
        for i, comment in enumerate(labelled_comments())
    ]


def test_stratified_splits_are_fixed_by_the_seed_and_cover_every_comment_once() -> None:
    comments = labelled_comments()
    first, again = stratified_splits(comments, 4, seed=0), stratified_splits(comments, 4, seed=0)
    other = stratified_splits(comments, 4, seed=1)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(first, again, strict=True))
    assert not all(np.array_equal(a[1], b[1]) for a, b in zip(first, other, strict=True))
    tested = np.concatenate([test for _, test in first])
    assert sorted(tested.tolist()) == list(range(len(comments)))
    labels = np.array([c.label for c in comments])
    for train, test in first:
        assert not set(train) & set(test)
        assert 0.3 <= labels[test].mean() <= 0.5  # stratified: 40 % spam overall


def test_cross_validate_reports_pooled_per_fold_and_mean_figures() -> None:
    messages: list[str] = []
    result = cross_validate(labelled_comments(), folds=3, seed=0, progress=messages.append)
    pooled = result["pooled"]
    assert result["protocol"] == "stratified 3-fold"
    assert len(result["per_fold"]) == 3
    assert pooled["n"] == len(labelled_comments()) == len(result["scores"])
    assert sum(fold["n"] for fold in result["per_fold"]) == pooled["n"]
    for key in ("roc_auc", "pr_auc", "mcc", "mcc_at_0_5", "recall", "ham_blocked", "brier"):
        assert pooled[key] is not None
    assert pooled["roc_auc"] > 0.95
    assert pooled["precision_at_0_9"] == 1.0
    assert set(result["mean"]) == {"roc_auc", "roc_auc_sd", "mcc", "mcc_sd"}
    assert len(pooled["thresholds"]["per_fold"]) == 3
    assert sum(row["n"] for row in result["reliability"]) == pooled["n"]
    assert all(0.0 <= score <= 1.0 for score in result["scores"])
    assert result["labels"] == result["held_out"].labels.tolist()
    assert any(message.startswith("fold 2/3") for message in messages)
    assert result["held_out"].models == []  # kept only when asked for


def test_repeated_texts_are_removed_before_splitting() -> None:
    comments = labelled_comments()
    doubled = comments + [replace(c, text=c.text.upper()) for c in comments[:10]]
    result = cross_validate(doubled, folds=3)
    assert result["duplicates_removed"] == 10
    assert result["pooled"]["n"] == len(comments)


def test_leave_one_group_out_tests_each_group_on_a_model_that_never_saw_it() -> None:
    comments = _with_groups(["thread-a", "thread-b", "thread-c"])
    result = group_cross_validate(comments, "group", keep_models=True)
    assert result["protocol"] == "leave one group out (by group)"
    assert [fold["group"] for fold in result["per_fold"]] == ["thread-a", "thread-b", "thread-c"]
    held_out = result["held_out"]
    assert len(held_out.models) == 3
    for index, comment in enumerate(held_out.comments):
        fold_group = result["per_fold"][held_out.fold[index]]["group"]
        assert comment.group == fold_group


def test_group_k_fold_never_splits_a_group() -> None:
    comments = _with_groups([f"t{i}" for i in range(8)])
    splits, names = group_splits(comments, "group", folds=4, seed=0)
    assert len(splits) == 4
    for (train, test), name in zip(splits, names, strict=True):
        train_groups = {comments[i].group for i in train}
        test_groups = {comments[i].group for i in test}
        assert not train_groups & test_groups
        assert name == ", ".join(sorted(test_groups))


@pytest.mark.parametrize(
    ("groups", "folds", "message"),
    [
        (["only"], None, "needs at least two groups"),
        ([f"t{i}" for i in range(MAX_GROUPS + 1)], None, "too many to leave out one at a time"),
        (["a", "b"], 3, "group 3-fold needs between 2 and 2 folds"),
    ],
)
def test_grouping_that_cannot_work_is_refused(groups, folds, message) -> None:
    with pytest.raises(ProtocolError, match=message):
        group_splits(_with_groups(groups), "group", folds=folds)


def test_unknown_group_field_and_too_small_classes_are_refused() -> None:
    with pytest.raises(ProtocolError, match="no such field"):
        group_splits(labelled_comments(), "colour")
    few = [LabelledComment(f"text {i}", i % 2) for i in range(6)]
    with pytest.raises(ProtocolError, match="smaller class has 3"):
        stratified_splits(few, folds=5)


def test_pooled_figures_judge_each_comment_at_its_own_folds_threshold() -> None:
    comments = [LabelledComment(f"c{i}", label) for i, label in enumerate([1, 0, 1, 0])]
    held_out = HeldOut(
        comments,
        scores=np.array([0.85, 0.75, 0.85, 0.75]),
        fold=np.array([0, 0, 1, 1]),
        thresholds=[Thresholds(spam=0.8, unsure=0.5), Thresholds(spam=0.9, unsure=0.5)],
    )
    figures = held_out.metrics()
    assert figures["recall"] == 0.5  # caught in fold 0 (0.85 ≥ 0.8), not in fold 1 (< 0.9)
    assert figures["ham_blocked"] == 0.0
    assert figures["spam_flagged"] == 1.0 and figures["ham_flagged"] == 1.0
    assert figures["thresholds"]["spam"] == pytest.approx(0.85)


def test_mcc_at_half_and_precision_among_confident_scores() -> None:
    figures = ranking_metrics([1, 1, 0, 0, 0], [0.95, 0.6, 0.92, 0.4, 0.1])
    assert figures["precision_at_0_9"] == 0.5 and figures["n_at_0_9"] == 2
    assert figures["mcc_at_0_5"] == pytest.approx(2 / 3)  # TP 2, FP 1, TN 2, FN 0
    assert ranking_metrics([0, 0], [0.1, 0.2])["precision_at_0_9"] is None


@pytest.mark.skipif(not YOUTUBE.exists(), reason=DATASETS_MISSING)
def test_youtube_files_are_grouped_by_video() -> None:
    files = [YOUTUBE / "Youtube01-Psy.csv", YOUTUBE / "Youtube02-KatyPerry.csv"]
    result = group_cross_validate(read_many(files), "group")
    assert [fold["group"] for fold in result["per_fold"]] == [
        "Youtube01-Psy",
        "Youtube02-KatyPerry",
    ]
    assert [fold["n"] for fold in result["per_fold"]] == [350, 350]
    assert result["pooled"]["roc_auc"] >= 0.95

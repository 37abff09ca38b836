"""The leave-one-video-out comparison reads its variants as ``spamschutz train --param`` does
and tells ranking from threshold placement."""

from __future__ import annotations

import argparse

import numpy as np
import pytest
from sklearn.metrics import matthews_corrcoef

from bench.day_one import Scores
from bench.leave_one_video_out import (
    best_mcc,
    caught_at_ham_blocked,
    parse_share,
    parse_variant,
)


def test_a_variant_names_a_pipeline_parameter_with_its_value_read_as_json():
    assert parse_variant("classifier__C=3") == {"classifier__C": 3}
    assert parse_variant("classifier__bound=null") == {"classifier__bound": None}


@pytest.mark.parametrize("pair", ["classifier__Cee=3", "C3", "=3"])
def test_a_variant_the_pipeline_cannot_take_is_refused_with_what_to_write(pair: str):
    with pytest.raises(argparse.ArgumentTypeError, match="classifier__C"):
        parse_variant(pair)


def test_a_ham_target_is_a_share_and_a_percentage_is_refused_with_an_example():
    assert parse_share("0.015") == 0.015
    for raw in ("1.5", "0", "-0.01", "one percent"):
        with pytest.raises(argparse.ArgumentTypeError, match=r"0\.01 for 1 %"):
            parse_share(raw)


def test_spam_caught_at_a_share_of_ham_blocked_counts_spam_above_that_hams_scores():
    ham = np.linspace(0.0, 0.99, 100)  # the highest ham at 0.99, the second at 0.98
    spam = np.array([0.995, 0.985, 0.5, 0.1])
    scores = Scores(
        np.r_[np.zeros(100, int), np.ones(4, int)], np.r_[ham, spam], np.ones(104), np.ones(104)
    )
    assert caught_at_ham_blocked(scores, 0.0) == 0.25  # above every ham
    assert caught_at_ham_blocked(scores, 0.01) == 0.5  # one ham of 100 may be above


def test_the_best_mcc_is_that_of_the_best_cut_through_the_scores():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 300)
    scores = np.round(labels * 0.3 + rng.random(300), 2)  # with ties
    scored = Scores(labels, scores, np.ones(300), np.ones(300))
    every_cut = max(matthews_corrcoef(labels, scores >= cut) for cut in scores)
    assert best_mcc(scored) == pytest.approx(every_cut)

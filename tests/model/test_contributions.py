"""Crediting a block whose analyzer is not one of the project's own (models trained before
character n-grams were the project's ``char_terms``, with scikit-learn's ``char_wb``)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from model.contributions import credit_for
from model.features import prepare_comment
from model.term_counts import Vocabulary


@dataclass
class _Block:
    analyzer: object
    vocabulary: Vocabulary
    idf: np.ndarray
    coef: np.ndarray
    sublinear: bool = True
    term_analyzer: object = None


def test_terms_of_another_analyzer_are_credited_to_the_words_that_hold_them() -> None:
    vocabulary = {"asi": 0, "cas": 1, "zzz": 2}
    block = _Block(
        analyzer=lambda comment: ["cas", "asi", "cas", "nie"],
        vocabulary=vocabulary,
        idf=np.array([1.0, 2.0, 3.0]),
        coef=np.array([0.5, 1.0, 4.0]),
    )
    part, credits = credit_for(block)(prepare_comment("Casino! casino, Kasse"))
    weights = {"cas": (1 + math.log(2)) * 2.0, "asi": 1.0}
    norm = math.sqrt(sum(w * w for w in weights.values()))
    expected = weights["cas"] / norm * 1.0 + weights["asi"] / norm * 0.5
    assert math.isclose(part, expected)
    # "casino!" and "casino," hold both terms; both are the word "casino"; "kasse" holds none.
    assert set(credits) == {"casino"}
    assert math.isclose(credits["casino"], expected)

"""Crediting a block's part of the decision to words: the general rule (every term to the words
that hold it), used for analyzers that are not the project's own (models trained before
character n-grams were ``char_terms``, with scikit-learn's ``char_wb``), and the fast crediting
of the project's character n-grams, which must agree with it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from spamschutz.model import ModelStore, StoredModel
from spamschutz.model.contributions import _credit_any_terms, credit_for
from spamschutz.model.features import char_terms, prepare_comment
from spamschutz.model.term_counts import Vocabulary
from tests.factories import HAM_TEXTS, SPAM_TEXTS


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


def test_character_ngrams_are_credited_as_the_general_rule_credits_them(
    tiny_model: StoredModel,
) -> None:
    # The n-gram crediting keeps per-word sums and corrects for shared n-grams; it must give
    # each word what crediting every n-gram to the words that hold it gives.
    model = ModelStore(tiny_model.path.parent.parent).load(tiny_model.version, tiny_model.sha256)
    block = next(block for block in model.compiled.blocks if block.term_analyzer is char_terms)
    credit = credit_for(block)
    texts = [*HAM_TEXTS, *SPAM_TEXTS, "the the them there", "aaaa aaaaaa", "Casino! casino, Kasse"]
    for text in texts:
        comment = prepare_comment(text)
        part, credits = credit(comment)
        expected_part, expected_credits = _credit_any_terms(block, comment)
        assert math.isclose(part, expected_part, abs_tol=1e-12), text
        assert credits.keys() >= {word for word, value in expected_credits.items() if value}
        for word, value in credits.items():
            assert math.isclose(value, expected_credits.get(word, 0.0), abs_tol=1e-12), word

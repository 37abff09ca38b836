"""One comment's decision value split into parts, each credited to the words it came from.

The classifier is linear, so a feature's part of the decision is its TF-IDF weight times its
coefficient. A moderator reads words, not features:

- a character n-gram's part is shared equally among the distinct words of the text that hold it;
- a stem's part goes to the tokens with that stem, a stem pair's to the token pairs.

Character n-grams are most of a comment's features. They are handled per distinct word: a
word's n-gram columns are looked up once and kept, and the comment's term frequencies, norm and
the credit of every word are sums over those columns.
"""

from __future__ import annotations

import math
import string
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable
from functools import lru_cache
from itertools import pairwise
from typing import Protocol

import numpy as np

from model.features import PreparedComment, char_ngrams, char_terms, word_terms
from model.language import stem
from model.term_counts import Vocabulary

__all__ = ["BlockTables", "CreditBlock", "credit_for"]

# What is stripped from a white-space separated word to name it ("Casino!" is "casino").
_PUNCTUATION = string.punctuation + "„“”‚‘’«»…"
# Distinct words whose n-gram columns each worker keeps (a few MB; words repeat across comments),
# and stems or stem pairs whose weights it keeps.
_KEPT_WORDS = 20_000
_KEPT_TERMS = 100_000
_UNSEEN = object()

# One block's part of the decision value and the credit of each word, for one comment.
CreditBlock = Callable[[PreparedComment], tuple[float, dict[str, float]]]


class BlockTables(Protocol):
    """What a compiled feature block offers: its analyzer, vocabulary, idf and coefficients."""

    analyzer: Callable[[PreparedComment], list[str]]
    term_analyzer: Callable[[PreparedComment], list[str]] | None
    vocabulary: Vocabulary
    idf: np.ndarray
    coef: np.ndarray
    sublinear: bool


def credit_for(block: BlockTables) -> CreditBlock:
    """The crediting function suited to ``block``'s analyzer."""
    if block.term_analyzer is char_terms:
        return CharGramCredit(block)
    if block.term_analyzer is word_terms:
        return StemCredit(block)
    return lambda comment: _credit_any_terms(block, comment)


def _normalised(block: BlockTables, columns: np.ndarray, tf: np.ndarray) -> np.ndarray:
    """The L2-normalised TF-IDF weights of the present ``columns``."""
    weights = ((1.0 + np.log(tf)) if block.sublinear else tf) * block.idf[columns]
    return weights / math.sqrt(float(weights @ weights))


class CharGramCredit:
    """Character n-grams: per distinct word, its kept columns; per comment, plain Python.

    A single comment touches a few hundred columns. Numpy's per-call cost, large when the
    request's other work has pushed its code out of the processor's caches, outweighs its
    speed on arrays that small, so the sums run in Python over memoryviews of the block's idf
    and coefficients (read in place, no copy).
    """

    def __init__(self, block: BlockTables) -> None:
        self.block = block
        self.idf = memoryview(np.ascontiguousarray(block.idf, dtype=np.float64))
        self.coef = memoryview(np.ascontiguousarray(block.coef, dtype=np.float64))
        self.word_columns = lru_cache(maxsize=_KEPT_WORDS)(self._word_columns)

    def _word_columns(self, word: str) -> tuple[array[int], bytes]:
        """The known columns of ``word``'s n-grams, each once, and how often each occurs."""
        lookup = self.block.vocabulary.get
        counts = Counter(column for column in map(lookup, char_ngrams(word)) if column is not None)
        return array("q", map(int, counts.keys())), bytes(counts.values())

    def __call__(self, comment: PreparedComment) -> tuple[float, dict[str, float]]:
        words = Counter(comment.text.split())
        looked_up = list(map(self.word_columns, words))
        tf: dict[int, int] = {}
        holders: dict[int, int] = {}  # how many distinct words hold each n-gram
        for (columns, times), repeats in zip(looked_up, words.values(), strict=True):
            for column, count in zip(columns, times, strict=True):
                tf[column] = tf.get(column, 0) + count * repeats
                holders[column] = holders.get(column, 0) + 1
        if not tf:
            return 0.0, {}
        idf, coef, log, sublinear = self.idf, self.coef, math.log, self.block.sublinear
        share: dict[int, float] = {}  # weight × coefficient, shared among the holders
        squares = 0.0
        for column, count in tf.items():
            weight = ((1.0 + log(count)) if sublinear else count) * idf[column]
            squares += weight * weight
            share[column] = weight * coef[column] / holders[column]
        scale = 1.0 / math.sqrt(squares)
        credits: dict[str, float] = defaultdict(float)
        total = 0.0
        for word, (columns, _) in zip(words, looked_up, strict=True):
            part = sum(map(share.__getitem__, columns)) * scale
            credits[word.strip(_PUNCTUATION) or word] += part
            total += part
        return total, credits


def _term_parts(block: BlockTables, terms: list[str]) -> dict[str, float]:
    """Each known term's part of the decision value, from the comment's list of ``terms``."""
    lookup = block.vocabulary.get
    counts = Counter(terms)
    known = [(term, column) for term in counts if (column := lookup(term)) is not None]
    if not known:
        return {}
    columns = np.fromiter((column for _, column in known), dtype=np.intp, count=len(known))
    tf = np.fromiter((counts[term] for term, _ in known), dtype=np.float64, count=len(known))
    parts = _normalised(block, columns, tf) * block.coef[columns]
    return dict(zip((term for term, _ in known), parts.tolist(), strict=True))


class StemCredit:
    """Stems and stem pairs (:func:`~model.features.word_terms`), credited to their tokens.

    A comment has a few dozen such terms, too few for numpy's per-call cost to pay off: each
    term's idf and coefficient are kept as plain floats, and the arithmetic is plain Python.
    """

    def __init__(self, block: BlockTables) -> None:
        self.block = block
        self.known: dict[str, tuple[float, float] | None] = {}

    def _look_up(self, term: str) -> tuple[float, float] | None:
        column = self.block.vocabulary.get(term)
        found = (
            None
            if column is None
            else (float(self.block.idf[column]), float(self.block.coef[column]))
        )
        if len(self.known) >= _KEPT_TERMS:
            self.known.clear()
        self.known[term] = found
        return found

    def __call__(self, comment: PreparedComment) -> tuple[float, dict[str, float]]:
        tokens = comment.tokens
        stems = [stem(token, comment.lang) for token in tokens]
        pairs = [f"{a} {b}" for a, b in pairwise(stems)]
        counts = Counter(stems)
        counts.update(pairs)
        sublinear = self.block.sublinear
        weights: dict[str, tuple[float, float]] = {}
        for term, times in counts.items():
            found = self.known.get(term, _UNSEEN)
            if found is _UNSEEN:
                found = self._look_up(term)
            if found is not None:
                idf, coef = found
                weights[term] = ((1.0 + math.log(times)) if sublinear else times) * idf, coef
        if not weights:
            return 0.0, {}
        norm = math.sqrt(sum(weight * weight for weight, _ in weights.values()))
        holders: dict[str, set[str]] = defaultdict(set)
        for token, token_stem in zip(tokens, stems, strict=True):
            if token_stem in weights:
                holders[token_stem].add(token)
        for (a, b), pair in zip(pairwise(tokens), pairs, strict=True):
            if pair in weights:
                holders[pair].add(f"{a} {b}")
        parts = {term: weight / norm * coef for term, (weight, coef) in weights.items()}
        return _share(parts, lambda term: sorted(holders[term]))


def _credit_any_terms(
    block: BlockTables, comment: PreparedComment
) -> tuple[float, dict[str, float]]:
    """Any other analyzer: a term is credited to the words that contain it."""
    parts = _term_parts(block, block.analyzer(comment))
    padded = {f" {word} ": word.strip(_PUNCTUATION) or word for word in comment.text.split()}
    return _share(parts, lambda term: [word for pad, word in padded.items() if term in pad])


def _share(
    parts: dict[str, float], holders_of: Callable[[str], list[str]]
) -> tuple[float, dict[str, float]]:
    credits: dict[str, float] = defaultdict(float)
    for term, part in parts.items():
        holders = holders_of(term)
        for holder in holders:
            credits[holder] += part / len(holders)
    return sum(parts.values()), credits

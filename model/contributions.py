"""One comment's decision value split into parts, each credited to the words it came from.

The classifier is linear, so a feature's part of the decision is its TF-IDF weight times its
coefficient. A moderator reads words, not features:

- a character n-gram's part is shared equally among the distinct words of the text that hold it;
- a stem's part goes to the tokens with that stem, a stem pair's to the token pairs.

Character n-grams are most of a comment's features. They are handled per distinct word: a
word's n-gram columns and its sums over them are looked up once and kept, so a comment's norm
and the credit of every word are those sums, corrected for the few n-grams that occur more than
once in the comment.
"""

from __future__ import annotations

import math
import string
import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable
from itertools import chain, pairwise
from typing import NamedTuple, Protocol

import numpy as np

from spamschutz.model.features import PreparedComment, char_ngrams, char_terms, word_terms
from spamschutz.model.language import stem
from spamschutz.model.memo import BoundedMemo, size_of_tuple
from spamschutz.model.term_counts import Vocabulary

__all__ = ["BlockTables", "CreditBlock", "credit_for"]

# What is stripped from a white-space separated word to name it ("Casino!" is "casino").
_PUNCTUATION = string.punctuation + "„“”‚‘’«»…"
# Bytes of distinct words' n-gram columns each worker keeps (words repeat across comments), and
# of stems or stem pairs with their weights.
_KEPT_WORD_BYTES = 16 * 2**20
_KEPT_TERM_BYTES = 8 * 2**20

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


class _WordGrams(NamedTuple):
    """A word's known n-gram columns, and its part of the decision as if no other word (and no
    repeat of itself) shared them: what most n-grams of most comments are."""

    columns: array[int]  # each column once
    occurrences: array[int]  # each column as often as the word holds it
    alone_part: float  # sum of idf × coefficient over the columns
    alone_square: float  # sum of idf² over the columns


class CharGramCredit:
    """Character n-grams: per distinct word, its columns and sums kept; per comment, a
    correction for the n-grams two words share or one word repeats.

    A single comment touches a few hundred columns. The weight of an n-gram that occurs once in
    the comment is its idf, so a word whose n-grams are all its own contributes sums kept with
    the word: per comment, only the columns that occur more than once are looked up in the
    block's idf and coefficients, and the counting runs in ``Counter``'s C loop.
    """

    def __init__(self, block: BlockTables) -> None:
        self.block = block
        self.idf = memoryview(np.ascontiguousarray(block.idf, dtype=np.float64))
        self.coef = memoryview(np.ascontiguousarray(block.coef, dtype=np.float64))
        self.word_grams = BoundedMemo(self._word_grams, _KEPT_WORD_BYTES, _size_of_word_grams)

    def _word_grams(self, word: str) -> _WordGrams:
        lookup = self.block.vocabulary.get
        found = [int(column) for column in map(lookup, char_ngrams(word)) if column is not None]
        columns = array("q", dict.fromkeys(found))
        idf, coef = self.idf, self.coef
        return _WordGrams(
            columns=columns,
            occurrences=columns if len(columns) == len(found) else array("q", found),
            alone_part=sum(idf[column] * coef[column] for column in columns),
            alone_square=sum(idf[column] * idf[column] for column in columns),
        )

    def __call__(self, comment: PreparedComment) -> tuple[float, dict[str, float]]:
        words = Counter(comment.text.split())
        grams = list(map(self.word_grams, words))
        holders = Counter(chain.from_iterable(gram.columns for gram in grams))
        if not holders:
            return 0.0, {}
        repeated = zip(grams, words.values(), strict=True)
        tf = Counter(chain.from_iterable(gram.occurrences * times for gram, times in repeated))
        idf, coef, log, sublinear = self.idf, self.coef, math.log, self.block.sublinear
        squares = sum(gram.alone_square for gram in grams)
        # Each shared or repeated n-gram: its real weight instead of idf once per holder.
        correction: dict[int, float] = {}
        for column in [column for column, count in tf.items() if count > 1]:
            count, shared_by, column_idf = tf[column], holders[column], idf[column]
            weight = ((1.0 + log(count)) if sublinear else count) * column_idf
            squares += weight * weight - shared_by * column_idf * column_idf
            correction[column] = coef[column] * (weight / shared_by - column_idf)
        scale = 1.0 / math.sqrt(squares)
        credits: dict[str, float] = defaultdict(float)
        total = 0.0
        for word, gram in zip(words, grams, strict=True):
            part = gram.alone_part
            if correction:
                part += sum(map(correction.get, correction.keys() & gram.columns))
            part *= scale
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


def _size_of_word_grams(word: str, grams: _WordGrams) -> int:
    arrays = sys.getsizeof(grams.columns)
    if grams.occurrences is not grams.columns:
        arrays += sys.getsizeof(grams.occurrences)
    return sys.getsizeof(word) + sys.getsizeof(grams) + arrays + 2 * sys.getsizeof(0.0)


def _size_of_term(term: str, found: tuple[float, float] | None) -> int:
    return sys.getsizeof(term) + (0 if found is None else size_of_tuple(found))


class StemCredit:
    """Stems and stem pairs (:func:`~spamschutz.model.features.word_terms`), credited to their
    tokens.

    A comment has a few dozen such terms, too few for numpy's per-call cost to pay off: each
    term's idf and coefficient are kept as plain floats, and the arithmetic is plain Python.
    """

    def __init__(self, block: BlockTables) -> None:
        self.block = block
        self.known = BoundedMemo(self._look_up, _KEPT_TERM_BYTES, _size_of_term)

    def _look_up(self, term: str) -> tuple[float, float] | None:
        column = self.block.vocabulary.get(term)
        if column is None:
            return None
        return float(self.block.idf[column]), float(self.block.coef[column])

    def __call__(self, comment: PreparedComment) -> tuple[float, dict[str, float]]:
        tokens = comment.tokens
        stems = [stem(token, comment.lang) for token in tokens]
        pairs = [f"{a} {b}" for a, b in pairwise(stems)]
        counts = Counter(stems)
        counts.update(pairs)
        sublinear = self.block.sublinear
        weights: dict[str, tuple[float, float]] = {}
        known = self.known
        for term, times in counts.items():
            found = known(term)
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

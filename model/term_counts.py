"""Term counts of a whole batch of comments as one sparse matrix, with little work per comment.

What a fitted vectoriser's ``transform`` computes first, ``comments × columns`` counts, built
from the structure of the project's own terms instead of one Python list of terms per comment:

- character n-grams are taken within white-space separated words, so a comment's counts are
  the sum of its words' counts: ``(comments × words) @ (words × n-grams)``, one sparse product,
  with the n-gram columns of each distinct word looked up once and kept;
- word terms are stems and pairs of adjacent stems, so each token is mapped to a stem number
  once (kept per language) and the pairs are found among the vocabulary's pairs with numpy.

Any other analyzer, or a vocabulary that cannot be listed, is counted term by term.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from itertools import chain
from typing import Protocol

import numpy as np
from scipy import sparse

from spamschutz.model.features import PreparedComment, char_ngrams, char_terms, word_terms
from spamschutz.model.memo import BoundedMemo
from spamschutz.model.text import stem

__all__ = ["CountTerms", "Vocabulary", "term_counter"]

CountTerms = Callable[[Sequence[PreparedComment]], sparse.csr_matrix]

# Bytes of distinct words' columns kept (about 200 bytes an ordinary word: some 80,000 words,
# the working vocabulary of a large site), and of tokens' stem numbers, per language.
_KEPT_WORD_BYTES = 16 * 2**20
_KEPT_TOKEN_BYTES = 8 * 2**20
# What a token → stem number entry keeps beside the token: the table slot, the number.
_TOKEN_ENTRY_BYTES = 100


class Vocabulary(Protocol):
    """Term → column, as a fitted vectoriser's ``vocabulary_`` (or a hashing equivalent)."""

    def get(self, term: str) -> int | None:
        """The column of ``term``, or ``None`` when the model does not know it."""

    def __len__(self) -> int:
        """The number of columns."""


def term_counter(
    analyzer: Callable[[PreparedComment], list[str]], vocabulary: Vocabulary
) -> CountTerms:
    """A function from a batch of comments to its ``comments × len(vocabulary)`` counts."""
    if analyzer is char_terms:
        return CharGramCounter(vocabulary)
    if analyzer is word_terms and isinstance(vocabulary, Mapping):
        return StemCounter(vocabulary)
    return TermByTermCounter(analyzer, vocabulary)


def _csr(rows: np.ndarray, columns: np.ndarray, shape: tuple[int, int]) -> sparse.csr_matrix:
    # Converting from coordinates sums repeated (row, column) pairs: the counts.
    ones = np.ones(rows.size, dtype=np.float64)
    return sparse.coo_matrix((ones, (rows, columns)), shape=shape).tocsr()


class TermByTermCounter:
    """Counts from the analyzer's list of terms, comment by comment."""

    def __init__(
        self, analyzer: Callable[[PreparedComment], list[str]], vocabulary: Vocabulary
    ) -> None:
        self.analyzer = analyzer
        self.vocabulary = vocabulary

    def __call__(self, comments: Sequence[PreparedComment]) -> sparse.csr_matrix:
        """``comments × columns`` counts."""
        lookup = self.vocabulary.get
        per_comment = [
            [column for column in map(lookup, self.analyzer(c)) if column is not None]
            for c in comments
        ]
        rows = np.repeat(np.arange(len(comments)), [len(columns) for columns in per_comment])
        columns = np.fromiter(chain.from_iterable(per_comment), dtype=np.int64, count=rows.size)
        return _csr(rows, columns, (len(comments), len(self.vocabulary)))


class CharGramCounter:
    """Character n-gram counts as ``(comments × words) @ (words × n-grams)``."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.word_columns = BoundedMemo(
            self._word_columns,
            _KEPT_WORD_BYTES,
            lambda word, columns: sys.getsizeof(word) + sys.getsizeof(columns),
        )

    def _word_columns(self, word: str) -> tuple[int, ...]:
        lookup = self.vocabulary.get
        return tuple(c for c in map(lookup, char_ngrams(word)) if c is not None)

    def __call__(self, comments: Sequence[PreparedComment]) -> sparse.csr_matrix:
        """``comments × columns`` counts."""
        words = [comment.text.split() for comment in comments]
        distinct = dict.fromkeys(chain.from_iterable(words))
        number = dict(zip(distinct, range(len(distinct)), strict=True))
        lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
        word_numbers = np.fromiter(
            map(number.__getitem__, chain.from_iterable(words)), dtype=np.int64
        )
        comment_words = sparse.csr_matrix(
            (np.ones(word_numbers.size), word_numbers, np.concatenate(([0], np.cumsum(lengths)))),
            shape=(len(comments), len(distinct)),
        )
        grams = list(map(self.word_columns, distinct))
        gram_lengths = np.fromiter(map(len, grams), dtype=np.int64, count=len(grams))
        word_grams = sparse.csr_matrix(
            (
                np.ones(int(gram_lengths.sum())),
                np.fromiter(chain.from_iterable(grams), dtype=np.int64),
                np.concatenate(([0], np.cumsum(gram_lengths))),
            ),
            shape=(len(distinct), len(self.vocabulary)),
        )
        return (comment_words @ word_grams).tocsr()


class _StemNumbers(dict[str, int]):
    """Token → number of its stem among the vocabulary's stems (-1 if none), filled on demand
    and emptied when the tokens kept pass their budget of bytes."""

    def __init__(self, stems: Mapping[str, int], lang: str) -> None:
        super().__init__()
        self.stems = stems
        self.lang = lang
        self.bytes = 0

    def __missing__(self, token: str) -> int:
        size = sys.getsizeof(token) + _TOKEN_ENTRY_BYTES
        if self.bytes + size > _KEPT_TOKEN_BYTES:
            self.clear()
            self.bytes = 0
        number = self[token] = self.stems.get(stem(token, self.lang), -1)
        self.bytes += size
        return number


class StemCounter:
    """Counts of stems and adjacent stem pairs, the terms of
    :func:`~spamschutz.model.features.word_terms`.

    Every stem that occurs in the vocabulary, alone or in a pair, gets a number; a pair is then
    the number ``first × stems + second``, and the vocabulary's pairs a sorted array of them.
    A token whose stem has no number can be in no known term, alone or paired.
    """

    def __init__(self, vocabulary: Mapping[str, int]) -> None:
        self.width = len(vocabulary)
        stems: dict[str, int] = {}
        split = {term: term.split(" ") for term in vocabulary}
        for parts in split.values():
            for part in parts:
                stems.setdefault(part, len(stems))
        self.stems = stems
        # The last entry answers for tokens without a number.
        self.single = np.full(len(stems) + 1, -1, dtype=np.int64)
        pairs: list[int] = []
        pair_columns: list[int] = []
        for term, parts in split.items():
            if len(parts) == 1:
                self.single[stems[term]] = vocabulary[term]
            else:
                pairs.append(stems[parts[0]] * len(stems) + stems[parts[1]])
                pair_columns.append(vocabulary[term])
        order = np.argsort(np.asarray(pairs, dtype=np.int64))
        self.pairs = np.asarray(pairs, dtype=np.int64)[order]
        self.pair_columns = np.asarray(pair_columns, dtype=np.int64)[order]
        self.numbers: dict[str, _StemNumbers] = {}

    def _numbers(self, lang: str) -> _StemNumbers:
        numbers = self.numbers.get(lang)
        if numbers is None:
            numbers = self.numbers[lang] = _StemNumbers(self.stems, lang)
        return numbers

    def __call__(self, comments: Sequence[PreparedComment]) -> sparse.csr_matrix:
        """``comments × columns`` counts."""
        numbers: list[int] = []
        for comment in comments:
            numbers.extend(map(self._numbers(comment.lang).__getitem__, comment.tokens))
        lengths = [len(comment.tokens) for comment in comments]
        rows = np.repeat(np.arange(len(comments)), lengths)
        stem_numbers = np.asarray(numbers, dtype=np.int64)
        known = stem_numbers >= 0
        stem_numbers[~known] = len(self.stems)
        singles = self.single[stem_numbers]
        pair_rows, pair_columns = self._pairs(rows, stem_numbers, known)
        rows = np.concatenate((rows, pair_rows))
        columns = np.concatenate((singles, pair_columns))
        present = columns >= 0
        return _csr(rows[present], columns[present], (len(comments), self.width))

    def _pairs(
        self, rows: np.ndarray, stem_numbers: np.ndarray, known: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Rows and columns of the known stem pairs of adjacent tokens in the same comment."""
        if self.pairs.size == 0 or rows.size < 2:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        adjacent = (rows[:-1] == rows[1:]) & known[:-1] & known[1:]
        keys = stem_numbers[:-1] * len(self.stems) + stem_numbers[1:]
        at = np.minimum(np.searchsorted(self.pairs, keys), self.pairs.size - 1)
        found = adjacent & (self.pairs[at] == keys)
        return rows[:-1][found], self.pair_columns[at[found]]

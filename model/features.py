"""scikit-learn transformers that turn comments into features.

A comment enters the pipeline as a mapping with ``text`` and the optional ``author``, ``email``
and ``url`` (or as a plain string). :class:`CommentPreparer` normalises it once; the word,
character and metadata transformers read the prepared form, so the costly normalisation runs a
single time per comment.
"""

from __future__ import annotations

import math
import re
import string
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

from model.memo import BoundedMemo, size_of_tuple
from model.text import (
    EMAIL_MARKER,
    PHONE_MARKER,
    URL_MARKER,
    decode_characters,
    detect_language,
    normalise,
    stem,
    tokenise,
)

__all__ = [
    "CHAR_NGRAMS",
    "META_FEATURES",
    "CommentPreparer",
    "MetaFeatures",
    "PreparedComment",
    "char_ngrams",
    "char_terms",
    "word_terms",
]


@dataclass(frozen=True, slots=True)
class PreparedComment:
    """A comment after normalisation: what every feature transformer reads."""

    raw: str
    decoded: str  # entities decoded, invisible characters removed, case kept
    text: str
    tokens: tuple[str, ...]
    lang: str
    has_author_url: bool
    has_email: bool


def _as_mapping(comment: Mapping[str, object] | str) -> Mapping[str, object]:
    return {"text": comment} if isinstance(comment, str) else comment


def prepare_comment(comment: Mapping[str, object] | str) -> PreparedComment:
    """Normalise one comment (mapping with ``text`` and optional metadata, or a string)."""
    fields = _as_mapping(comment)
    raw = str(fields.get("text") or "")
    text = normalise(raw)
    tokens = tuple(tokenise(text))
    lang = str(fields.get("lang") or "") or detect_language(list(tokens))
    return PreparedComment(
        raw=raw,
        decoded=decode_characters(raw),
        text=text,
        tokens=tokens,
        lang=lang if lang in ("de", "en") else "en",
        has_author_url=bool(str(fields.get("url") or "").strip()),
        has_email=bool(str(fields.get("email") or "").strip()),
    )


class CommentPreparer(TransformerMixin, BaseEstimator):
    """Stateless first step of the pipeline: comments in, :class:`PreparedComment` out."""

    def fit(self, X: Iterable[object], y: object = None) -> CommentPreparer:
        """Nothing to learn; present for the estimator contract."""
        return self

    def transform(self, X: Iterable[Mapping[str, object] | str]) -> list[PreparedComment]:
        """Prepare every comment in ``X``."""
        return [prepare_comment(comment) for comment in X]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = False
        return tags


# Shortest and longest character n-gram: long enough for word parts and misspellings
# ("viagr", "kasin"), short enough to generalise across inflections.
CHAR_NGRAMS = (3, 6)


def _char_ngrams(word: str) -> tuple[str, ...]:
    padded = f" {word} "
    grams: list[str] = []
    for n in range(CHAR_NGRAMS[0], CHAR_NGRAMS[1] + 1):
        if len(padded) < n:
            break
        grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return tuple(grams)


# An ordinary word's n-grams take about 2 KB: some 20,000 words, the working vocabulary.
char_ngrams = BoundedMemo(
    _char_ngrams, 40 * 2**20, lambda word, grams: sys.getsizeof(word) + size_of_tuple(grams)
)
"""Character 3- to 6-grams of ``word`` (padded with spaces, like scikit-learn's char_wb).

Kept per word: words repeat across comments, so most comments reuse n-grams computed before,
and reused strings keep their cached hashes for the vocabulary lookups.
"""


def char_terms(comment: PreparedComment) -> list[str]:
    """Analyzer for the character vectoriser: n-grams within each white-space separated word."""
    return [gram for word in comment.text.split() for gram in char_ngrams(word)]


def word_terms(comment: PreparedComment) -> list[str]:
    """Analyzer for the word vectoriser: stemmed unigrams and bigrams of the tokens."""
    stems = [stem(token, comment.lang) for token in comment.tokens]
    return stems + [f"{a} {b}" for a, b in pairwise(stems)]


_CAPITAL = re.compile(r"[A-ZÄÖÜ]")
_LETTER = re.compile(r"[^\W\d_]")
# A character four times in a row. Spelled out rather than (.)\1{3,}: the engine would set up a
# repetition at every position of the text.
_REPEAT = re.compile(r"(.)\1\1\1")
_DIGIT = re.compile(r"\d")
# The same classes for ASCII text, where deleting bytes counts them fastest.
_ASCII_LETTERS = string.ascii_letters.encode()
_ASCII_CAPITALS = string.ascii_uppercase.encode()
_ASCII_DIGITS = string.digits.encode()


def _letters_capitals_digits(text: str) -> tuple[int, int, int]:
    if text.isascii():
        data = text.encode()
        return (
            len(data) - len(data.translate(None, _ASCII_LETTERS)),
            len(data) - len(data.translate(None, _ASCII_CAPITALS)),
            len(data) - len(data.translate(None, _ASCII_DIGITS)),
        )
    return (len(_LETTER.findall(text)), len(_CAPITAL.findall(text)), len(_DIGIT.findall(text)))


# Names in the order of the columns :class:`MetaFeatures` produces; explanations use them.
META_FEATURES = (
    "links",
    "author_url",
    "email_in_text",
    "phone_in_text",
    "length",
    "capitals",
    "exclamations",
    "digits",
    "repeated_characters",
    "no_letters",
)


class MetaFeatures(TransformerMixin, BaseEstimator):
    """Simple signals beside the words: links, length, shouting, contact details.

    Each value is squashed into roughly [0, 1] so that one regularisation strength suits them
    and the TF-IDF columns alike, then centred on the training mean: a signal's contribution
    to a score is then its difference from a typical comment, which is what an explanation
    should show (every comment has a length; only an unusual length is a reason).
    """

    def fit(self, X: Iterable[PreparedComment], y: object = None) -> MetaFeatures:
        """Learn the mean of each signal over the training comments."""
        rows = np.asarray([self._row(comment) for comment in X], dtype=np.float64)
        self.mean_ = rows.mean(axis=0) if rows.size else np.zeros(len(META_FEATURES))
        self.n_features_out_ = len(META_FEATURES)
        return self

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Column names, as in :data:`META_FEATURES`."""
        return np.asarray([f"meta:{name}" for name in META_FEATURES], dtype=object)

    def transform(self, X: Iterable[PreparedComment]) -> sparse.csr_matrix:
        """One row of metadata signals per prepared comment."""
        rows = np.asarray([self._row(comment) for comment in X], dtype=np.float64)
        return sparse.csr_matrix(rows.reshape(-1, len(META_FEATURES)) - self.mean_)

    @staticmethod
    def _row(comment: PreparedComment) -> list[float]:
        raw = comment.decoded  # "&#39;" is no digits, "ＦＲＥＥ" is shouting
        letters, capitals, digits = _letters_capitals_digits(raw)
        tokens = comment.tokens
        return [
            min(tokens.count(URL_MARKER), 5) / 5,
            float(comment.has_author_url),
            float(EMAIL_MARKER in tokens),
            float(PHONE_MARKER in tokens),
            min(math.log1p(len(raw)) / math.log1p(5000), 1.0),
            capitals / letters if letters >= 8 else 0.0,
            min(raw.count("!"), 10) / 10,
            digits / max(len(raw), 1),
            float(bool(_REPEAT.search(raw))),
            float(letters == 0),
        ]

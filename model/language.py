"""Language guess and stemming for comments' tokens: pure functions, no I/O.

German and English comments share one vocabulary; each is stemmed with its own Snowball
stemmer, so that "Wohnungen" and "Wohnung", "running" and "run" count as one term.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from nltk.stem.snowball import SnowballStemmer

from spamschutz.model.memo import BoundedMemo

__all__ = ["detect_language", "stem"]

_GERMAN_HINTS = frozenset(
    [
        "der",
        "die",
        "das",
        "und",
        "ist",
        "nicht",
        "ich",
        "sie",
        "es",
        "ein",
        "eine",
        "zu",
        "den",
        "mit",
        "auf",
        "für",
        "von",
        "dass",
        "wir",
        "auch",
        "sich",
        "wird",
        "werden",
        "sind",
        "war",
        "hat",
        "haben",
        "noch",
        "nur",
        "wie",
        "aber",
        "oder",
        "wenn",
        "man",
        "bei",
        "mehr",
        "schon",
        "kein",
        "keine",
        "dem",
        "des",
        "im",
        "vom",
        "zum",
        "zur",
        "über",
        "sehr",
        "doch",
        "mal",
        "jetzt",
        "hier",
        "diese",
        "dieser",
    ]
)
_ENGLISH_HINTS = frozenset(
    [
        "the",
        "and",
        "is",
        "not",
        "you",
        "it",
        "to",
        "of",
        "with",
        "on",
        "for",
        "that",
        "we",
        "this",
        "are",
        "was",
        "be",
        "have",
        "has",
        "but",
        "or",
        "if",
        "at",
        "they",
        "from",
        "by",
        "an",
        "as",
        "what",
        "so",
        "can",
        "will",
        "just",
        "would",
        "there",
        "their",
        "about",
        "all",
        "more",
        "your",
        "my",
    ]
)


def detect_language(tokens: list[str]) -> str:
    """Guess ``"de"`` or ``"en"`` from common function words; English when undecided."""
    german = sum(map(_GERMAN_HINTS.__contains__, tokens))
    english = sum(map(_ENGLISH_HINTS.__contains__, tokens))
    if german > english:
        return "de"
    if german == english and any(char in "äöüß" for token in tokens for char in token):
        return "de"
    return "en"


_STEMMERS = {"de": SnowballStemmer("german"), "en": SnowballStemmer("english")}


def _stemmer_of(stemmer: SnowballStemmer) -> Callable[[str], str]:
    def stem_token(token: str) -> str:
        if ":" in token or not token.isalpha() or len(token) < 4:
            return token
        return stemmer.stem(token)

    return stem_token


# Stems kept per language: some 60,000 ordinary tokens each.
_STEMS = {
    lang: BoundedMemo(
        _stemmer_of(stemmer),
        8 * 2**20,
        lambda token, found: sys.getsizeof(token) + (0 if found is token else sys.getsizeof(found)),
    )
    for lang, stemmer in _STEMMERS.items()
}


def stem(token: str, lang: str) -> str:
    """Snowball stem of ``token`` in ``lang``; markers and numbers are kept as they are."""
    return _STEMS.get(lang, _STEMS["en"])(token)

"""scikit-learn transformers that turn comments into features.

A comment enters the pipeline as a mapping with ``text`` and the optional ``author``, ``email``
and ``url`` (or as a plain string). :class:`CommentPreparer` normalises it once; the word,
character and metadata transformers read the prepared form, so the costly normalisation runs a
single time per comment.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

from spamschutz.model.links import KIND_TOKENS, link_kind
from spamschutz.model.memo import BoundedMemo, size_of_tuple
from spamschutz.model.promotion import asks_readers, self_promotion
from spamschutz.model.text import (
    DOMAIN_PREFIX,
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
    "plain_text",
    "word_terms",
]


@dataclass(frozen=True, slots=True)
class PreparedComment:
    """A comment after normalisation: what every feature transformer reads."""

    raw: str  # line breaks unified to "\n"
    decoded: str  # entities decoded, invisible characters removed, case kept
    text: str  # normalised words for the character n-grams: link and contact markers left out
    tokens: tuple[str, ...]  # normalised words; each link as its kind's token and its domain
    lang: str
    link_kinds: tuple[str, ...]  # the kind of each link in the text (spamschutz.model.links)
    website_kind: str  # kind of the author's website ("" when none was given)
    website_in_text: bool  # the author's website is linked in the text


def _as_mapping(comment: Mapping[str, object] | str) -> Mapping[str, object]:
    return {"text": comment} if isinstance(comment, str) else comment


_MARKERS = frozenset((URL_MARKER, EMAIL_MARKER, PHONE_MARKER))
_MARKER_TEXTS = (*_MARKERS, DOMAIN_PREFIX)
_UNLISTED_KINDS = frozenset(("other", "throwaway"))


# HTML that comment forms and exports pass through ("<br />", "<a href=...>"): the tags are
# markup, not words ("this<br" was a word). A link keeps its address; a break is a line break.
_TAG_NAMES = (
    "a|abbr|b|big|blockquote|br|code|div|em|font|h[1-6]|hr|i|iframe|img|li|ol|p|pre|q|s|"
    "script|small|span|strike|strong|style|sub|sup|u|ul"
)
_TAG = re.compile(rf"<\s*(/?)\s*({_TAG_NAMES})\b([^<>]{{0,2000}})>", re.IGNORECASE)
_HREF = re.compile(r"""(?:href|src)\s*=\s*["']?([^"'\s<>]+)""", re.IGNORECASE)
_BREAKING_TAGS = frozenset(("br", "p", "div", "li", "blockquote", "hr", "pre"))


def _tag_replacement(match: re.Match[str]) -> str:
    address = _HREF.search(match[3])
    if address:
        return f" {address[1]} "
    return "\n" if match[2].casefold() in _BREAKING_TAGS else " "


def _without_markup(text: str) -> str:
    return _TAG.sub(_tag_replacement, text) if "<" in text else text


def _unify_line_breaks(text: str) -> str:
    # Browsers send "\r\n", some clients "\n" or "\r": the same comment, the same features.
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def plain_text(text: str) -> str:
    """``text`` as the model reads it: markup taken out, line breaks unified to ``"\n"``."""
    return _unify_line_breaks(_without_markup(text))


def _website_domain(url: str) -> str:
    tokens = tokenise(normalise(url)) if url else []
    return next((t[len(DOMAIN_PREFIX) :] for t in tokens if t.startswith(DOMAIN_PREFIX)), "")


def _with_link_kinds(tokens: list[str]) -> tuple[list[str], list[str], set[str]]:
    """Tokens with each link marker replaced by its kind's token, the kinds, the domains."""
    kinds: list[str] = []
    domains: set[str] = set()
    for index, token in enumerate(tokens):
        if token == URL_MARKER:
            following = tokens[index + 1] if index + 1 < len(tokens) else ""
            domain = following[len(DOMAIN_PREFIX) :] if following.startswith(DOMAIN_PREFIX) else ""
            kind = link_kind(domain) if domain else "other"
            kinds.append(kind)
            domains.add(domain)
            tokens[index] = KIND_TOKENS[kind]
    return tokens, kinds, domains


def _char_text(normalised: str) -> str:
    # Markers are words the word block already holds; their n-grams would count them twice.
    # The parts of a domain no list knows stay, as words: "casino" in "royal-casino.xyz" is a
    # word like any other; a known kind's domain (youtu.be, wikipedia.org) is its token alone.
    words = []
    for word in normalised.split():
        if word in _MARKERS:
            continue
        if word.startswith(DOMAIN_PREFIX):
            domain = word[len(DOMAIN_PREFIX) :]
            if link_kind(domain) in _UNLISTED_KINDS:
                words.extend(domain.replace("-", ".").split("."))
        else:
            words.append(word)
    return " ".join(words)


def prepare_comment(comment: Mapping[str, object] | str) -> PreparedComment:
    """Normalise one comment (mapping with ``text`` and optional metadata, or a string)."""
    fields = _as_mapping(comment)
    raw = plain_text(str(fields.get("text") or ""))
    text = normalise(raw)
    tokens, kinds, domains = _with_link_kinds(tokenise(text))
    lang = str(fields.get("lang") or "") or detect_language(tokens)
    website = _website_domain(str(fields.get("url") or "").strip())
    return PreparedComment(
        raw=raw,
        decoded=decode_characters(raw),
        text=_char_text(text) if any(marker in text for marker in _MARKER_TEXTS) else text,
        tokens=tuple(tokens),
        lang=lang if lang in ("de", "en") else "en",
        link_kinds=tuple(kinds),
        website_kind=link_kind(website) if website else "",
        # Both come from the same link marker, which drops "www.": equal hosts are equal strings.
        website_in_text=bool(website) and website in domains,
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


_LETTER = re.compile(r"[^\W\d_]")
# A letter four times in a row ("soooo", "aaaah"). Spelled out rather than ([^\W\d_])\1{3,}:
# the engine would set up a repetition at every position of the text. Only letters: paragraph
# breaks, "----" rules and "...." are how readers write, not a spammer's stretching.
_REPEAT = re.compile(r"([^\W\d_])\1\1\1")
# A comment's length is that of its words as normalised (a link counts as its kind and domain,
# "s p a c e d" letters as one word), on a log scale up to about a printed page: 5,000
# characters and more all count as long. Raw length grew with every cited link and every
# spaced-out word.
_LOG_LONG_TEXT = math.log1p(5000)


# Links that are no reference site, video or the site's own: where a stranger sends readers.
_FOREIGN_KINDS = frozenset(("other", "throwaway", "shortener", "messenger"))
# An author's website of these kinds is a disguise, not a homepage.
_SUSPICIOUS_WEBSITE = frozenset(("throwaway", "shortener", "messenger"))


# Names in the order of the columns :class:`MetaFeatures` produces; explanations use them.
META_FEATURES = (
    "links",
    "video_links",
    "website_suspicious",
    "website_in_text",
    "email_in_text",
    "phone_in_text",
    "length",
    "exclamations",
    "repeated_letters",
    "no_letters",
    "self_promotion",
    "asks_readers",
)


class MetaFeatures(TransformerMixin, BaseEstimator):
    """Simple signals beside the words: links, the author's website, contacts, length, "!!!".

    There is no signal for giving a website or an e-mail address: honest readers fill in the
    optional fields too, and a model that learns the form field instead of the text blocks them.
    Only what the website is (a short link, a chat invitation, a throw-away domain) or that the
    text advertises it counts. Nor for capital letters: readers and fans shout too, and on the
    real YouTube comments it sent "WORLD RECORD YOUTUBE VIDEO VIEWS !!!!!! XD" to the spam
    folder (bench/README.md, "Day one").

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
        self.signals_ = META_FEATURES  # a later release with other signals refuses the model
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
        raw = comment.decoded  # "&#39;" is no letter and no "!"
        tokens = comment.tokens
        foreign = sum(kind in _FOREIGN_KINDS for kind in comment.link_kinds)
        videos = sum(kind == "video" for kind in comment.link_kinds)
        return [
            # A third per foreign link, full at three. At a half, readers' bare links to news
            # sites the list does not know landed in 'unsure', and readers sharing one such
            # domain across articles formed a campaign that one spam decision would sweep.
            min(foreign, 3) / 3,
            min(videos, 5) / 5,
            float(comment.website_kind in _SUSPICIOUS_WEBSITE),
            float(comment.website_in_text),
            float(EMAIL_MARKER in tokens),
            float(PHONE_MARKER in tokens),
            min(math.log1p(sum(map(len, tokens)) + len(tokens)) / _LOG_LONG_TEXT, 1.0),
            min(raw.count("!"), 10) / 10,
            float(bool(_REPEAT.search(raw))),
            float(_LETTER.search(raw) is None),
            # On the normalised words, so that "ch3ck 0ut my сhannel" is promotion too.
            min(self_promotion(comment.text), 3) / 3,
            float(asks_readers(comment.text)),
        ]

"""Why a comment got its score: the words and signals that pushed it, in a moderator's words.

The classifier is linear, so each feature's share of the decision is exactly its value times
its weight. Character n-grams are credited to the words they occur in, stem pairs to their two
words, and a link's kind token to its domain, so the moderator sees words ("casino"), links
("link to bit.ly (URL shortener)") and signals ("a phone number in the text"), never fragments.

Every reason carries a stable ``code`` and ``params``: the desk writes it in the moderator's
language from that (``service/moderation/reasons.py``); ``description`` is the English text.
Function words ("die", "dass", "the") and signals a comment lacks are never shown as reasons:
they explain nothing to an editor.
"""

from __future__ import annotations

import heapq
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources
from itertools import pairwise

from spamschutz.model.compiled import Contributions
from spamschutz.model.features import prepare_comment
from spamschutz.model.links import KIND_TOKENS, link_kind
from spamschutz.model.pipeline import Comment, SpamModel
from spamschutz.model.text import DOMAIN_PREFIX, EMAIL_MARKER, PHONE_MARKER

__all__ = ["FUNCTION_WORDS", "SIGNAL_TEXT", "Reason", "explain", "score_with_reasons"]

# What each signal says when a comment has it, in English; codes "signal.<name>".
SIGNAL_TEXT = {
    "links": "links to other websites",
    "video_links": "links to videos",
    "website_suspicious": "the author's website is a short link or throw-away domain",
    "website_in_text": "the text advertises the author's website",
    "email_in_text": "an e-mail address in the text",
    "phone_in_text": "a phone number in the text",
    "length": "longer than most comments",
    "exclamations": "many exclamation marks",
    "repeated_letters": "letters stretched (“soooo”)",
    "no_letters": "no letters at all",
    "self_promotion": "promotes a channel or site (“check out my channel”)",
    "asks_readers": "asks readers to subscribe, like or share",
}

# A link's kind, in English; codes "link.<kind>".
LINK_TEXT = {
    "reference": "link to {domain} (reference or news site)",
    "shortener": "link to {domain} (URL shortener)",
    "messenger": "link to {domain} (chat invitation)",
    "video": "link to {domain} (video)",
    "throwaway": "link to {domain} (cheap domain ending)",
    "other": "link to {domain}",
}

# Marker tokens that stand for a signal: their word weight joins the signal's reason.
_MARKER_SIGNALS = {EMAIL_MARKER: "email_in_text", PHONE_MARKER: "phone_in_text"}
_KIND_OF_TOKEN = {token: kind for kind, token in KIND_TOKENS.items()}


def _load_function_words() -> frozenset[str]:
    words = resources.files("spamschutz.model").joinpath("function_words.toml")
    text = words.read_text(encoding="utf-8")
    return frozenset(word for words in tomllib.loads(text).values() for word in words)


FUNCTION_WORDS = _load_function_words()


@dataclass(frozen=True)
class Reason:
    """One feature's push on the score: ``weight`` > 0 towards spam, < 0 towards ham."""

    kind: str  # "word", "link" or "signal"
    feature: str  # the word as written in the comment, the link's domain or the signal's name
    weight: float
    description: str
    code: str = ""
    params: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form, with ``direction`` spelled out."""
        return {  # written out: dataclasses.asdict deep-copies, a tenth of a /score request
            "kind": self.kind,
            "feature": self.feature,
            "weight": round(self.weight, 3),
            "description": self.description,
            "direction": "spam" if self.weight > 0 else "ham",
            "code": self.code,
            "params": self.params,
        }


def _shown(word: str) -> bool:
    return len(word) > 2 and not word.isdigit() and word.casefold() not in FUNCTION_WORDS


def _candidates(parts: Contributions, tokens: tuple[str, ...]) -> list[Reason]:
    """Every reason the parts allow: words, links and signals, with their summed weights."""
    words: dict[str, float] = defaultdict(float)
    for key, weight in parts.words.items():
        pieces = key.split(" ")  # a stem pair is credited to its two words alike
        for piece in pieces:
            words[piece] += weight / len(pieces)

    links: dict[str, float] = defaultdict(float)
    signals = {name: weight for name, (value, weight) in parts.signals.items() if value > 0}
    # A kind token's weight goes to the links it stands for, shared alike.
    linked: dict[str, list[str]] = defaultdict(list)
    for token, following in pairwise(tokens):
        if token in _KIND_OF_TOKEN and following.startswith(DOMAIN_PREFIX):
            linked[token].append(following)
    for token, domains in linked.items():
        weight = words.pop(token, 0.0)
        for domain in domains:
            links[domain] += weight / len(domains)
    for token in list(words):
        if token.startswith(DOMAIN_PREFIX):
            links[token] += words.pop(token)
        elif token in _MARKER_SIGNALS:
            name = _MARKER_SIGNALS[token]
            signals[name] = signals.get(name, 0.0) + words.pop(token)

    reasons = [
        Reason("word", word, weight, f"“{word}”", "word", {"word": word})
        for word, weight in words.items()
        if _shown(word) and word not in _KIND_OF_TOKEN
    ]
    for token, weight in links.items():
        domain = token[len(DOMAIN_PREFIX) :]
        kind = link_kind(domain)
        text = LINK_TEXT[kind].format(domain=domain)
        reasons.append(Reason("link", domain, weight, text, f"link.{kind}", {"domain": domain}))
    reasons += [
        Reason("signal", name, weight, SIGNAL_TEXT[name], f"signal.{name}")
        for name, weight in signals.items()
    ]
    return reasons


def score_with_reasons(
    model: SpamModel, comment: Comment, top: int = 6
) -> tuple[float, list[Reason]]:
    """Calibrated score of ``comment`` and up to ``top`` reasons, strongest first.

    One pass over the features serves both: the decision value is the sum of the parts.
    """
    prepared = prepare_comment(comment)
    parts = model.compiled.contributions(prepared)
    score = model.calibrate_one(parts.decision)
    candidates = [r for r in _candidates(parts, prepared.tokens) if abs(r.weight) >= 0.01]
    return score, heapq.nlargest(top, candidates, key=lambda reason: abs(reason.weight))


def explain(model: SpamModel, comment: Comment, top: int = 6) -> list[Reason]:
    """Up to ``top`` reasons, strongest first, that moved ``comment``'s score."""
    return score_with_reasons(model, comment, top)[1]

"""Why a comment got its score: the words and signals that pushed it, in a moderator's words.

The classifier is linear, so each feature's share of the decision is exactly its value times
its weight. Character n-grams are credited to the words they occur in, so the moderator sees
words ("casino", "link to pills.example"), never fragments.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from model.compiled import Contributions
from model.features import prepare_comment
from model.pipeline import Comment, SpamModel
from model.text import DOMAIN_PREFIX, EMAIL_MARKER, PHONE_MARKER, URL_MARKER

__all__ = ["Reason", "explain", "score_with_reasons"]

# Signal name -> (text when above a typical comment, text when below).
_SIGNAL_TEXT = {
    "links": ("links in the text", "no links in the text"),
    "author_url": ("the author gave a website", "no website given"),
    "email_in_text": ("an e-mail address in the text", "no e-mail address in the text"),
    "phone_in_text": ("a phone number in the text", "no phone number in the text"),
    "length": ("a long text", "a short text"),
    "capitals": ("many capital letters", "few capital letters"),
    "exclamations": ("many exclamation marks", "few exclamation marks"),
    "digits": ("many digits", "few digits"),
    "repeated_characters": ("repeated characters (“!!!!”, “soooo”)", "no repeated characters"),
    "no_letters": ("no letters at all", "ordinary letters"),
}


@dataclass(frozen=True)
class Reason:
    """One feature's push on the score: ``weight`` > 0 towards spam, < 0 towards ham."""

    kind: str  # "word" or "signal"
    feature: str  # the word as written in the comment, or the signal's name
    weight: float
    description: str

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form, with ``direction`` spelled out."""
        return {  # written out: dataclasses.asdict deep-copies, a tenth of a /score request
            "kind": self.kind,
            "feature": self.feature,
            "weight": round(self.weight, 3),
            "description": self.description,
            "direction": "spam" if self.weight > 0 else "ham",
        }


def _describe_word(word: str) -> str:
    if word.startswith(DOMAIN_PREFIX):
        return f"link to {word[len(DOMAIN_PREFIX) :]}"
    return {
        URL_MARKER: "a link",
        EMAIL_MARKER: "an e-mail address",
        PHONE_MARKER: "a phone number",
    }.get(word, f"“{word}”")


def score_with_reasons(
    model: SpamModel, comment: Comment, top: int = 6
) -> tuple[float, list[Reason]]:
    """Calibrated score of ``comment`` and up to ``top`` reasons, strongest first.

    One pass over the features serves both: the decision value is the sum of the parts.
    """
    prepared = prepare_comment(comment)
    parts = model.compiled.contributions(prepared)
    score = model.calibrate_one(parts.decision)

    # The strongest first; among equals, words before signals, each in the order met. Only
    # those shown become Reasons.
    candidates = [("word", word, weight) for word, weight in parts.words.items()]
    candidates += [("signal", name, weight) for name, (_, weight) in parts.signals.items()]
    strongest = heapq.nlargest(
        top,
        (candidate for candidate in candidates if abs(candidate[2]) >= 0.01),
        key=lambda candidate: abs(candidate[2]),
    )
    return score, [_reason(kind, feature, weight, parts) for kind, feature, weight in strongest]


def _reason(kind: str, feature: str, weight: float, parts: Contributions) -> Reason:
    if kind == "word":
        return Reason(kind, feature, weight, _describe_word(feature))
    above, below = _SIGNAL_TEXT[feature]
    return Reason(kind, feature, weight, above if parts.signals[feature][0] > 0 else below)


def explain(model: SpamModel, comment: Comment, top: int = 6) -> list[Reason]:
    """Up to ``top`` reasons, strongest first, that moved ``comment``'s score."""
    return score_with_reasons(model, comment, top)[1]

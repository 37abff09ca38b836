"""The words that pushed a score, marked in the comment text. Pure.

The text is split into segments (plain, or marked with the direction of the push) and the
template puts each one in as escaped text; no HTML is ever built from the comment itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from spamschutz.model.text import DOMAIN_PREFIX

__all__ = ["Segment", "highlight_segments"]


@dataclass(frozen=True)
class Segment:
    """A piece of the comment text; ``direction`` is ``spam``, ``ham`` or ``None`` (plain)."""

    text: str
    direction: str | None = None


def _terms(reasons: Iterable[Any]) -> list[tuple[str, str]]:
    """(surface text, direction) for every word reason; markers without a surface are skipped."""
    terms = []
    for reason in reasons:
        if not isinstance(reason, Mapping) or reason.get("kind") != "word":
            continue
        feature = str(reason.get("feature") or "")
        if feature.startswith(DOMAIN_PREFIX):
            feature = feature[len(DOMAIN_PREFIX):]
        if len(feature.strip()) < 2 or not any(char.isalnum() for char in feature):
            continue
        direction = reason.get("direction")
        if direction not in ("spam", "ham"):
            weight = reason.get("weight")
            direction = "spam" if isinstance(weight, int | float) and weight > 0 else "ham"
        terms.append((feature.strip(), direction))
    return terms


def _pattern(term: str) -> str:
    # Words as written in the normalised text: spaces in bigrams may be any white space, and
    # a match must not start or end inside a longer word.
    body = r"\s+".join(re.escape(part) for part in term.split())
    return rf"(?<!\w){body}(?!\w)"


def highlight_segments(text: str, reasons: Iterable[Any]) -> list[Segment]:
    """``text`` split into segments, the words of the model's reasons marked (case ignored).

    Longer terms win where terms overlap, so "cheap pills" is one mark rather than two.
    """
    terms = sorted(_terms(reasons), key=lambda item: len(item[0]), reverse=True)
    marks: list[tuple[int, int, str]] = []
    for term, direction in terms:
        for match in re.finditer(_pattern(term), text, flags=re.IGNORECASE):
            start, end = match.span()
            if all(end <= other_start or start >= other_end for other_start, other_end, _ in marks):
                marks.append((start, end, direction))
    marks.sort()
    segments: list[Segment] = []
    position = 0
    for start, end, direction in marks:
        if start > position:
            segments.append(Segment(text[position:start]))
        segments.append(Segment(text[start:end], direction))
        position = end
    if position < len(text) or not segments:
        segments.append(Segment(text[position:]))
    return segments

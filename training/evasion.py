"""Tricks spammers use to slip past word filters, one pure ``str -> str`` function per trick.

Shared by the evasion tests (tests/model/test_evasion.py) and the benchmark (bench/evasion.py):
a model should catch a disguised spam comment as well as the plain one. Every transform is
deterministic; those that pick characters at random take a ``seed`` and default to 0. The
word tricks leave links alone (a disguised link would no longer lead the reader anywhere);
:func:`obfuscated_urls` is the trick for links.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

__all__ = [
    "TRANSFORMS",
    "full_width",
    "homoglyphs",
    "html_entities",
    "leetspeak",
    "obfuscated_urls",
    "spaced_letters",
    "zero_width",
]

# Cyrillic letters that look like Latin ones in most fonts (the IDN homograph set).
CYRILLIC_LOOKALIKES = {
    "a": "а",
    "c": "с",
    "e": "е",
    "h": "һ",
    "i": "і",
    "j": "ј",
    "l": "ӏ",
    "o": "о",
    "p": "р",
    "s": "ѕ",
    "x": "х",
    "y": "у",
    "A": "А",
    "B": "В",
    "C": "С",
    "E": "Е",
    "H": "Н",
    "K": "К",
    "M": "М",
    "O": "О",
    "P": "Р",
    "T": "Т",
    "X": "Х",
}
LEET = str.maketrans(
    {
        letter: digit
        for digit, letters in zip("431057", ("aA", "eE", "iI", "oO", "sS", "tT"), strict=True)
        for letter in letters
    }
)
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")

_WORD = re.compile(r"[^\W\d_]{3,}")
_URL = re.compile(r"(?:https?://)?(?:www\.)?((?:[a-z0-9-]+\.)+[a-z]{2,})(/[^\s]*)?", re.IGNORECASE)


def _outside_links(text: str, transform: Callable[[str], str]) -> str:
    # A spammer disguises the words but keeps the link working, so links are left as they are.
    parts, last = [], 0
    for match in _URL.finditer(text):
        parts += [transform(text[last : match.start()]), match[0]]
        last = match.end()
    return "".join([*parts, transform(text[last:])])


def homoglyphs(text: str, seed: int = 0, share: float = 0.5) -> str:
    """Swap about ``share`` of the Latin letters that have a Cyrillic twin (``а``, ``е``,
    ``о``, ``һ``, ``ӏ``, …) for that twin."""
    rng = random.Random(seed)  # noqa: S311 - a repeatable disguise, no secret

    def swap(part: str) -> str:
        return "".join(
            CYRILLIC_LOOKALIKES[c] if c in CYRILLIC_LOOKALIKES and rng.random() < share else c
            for c in part
        )

    return _outside_links(text, swap)


def leetspeak(text: str) -> str:
    """Write letters as digits: a→4, e→3, i→1, o→0, s→5, t→7 (``free`` → ``fr33``)."""
    return _outside_links(text, lambda part: part.translate(LEET))


def zero_width(text: str, seed: int = 0) -> str:
    """Hide an invisible character (zero-width space, joiners, word joiner, BOM) between the
    letters of every word of three or more letters."""
    rng = random.Random(seed)  # noqa: S311 - a repeatable disguise, no secret

    def hide(match: re.Match[str]) -> str:
        word = match[0]
        return "".join(char + rng.choice(ZERO_WIDTH) for char in word[:-1]) + word[-1]

    return _outside_links(text, lambda part: _WORD.sub(hide, part))


def spaced_letters(text: str) -> str:
    """Space out the letters of every word of three or more letters (``free`` → ``f r e e``);
    the gaps between words are doubled first, so that words stay apart as spammers write them
    (``f r e e  m o n e y``)."""
    return _outside_links(
        text.replace(" ", "  "), lambda part: _WORD.sub(lambda m: " ".join(m[0]), part)
    )


def obfuscated_urls(text: str) -> str:
    """Write links so that they are no links: scheme dropped, dots as `` dot `` or ``[.]``
    (alternating link by link): ``https://www.example.com/x`` → ``example dot com/x``."""
    counter = iter(range(1_000_000))

    def disguise(match: re.Match[str]) -> str:
        dot = " dot " if next(counter) % 2 == 0 else "[.]"
        return match[1].replace(".", dot) + (match[2] or "")

    return _URL.sub(disguise, text)


def html_entities(text: str) -> str:
    """Write every letter as an HTML character reference, alternating decimal and hex
    (``free`` → ``&#102;&#x72;&#101;&#x65;``)."""
    out = []
    for index, char in enumerate(text):
        if char.isalpha():
            out.append(f"&#{ord(char)};" if index % 2 == 0 else f"&#x{ord(char):x};")
        else:
            out.append(char)
    return "".join(out)


def full_width(text: str) -> str:
    """Use the full-width forms of ASCII characters (``free`` → ``ｆｒｅｅ``), space included."""
    return "".join(
        chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else "\u3000" if char == " " else char
        for char in text
    )


TRANSFORMS: dict[str, Callable[[str], str]] = {
    "homoglyphs": homoglyphs,
    "leetspeak": leetspeak,
    "zero_width": zero_width,
    "spaced_letters": spaced_letters,
    "obfuscated_urls": obfuscated_urls,
    "html_entities": html_entities,
    "full_width": full_width,
}

"""Generated challenge questions: arithmetic in words and digits, and templated small facts.

A fixed list of questions is answered by a table: a bot that saw each question once knows every
answer. These questions are drawn from some ten thousand per language (operands written as
words or as digits, several phrasings, several kinds), so building a table by watching costs
more than it saves; the answers are what a reader knows at a glance. The generator is public,
so a bot written for this service can still answer them: what stops such bots is the model
and the moderators (see README, "What the question stops").
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

__all__ = ["LANGUAGES", "Question", "every_generated_question", "generate_question"]

LANGUAGES = ("de", "en")
# Results stay within what the answer matching reads as words ("zwanzig", "twenty").
_LARGEST = 20


@dataclass(frozen=True)
class Question:
    """A question in ``lang`` and the answers accepted for it (compared forgivingly)."""

    lang: str
    question: str
    answers: tuple[str, ...]


_NUMBERS = {
    "de": [
        "null",
        "eins",
        "zwei",
        "drei",
        "vier",
        "fünf",
        "sechs",
        "sieben",
        "acht",
        "neun",
        "zehn",
        "elf",
        "zwölf",
        "dreizehn",
        "vierzehn",
        "fünfzehn",
        "sechzehn",
        "siebzehn",
        "achtzehn",
        "neunzehn",
        "zwanzig",
    ],
    "en": [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ],
}
_OPERATORS = {"de": ("plus", "minus", "mal"), "en": ("plus", "minus", "times")}
_ARITHMETIC = {
    "de": (
        "Wie viel ist {a} {op} {b}?",
        "Was ergibt {a} {op} {b}?",
        "Rechnen Sie bitte: {a} {op} {b}.",
        "{a} {op} {b} ist wie viel?",
    ),
    "en": (
        "What is {a} {op} {b}?",
        "How much is {a} {op} {b}?",
        "Please work out {a} {op} {b}.",
        "{a} {op} {b} makes how many?",
    ),
}
_NEIGHBOURS = {
    "de": ("Welche Zahl kommt nach {n}?", "Welche Zahl kommt vor {n}?"),
    "en": ("Which number comes after {n}?", "Which number comes before {n}?"),
}
_COMPARISONS = {
    "de": ("Welche Zahl ist größer, {a} oder {b}?", "Welche Zahl ist kleiner, {a} oder {b}?"),
    "en": ("Which number is larger, {a} or {b}?", "Which number is smaller, {a} or {b}?"),
}
_DIGITS = {"de": "Schreiben Sie die Zahl {n} in Ziffern.", "en": "Write the number {n} in digits."}
_DAYS = {
    "de": ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}
_MONTHS = {
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "en": "January February March April May June July August September October November December",
}
_SEQUENCES = {
    "de": (
        ("Welcher Tag folgt auf {x}?", "Welcher Tag kommt vor {x}?", _DAYS["de"]),
        ("Welcher Monat folgt auf {x}?", "Welcher Monat kommt vor {x}?", _MONTHS["de"].split()),
    ),
    "en": (
        ("Which day follows {x}?", "Which day comes before {x}?", _DAYS["en"]),
        ("Which month follows {x}?", "Which month comes before {x}?", _MONTHS["en"].split()),
    ),
}
_WORDS = {
    "de": [
        "Zeitung",
        "Artikel",
        "Leser",
        "Sommer",
        "Winter",
        "Fenster",
        "Garten",
        "Brot",
        "Wasser",
        "Sonne",
        "Regen",
        "Stadt",
        "Dorf",
        "Schule",
        "Lampe",
        "Tisch",
        "Stuhl",
        "Katze",
        "Vogel",
        "Blume",
        "Baum",
        "Wald",
        "Berg",
        "Fluss",
        "Insel",
        "Brief",
        "Bahn",
        "Rad",
        "Buch",
        "Uhr",
    ],
    "en": [
        "paper",
        "article",
        "reader",
        "summer",
        "winter",
        "window",
        "garden",
        "bread",
        "water",
        "sun",
        "rain",
        "city",
        "village",
        "school",
        "lamp",
        "table",
        "chair",
        "cat",
        "bird",
        "flower",
        "tree",
        "forest",
        "mountain",
        "river",
        "island",
        "letter",
        "train",
        "bike",
        "book",
        "clock",
    ],
}
_LETTERS = {
    "de": (
        "Wie viele Buchstaben hat das Wort „{w}“?",
        "Mit welchem Buchstaben beginnt das Wort „{w}“?",
        "Mit welchem Buchstaben endet das Wort „{w}“?",
    ),
    "en": (
        "How many letters does the word “{w}” have?",
        "Which letter does the word “{w}” begin with?",
        "Which letter does the word “{w}” end with?",
    ),
}


def _spellings(number: int, lang: str) -> tuple[str, str]:
    return str(number), _NUMBERS[lang][number]


def _arithmetic(lang: str) -> Iterator[Question]:
    plus, minus, times = _OPERATORS[lang]
    sums = [(a, plus, b, a + b) for a in range(_LARGEST + 1) for b in range(_LARGEST + 1 - a)]
    differences = [(a, minus, b, a - b) for a in range(_LARGEST + 1) for b in range(a + 1)]
    products = [
        (a, times, b, a * b) for a in range(1, _LARGEST + 1) for b in range(1, _LARGEST // a + 1)
    ]
    for a, op, b, result in sums + differences + products:
        for a_text in _spellings(a, lang):
            for b_text in _spellings(b, lang):
                for template in _ARITHMETIC[lang]:
                    text = template.format(a=a_text, op=op, b=b_text)
                    yield Question(lang, text[0].upper() + text[1:], (str(result),))


def _numbers(lang: str) -> Iterator[Question]:
    after, before = _NEIGHBOURS[lang]
    larger, smaller = _COMPARISONS[lang]
    for n in range(_LARGEST + 1):
        for text in _spellings(n, lang):
            if n < _LARGEST:
                yield Question(lang, after.format(n=text), (str(n + 1),))
            if n > 0:
                yield Question(lang, before.format(n=text), (str(n - 1),))
        yield Question(lang, _DIGITS[lang].format(n=_NUMBERS[lang][n]), (str(n),))
    for a in range(_LARGEST + 1):
        for b in range(_LARGEST + 1):
            if a == b:
                continue
            for a_text in _spellings(a, lang):
                for b_text in _spellings(b, lang):
                    pair = {"a": a_text, "b": b_text}
                    yield Question(lang, larger.format(**pair), (str(max(a, b)),))
                    yield Question(lang, smaller.format(**pair), (str(min(a, b)),))


def _with_plain_vowels(answer: str) -> tuple[str, ...]:
    # "Marz" for "März": readers on keyboards without umlauts ("Maerz" matches anyway).
    plain = answer.translate(str.maketrans("äöüÄÖÜ", "aouAOU"))
    return (answer,) if plain == answer else (answer, plain)


def _facts(lang: str) -> Iterator[Question]:
    for follows, precedes, names in _SEQUENCES[lang]:
        for index, name in enumerate(names):
            following, preceding = names[(index + 1) % len(names)], names[index - 1]
            yield Question(lang, follows.format(x=name), _with_plain_vowels(following))
            yield Question(lang, precedes.format(x=name), _with_plain_vowels(preceding))
    length, first, last = _LETTERS[lang]
    for word in _WORDS[lang]:
        yield Question(lang, length.format(w=word), (str(len(word)),))
        yield Question(lang, first.format(w=word), (word[0],))
        yield Question(lang, last.format(w=word), (word[-1],))


# Each kind's share of the questions asked: mostly arithmetic, the largest part of the space.
_KINDS: tuple[tuple[Callable[[str], Iterator[Question]], int], ...] = (
    (_arithmetic, 6),
    (_numbers, 3),
    (_facts, 1),
)
_SPACE: dict[str, list[list[Question]]] = {}


def _space(lang: str) -> list[list[Question]]:
    kinds = _SPACE.get(lang)
    if kinds is None:
        kinds = _SPACE[lang] = [list(kind(lang)) for kind, _ in _KINDS]
    return kinds


def generate_question(lang: str, rng: random.Random) -> Question:
    """A question in ``lang`` (``de`` or ``en``) drawn with ``rng``."""
    kinds = _space(lang if lang in LANGUAGES else LANGUAGES[0])
    (chosen,) = rng.choices(kinds, weights=[weight for _, weight in _KINDS])
    return rng.choice(chosen)


def every_generated_question(lang: str) -> Iterator[Question]:
    """Every question :func:`generate_question` can ask in ``lang``."""
    for kind in _space(lang):
        yield from kind

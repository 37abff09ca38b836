"""Text normalisation and tokenisation for comments: pure functions, no I/O.

Spammers disguise words so that filters miss them (``v1agra``, ``f r e e``, Cyrillic look-alike
letters, zero-width characters, full-width letters, HTML entities, ``example dot com``).
:func:`normalise` undoes these tricks so that the disguised and the plain text produce the same
features. Links, e-mail addresses and phone numbers become marker tokens that keep the domain,
because the domain is what tells a spam link from a reader quoting Wikipedia.
"""

from __future__ import annotations

import html
import re
import sys
import unicodedata
from collections.abc import Callable
from functools import cache, lru_cache

from nltk.stem.snowball import SnowballStemmer
from nltk.tokenize import RegexpTokenizer

__all__ = [
    "DOMAIN_PREFIX",
    "EMAIL_MARKER",
    "PHONE_MARKER",
    "URL_MARKER",
    "decode_characters",
    "detect_language",
    "normalise",
    "stem",
    "tokenise",
]

URL_MARKER = "urlx"
EMAIL_MARKER = "emailx"
PHONE_MARKER = "phonex"
DOMAIN_PREFIX = "dom:"

# Cyrillic and Greek letters that look like Latin ones. Mapping them is safe for scoring: real
# Russian or Greek text becomes consistent (if odd-looking) Latin tokens at train and score time.
_HOMOGLYPHS = str.maketrans(
    {
        "а": "a",
        "ɑ": "a",
        "в": "b",
        "һ": "h",
        "ӏ": "l",
        "ɩ": "i",
        "ɢ": "g",
        "ո": "n",
        "ս": "u",
        "ց": "g",
        "օ": "o",
        "е": "e",
        "ё": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "і": "i",
        "ї": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ԛ": "q",
        "ԝ": "w",
        "ɡ": "g",
        "ı": "i",
        "α": "a",
        "β": "b",
        "ε": "e",
        "η": "n",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "ω": "w",
    }
)

# Digits and symbols used as letters inside words ("v1agr4", "ca$ino"). Applied only to words
# that mix letters with them, so that years, prices and counts stay numbers.
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "€": "e"}
)
# An "@" that starts something like a domain ("@x.de") belongs to an address, not a word.
_LEET_CHAR = r"(?:[\w$€]|@(?![\w-]*\.))"
_LEET_WORD = re.compile(
    rf"(?<![\w:@.-])(?=(?:{_LEET_CHAR})*[a-zäöüß])(?=(?:{_LEET_CHAR})*[013457@$€])(?:{_LEET_CHAR}){{3,}}(?![\w@$€])"
)

_TLDS = (
    "com|net|org|info|biz|de|at|ch|eu|uk|us|ru|cn|xyz|top|site|online|club|shop|io|co|me|ly|"
    "tk|ml|ga|cf|gq|pw|cc|tv|pl|nl|fr|it|es|be|ua|in|br|app|link|store|live|vip|win|bid|loan|"
    "se|dk|fi|pt|gr|cz|sk|hu|ro|bg|hr|si|lt|lv|ee|ie|tr|jp|kr|au|nz|ca|mx|ar|cl|za|ng|ke|pk|"
    "id|ph|vn|th|sg|hk|tw|il|ae|by|kz|su|ws|fm|am|gg|li|lu|tel|mobi|pro|name|click|work|"
    "online|website|space|fun|icu|buzz|cam|rest|bar|monster|cyou|sbs|cfd|bond|today|news|blog"
)
_DOMAIN = rf"(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{_TLDS})\b"
# The look-behind keeps an already written marker ("dom:shop.example.com") from being
# matched again, which makes normalisation idempotent.
_URL = re.compile(
    rf"(?<![\w:@./-])(?:(?:https?|ftp)://|www\.)[^\s<>\"']+|(?<![\w:@./-]){_DOMAIN}(?:/[^\s<>\"']*)?"
)
_EMAIL = re.compile(rf"(?<![\w:@.])[\w.+-]+@({_DOMAIN})")
_PHONE = re.compile(
    r"(?<![\w:])(?:(?:\+|00)\d{1,3}[ \-/.]?(?:\(0\))?[ \-/.]?\d[\d \-/.]{5,}\d"
    r"|\(?0\d{2,5}\)?[ \-/]\d[\d \-]{4,}\d"
    r"|\(\d{3}\) ?\d{3}[ -]\d{4}|\d{3}-\d{3}-\d{4})(?!\w)"
)
_DOT_WORD = r"(?:dot|punkt)"
# "example dot com" needs a known ending (German "ein Punkt de…" is no link); bracketed forms
# ("example[.]se", "example(dot)biz") are written only to hide a link, so any ending counts.
_OBFUSCATED_DOT = re.compile(
    rf"\b([a-z0-9-]+)\s*(?:(?:\[\s*{_DOT_WORD}\s*\]|\(\s*{_DOT_WORD}\s*\)|\{{\s*{_DOT_WORD}\s*\}}"
    rf"|\s*\[\.\]\s*|\s*\(\.\)\s*)\s*([a-z]{{2,6}})|\s+{_DOT_WORD}\s+({_TLDS}))\b"
)
_SPACED_LETTERS = re.compile(r"\b(?:\w[ .\-_*]){2,}\w\b")
_SPACED_SINGLE = re.compile(r"^(?:\w[ .\-_*])+\w$")
_WHITESPACE = re.compile(r"\s+")
_MAX_PASSES = 8
_LEET_HINT = re.compile(r"[013457@$€]")
_DIGIT = re.compile(r"\d")
_SCHEME = re.compile(r"^(?:(?:https?|ftp)://)")
_NOT_HOST = re.compile(r"[^\w.-]")
_WWW = re.compile(r"^(?:www\.)+")
_TOKENISER = RegexpTokenizer(r"dom:[\w.-]+|[^\W_]+")

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


def _url_marker(match: re.Match[str]) -> str:
    rest = _SCHEME.sub("", match.group(0))
    host = _NOT_HOST.sub("", re.split(r"[/?#:]", rest, maxsplit=1)[0])
    host = _WWW.sub("", host.strip(".-")).strip(".-")
    return f" {URL_MARKER} {DOMAIN_PREFIX}{host} " if host else f" {URL_MARKER} "


def _undot(match: re.Match[str]) -> str:
    return f"{match.group(1)}.{match.group(2) or match.group(3)}"


def _unleet(match: re.Match[str]) -> str:
    return match.group(0).translate(_LEET)


def _join_spaced_letters(match: re.Match[str]) -> str:
    run = match.group(0)
    if not _SPACED_SINGLE.match(run):
        return run
    return re.sub(r"[ .\-_*]", "", run)


@cache
def _invisible_characters() -> dict[int, str | None]:
    """Translation table: format characters (Cf: zero-width spaces and joiners, soft hyphens,
    bidi controls, tag characters) removed; control and line/paragraph separators turned into
    spaces, so that words do not melt together. Built once, on first use (about 0.2 s)."""
    table: dict[int, str | None] = {}
    for codepoint in range(sys.maxunicode + 1):
        category = unicodedata.category(chr(codepoint))
        if category == "Cf":
            table[codepoint] = None
        elif category in ("Cc", "Zl", "Zp"):
            table[codepoint] = " "
    return table


def normalise(text: str) -> str:
    """Return a canonical form of ``text`` for scoring.

    Steps: HTML entities decoded, Unicode NFKC (full-width letters become ASCII), invisible and
    format characters removed, case folded, look-alike and leetspeak letters mapped, spaced
    letters joined, obfuscated and plain URLs, e-mail addresses and phone numbers turned into
    marker tokens that keep the domain, white space collapsed. Idempotent and never raises
    for any ``str``.
    """
    # Each step can expose work for another (an entity can hide a zero-width space, a joined
    # "f r e e" can complete a link, a mapped "€" can complete an entity), so each stage repeats
    # until nothing changes; most comments settle at once. The bound stops hostile input.
    text = _until_stable(_canonical_characters, text)
    for _ in range(_MAX_PASSES):
        rewritten = _rewrite(text)
        if rewritten == text:
            break
        text = _until_stable(_canonical_characters, rewritten)
    return text


def _until_stable(step: Callable[[str], str], text: str) -> str:
    for _ in range(_MAX_PASSES):
        result = step(text)
        if result == text:
            break
        text = result
    return text


def decode_characters(text: str) -> str:
    """``text`` with HTML entities decoded, NFKC applied and invisible characters removed,
    case kept: what a reader sees, for signals such as shouting or length."""
    return _until_stable(_visible_characters, text)


def _visible_characters(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_invisible_characters())
    return html.unescape(text) if "&" in text else text


def _canonical_characters(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_invisible_characters())
    text = text.casefold().translate(_HOMOGLYPHS)
    return html.unescape(text) if "&" in text else text


def _rewrite(text: str) -> str:
    # Cheap substring checks skip the regular expressions that cannot match, which is most of
    # them for most comments.
    # Before white space is collapsed: a double space marks the end of a spaced-out word
    # ("f r e e  m o n e y" is two words).
    text = _SPACED_LETTERS.sub(_join_spaced_letters, text)
    text = _WHITESPACE.sub(" ", text)
    if "@" in text:
        text = _EMAIL.sub(lambda m: f" {EMAIL_MARKER} {DOMAIN_PREFIX}{m.group(1)} ", text)
    if _LEET_HINT.search(text):
        text = _LEET_WORD.sub(_unleet, text)
    if "dot" in text or "punkt" in text or "[.]" in text or "(.)" in text:
        text = _OBFUSCATED_DOT.sub(_undot, text)
    if "." in text or "://" in text:
        text = _URL.sub(_url_marker, text)
    if _DIGIT.search(text):
        text = _PHONE.sub(f" {PHONE_MARKER} ", text)
    return _WHITESPACE.sub(" ", text).strip()


def tokenise(normalised: str) -> list[str]:
    """Split normalised text into word tokens with nltk (domain markers stay whole)."""
    return _TOKENISER.tokenize(normalised)


def detect_language(tokens: list[str]) -> str:
    """Guess ``"de"`` or ``"en"`` from common function words; English when undecided."""
    german = sum(token in _GERMAN_HINTS for token in tokens)
    english = sum(token in _ENGLISH_HINTS for token in tokens)
    if german > english:
        return "de"
    if german == english and any(char in "äöüß" for token in tokens for char in token):
        return "de"
    return "en"


_STEMMERS = {"de": SnowballStemmer("german"), "en": SnowballStemmer("english")}


@lru_cache(maxsize=200_000)
def stem(token: str, lang: str) -> str:
    """Snowball stem of ``token`` in ``lang``; markers and numbers are kept as they are."""
    if ":" in token or not token.isalpha() or len(token) < 4:
        return token
    return _STEMMERS.get(lang, _STEMMERS["en"]).stem(token)

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
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from nltk import redos

from spamschutz.model.language import detect_language, stem
from spamschutz.model.memo import BoundedMemo, size_of_strings

__all__ = [
    "DOMAIN_PREFIX",
    "EMAIL_MARKER",
    "PHONE_MARKER",
    "URL_MARKER",
    "decode_characters",
    "detect_language",
    "forget_recent_normalisations",
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

# Most comments hold none of these letters; a search is cheaper than translating every character.
_HOMOGLYPH_CHARACTERS = re.compile("[" + "".join(map(chr, _HOMOGLYPHS)) + "]")
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")

# Digits and symbols used as letters inside words ("v1agr4", "ca$ino"). Applied only to words
# that mix letters with them, so that years, prices and counts stay numbers.
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "€": "e"}
)
# An "@" that starts something like a domain ("@x.de") belongs to an address, not a word.
_LEET_CHAR = r"(?:[\w$€]|@(?![\w-]*\.))"
# A run of such characters is tried once, from its start (or, after ":", ".", "-" or an
# address's "@", from behind its first "$" or "€", the part before kept as it is): trying again
# from inside a run that failed made "$$$…" quadratic, and cannot succeed where the run's
# first try failed.
_LEET_WORD = re.compile(
    rf"(?:(?<![\w:@.$€-])|(?:(?<=[:.-])|(?<=@)(?=[\w-]*\.))(?P<kept>(?:\w|@(?![\w-]*\.))*[$€]))"
    rf"(?=(?:{_LEET_CHAR})*[a-zäöüß])(?=(?:{_LEET_CHAR})*[013457@$€])(?:{_LEET_CHAR}){{3,}}(?![\w@$€])"
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
# Tried once per run of address characters, from its start (after ":" or "@", from behind its
# first "+" or "-", the part before kept): a retry from every "-" of "-----…" was quadratic.
_EMAIL = re.compile(
    rf"(?:(?<![\w:@.+-])|(?<=[:@])(?P<kept>[\w.]*[+-]))[\w.+-]++@(?P<domain>{_DOMAIN})"
)
_PHONE = re.compile(
    r"(?<![\w:])(?:(?:\+|00)\d{1,3}[ \-/.]?(?:\(0\))?[ \-/.]?\d[\d \-/.]{5,}\d"
    r"|\(?0\d{2,5}\)?[ \-/]\d[\d \-]{4,}\d"
    r"|\(\d{3}\) ?\d{3}[ -]\d{4}|\d{3}-\d{3}-\d{4})(?!\w)"
)
_DOT_WORD = r"(?:dot|punkt)"
# "example dot com" needs a known ending (German "ein Punkt de…" is no link); bracketed forms
# ("example[.]se", "example(dot)biz") are written only to hide a link, so any ending counts.
# The name starts at the first word boundary of its run of name characters, which is where the
# run's one try begins (what precedes that boundary is kept): a retry at every boundary of
# "-0-0-0…" was quadratic, and so were white-space repetitions nested in one another.
_OBFUSCATED_DOT = re.compile(
    rf"(?<![a-z0-9-])(?P<kept>(?<!\w)-*|(?<=\w)[a-z0-9]*)\b(?P<name>[a-z0-9-]+)"
    rf"(?:\s*(?:\[\s*{_DOT_WORD}\s*\]|\(\s*{_DOT_WORD}\s*\)|\{{\s*{_DOT_WORD}\s*\}}|\[\.\]|\(\.\))"
    rf"\s*(?P<ending>[a-z]{{2,6}})|\s+{_DOT_WORD}\s+(?P<tld>{_TLDS}))\b"
)
# Cheap necessary conditions for the costly patterns above: a text without a match of the
# guard cannot match the pattern, so most comments skip it. A link needs a scheme, "www." or a
# dot before a known ending; a phone number, digits with at least four digits or separators
# between them; a spaced-out word ends in a letter between separators and a last letter.
_URL_GUARD = re.compile(rf"://|www\.|\.(?:{_TLDS})\b")
_PHONE_GUARD = re.compile(r"\d[\d \-/.]{4,}\d")
_SPACED_GUARD = re.compile(r"[ .\-_*]\w[ .\-_*]\w\b")
# Two or more letters each followed by a separator, then a letter: "f r e e". The first two
# repetitions are written out so that the many word boundaries where no spaced run starts are
# rejected before the engine sets up a repetition (same matches as ``(?:\w[ .\-_*]){2,}``).
_SPACED_LETTERS = re.compile(r"\b\w[ .\-_*]\w[ .\-_*](?:\w[ .\-_*])*\w\b")
_SPACED_SINGLE = re.compile(r"^(?:\w[ .\-_*])+\w$")
_MAX_PASSES = 8
_LEET_HINT = re.compile(r"[013457@$€]")
_SCHEME = re.compile(r"^(?:(?:https?|ftp)://)")
_NOT_HOST = re.compile(r"[^\w.-]")
_WWW = re.compile(r"^(?:www\.)+")
_WORD_OR_DOMAIN = r"dom:[\w.-]+|[^\W_]+"
# nltk's RegexpTokenizer compiles with the ``regex`` engine and runs every call under a
# wall-clock timeout, which cost more than the matching itself. The pattern is ours and cannot
# backtrack badly, so the timeout is off; for ASCII text (most comments) the standard library's
# engine gives the same tokens, faster still. Non-ASCII text keeps nltk's engine: the two
# disagree on combining marks.
_TOKENS = redos.compile(_WORD_OR_DOMAIN, re.UNICODE | re.MULTILINE | re.DOTALL, timeout=None)
# The same pattern for ASCII text, with explicit classes that the engine checks fastest.
_ASCII_TOKENS = re.compile(r"dom:[A-Za-z0-9_.-]+|[A-Za-z0-9]+")


def _url_marker(match: re.Match[str]) -> str:
    rest = _SCHEME.sub("", match.group(0))
    host = _NOT_HOST.sub("", re.split(r"[/?#:]", rest, maxsplit=1)[0])
    host = _WWW.sub("", host.strip(".-")).strip(".-")
    return f" {URL_MARKER} {DOMAIN_PREFIX}{host} " if host else f" {URL_MARKER} "


def _undot(match: re.Match[str]) -> str:
    return f"{match['kept']}{match['name']}.{match['ending'] or match['tld']}"


def _unleet(match: re.Match[str]) -> str:
    kept = match["kept"] or ""
    return kept + match.group(0)[len(kept) :].translate(_LEET)


def _email_marker(match: re.Match[str]) -> str:
    return f"{match['kept'] or ''} {EMAIL_MARKER} {DOMAIN_PREFIX}{match['domain']} "


def _join_spaced_letters(match: re.Match[str]) -> str:
    run = match.group(0)
    # Digits alone are dates, versions and addresses ("3.12.2026", "0.0.0.0"), not a word
    # spelled out: joined, they looked like phone numbers.
    if not _SPACED_SINGLE.match(run) or not any(char.isalpha() for char in run):
        return run
    return re.sub(r"[ .\-_*]", "", run)


@lru_cache(maxsize=4096)
def _hidden_replacement(char: str) -> str | None:
    """What an invisible character becomes: format characters (Cf: zero-width spaces and
    joiners, soft hyphens, bidi controls, tag characters) are removed; control characters and
    line/paragraph separators (Cc, Zl, Zp) become spaces, so that words do not melt together.
    ``None`` for a visible character."""
    category = unicodedata.category(char)
    if category == "Cf":
        return ""
    return " " if category in ("Cc", "Zl", "Zp") else None


def normalise(text: str) -> str:
    """Return a canonical form of ``text`` for scoring.

    Steps: HTML entities decoded, Unicode NFKC (full-width letters become ASCII), invisible and
    format characters removed, case folded, look-alike and leetspeak letters mapped, spaced
    letters joined, obfuscated and plain URLs, e-mail addresses and phone numbers turned into
    marker tokens that keep the domain, white space collapsed. Idempotent and never raises
    for any ``str``.

    The process keeps the texts it normalised last: a comment is normalised at intake for its
    score and again, the same string, for its campaign fingerprint when the detection links
    it a moment later, in another thread.
    """
    return _recent(text)


def forget_recent_normalisations() -> None:
    """Forget the texts normalised last (they are computed afresh)."""
    _recent.clear()


def _normalise(text: str) -> str:
    # Each step can expose work for another (an entity can hide a zero-width space, a joined
    # "f r e e" can complete a link, a mapped "€" can complete an entity), so each stage repeats
    # until nothing changes; most comments settle at once. The bound stops hostile input.
    text = _settled(_canonical_characters, text)
    for _ in range(_MAX_PASSES):
        rewritten = _rewrite(text)
        if rewritten == text:
            break
        text = _settled(_canonical_characters, rewritten)
    return text


# Normalisation is pure, so a kept result is the one that would be computed. Enough for the
# comments of the second or so between a comment's scoring and its detection (a few hundred
# under load); a miss (every text in training) costs about 3 µs beside the normalisation's
# 25. A detector links the comments of every process, so in a server of two workers it finds
# about half of them here (bench/README.md, Campaigns).
_KEPT_BYTES = 4 * 2**20
_recent: BoundedMemo[str, str] = BoundedMemo(
    _normalise, _KEPT_BYTES, lambda text, normalised: size_of_strings((text, normalised)))


def _settled(step: Callable[[str], tuple[str, bool]], text: str) -> str:
    for _ in range(_MAX_PASSES):
        result, final = step(text)
        if final or result == text:
            return result
        text = result
    return text


def decode_characters(text: str) -> str:
    """``text`` with HTML entities decoded, NFKC applied and invisible characters removed,
    case kept: what a reader sees, for signals such as shouting or length."""
    return _settled(_visible_characters, text)


def _without_hidden_characters(text: str) -> str:
    # NFKC leaves ASCII as it is, and the only invisible ASCII characters are the controls.
    # Other invisible characters are never printable, and most comments hold one kind at most
    # (a byte-order mark), so each kind present is replaced on its own.
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        if not text.isprintable():
            for char in set(_NON_ASCII.findall(text)):
                replacement = _hidden_replacement(char)
                if replacement is not None:
                    text = text.replace(char, replacement)
    return text if text.isprintable() else _ASCII_CONTROL.sub(" ", text)


# One pass of each character stage; the flag says the result is certainly what another pass
# would return, which spares most comments the confirming pass: ASCII text without entities,
# once free of invisible characters (and folded, for the canonical stage), has nothing left
# for a pass to change.


def _visible_characters(text: str) -> tuple[str, bool]:
    text = _without_hidden_characters(text)
    if "&" in text:
        return html.unescape(text), False
    return text, text.isascii()


def _canonical_characters(text: str) -> tuple[str, bool]:
    text = _without_hidden_characters(text).casefold()
    if not text.isascii() and _HOMOGLYPH_CHARACTERS.search(text):
        text = text.translate(_HOMOGLYPHS)
    if "&" in text:
        return html.unescape(text), False
    return text, text.isascii()


def _collapse_whitespace(text: str) -> str:
    # Every run of white space becomes one space, as re.sub(r"\s+", " ") does (both use
    # str.isspace), but without a regular expression; the ends are kept, not stripped.
    words = text.split()
    if not words:
        return " " if text else ""
    joined = " ".join(words)
    if text[0].isspace():
        joined = " " + joined
    return joined + " " if text[-1].isspace() else joined


def _rewrite(text: str) -> str:
    # Substring checks and the guards skip the regular expressions that cannot match, which is
    # most of them for most comments.
    # Before white space is collapsed: a double space marks the end of a spaced-out word
    # ("f r e e  m o n e y" is two words).
    if _SPACED_GUARD.search(text):
        text = _SPACED_LETTERS.sub(_join_spaced_letters, text)
    text = _collapse_whitespace(text)
    if "@" in text:
        text = _EMAIL.sub(_email_marker, text)
    text = _sub_in_guarded_words(_LEET_WORD, _LEET_HINT, _unleet, text)
    if "dot" in text or "punkt" in text or "[.]" in text or "(.)" in text:
        text = _OBFUSCATED_DOT.sub(_undot, text)
    text = _sub_in_guarded_words(_URL, _URL_GUARD, _url_marker, text)
    if _PHONE_GUARD.search(text):
        text = _PHONE.sub(f" {PHONE_MARKER} ", text)
    return " ".join(text.split())


def _sub_in_guarded_words(
    pattern: re.Pattern[str],
    guard: re.Pattern[str],
    replace: Callable[[re.Match[str]], str],
    text: str,
) -> str:
    # ``pattern.sub(replace, text)``, applied only to the space-separated words where ``guard``
    # matches. Exact for the leetspeak and link patterns: their matches never hold a space, a
    # space satisfies their look-arounds as the edge of a string does, and every match lies in
    # a word that holds a guard match. The costly pattern then reads a word or two, not the text.
    parts: list[str] = []
    done = 0
    for hit in guard.finditer(text):
        if hit.start() < done:
            continue  # another hit in the word just rewritten
        start = text.rfind(" ", 0, hit.start()) + 1
        end = text.find(" ", hit.end())
        end = len(text) if end < 0 else end
        parts += (text[done:start], pattern.sub(replace, text[start:end]))
        done = end
    return "".join((*parts, text[done:])) if parts else text


def tokenise(normalised: str) -> list[str]:
    """Split normalised text into word tokens (domain markers stay whole), as nltk's
    ``RegexpTokenizer`` with the same pattern does."""
    if normalised.isascii():
        return _ASCII_TOKENS.findall(normalised)
    return _TOKENS.findall(normalised)

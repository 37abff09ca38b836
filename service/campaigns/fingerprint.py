"""What a comment shares with others: its text's MinHash, link domains, phone numbers, e-mails.

:func:`fingerprint_comment` is pure (no Flask, no database). It turns one comment into the
keys under which the detection (:mod:`spamschutz.service.storage.campaigns`) looks for earlier
comments:

- ``t<band>:…`` band keys of a MinHash over character 5-grams of the normalised text, from
  which quotes, links, addresses and numbers are taken out, so spun variants, changed names,
  numbers and links still meet. Short texts get none: "Danke!" is not a campaign.
- ``d:<domain>`` a linked domain (its registrable part), unless it is a reference or common
  site (an encyclopaedia, a video platform, a newspaper, a government), which honest readers
  link all the time;
- ``p:<digits>`` a phone number, ``e:<address>`` an e-mail address in the text;
- ``m:<domain>`` the commenter's e-mail domain, unless a free-mail provider's;
- ``w:<domain>`` the domain of the commenter's website field, unless a common site;
- ``s:<hash>`` the sender (address hash, e-mail hash), for bursts across threads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from spamschutz.model.features import plain_text
from spamschutz.model.text import normalise
from spamschutz.service.campaigns import minhash

__all__ = [
    "COMMON_DOMAINS",
    "FREE_MAIL_DOMAINS",
    "MIN_TEXT_CHARACTERS",
    "Fingerprint",
    "fingerprint_before_minhash",
    "fingerprint_comment",
    "registrable_domain",
    "with_minhashes",
]

# Texts shorter than this (after quotes, links and numbers are taken out) never join a
# campaign on their text: short thanks and agreement ("Danke!", "Sehe ich genauso.") are
# written by many readers in the same words.
MIN_TEXT_CHARACTERS = 40
MIN_TEXT_WORDS = 6

# Sites honest readers link to as a reference; a campaign is never recognised by them.
COMMON_DOMAINS = frozenset({
    "wikipedia.org", "wikimedia.org", "wiktionary.org", "duden.de", "archive.org",
    "youtube.com", "youtu.be", "vimeo.com", "google.com", "google.de", "google.at",
    "facebook.com", "twitter.com", "x.com", "instagram.com", "reddit.com", "linkedin.com",
    "github.com", "tiktok.com", "spotify.com", "apple.com",
    "derstandard.at", "orf.at", "diepresse.com", "kurier.at", "krone.at", "spiegel.de",
    "zeit.de", "sueddeutsche.de", "faz.net", "welt.de", "tagesschau.de", "zdf.de", "ard.de",
    "heise.de", "taz.de", "nzz.ch", "srf.ch", "bild.de", "n-tv.de", "focus.de", "stern.de",
    "nytimes.com", "theguardian.com", "bbc.co.uk", "bbc.com", "cnn.com", "reuters.com",
    "apnews.com", "washingtonpost.com", "economist.com",
    "bund.de", "bundesregierung.de", "bundestag.de", "destatis.de", "europa.eu", "admin.ch",
    "statistik.at", "parlament.gv.at", "who.int", "un.org", "oecd.org",
})
# Government and academic endings: links readers cite.
_COMMON_ENDINGS = (".gv.at", ".gov", ".gov.uk", ".admin.ch", ".ac.at", ".edu", ".ac.uk")
# Shared by millions of honest readers: the e-mail domain tells nothing about them.
FREE_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "web.de", "gmx.de", "gmx.at", "gmx.net", "gmx.ch",
    "gmx.com", "yahoo.com", "yahoo.de", "hotmail.com", "hotmail.de", "outlook.com",
    "outlook.de", "live.com", "live.de", "icloud.com", "me.com", "t-online.de", "aon.at",
    "chello.at", "a1.net", "mail.de", "posteo.de", "mailbox.org", "proton.me",
    "protonmail.com", "freenet.de", "aol.com", "yandex.ru", "mail.ru", "bluewin.ch",
})
# Second-level endings under which a registrable domain has three labels.
_SECOND_LEVEL = frozenset({
    "co.uk", "org.uk", "ac.uk", "gov.uk", "co.at", "or.at", "ac.at", "gv.at", "com.au",
    "co.jp", "com.br", "co.in", "co.nz", "co.za", "com.tr", "com.cn", "com.ru",
})

# Quoted passages: readers quote the article (and one another) in the same words. Opening
# quote -> the closing quotes that end it; a quote longer than _MAX_QUOTE is no quote.
_QUOTE_PAIRS = {"„": "“”\"", "“": "”", "»": "«", "«": "»", '"': '"'}
_MAX_QUOTE = 600
_OPENING_QUOTE = re.compile("[" + re.escape("".join(_QUOTE_PAIRS)) + "]")
_DOMAIN_MARKER = re.compile(r"\b(urlx|emailx) dom:([\w.-]+)")
_MARKERS = re.compile(r"\b(?:urlx|emailx|phonex)\b|dom:\S+")
_MARKER_WORDS = ("urlx", "emailx", "phonex", "dom:")
_DIGITS = re.compile(r"\d+")
_NOT_LETTERS = re.compile(r"[\W_]+")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@((?:[a-z0-9-]{1,63}\.)+[a-z]{2,24})\b", re.I)
# A leading +, 00 or 0, then digits with single separators; "(0)" as in "+49 (0)151".
_PHONE = re.compile(r"(?<![\w+])(?:\+|00|0)\d(?:[ \t\-/.]?(?:\(0\))?[ \t\-/.]?\d){5,16}(?!\w)")
_MIN_PHONE_DIGITS = 7


@dataclass(frozen=True)
class Fingerprint:
    """The keys a comment is found under, and its text's signature (``None``: too short)."""

    signature: bytes | None = None
    text_keys: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    mail_domain: str | None = None
    # The domain of the website field: readers give their own (each a different one), so one
    # shared by commenters in other articles is a campaign's (backlink spam), whatever the text.
    website: str | None = None
    senders: tuple[str, ...] = field(default=())
    # The text the MinHash is taken of (see fingerprint_before_minhash); None: too short.
    shingled: str | None = None

    def index_keys(self) -> list[str]:
        """Every key, as stored in the detection's index."""
        return [
            *self.text_keys,
            *(f"d:{domain}" for domain in self.domains),
            *(f"p:{phone}" for phone in self.phones),
            *(f"e:{email}" for email in self.emails),
            *((f"m:{self.mail_domain}",) if self.mail_domain else ()),
            *((f"w:{self.website}",) if self.website else ()),
            *(f"s:{sender}" for sender in self.senders),
        ]


def registrable_domain(host: str) -> str:
    """``shop.example.co.uk`` → ``example.co.uk``; ``www.example.com`` → ``example.com``."""
    labels = [label for label in host.lower().strip(".").split(".") if label]
    if len(labels) >= 3 and ".".join(labels[-2:]) in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def is_common_domain(domain: str, extra: Iterable[str] = ()) -> bool:
    """True for reference and common sites (and ``extra``, the site's own list)."""
    return (
        domain in COMMON_DOMAINS
        or domain in extra
        or any(("." + domain).endswith(ending) for ending in _COMMON_ENDINGS)
    )


def _phones(text: str) -> list[str]:
    # Every number begins with "+" or "0"; without either the pattern's scan finds nothing.
    if "0" not in text and "+" not in text:
        return []
    found = []
    for match in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group(0))
        if match.group(0).startswith("+"):
            digits = "00" + digits
        # One number however it is written: +49 151…, 0049 151…, 0151… (German numbers).
        if digits.startswith(("0049", "0043")):
            digits = digits[4:] if digits[4:5] == "0" else "0" + digits[4:]
        if len(digits) >= _MIN_PHONE_DIGITS:
            found.append(digits)
    return found


def without_quotes(text: str) -> str:
    """``text`` without quoted passages and without lines quoted with ``>``.

    A scan rather than a regular expression: with many opening quotes and no closing one,
    a pattern would read the rest of the text from each of them. Here each closing quote's
    next position is looked up once and reused, so the work stays linear. The scan jumps from
    one opening quote to the next: most comments hold none, and a step per character was a
    third of the fingerprint's time.
    """
    lines = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
    text = "\n".join(lines)
    kept: list[str] = []
    next_close: dict[str, int] = {}
    position = 0
    while (opening := _OPENING_QUOTE.search(text, position)) is not None:
        start = opening.start()
        kept.append(text[position:start])
        ends = []
        for closer in _QUOTE_PAIRS[text[start]]:
            found = next_close.get(closer)
            if found is None or (found != -1 and found <= start):
                found = next_close[closer] = text.find(closer, start + 1)
            if found != -1:
                ends.append(found)
        if ends and min(ends) - start <= _MAX_QUOTE:
            kept.append(" ")
            position = min(ends) + 1
        else:
            kept.append(text[start])
            position = start + 1
    kept.append(text[position:])
    return "".join(kept)


def _text_for_shingles(normalised: str) -> str:
    text = normalised
    # The pattern tries its alternatives at every position; most texts hold no marker.
    if any(marker in text for marker in _MARKER_WORDS):
        text = _MARKERS.sub(" ", text)
    text = _DIGITS.sub("0", text)
    # Every run of other characters is one space now, and no letter or digit is white space:
    # only the ends are left to trim (as " ".join(text.split()) would, in one pass less).
    return _NOT_LETTERS.sub(" ", text).strip(" ")


def fingerprint_comment(
    text: str,
    author_email: str | None = None,
    author_url: str | None = None,
    senders: Iterable[str] = (),
    common_domains: Iterable[str] = (),
) -> Fingerprint:
    """The comment's :class:`Fingerprint`. ``senders`` are its address and e-mail hashes;
    ``common_domains`` are more sites never to group by (the site's own domain, say)."""
    return with_minhashes([fingerprint_before_minhash(
        text, author_email, author_url, senders, common_domains)])[0]


def fingerprint_before_minhash(
    text: str,
    author_email: str | None = None,
    author_url: str | None = None,
    senders: Iterable[str] = (),
    common_domains: Iterable[str] = (),
) -> Fingerprint:
    """The comment's :class:`Fingerprint` but its text's MinHash: ``shingled`` holds the text
    it is taken of (``None``: too short), for :func:`with_minhashes`. No NumPy: see there."""
    extra = frozenset(common_domains)
    # The text the model scored, so that the normalisation done for its score is reused.
    plain = plain_text(text)
    unquoted = without_quotes(plain)
    normalised = normalise(unquoted)
    # Links count in quotes too; most comments quote nothing and are normalised once.
    with_quotes = normalised if unquoted == plain else normalise(plain)
    domains = {
        registrable_domain(host)
        for kind, host in _DOMAIN_MARKER.findall(with_quotes)
        if kind == "urlx"
    } if "dom:" in with_quotes else set()
    website = None
    if author_url:
        host = urlsplit(author_url if "://" in author_url else f"http://{author_url}").hostname
        if host:
            website = registrable_domain(host)
    # The pattern looks behind at every position; most comments hold no "@" to find.
    emails = {match.group(0).lower() for match in _EMAIL.finditer(text)} if "@" in text else set()
    mail_domain = None
    if author_email and "@" in author_email:
        candidate = registrable_domain(author_email.rsplit("@", 1)[1])
        if candidate and candidate not in FREE_MAIL_DOMAINS and not is_common_domain(
            candidate, extra
        ):
            mail_domain = candidate
    shingled = _text_for_shingles(normalised)
    # Words are separated by single spaces in the shingled text.
    long_enough = len(shingled) >= MIN_TEXT_CHARACTERS and shingled.count(" ") + 1 >= MIN_TEXT_WORDS
    return Fingerprint(
        domains=tuple(sorted(d for d in domains if d and not is_common_domain(d, extra))),
        website=website if website and not is_common_domain(website, extra) else None,
        phones=tuple(sorted(set(_phones(text)))),
        emails=tuple(sorted(emails)),
        mail_domain=mail_domain,
        senders=tuple(sorted({sender for sender in senders if sender})),
        shingled=shingled if long_enough else None,
    )


def with_minhashes(fingerprints: Sequence[Fingerprint]) -> list[Fingerprint]:
    """``fingerprints`` (from :func:`fingerprint_before_minhash`) with their texts' MinHash
    signatures and band keys, taken for all of them at once.

    NumPy gives up the interpreter lock for each operation on more than a few hundred values:
    with the request threads waiting for it, taking it back after each was most of a
    fingerprint's CPU in the server (three times its own work alone, in-process with four busy
    threads). Together the texts of a batch give it up a few times instead of a few times
    each.
    """
    signatures = iter(minhash.text_signatures(
        [fingerprint.shingled for fingerprint in fingerprints if fingerprint.shingled]))
    done = []
    for fingerprint in fingerprints:
        if fingerprint.shingled:
            values = next(signatures)
            fingerprint = replace(fingerprint, signature=minhash.encode_signature(values),
                                  text_keys=tuple(minhash.band_keys(values)))
        done.append(fingerprint)
    return done

"""Variants of real comments that must not change what the model thinks of them.

Pure, seeded functions for behavioural checks (CheckList's invariance tests, Ribeiro et al.,
ACL 2020) and the day-one benchmark: the same comment with a personal website in the form's
website field, with other line endings, or with a reference link a reader added as a source.
Every choice is derived from the comment's own text and a seed through a stable hash, so a
variant is the same on every run and every machine, yet the comments of a file get varied
websites and citations rather than one pattern a model could learn.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from typing import TypeVar

from spamschutz.training.data import LabelledComment

__all__ = [
    "LINE_ENDINGS",
    "personal_website",
    "reference_link",
    "with_line_endings",
    "with_reference_link",
    "with_website",
]

T = TypeVar("T")

# The three line endings comments arrive with: browsers send a textarea's lines as "\r\n",
# apps and APIs usually "\n", old Mac exports "\r". Keys are how reports name them.
LINE_ENDINGS = {"\\n": "\n", "\\r\\n": "\r\n", "\\r": "\r"}

# fmt: off
_FIRST_NAMES = (
    "anna", "jan", "lena", "lukas", "sophie", "felix", "marie", "jonas", "katharina", "stefan",
    "petra", "thomas", "sabine", "michael", "julia", "andreas", "elif", "mehmet", "ursula",
    "jürgen", "maximilian", "hannah", "matthias", "claudia", "florian", "barbara", "reto",
    "nadine", "dominik", "ines", "tobias", "vesna", "david", "emma", "oliver", "sarah",
)
_LAST_NAMES = (
    "berger", "müller", "huber", "wagner", "schmid", "gruber", "weber", "bauer", "hofer",
    "schneider", "fischer", "mayer", "steiner", "moser", "keller", "brunner", "meier", "jäger",
    "köhler", "schröder", "groß", "wolf", "lehner", "novak", "horvath", "yilmaz", "kovačević",
    "zimmermann", "hartmann", "lang", "baumgartner", "frei", "wyss", "pichler", "winkler",
)
_TRADES = (
    "tischlerei", "malerei", "fotografie", "physiotherapie", "elektro", "gaertnerei",
    "steuerberatung", "zahnarzt", "weingut", "baeckerei", "architektur", "praxis",
)
# fmt: on
_TOWNS = ("graz", "linz", "innsbruck", "dornbirn", "wels", "villach", "steyr", "baden")
_UNIVERSITY_TOWNS = ("kassel", "leipzig", "freiburg", "potsdam", "bonn", "mannheim", "hamburg")

# Shapes of the websites readers give: their own domain in several spellings and countries,
# a blog, a code host's pages, their trade, a university page, a profile on a platform.
_WEBSITE_SHAPES = (
    "https://www.{first}-{last}.de",
    "https://{first}{last}.at",
    "https://blog.{last}.net",
    "https://blog.{first}{last}.net/",
    "https://{first}{last}.github.io",
    "https://{first}-{last}.github.io/",
    "https://www.{trade}-{last}.at",
    "https://www.{trade}-{last}.de/",
    "http://www.{trade}{last}.ch",
    "https://homepage.univie.ac.at/{first}.{last}/",
    "https://www.tu-berlin.de/~{last}",
    "https://people.ethz.ch/~{first}{last}/",
    "https://www.uni-{university}.de/personen/{first}-{last}",
    "https://www.cs.ox.ac.uk/people/{first}.{last}/",
    "https://www.{last}.ch",
    "https://{first}-{last}.ch/",
    "https://{first}{last}.com",
    "https://www.{first}{last}photography.com",
    "https://{last}-familie.org",
    "https://www.musikverein-{town}.org/",
    "https://{first}{last}.wordpress.com",
    "https://www.linkedin.com/in/{first}-{last}/",
    "http://{first}.{last}.name",
    "https://www.{last}-{town}.at",
)

# Pages a reader cites: encyclopaedias, public broadcasters, statistics offices, government
# and city portals, newspapers; with the numbers and long paths such links really have.
_REFERENCES = {
    "de": (
        "https://de.wikipedia.org/wiki/Mehrwertsteuer",
        "https://de.wikipedia.org/wiki/Gemeinn%C3%BCtziger_Wohnbau",
        "https://de.wikipedia.org/wiki/Ukraine#Politisches_System",
        "https://www.tagesschau.de/inland/innenpolitik/bundeshaushalt-haushaltsentwurf-100.html",
        "https://www.tagesschau.de/faktenfinder/",
        "https://www.bund.de/DE/Themen/Steuern/steuern_node.html",
        "https://www.destatis.de/DE/Themen/Wirtschaft/Preise/Verbraucherpreisindex/_inhalt.html",
        "https://www.derstandard.at/story/2000140612345/die-mieten-steigen-schneller-als-die-loehne",
        "https://www.derstandard.at/story/3000000201234/was-die-reform-bringt",
        "https://orf.at/stories/3312087/",
        "https://wien.orf.at/stories/3245600/",
        "https://www.wien.gv.at/verkehr/radfahren/",
        "https://www.statistik.at/statistiken/bevoelkerung-und-soziales/bevoelkerung",
        "https://www.ris.bka.gv.at/GeltendeFassung.wxe?Abfrage=Bundesnormen&Gesetzesnummer=10002296",
        "https://www.admin.ch/gov/de/start.html",
        "https://www.srf.ch/news/schweiz/abstimmung-ueber-die-13-ahv-rente",
        "https://www.bbc.co.uk/news/world-europe-60506682",
        "https://en.wikipedia.org/wiki/Value-added_tax",
    ),
    "en": (
        "https://en.wikipedia.org/wiki/Gangnam_Style",
        "https://en.wikipedia.org/wiki/Billboard_Hot_100",
        "https://en.wikipedia.org/wiki/List_of_most-viewed_YouTube_videos",
        "https://www.bbc.co.uk/news/entertainment-arts-20512349",
        "https://www.bbc.co.uk/sport/football/world-cup",
        "https://www.theguardian.com/music/2014/jan/02/katy-perry-roar-review",
        "https://www.rollingstone.com/music/music-news/eminem-love-the-way-you-lie-123456/",
        "https://www.reuters.com/world/europe/",
        "https://de.wikipedia.org/wiki/Waka_Waka_(This_Time_for_Africa)",
        "https://orf.at/stories/3312087/",
    ),
}
_CITATIONS = {
    "de": (
        "{text}{nl}{nl}Quelle: {url}",
        "{text} Siehe {url}",
        "{text}{nl}{url}",
        "{text} (Quelle: {url})",
        "{text}{nl}{nl}Nachzulesen hier: {url}",
        "{url}{nl}{nl}{text}",
        "{text}{nl}{nl}Zum Nachlesen: {url}",
    ),
    "en": (
        "{text}{nl}{nl}Source: {url}",
        "{text} (see {url})",
        "{text}{nl}{url}",
        "{text} More here: {url}",
        "{url}{nl}{nl}{text}",
    ),
}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _choose(options: Sequence[T], seed: int, purpose: str, key: str) -> T:
    # blake2b, not hash(): Python salts str hashes per process, and a variant must be the same
    # on every run.
    digest = hashlib.blake2b(f"{seed}\0{purpose}\0{key}".encode(), digest_size=8).digest()
    return options[int.from_bytes(digest, "big") % len(options)]


def _domain_label(name: str) -> str:
    """A name as it is spelt in a domain: umlauts transliterated, other accents dropped."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_TRANSLITERATION))
    return "".join(char for char in decomposed if char.isascii())


def personal_website(key: str, seed: int = 0) -> str:
    """A plausible personal website for the comment ``key`` (its text), the same for the same
    key and seed: a name's own domain (.de, .at, .ch, .com, .org, .net), a blog, GitHub pages,
    a trade's site, a university page or a profile."""
    first = _domain_label(_choose(_FIRST_NAMES, seed, "first", key))
    last = _domain_label(_choose(_LAST_NAMES, seed, "last", key))
    trade = _choose(_TRADES, seed, "trade", key)
    town = _choose(_TOWNS, seed, "town", key)
    university = _choose(_UNIVERSITY_TOWNS, seed, "university", key)
    shape = _choose(_WEBSITE_SHAPES, seed, "shape", key)
    return shape.format(first=first, last=last, trade=trade, town=town, university=university)


def with_website(comment: LabelledComment, seed: int = 0) -> LabelledComment:
    """``comment`` with :func:`personal_website` of its text in the website (url) field."""
    return replace(comment, url=personal_website(comment.text, seed))


def with_line_endings(text: str, ending: str) -> str:
    """``text`` with every line break (``\\r\\n``, ``\\r`` or ``\\n``) written as ``ending``."""
    return _LINE_BREAK.sub(ending, text)


def reference_link(key: str, lang: str = "de", seed: int = 0) -> str:
    """A link to a reference page a reader of a ``lang`` ("de" or "en") site might cite, the
    same for the same key and seed."""
    return _choose(_REFERENCES[lang], seed, "reference", key)


def with_reference_link(
    comment: LabelledComment, lang: str = "de", seed: int = 0
) -> LabelledComment:
    """``comment`` citing :func:`reference_link` as a reader would: after a blank line as
    "Quelle: …", in brackets, on a line of its own, or before the text; line breaks in the
    comment's own style (a browser's ``\\r\\n`` when it has none)."""
    found = _LINE_BREAK.search(comment.text)
    line_break = found.group() if found else "\r\n"
    template = _choose(_CITATIONS[lang], seed, "citation", comment.text)
    url = reference_link(comment.text, lang, seed)
    text = template.format(text=comment.text, url=url, nl=line_break)
    return replace(comment, text=text)

"""What kind of site a link points to: a reference, a short link, a chat invitation, a cheap domain.

The presence of a link says little; where it leads says more. A reader citing wikipedia.org or a
ministry and a stranger sending readers to a throw-away domain both "post a link". Each link in a
comment therefore becomes a token of its kind (``urlref``, ``urlshort``, ...) beside its domain,
so the model learns a weight per kind, and a link to a reference site never counts as a plain link.
The lists live in ``link_kinds.toml``; the site's own domains are set at start
(``SPAMSCHUTZ_SITE_DOMAINS``) and count as references.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

__all__ = ["KIND_TOKENS", "link_kind", "use_site_domains"]

# The token a link of each kind becomes; "other" keeps the generic link marker.
KIND_TOKENS = {
    "reference": "urlref",
    "shortener": "urlshort",
    "messenger": "urlchat",
    "video": "urlvideo",
    "throwaway": "urlcheap",
    "other": "urlx",
}


def _load_kinds() -> dict[str, frozenset[str]]:
    kinds = resources.files("spamschutz.model").joinpath("link_kinds.toml")
    text = kinds.read_text(encoding="utf-8")
    return {name: frozenset(values) for name, values in tomllib.loads(text).items()}


_KINDS = _load_kinds()
_site_domains: frozenset[str] = frozenset()


def use_site_domains(domains: Iterable[str]) -> None:
    """Count links to these domains (the site's own) as references from now on."""
    global _site_domains
    _site_domains = frozenset(_bare(domain) for domain in domains if _bare(domain))
    link_kind.cache_clear()


def _bare(domain: str) -> str:
    domain = domain.strip().casefold().rstrip(".")
    return domain.removeprefix("www.")


def _suffixes(domain: str) -> list[str]:
    parts = domain.split(".")
    return [".".join(parts[i:]) for i in range(len(parts))]


@lru_cache(maxsize=8192)
def link_kind(domain: str) -> str:
    """The kind of ``domain``: reference, shortener, messenger, video, throwaway or other."""
    domain = _bare(domain)
    suffixes = _suffixes(domain)
    if any(suffix in _site_domains for suffix in suffixes):
        return "reference"
    for kind in ("shortener", "messenger", "video", "reference"):
        if any(suffix in _KINDS[kind] for suffix in suffixes):
            return kind
    if suffixes[-1] in _KINDS["throwaway_tlds"]:
        return "throwaway"
    return "other"
